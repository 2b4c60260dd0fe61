// Cutting a connection's bytes into messages: small bodies are unmarshalled
// as dbus-next does, large method-call bodies are held as bytes until read.
import { PassThrough } from "node:stream";
import dbus from "dbus-next";
import compat from "dbus-next/lib/marshall-compat.js";
import QUnit from "qunit";
import { heldBody, HOLD_ABOVE_BYTES, readMessages, type HeldBody } from "../../helpers/debvisord/bus/large-bodies.js";

type Wire = { marshallMessage(m: unknown): [Buffer, unknown[]] };

function wire(message: InstanceType<typeof dbus.Message>): Buffer {
    return (compat as unknown as Wire).marshallMessage(message)[0];
}

QUnit.module("bus: large method-call bodies", () => {
    QUnit.test("small calls and signals arrive unmarshalled, a large call's body is held and reads the same", assert => {
        const stream = new PassThrough();
        const seen: Array<{ message: Record<string, unknown>; held: HeldBody | null }> = [];
        readMessages(stream, message => seen.push({ message, held: heldBody() }), {});
        const big = "x".repeat(HOLD_ABOVE_BYTES + 10);
        const base = { destination: "org.debvisor.DebVisor1", path: "/org/debvisor/DebVisor1/manager", interface: "org.debvisor.DebVisor1.Manager" };
        const small = new dbus.Message({ ...base, member: "ImportImage", signature: "ssa{sv}", body: ["/srv/a.raw", "a", { "dry-run": new dbus.Variant("b", true) }], serial: 7 });
        const large = new dbus.Message({ ...base, member: "ImportImage", signature: "ssa{sv}", body: [big, "b", {}], serial: 8 });
        const signal = new dbus.Message({ type: dbus.MessageType.SIGNAL, path: "/a", interface: "a.b", member: "C", signature: "s", body: [big], serial: 9 });
        const bytes = Buffer.concat([wire(small), wire(large), wire(signal)]);
        // in pieces, as a socket delivers them
        for (let at = 0; at < bytes.length; at += 4093)
            stream.write(bytes.subarray(at, at + 4093));
        return new Promise<void>(resolve => setImmediate(() => {
            assert.equal(seen.length, 3);
            assert.equal(seen[0].held, null);
            assert.equal(seen[0].message.member, "ImportImage");
            assert.equal(seen[0].message.serial, 7);
            assert.equal((seen[0].message.body as unknown[])[0], "/srv/a.raw");
            const held = seen[1].held as HeldBody;
            assert.ok(held, "the large call's body is held");
            assert.equal(seen[1].message.serial, 8);
            assert.equal(seen[1].message.signature, "", "dbus-next is given nothing to convert");
            assert.equal(held.signature, "ssa{sv}");
            assert.true(held.bytes > HOLD_ABOVE_BYTES);
            const body = held.read();
            assert.equal((body[0] as string).length, big.length);
            assert.equal(body[1], "b");
            assert.equal(seen[2].held, null, "a signal is not a call: read as it comes");
            assert.equal(heldBody(), null, "nothing is held once the message was handed on");
            resolve();
        }));
    });
});
