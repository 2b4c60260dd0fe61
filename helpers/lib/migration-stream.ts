// The start of a migration's data stream between two nodes' SSH sessions: the
// sending node opens a stream's session before QEMU needs it (so that SSH's
// and the forced command's start-up are not on the migration's path) and
// writes STREAM_GO first when QEMU connects; only then does the other node
// connect to the socket its QEMU listens on, and everything after that byte
// is QEMU's own data.
export const STREAM_GO = 0x67;

/* Waits for STREAM_GO at the start of `input`: what came after it in the same read, or null when the input ended first.
 * The input is left paused, for the caller to pipe on. */
export function waitForGo(input: NodeJS.ReadableStream): Promise<Buffer | null> {
    return new Promise((resolve, reject) => {
        const done = () => {
            input.off("data", onData);
            input.off("end", onEnd);
        };
        const onData = (chunk: Buffer | string) => {
            input.pause();
            done();
            const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
            if (bytes[0] !== STREAM_GO)
                reject(new Error("the migration's stream did not start with the sending node's go"));
            else
                resolve(bytes.subarray(1));
        };
        const onEnd = () => {
            done();
            resolve(null);
        };
        input.on("data", onData);
        input.on("end", onEnd);
    });
}
