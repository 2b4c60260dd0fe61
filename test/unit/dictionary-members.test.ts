// The dictionaries debvisord sends carry the member types the contract
// declares (org.debvisor.DebVisor1.Members), not types guessed from values.
import dbus from "dbus-next";
import QUnit from "qunit";
import { CONTRACT_XML, MACHINE_IFACE, MANAGER_IFACE, ROOT_PATH } from "../../generated/dbus-contract.js";
import { ObjectServer } from "../../helpers/debvisord/bus/object-server.js";
import { isCompleteType, parseIntrospection, type Members } from "../../helpers/lib/dbus-xml.js";
import { marshal } from "../../helpers/lib/variants.js";

type Variant = InstanceType<typeof dbus.Variant>;
type Dict = Record<string, Variant>;
const contract = parseIntrospection(CONTRACT_XML);
const spec = (iface: string) => contract.find(i => i.name === iface)!;

/* The signature of each member of a marshalled dictionary. */
const types = (dict: Dict) => Object.fromEntries(Object.entries(dict).map(([k, v]) => [k, v.signature]));

/* The real ObjectServer on a stand-in connection that keeps every message it sends. */
function server() {
    const sent: Array<InstanceType<typeof dbus.Message>> = [];
    const bus = { addMethodHandler: () => undefined, send: (m: InstanceType<typeof dbus.Message>) => sent.push(m) };
    return { server: new ObjectServer(bus as unknown as dbus.MessageBus, ROOT_PATH, CONTRACT_XML, contract, () => Promise.resolve([])), sent };
}

const display = (port: number) => ({ Type: "vnc", Port: port, Listen: "", Socket: "", Access: "none" });

