// One list of the cluster's machines: what a member's ping answer carries,
// Cluster.ListMachines from the members' answers (stale while a member does
// not answer), and the Machines page's rows merged from this node's objects
// and that answer, with the nodes for its filter.
import QUnit from "qunit";
import { machinesInAnswer, machinesList, ownMachinesRows } from "../../helpers/debvisord/cluster/cluster-machines.js";
import type { MachineSummary } from "../../helpers/debvisord/machines/machines.js";
import type { PageClusterProperties, PlainClusterListMachinesMachines } from "../../generated/dbus-contract.js";
import type { MachineObject } from "../../pkg/lib/dbus-store.js";
import { earlyMachineRows, machineRows, rowNodes } from "../../pkg/machines/machine-rows.js";

const summary = (name: string, state = "running"): MachineSummary => ({
    name, uuid: `00000000-0000-0000-0000-${name.padStart(12, "0").slice(-12)}`, state, vcpus: 2, memoryMiB: 512, disks: 1, autostart: false,
});

/* A Machine object as the page's store has it: only what the rows read. */
const local = (name: string, state = "running") => ({
    path: `/org/debvisor/DebVisor1/machines/${name}`,
    props: { Name: name, State: state, Vcpus: 1, MemoryMiB: 256, Autostart: true, Disks: [{ Device: { t: "s", v: "disk" } }, { Device: { t: "s", v: "cdrom" } }] },
}) as unknown as MachineObject;

/* The Cluster object as cockpit.js hands it to a page. */
function clusterProps(self: string, state = "member"): PageClusterProperties {
    return { State: state, NodeName: self, Address: "", Fsid: "", LastError: "", Nodes: [], MachinesRevision: 1, ZfsPools: [] };
}

/* ListMachines' answer as the page holds it (plainDicts). */
const others = (list: Array<Partial<PlainClusterListMachinesMachines[number]>>) => list as PlainClusterListMachinesMachines;

