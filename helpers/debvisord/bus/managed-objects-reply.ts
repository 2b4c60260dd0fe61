// GetManagedObjects' answer, put together from bytes kept per object.
// dbus-next marshals in JavaScript, value by value: the whole tree of a host
// with 300 machines took 150 to 900 ms on two cores, every time a page opened,
// and nothing else was answered meanwhile. An object's part of the answer
// only changes when the object is published again, so each object's bytes
// are marshalled once (by dbus-next itself) and kept until then; an answer
// copies them into the array the D-Bus wire format describes.
//
// The wire format makes this exact: the answer's one argument is an array of
// dict entries {oa{sa{sv}}}, and each entry starts on an 8-byte boundary. An
// entry marshalled on its own as a message body of the arguments
// "oa{sa{sv}}" (a body also starts on an 8-byte boundary) is therefore the
// same bytes it is inside the array. The array itself is its byte length
// (uint32), padding to 8, then the entries, each padded to 8 from the array's
// start.
import dbus from "dbus-next";
import compat from "dbus-next/lib/marshall-compat.js";

const { Message } = dbus;
type DBusMessage = InstanceType<typeof Message>;

export const MANAGED_OBJECTS_SIGNATURE = "a{oa{sa{sv}}}";
const ENTRY_SIGNATURE = "oa{sa{sv}}";
const ALIGN = 8;
/** where a marshalled message says its body's length (the D-Bus header: endianness, type, flags, version, length) */
const BODY_LENGTH_AT = 4;

const aligned = (n: number) => (n + ALIGN - 1) & ~(ALIGN - 1);

/* A whole marshalled message and where its body starts. */
function marshalled(message: DBusMessage): { data: Buffer; bodyAt: number } {
    const [data] = compat.marshallMessage(message);
    return { data, bodyAt: data.length - data.readUInt32LE(BODY_LENGTH_AT) };
}

/* One object's dict entry of the answer: its path and its interfaces with their properties (Variants). */
export function managedObjectEntry(path: string, interfaces: Record<string, Record<string, unknown>>): Buffer {
    // a reply of its own only to have a body marshalled; dbus-next's typings call replySerial a string, the wire a uint32
    const { data, bodyAt } = marshalled(new Message({ type: dbus.MessageType.METHOD_RETURN, serial: 1, replySerial: 1 as unknown as string,
        signature: ENTRY_SIGNATURE, body: [path, interfaces] }));
    return data.subarray(bodyAt);
}

/* The answer's body: the array of the entries. */
export function managedObjectsBody(entries: Buffer[]): Buffer {
    let size = ALIGN; // the length, then padding to the first entry
    for (const entry of entries)
        size = aligned(size) + entry.length;
    const body = Buffer.alloc(size); // zeroes: the padding
    body.writeUInt32LE(size - ALIGN, 0);
    let at = ALIGN;
    for (const entry of entries) {
        at = aligned(at);
        entry.copy(body, at);
        at += entry.length;
    }
    return body;
}

/* The whole reply to `call` with `body` as its argument: the header dbus-next makes for it (its fields do not depend
 * on the body but for its length), then the body. */
export function managedObjectsReply(call: DBusMessage, serial: number, body: Buffer): Buffer {
    const empty = Message.newMethodReturn(call, MANAGED_OBJECTS_SIGNATURE, [{}]);
    empty.serial = serial;
    const { data, bodyAt } = marshalled(empty);
    const reply = Buffer.concat([data.subarray(0, bodyAt), body]);
    reply.writeUInt32LE(body.length, BODY_LENGTH_AT);
    return reply;
}

/** The part of dbus-next's connection a marshalled message is written to (what its own send does once connected). */
interface RawConnection { stream?: { writable: boolean; supportsUnixFd?: boolean; write(chunk: Buffer | { data: Buffer; fds: number[] }): boolean } }

/* Sends the reply to `call` with the marshalled `body` on the bus's connection, in order with everything dbus-next
 * sends; false (nothing sent) when the connection cannot take raw bytes: the caller sends it the usual way. */
export function sendManagedObjectsReply(bus: dbus.MessageBus, call: DBusMessage, body: Buffer): boolean {
    const stream = (bus as unknown as { _connection?: RawConnection })._connection?.stream;
    if (!stream?.writable)
        return false;
    const data = managedObjectsReply(call, bus.newSerial(), body);
    stream.write(stream.supportsUnixFd ? { data, fds: [] } : data);
    return true;
}