QUnit.module("bus: dictionary members typed by the contract", () => {
    QUnit.test("Machine.Graphics: a Port of -1 and one of 5900 both go out as x, in InterfacesAdded and PropertiesChanged", assert => {
        const { server: s, sent } = server();
        const path = `${ROOT_PATH}/machines/m`;
        const methods = () => Object.fromEntries(spec(MACHINE_IFACE).methods.map(m => [m.name, null]));
        s.publish(path, MACHINE_IFACE, { Graphics: [display(-1)], Disks: [], Nics: [], Snapshots: [], Tags: [] }, methods);
        const added = (sent[0].body[1] as Record<string, Dict>)[MACHINE_IFACE];
        const first = added.Graphics.value as Dict[];
        assert.deepEqual([first[0].Port.signature, first[0].Port.value], ["x", -1]);
        s.publish(path, MACHINE_IFACE, { Graphics: [display(5900)], Disks: [], Nics: [], Snapshots: [], Tags: [] });
        const changed = sent[1].body[1] as Dict;
        assert.deepEqual(Object.keys(changed), ["Graphics"]);
        const port = (changed.Graphics.value as Dict[])[0].Port;
        assert.deepEqual([port.signature, port.value], ["x", 5900]);
    });

    QUnit.test("GetDisks: Size is t even when 0, empty lists have their declared element types, nested dictionaries are typed", assert => {
        const out = spec(MANAGER_IFACE).methods.find(m => m.name === "GetDisks")!.args.find(a => a.direction === "out")!;
        const disk = { Name: "vda", Size: 0, Rotational: false, Mountpoints: [], Partitions: [{ Name: "vda1", Size: 0, Mountpoints: ["/"] }] };
        const [dict] = marshal([disk], out.type, out.members) as Dict[];
        assert.deepEqual(types(dict), { Name: "s", Size: "t", Rotational: "b", Mountpoints: "as", Partitions: "aa{sv}" });
        const partition = (dict.Partitions.value as Dict[])[0];
        assert.deepEqual(types(partition), { Name: "s", Size: "t", Mountpoints: "as" });
        const none = marshal([{ ...disk, Partitions: [] }], out.type, out.members) as Dict[];
        assert.deepEqual([none[0].Partitions.signature, none[0].Partitions.value], ["aa{sv}", []], "an empty list of dictionaries is aa{sv}, not as");
    });

    QUnit.test("CephManager.OsdTree: an empty list of ids is ax; Alerts' Labels are a{ss}; a value the area wrapped itself takes the contract's type", assert => {
        const tree = spec("org.debvisor.DebVisor1.CephManager").properties.find(p => p.name === "OsdTree")!;
        const [root] = marshal([{ Id: -1, Name: "default", Type: "root", Children: [] }], tree.type, tree.members) as Dict[];
        assert.deepEqual(types(root), { Id: "x", Name: "s", Type: "s", Children: "ax" });
        const alerts = spec("org.debvisor.DebVisor1.Alerts").methods.find(m => m.name === "ListAlerts")!.args[1];
        const [alert] = marshal([{ Name: "Down", Labels: new dbus.Variant("a{sv}", { pool: new dbus.Variant("s", "tank") }), StartTime: 5 }],
            alerts.type, alerts.members) as Dict[];
        assert.deepEqual([alert.Labels.signature, alert.Labels.value], ["a{ss}", { pool: "tank" }]);
        assert.equal(alert.StartTime.signature, "t");
    });

    QUnit.test("a d member is d even when the value is whole; a member left out or null is not sent", assert => {
        const members: Members = { Ratio: { type: "d" }, Whole: { type: "d" }, Gone: { type: "s" } };
        const dict = marshal({ Ratio: 0.25, Whole: 2, Gone: null }, "a{sv}", members) as Dict;
        assert.deepEqual(types(dict), { Ratio: "d", Whole: "d" });
    });

    QUnit.test("a member the contract does not declare throws under test, and in production is guessed and told once on stderr", assert => {
        const members: Members = { Name: { type: "s" } };
        assert.throws(() => marshal({ Name: "a", Extra: 1 }, "a{sv}", members, "Test.Dict"), /Test\.Dict\.Extra is not declared in the contract/);
        const strict = process.env.DEBVISOR_STRICT_CONTRACT;
        const told: string[] = [];
        const error = console.error;
        process.env.DEBVISOR_STRICT_CONTRACT = "";
        console.error = (text: string) => told.push(text);
        try {
            const dict = marshal({ Name: "a", Stray: 3 }, "a{sv}", members, "Test.Other") as Dict;
            marshal({ Name: "b", Stray: 4 }, "a{sv}", members, "Test.Other");
            assert.deepEqual(types(dict), { Name: "s", Stray: "t" });
        } finally {
            console.error = error;
            process.env.DEBVISOR_STRICT_CONTRACT = strict;
        }
        assert.deepEqual(told, ["Test.Other.Stray is not declared in the contract (org.debvisor.DebVisor1.Members): its type is guessed"]);
    });

    QUnit.test("a value its declared type cannot carry (a negative t, a fraction in x, a number as s) throws under test, and in production is guessed", assert => {
        const members: Members = { Size: { type: "t" }, Port: { type: "x" }, Name: { type: "s" } };
        assert.throws(() => marshal({ Size: -1 }, "a{sv}", members, "Test.Sizes"), /Test\.Sizes\.Size is declared t, which cannot carry -1/);
        assert.throws(() => marshal({ Port: 1.5 }, "a{sv}", members, "Test.Sizes"), /Test\.Sizes\.Port is declared x, which cannot carry 1\.5/);
        assert.throws(() => marshal({ Name: 7 }, "a{sv}", members, "Test.Sizes"), /Test\.Sizes\.Name is declared s, which cannot carry 7/);
        const strict = process.env.DEBVISOR_STRICT_CONTRACT;
        const error = console.error;
        process.env.DEBVISOR_STRICT_CONTRACT = "";
        console.error = () => undefined;
        try {
            const dict = marshal({ Size: -1, Port: -1, Name: "a" }, "a{sv}", members, "Test.Guessed") as Dict;
            assert.deepEqual(types(dict), { Size: "x", Port: "x", Name: "s" }, "sent as the guess, so the rest of the property still goes out");
        } finally {
            console.error = error;
            process.env.DEBVISOR_STRICT_CONTRACT = strict;
        }
    });

    QUnit.test("the contract (build.js generates from it with this parser) refuses a Members annotation that is not valid", assert => {
        const contractWith = (type: string, value: string) => `<node><interface name="x.Y"><property name="P" type="${type}" access="read">
            <annotation name="org.debvisor.DebVisor1.Members" value="${value}"/></property></interface></node>`;
        const members = parseIntrospection(contractWith("aa{sv}", "Name:s  Port:x Steps:aa{sv} Steps.Id:s"))[0].properties[0].members;
        assert.deepEqual(members, { Name: { type: "s" }, Port: { type: "x" }, Steps: { type: "aa{sv}", members: { Id: { type: "s" } } } });
        for (const [type, value, error] of [
            ["a{sv}", "Port:z", /"z" of Port is not a D-Bus type/],
            ["a{sv}", "Map:a{vs}", /"a\{vs\}" of Map is not a D-Bus type/],
            ["a{sv}", "Pair:(s", /"\(s" of Pair is not a D-Bus type/],
            ["a{sv}", "Two:ss", /"ss" of Two is not a D-Bus type/],
            ["a{sv}", "Port", /"Port" is not NAME:TYPE/],
            ["a{sv}", "Steps.Id:s", /Steps\.Id is declared before Steps/],
            ["a{sv}", "Name:s Name:t", /Name is declared twice/],
            ["as", "Name:s", /only a\{sv\} and aa\{sv\} have members/],
        ] as const)
            assert.throws(() => parseIntrospection(contractWith(type, value)), error, value);
        assert.deepEqual(["a{sa(ux)}", "(s)", "v", "a{vs}", "()", "a", "sa"].map(isCompleteType), [true, true, true, false, false, false, false]);
    });
});
