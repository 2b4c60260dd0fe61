// GetManagedObjects' answer put together from each object's kept bytes
// (managed-objects-reply.ts) is the very message dbus-next would marshal
// from the whole tree, byte for byte, after changes and removals too.
import dbus from "dbus-next";
import compat from "dbus-next/lib/marshall-compat.js";
import QUnit from "qunit";
import { CONTRACT_XML, MACHINE_IFACE, ROOT_PATH } from "../../generated/dbus-contract.js";
import { ObjectServer } from "../../helpers/debvisord/bus/object-server.js";
import { managedObjectsBody } from "../../helpers/debvisord/bus/managed-objects-reply.js";
import { parseIntrospection } from "../../helpers/lib/dbus-xml.js";

type Message = InstanceType<typeof dbus.Message>;
const contract = parseIntrospection(CONTRACT_XML);
const machineMethods = () => Object.fromEntries(contract.find(i => i.name === MACHINE_IFACE)!.methods.map(m => [m.name, null]));
const SERIAL = 42;

/* The real ObjectServer on a stand-in connection: `raw` gives it a stream to write marshalled bytes to. */
function server(raw: boolean) {
    const written: Buffer[] = [];
    const sent: Message[] = [];
    let handle: (m: Message) => boolean = () => false;
    const bus = {
        addMethodHandler: (h: (m: Message) => boolean) => { handle = h },
        send: (m: Message) => sent.push(m),
        newSerial: () => SERIAL,
        _connection: raw ? { stream: { writable: true, write: (b: Buffer) => written.push(b) } } : {},
    };
    const s = new ObjectServer(bus as unknown as dbus.MessageBus, ROOT_PATH, CONTRACT_XML, contract, () => Promise.resolve([]));
    const call = { type: dbus.MessageType.METHOD_CALL, serial: 7, sender: ":1.9", path: ROOT_PATH, interface: "org.freedesktop.DBus.ObjectManager",
        member: "GetManagedObjects", signature: "", body: [] } as unknown as Message;
    return { s, written, sent, getManagedObjects: () => handle(call) };
}

const machine = (name: string, port: number, disks: number) => ({
    Name: name, UUID: `uuid-${name}`, State: port > 0 ? "running" : "shutoff", Vcpus: 2, MemoryMiB: 512, Autostart: false, Persistent: true,
    Emulated: true, OsInfo: "Debian 12", CreatedBy: "admin", CreationTime: 1_700_000_000_000_000n,
    Disks: Array.from({ length: disks }, (_, i) => ({ Target: `vd${"abc"[i]}`, Source: `/var/lib/libvirt/images/${name}-${i}.qcow2`, Format: "qcow2",
        Device: "disk", Bus: "virtio", Type: "file", Protocol: "" })),
    Nics: [{ Mac: "52:54:00:12:34:56", Type: "network", Model: "virtio", Source: "default", Addresses: ["192.0.2.7"] }],
    Graphics: [{ Type: "vnc", Port: port, Listen: "", Socket: "", Access: "none" }], Snapshots: [], Tags: ["web", "ünïcödé"],
});

/* Both servers told the same; the kept-bytes answer against dbus-next's own marshalling of the whole tree. */
function compare(assert: Assert, raw: ReturnType<typeof server>, plain: ReturnType<typeof server>, what: string) {
    raw.written.length = 0;
    plain.sent.length = 0;
    raw.getManagedObjects();
    plain.getManagedObjects();
    const expected = plain.sent.find(m => m.signature === "a{oa{sa{sv}}}")!;
    expected.serial = SERIAL;
    const [bytes] = compat.marshallMessage(expected);
    assert.equal(raw.written.length, 1, `${what}: one message written`);
    assert.true(raw.written[0].equals(bytes), `${what}: the same ${bytes.length} bytes as dbus-next's`);
}

QUnit.module("bus: GetManagedObjects from kept bytes", () => {
    QUnit.test("the answer is dbus-next's own, after publishing, changing and removing objects", assert => {
        const raw = server(true), plain = server(false);
        const both = (f: (s: ObjectServer) => void) => { f(raw.s); f(plain.s) };
        compare(assert, raw, plain, "no objects");
        for (let i = 0; i < 5; i++)
            both(s => s.publish(`${ROOT_PATH}/machines/m${i}`, MACHINE_IFACE, machine(`m${i}`, i % 2 ? 5900 + i : -1, i % 3), machineMethods));
        compare(assert, raw, plain, "five machines");
        both(s => s.publish(`${ROOT_PATH}/machines/m1`, MACHINE_IFACE, machine("m1-renamed", -1, 2)));
        both(s => s.unexport(`${ROOT_PATH}/machines/m3`));
        compare(assert, raw, plain, "one changed, one removed");
        both(s => s.publish(`${ROOT_PATH}/machines/m9`, MACHINE_IFACE, machine("m9", 5909, 1), machineMethods));
        compare(assert, raw, plain, "one added");
        both(s => s.publish(`${ROOT_PATH}/machines/m9`, MACHINE_IFACE, machine("m9", 5909, 1)));
        compare(assert, raw, plain, "the same values published again");
        both(s => s.publish(`${ROOT_PATH}/machines/m9`, MACHINE_IFACE, machine("m9", 5910, 1)));
        compare(assert, raw, plain, "a value changed after that");
    });

    QUnit.test("the array's framing: its length, padding to 8 before and between entries", assert => {
        assert.deepEqual([...managedObjectsBody([])], [0, 0, 0, 0, 0, 0, 0, 0], "empty: a zero length, padded");
        const body = managedObjectsBody([Buffer.from([1, 2, 3]), Buffer.from([4])]);
        assert.deepEqual([...body], [9, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 0, 0, 0, 0, 0, 4], "the second entry starts on the next 8-byte boundary");
    });

    QUnit.test("without a connection to write bytes to, the answer goes the usual way", assert => {
        const plain = server(false);
        plain.s.publish(`${ROOT_PATH}/machines/m0`, MACHINE_IFACE, machine("m0", -1, 1), machineMethods);
        plain.getManagedObjects();
        assert.equal(plain.sent.filter(m => m.signature === "a{oa{sa{sv}}}").length, 1);
    });
});
