// The parts of dbus-next's internals that large-bodies.ts and managed-objects-reply.ts take over or use:
// how a connection turns bytes into messages, and a message into bytes.
declare module "dbus-next/lib/message.js" {
    const message: {
        unmarshalMessages(stream: NodeJS.ReadableStream, onMessage: (message: Record<string, unknown>) => void, opts: unknown): void;
    };
    export default message;
}
declare module "dbus-next/lib/dbus-buffer.js" {
    class DBusBuffer {
        constructor(buffer: Buffer, startPos: number, endian: number, fds: unknown, options: unknown);
        pos: number;
        align(power: number): void;
        readArray(signature: unknown, length: number): Array<[number, [unknown, unknown[]]]>;
        read(signature: string): unknown[];
    }
    export default DBusBuffer;
}
declare module "dbus-next/lib/marshall-compat.js" {
    const compat: {
        messageToJsFmt(message: { signature: string; body: unknown[] }): { body: unknown[] };
        /* a whole message as it goes on the wire, and the descriptors it carries */
        marshallMessage(message: object): [Buffer, number[]];
    };
    export default compat;
}
declare module "dbus-next/lib/constants.js" {
    const constants: { headerTypeName: Array<string | null> };
    export default constants;
}
