// One list of the cluster's ZFS pools: what a member's ping answer carries,
// Cluster.ZfsPools from the members' answers (stale while a member does not
// answer), and the Storage page's rows merged from this node's ZfsPool
// objects and that property, with the nodes for its filter.
import QUnit from "qunit";
import { zfsPoolsInAnswer, zfsPoolsProperty, type ZfsPoolSummary } from "../../helpers/debvisord/cluster/cluster-storage.js";
import type { PageClusterProperties } from "../../generated/dbus-contract.js";
import type { ZfsPoolObject } from "../../pkg/lib/dbus-store.js";
import { rowNodes } from "../../pkg/lib/node-rows.js";
import { poolRows } from "../../pkg/storage/zfs/pool-rows.js";

const GiB = 2 ** 30;
const summary = (name: string, health = "ONLINE"): ZfsPoolSummary => ({ name, health, size: 10 * GiB, allocated: 4 * GiB, free: 6 * GiB });

/* A ZfsPool object as the page's store has it: only what the rows read. */
const local = (name: string) => ({
    path: `/org/debvisor/DebVisor1/zfs/pools/${name}`, props: { Name: name, Health: "ONLINE", Size: 2 * GiB, Allocated: GiB, Free: GiB },
}) as unknown as ZfsPoolObject;

/* Cluster.ZfsPools as cockpit.js hands it to a page: every value a variant. */
function clusterProps(self: string, pools: Array<Record<string, unknown>>, state = "member"): PageClusterProperties {
    const variant = (v: unknown) => ({ t: typeof v === "boolean" ? "b" : typeof v === "number" ? "t" : "s", v });
    return {
        State: state, NodeName: self, Address: "", Fsid: "", LastError: "", Nodes: [], MachinesRevision: 0,
        ZfsPools: pools.map(p => Object.fromEntries(Object.entries(p).map(([k, v]) => [k, variant(v)]))),
    };
}

QUnit.module("cluster storage: one list of every member's ZFS pools", () => {
    QUnit.test("a ping answer's pools are read; an answer without them (an older member) or with garbage gives none", assert => {
        assert.deepEqual(zfsPoolsInAnswer({ node: "n2", machines: [], zfsPools: [summary("tank")] }), [summary("tank")]);
        assert.deepEqual(zfsPoolsInAnswer({ node: "n2", zfsPools: [] }), []);
        assert.strictEqual(zfsPoolsInAnswer({ node: "n2", machines: [] }), null);
        assert.strictEqual(zfsPoolsInAnswer({ zfsPools: [{ name: "tank", size: "big" }] }), null);
        assert.strictEqual(zfsPoolsInAnswer(null), null);
    });

    QUnit.test("Cluster.ZfsPools: the other members' pools by node; one that does not answer is stale; this node's and removed members' left out", assert => {
        const known = new Map([["n3", [summary("tank", "DEGRADED")]], ["n2", [summary("tank"), summary("fast")]], ["n1", [summary("self")]], ["gone", [summary("old")]]]);
        const listed = zfsPoolsProperty(known, ["n1", "n2", "n3"], "n1", n => n === "n3" ? "down" : "up");
        assert.deepEqual(listed.map(p => [p.Node, p.Name, p.Health, p.Stale]), [
            ["n2", "tank", "ONLINE", false], ["n2", "fast", "ONLINE", false], ["n3", "tank", "DEGRADED", true],
        ]);
        assert.deepEqual(Object.keys(listed[0]).sort(), ["Allocated", "Free", "Health", "Name", "Node", "Size", "Stale"]);
        assert.strictEqual(listed[0].Size, 10 * GiB);
    });

    QUnit.test("page rows: alone, this node's pools without a node; in a cluster, every member's with its node, stale marked, a row claiming this node dropped", assert => {
        const alone = poolRows([local("tank")], clusterProps("", [{ Node: "n2", Name: "other" }], "none"));
        assert.deepEqual(alone.map(r => [r.name, r.node, !!r.local]), [["tank", "", true]]);
        assert.deepEqual(rowNodes(alone), [], "no node filter");
        const rows = poolRows([local("tank")], clusterProps("n1", [
            { Node: "n2", Name: "tank", Health: "ONLINE", Size: 10 * GiB, Allocated: 4 * GiB, Free: 6 * GiB, Stale: false },
            { Node: "n3", Name: "fast", Health: "FAULTED", Size: GiB, Allocated: 0, Free: GiB, Stale: true },
            { Node: "n1", Name: "ghost", Health: "ONLINE", Size: 1, Allocated: 0, Free: 1, Stale: false },
        ]));
        assert.deepEqual(rows.map(r => [r.key, r.name, r.node, r.health, r.size, r.free, r.stale, !!r.local]), [
            ["/org/debvisor/DebVisor1/zfs/pools/tank", "tank", "n1", "ONLINE", 2 * GiB, GiB, false, true],
            ["n2/tank", "tank", "n2", "ONLINE", 10 * GiB, 6 * GiB, false, false],
            ["n3/fast", "fast", "n3", "FAULTED", GiB, GiB, true, false],
        ]);
        assert.deepEqual(rowNodes(rows), ["n1", "n2", "n3"], "the node filter's choices");
    });
});
