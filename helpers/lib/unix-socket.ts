// Connecting to a server that is still starting on a Unix socket: a server
// binds its socket (the file appears) a moment before it listens on it, and a
// connection in between is refused. Such a refusal, or a socket not there
// yet, is tried again until the server listens, gives up (`gone`), or the
// time is up.
import net from "node:net";

const RETRY_MS = 20;

export async function connectWhenListening(path: string, gone: () => boolean, timeoutMs: number): Promise<net.Socket> {
    const until = Date.now() + timeoutMs;
    for (;;) {
        const socket = net.createConnection(path);
        try {
            await new Promise<void>((resolve, reject) => {
                socket.once("connect", resolve);
                socket.once("error", reject);
            });
            return socket;
        } catch (e) {
            socket.destroy();
            const code = (e as NodeJS.ErrnoException).code;
            if ((code !== "ENOENT" && code !== "ECONNREFUSED") || gone() || Date.now() > until)
                throw e;
        }
        await new Promise(resolve => setTimeout(resolve, RETRY_MS));
    }
}
