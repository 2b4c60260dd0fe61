// Where a pool's copies go once OSDs sit on several hosts: the placement per
// host count, the hosts that count (those with an OSD), and the changes a pool
// gets — only pools that follow DebVisor's placement, in an order Ceph accepts.
import QUnit from "qunit";
import { hostPlacement, hostsWithOsds, poolChanges, HOST_RULE, type PoolFacts } from "../../helpers/debvisord/ceph/provision/host-placement.js";

const HOST_RULE_ID = 1;
const pool = (p: Partial<PoolFacts>): PoolFacts => ({ name: "rbd", replicated: true, size: 1, minSize: 1, rule: 0, ...p });

QUnit.module("ceph placement across hosts", () => {
    QUnit.test("three hosts and more: three copies, two needed for writes; two hosts: two and one; one host: the bootstrap's placement", assert => {
        assert.deepEqual(hostPlacement(3), { size: 3, minSize: 2 });
        assert.deepEqual(hostPlacement(7), { size: 3, minSize: 2 });
        assert.deepEqual(hostPlacement(2), { size: 2, minSize: 1 });
        assert.strictEqual(hostPlacement(1), null);
        assert.strictEqual(hostPlacement(0), null);
    });

    QUnit.test("only hosts with an OSD count: an empty host bucket (a node in maintenance before its first OSD) does not", assert => {
        const tree = { nodes: [
            { id: -1, name: "default", type: "root", children: [-2, -3, -4] },
            { id: -2, name: "dvc1", type: "host", children: [0] },
            { id: -3, name: "dvc2", type: "host", children: [] },
            { id: -4, name: "dvc3", type: "host", children: [2, 1] },
            { id: 0, name: "osd.0", type: "osd" },
        ] };
        assert.deepEqual(hostsWithOsds(tree), ["dvc1", "dvc3"]);
        assert.deepEqual(hostsWithOsds({}), []);
    });

    QUnit.test("a pool on the bootstrap's rule moves to the host rule and is raised to the placement, size before min_size", assert => {
        assert.deepEqual(poolChanges(pool({ size: 1, minSize: 1 }), HOST_RULE_ID, { size: 3, minSize: 2 }),
            [["crush_rule", HOST_RULE], ["size", "3"], ["min_size", "2"]]);
        assert.deepEqual(poolChanges(pool({ size: 2, minSize: 1 }), HOST_RULE_ID, { size: 2, minSize: 1 }), [["crush_rule", HOST_RULE]]);
    });

    QUnit.test("a pool an admin made bigger keeps its size when it moves to the host rule", assert => {
        assert.deepEqual(poolChanges(pool({ size: 4, minSize: 2 }), HOST_RULE_ID, { size: 3, minSize: 2 }), [["crush_rule", HOST_RULE]]);
    });

    QUnit.test("a pool on the host rule follows the host count both ways; min_size goes down before the size", assert => {
        assert.deepEqual(poolChanges(pool({ size: 2, minSize: 1, rule: HOST_RULE_ID }), HOST_RULE_ID, { size: 3, minSize: 2 }),
            [["size", "3"], ["min_size", "2"]]);
        assert.deepEqual(poolChanges(pool({ size: 3, minSize: 2, rule: HOST_RULE_ID }), HOST_RULE_ID, { size: 2, minSize: 1 }),
            [["min_size", "1"], ["size", "2"]]);
        assert.deepEqual(poolChanges(pool({ size: 3, minSize: 2, rule: HOST_RULE_ID }), HOST_RULE_ID, { size: 3, minSize: 2 }), [], "in place: nothing");
    });

    QUnit.test("a size an admin chose on the host rule, and erasure-coded pools, are left alone", assert => {
        assert.deepEqual(poolChanges(pool({ size: 3, minSize: 1, rule: HOST_RULE_ID }), HOST_RULE_ID, { size: 2, minSize: 1 }), []);
        assert.deepEqual(poolChanges(pool({ size: 5, minSize: 3, rule: HOST_RULE_ID }), HOST_RULE_ID, { size: 3, minSize: 2 }), []);
        assert.deepEqual(poolChanges(pool({ replicated: false, size: 3, minSize: 2 }), HOST_RULE_ID, { size: 3, minSize: 2 }), []);
    });
});
