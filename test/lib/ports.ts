// Ports for the servers a test starts on 127.0.0.1: a free one from the
// kernel, and whether something accepts connections on one yet.
import net from "node:net";

/* A port nobody listens on now, from the kernel. */
export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const { port } = server.address() as net.AddressInfo;
            server.close(() => resolve(port));
        });
    });
}

export const accepts = (port: number) => new Promise<boolean>(resolve => {
    const socket = net.connect(port, "127.0.0.1", () => { socket.destroy(); resolve(true) });
    socket.once("error", () => resolve(false));
});