QUnit.module("cluster machines: one list of every member's machines", () => {
    QUnit.test("a ping answer's machines are read; an answer without them (an older member) or with garbage gives none", assert => {
        assert.deepEqual(machinesInAnswer({ node: "n2", time: 1, machines: [summary("web")] }), [summary("web")]);
        assert.deepEqual(machinesInAnswer({ node: "n2", time: 1, machines: [] }), []);
        assert.strictEqual(machinesInAnswer({ node: "n2", time: 1 }), null);
        assert.strictEqual(machinesInAnswer({ machines: [{ name: "x" }] }), null);
        assert.strictEqual(machinesInAnswer(null), null);
        assert.strictEqual(machinesInAnswer("machines"), null);
    });

    QUnit.test("Cluster.ListMachines: the other members' machines by node; one that does not answer is stale; this node's and removed members' left out", assert => {
        const known = new Map([["n3", [summary("db", "shutoff")]], ["n2", [summary("web"), summary("mail")]], ["n1", [summary("self")]], ["gone", [summary("old")]]]);
        const health = (n: string) => n === "n3" ? "down" : "up";
        const listed = machinesList(known, ["n1", "n2", "n3"], "n1", health);
        assert.deepEqual(listed.map(m => [m.Node, m.Name, m.State, m.Stale]), [
            ["n2", "web", "running", false], ["n2", "mail", "running", false], ["n3", "db", "shutoff", true],
        ]);
        assert.deepEqual(Object.keys(listed[0]).sort(), ["Autostart", "Disks", "MemoryMiB", "Name", "Node", "Stale", "State", "Uuid", "Vcpus"]);
        assert.deepEqual(machinesList(new Map(), ["n1"], "n1", health), [], "a member alone: nothing");
    });

    QUnit.test("page rows, one node: this node's machines only, no node; the cluster's machines ignored outside a cluster", assert => {
        const rows = machineRows([local("a"), local("b", "shutoff")], clusterProps("", "none"), others([{ Node: "n2", Name: "web" }]));
        assert.deepEqual(rows.map(r => [r.name, r.node, r.state, r.disks, r.stale, !!r.local]), [["a", "", "running", 1, false, true], ["b", "", "shutoff", 1, false, true]]);
        assert.deepEqual(rowNodes(rows), [], "no node filter");
        assert.deepEqual(machineRows([local("a")], null, []).map(r => r.name), ["a"], "before the cluster object is there");
    });

    QUnit.test("page rows, a cluster: this node's machines with its name, the others' with theirs, stale kept and marked; a row claiming this node is dropped", assert => {
        const rows = machineRows([local("a")], clusterProps("n1"), others([
            { Node: "n2", Name: "a", State: "shutoff", Vcpus: 4, MemoryMiB: 1024, Disks: 2, Autostart: false, Stale: false, Uuid: "u" },
            { Node: "n3", Name: "db", State: "running", Vcpus: 1, MemoryMiB: 128, Disks: 0, Autostart: true, Stale: true, Uuid: "v" },
            { Node: "n1", Name: "ghost", State: "running", Vcpus: 1, MemoryMiB: 1, Disks: 0, Autostart: false, Stale: false, Uuid: "w" },
        ]));
        assert.deepEqual(rows.map(r => [r.key, r.name, r.node, r.state, r.vcpus, r.memoryMiB, r.disks, r.autostart, r.stale, !!r.local]), [
            ["/org/debvisor/DebVisor1/machines/a", "a", "n1", "running", 1, 256, 1, true, false, true],
            ["n2/a", "a", "n2", "shutoff", 4, 1024, 2, false, false, false],
            ["n3/db", "db", "n3", "running", 1, 128, 0, true, true, false],
        ]);
        assert.deepEqual(rowNodes(rows), ["n1", "n2", "n3"], "the node filter's choices");
        assert.strictEqual(new Set(rows.map(r => r.key)).size, rows.length, "machines of one name on two nodes are two rows");
    });

    QUnit.test("ListMachines include-self: this node's machines by name, marked Local, with this node's name (none outside a cluster)", assert => {
        const own = ownMachinesRows([summary("web"), summary("db", "shutoff")], "n1");
        assert.deepEqual(own.map(m => [m.Node, m.Name, m.State, m.Stale, m.Local]), [["n1", "db", "shutoff", false, true], ["n1", "web", "running", false, true]]);
        assert.deepEqual(Object.keys(own[0]).sort(), ["Autostart", "Disks", "Local", "MemoryMiB", "Name", "Node", "Stale", "State", "Uuid", "Vcpus"]);
        assert.deepEqual(ownMachinesRows([summary("web")], "").map(m => m.Node), [""], "a node in no cluster");
        assert.deepEqual(ownMachinesRows([], "n1"), []);
    });

    QUnit.test("page rows before the objects are read: every listed machine, this node's own pending (no actions), the others as told", assert => {
        const listed = others([
            { Node: "n1", Name: "a", State: "running", Vcpus: 1, MemoryMiB: 256, Disks: 1, Autostart: true, Stale: false, Uuid: "u", Local: true },
            { Node: "n2", Name: "b", State: "shutoff", Vcpus: 2, MemoryMiB: 512, Disks: 0, Autostart: false, Stale: true, Uuid: "v" },
        ]);
        assert.deepEqual(earlyMachineRows(listed).map(r => [r.key, r.name, r.node, r.state, r.stale, r.pending, r.local]), [
            ["n1/a", "a", "n1", "running", false, true, null],
            ["n2/b", "b", "n2", "shutoff", true, false, null],
        ]);
        assert.deepEqual(earlyMachineRows(others([{ Node: "", Name: "a", State: "running", Local: true }])).map(r => [r.node, r.pending]), [["", true]],
            "a node in no cluster: no node");
        // once the objects are read, this node's rows are its objects: a Local row of the answer is not listed twice
        const rows = machineRows([local("a")], clusterProps("n1"), listed);
        assert.deepEqual(rows.map(r => [r.key, r.pending]), [["/org/debvisor/DebVisor1/machines/a", false], ["n2/b", false]]);
    });
});
