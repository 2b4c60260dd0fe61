// Method calls with large arguments are not unmarshalled when they arrive.
// dbus-next turns every message's body into JavaScript values as soon as its
// bytes are read, synchronously: 4.6 MiB of arguments took 2 s, during which
// no other client got an answer, and a caller that may not call the method at
// all could do that in a loop. Here a connection's bytes are cut into messages
// the same way (the D-Bus wire format: a 16-byte header with the body's length,
// the header fields, the body), but the body of a method call larger than
// HOLD_ABOVE_BYTES is kept as bytes: the object server refuses it outright when
// it exceeds the method's limit, and the call pipeline reads it only after
// polkit allowed the call. (Exported for its unit test: readMessages.)
import DBusBuffer from "dbus-next/lib/dbus-buffer.js";
import constants from "dbus-next/lib/constants.js";
import headerSignature from "dbus-next/lib/header-signature.json";
import compat from "dbus-next/lib/marshall-compat.js";
import messageModule from "dbus-next/lib/message.js";

export const HOLD_ABOVE_BYTES = 64 * 1024;
const HEADER_BYTES = 16;
const METHOD_CALL = 1;
const LITTLE_ENDIAN = "l".charCodeAt(0);

/** The arguments of a method call, still as bytes. */
export interface HeldBody {
    signature: string;
    bytes: number;
    /* unmarshals the arguments, as dbus-next would have (throws on malformed data) */
    read(): unknown[];
}

// set only while the message is being handed on, which dbus-next does synchronously
let current: HeldBody | null = null;

/* The held body of the method call being handled now, if it has one. */
export function heldBody(): HeldBody | null {
    return current;
}

type Chunk = Buffer | { data: Buffer; fds?: unknown } | null;

export function readMessages(stream: NodeJS.ReadableStream, onMessage: (message: Record<string, unknown>) => void, opts: unknown): void {
    let header: Buffer | null = null;
    stream.on("readable", () => {
        for (;;) {
            if (!header) {
                header = stream.read(HEADER_BYTES) as Buffer | null;
                if (!header)
                    return;
            }
            const head = header;
            const endian = head[0];
            const u32 = (at: number) => endian === LITTLE_ENDIAN ? head.readUInt32LE(at) : head.readUInt32BE(at);
            const bodyBytes = u32(4), fieldsBytes = u32(12);
            const chunk = (stream as unknown as { read(n: number, fds: null): Chunk }).read(((fieldsBytes + 7) & ~7) + bodyBytes, null);
            if (!chunk)
                return; // the rest has not arrived yet
            header = null;
            const data = Buffer.isBuffer(chunk) ? chunk : chunk.data;
            const fds = Buffer.isBuffer(chunk) ? undefined : chunk.fds;
            const buffer = new DBusBuffer(data, 0, endian, fds, opts);
            const message: Record<string, unknown> = { serial: u32(8), type: head[1], flags: head[2] };
            for (const [code, value] of buffer.readArray(headerSignature[0].child[0], fieldsBytes))
                message[constants.headerTypeName[code] as string] = value[1][0];
            buffer.align(3);
            let held: HeldBody | null = null;
            const signature = message.signature as string | undefined;
            if (bodyBytes > 0 && signature) {
                if (head[1] === METHOD_CALL && bodyBytes > HOLD_ABOVE_BYTES) {
                    const start = buffer.pos;
                    held = {
                        signature, bytes: bodyBytes,
                        read: () => {
                            const body = new DBusBuffer(data, 0, endian, fds, opts);
                            body.pos = start;
                            return compat.messageToJsFmt({ signature, body: body.read(signature) }).body;
                        },
                    };
                    message.signature = ""; // dbus-next then converts nothing
                } else {
                    message.body = buffer.read(signature);
                }
            }
            current = held;
            try {
                onMessage(message);
            } finally {
                current = null;
            }
        }
    });
}

/* Makes every dbus-next connection opened from now on hold large method-call bodies. */
export function holdLargeBodies(): void {
    messageModule.unmarshalMessages = readMessages;
}
