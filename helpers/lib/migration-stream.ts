// The start of a migration's data stream between two nodes' SSH sessions: the
// sending node opens a stream's session before QEMU needs it (so that SSH's
// and the forced command's start-up are not on the migration's path) and
// writes STREAM_GO first when QEMU connects; only then does the other node
// connect to the socket its QEMU listens on, and everything after that byte
// is QEMU's own data.
export const STREAM_GO = 0x67;

/** The streams' format, named in the migration's handshake (migration-prepare and its answer) so that two nodes
 * of different versions refuse before anything moves: 1 (never named) carried QEMU's bytes from the start, without
 * STREAM_GO; a node of version 2 waiting for the go on such a stream would wait for ever on a disk stream, whose
 * first bytes come from the receiving side. */
export const STREAM_VERSION = 2;

/* Why a node (the `other` one, its part in the migration `role`) cannot take part in a migration with this
 * node, by the stream version it named (undefined: it named none, so 1); null when both speak the same. */
export function streamVersionProblem(named: unknown, other: string, role: "sending" | "receiving"): string | null {
    const theirs = named === undefined ? 1 : named;
    if (theirs === STREAM_VERSION)
        return null;
    const said = typeof theirs === "number" && Number.isSafeInteger(theirs) ? `version ${theirs}` : "an unknown version";
    return `the ${role} node ${other} moves machines with migration streams of ${said}, this node with version ${STREAM_VERSION}: `
        + "install the same DebVisor version on both first; nothing was moved";
}

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
