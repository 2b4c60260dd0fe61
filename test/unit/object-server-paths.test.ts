// The singletons' capitalized paths of DebVisor 0.1.0 answer as their
// lower-case objects for one contract version: calls, Get/GetAll and
// Introspect; the object manager lists only the new path.
import dbus from "dbus-next";
import QUnit from "qunit";
import { CONTRACT_XML, MANAGER_IFACE, ROOT_PATH } from "../../generated/dbus-contract.js";
import { ObjectServer, OLD_PATHS } from "../../helpers/debvisord/bus/object-server.js";
import { parseIntrospection } from "../../helpers/lib/dbus-xml.js";

type Message = InstanceType<typeof dbus.Message>;

function serverOnAStandInBus() {
    let handler: (m: Message) => boolean = () => false;
    const sent: Message[] = [];
    const called: string[] = [];
    const bus = { addMethodHandler: (h: typeof handler) => { handler = h }, send: (m: Message) => { sent.push(m) } };
    const server = new ObjectServer(bus as unknown as dbus.MessageBus, ROOT_PATH, CONTRACT_XML, parseIntrospection(CONTRACT_XML), call => {
        called.push(`${call.path} ${call.method.name}`);
        return Promise.resolve(call.method.args.filter(a => a.direction === "out").map(() => []));
    });
    let serial = 1;
    const ask = async (path: string, iface: string, member: string, signature = "", body: unknown[] = []) => {
        const before = sent.length;
        handler(new dbus.Message({ type: dbus.MessageType.METHOD_CALL, serial: serial++, sender: ":1.7", path, interface: iface, member, signature, body }));
        for (let i = 0; i < 50 && sent.length === before; i++)
            await new Promise(r => setTimeout(r, 1));
        return sent.at(-1)!;
    };
    return { server, ask, called };
}

/* A value of each D-Bus type the Manager's properties have, for an object that only has to answer. */
function blank(type: string): unknown {
    if (type.startsWith("a{"))
        return {};
    if (type.startsWith("a"))
        return [];
    if (type.startsWith("("))
        return [];
    return { s: "", o: "/", b: false, v: new dbus.Variant("s", "") }[type] ?? 0;
}

QUnit.module("bus: object paths", () => {
    QUnit.test("the paths of 0.1.0 answer as the lower-case objects; only the new path is listed", async assert => {
        const { server, ask, called } = serverOnAStandInBus();
        const path = `${ROOT_PATH}/manager`;
        const props = Object.fromEntries(server.spec(MANAGER_IFACE).properties.map(p => [p.name, blank(p.type)]));
        server.publish(path, MANAGER_IFACE, { ...props, Hostname: "node1" }, () => Object.fromEntries(server.spec(MANAGER_IFACE).methods.map(m => [m.name, null])));
        const old = `${ROOT_PATH}/Manager`;
        const got = await ask(old, "org.freedesktop.DBus.Properties", "Get", "ss", [MANAGER_IFACE, "Hostname"]);
        assert.equal(got.type, dbus.MessageType.METHOD_RETURN, String(got.body?.[0]));
        assert.equal((got.body[0] as { value: unknown }).value, "node1");
        const introspected = await ask(old, "org.freedesktop.DBus.Introspectable", "Introspect");
        assert.true(String(introspected.body[0]).includes(`<interface name="${MANAGER_IFACE}">`), "introspection as the new object's");
        await ask(old, MANAGER_IFACE, "GetDisks", "a{sv}", [{}]);
        assert.deepEqual(called, [`${path} GetDisks`], "a call reaches the object under its new path (the audit records that)");
        const managed = await ask(ROOT_PATH, "org.freedesktop.DBus.ObjectManager", "GetManagedObjects");
        assert.deepEqual(Object.keys(managed.body[0] as object), [path]);
        const unknown = await ask(`${ROOT_PATH}/MANAGER`, "org.freedesktop.DBus.Properties", "GetAll", "s", [MANAGER_IFACE]);
        assert.equal(unknown.errorName, "org.freedesktop.DBus.Error.UnknownObject", "only the four old paths, as they were spelled");
        assert.deepEqual(Object.values(OLD_PATHS), Object.keys(OLD_PATHS).map(p => p.toLowerCase()));
    });
});
