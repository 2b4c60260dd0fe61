// The plans of node changes (pure): maintenance refused while machines run
// unless they are to be shut down (and then only on the node itself), noout
// only where the node has a CRUSH host; removal refused for this node, a node
// that answers, the only member, a monitor quorum that would break, a pool
// that would drop below min_size, running machines; the steps in order.
import QUnit from "qunit";
import { parseCephFacts, planFor, type CephFacts, type NodeFacts } from "../../helpers/debvisord/cluster/node-plan.js";

const CEPH: CephFacts = { monitors: ["n1", "n2", "n3"], monitorAddresses: {}, quorum: ["n1", "n2", "n3"], managers: ["n1", "n2", "n3"], osdsByHost: {}, pools: [],
    metadataServers: [], filesystems: [] };
const facts = (over: Partial<NodeFacts> = {}): NodeFacts => ({
    node: "n3", self: "n1", members: ["n1", "n2", "n3"], inMaintenance: false, up: true, running: [], ceph: CEPH, ...over,
});

QUnit.module("cluster node changes", () => {
    QUnit.test("maintenance: running machines refuse it unless shut down (another member plans that itself); noout where there is a host bucket", assert => {
        const plain = planFor(facts(), "enter-maintenance");
        assert.deepEqual(plain.refusals, []);
        assert.ok(plain.steps[0].includes("has no OSDs"), plain.steps[0]);
        const busy = planFor(facts({ running: ["web", "db"] }), "enter-maintenance");
        assert.deepEqual(busy.refusals, ["machines run on n3 and must be shut down or moved first: web, db"]);
        assert.ok(planFor(facts({ running: ["web"] }), "enter-maintenance", true).refusals[0].includes("n3 moves or shuts them down itself"));
        const here = planFor(facts({ node: "n1", running: ["web"] }), "enter-maintenance", true);
        assert.deepEqual(here.refusals, []);
        assert.ok(here.steps[0].startsWith("shut down cleanly"), here.steps[0]);
        const osds = planFor(facts({ ceph: { ...CEPH, osdsByHost: { n3: [4, 5] } } }), "enter-maintenance");
        assert.ok(osds.steps[0].includes("noout on host n3 (osd.4, osd.5)"), osds.steps[0]);
        const gone = planFor(facts({ running: null, up: false }), "enter-maintenance");
        assert.deepEqual(gone.refusals, [], "a node that does not answer can be put in maintenance");
        assert.false(gone.machinesKnown);
        assert.deepEqual(planFor(facts({ inMaintenance: true }), "enter-maintenance").refusals, ["n3 is in maintenance already"]);
        assert.deepEqual(planFor(facts(), "leave-maintenance").refusals, ["n3 is not in maintenance"]);
        assert.deepEqual(planFor(facts({ inMaintenance: true, ceph: { ...CEPH, osdsByHost: { n3: [] } } }), "leave-maintenance").steps[0], "clear Ceph's noout on host n3");
    });

    QUnit.test("maintenance moving the machines away: a step per machine and its member; what cannot move refuses it; another member plans its own", assert => {
        const here = planFor(facts({ node: "n1", running: ["db", "web"], moves: [{ machine: "db", to: "n2", problem: "" }, { machine: "web", to: "n3", problem: "" }] }),
            "enter-maintenance");
        assert.deepEqual(here.refusals, []);
        assert.deepEqual(here.steps.slice(0, 2), ["move db to n2, running (live migration)", "move web to n3, running (live migration)"]);
        const stuck = planFor(facts({ node: "n1", running: ["db", "web"], moves: [{ machine: "db", to: "n2", problem: "" },
            { machine: "web", to: "", problem: "disk vda is a block device of this node (/dev/sdb)" }] }), "enter-maintenance");
        assert.deepEqual(stuck.refusals, ["web cannot move: disk vda is a block device of this node (/dev/sdb)"], "listed before anything is done");
        const elsewhere = planFor(facts({ running: ["web"], moves: [] }), "enter-maintenance");
        assert.deepEqual(elsewhere.refusals, ["machines run on n3 (web): n3 moves or shuts them down itself, and was not shown up here to be asked; try again when it is"]);
        assert.deepEqual(planFor(facts({ node: "n1", running: [], moves: [] }), "enter-maintenance").refusals, [], "nothing to move: nothing refused");
    });

    QUnit.test("removal: refused for this node, a node that answers, the only member, running machines", assert => {
        assert.ok(planFor(facts({ node: "n1" }), "remove").refusals.some(r => r.includes("is this node")));
        assert.ok(planFor(facts(), "remove").refusals.some(r => r.includes("n3 answers")));
        assert.ok(planFor(facts({ node: "n1", members: ["n1"], ceph: { ...CEPH, monitors: ["n1"], quorum: ["n1"] } }), "leave").refusals
            .some(r => r.includes("only member")));
        assert.ok(planFor(facts({ node: "n1", running: ["web"] }), "leave").refusals.some(r => r.includes("must be shut down or moved first: web")));
    });

    QUnit.test("removal: the monitors' quorum and the pools' min_size", assert => {
        // n3 down: n1 and n2 keep the quorum; removing n3 leaves two, both in it
        const down = { ...CEPH, quorum: ["n1", "n2"] };
        const ok = planFor(facts({ up: false, running: null, ceph: down }), "remove");
        assert.deepEqual(ok.refusals, []);
        assert.deepEqual(ok.steps.slice(1), ["remove the key of mgr.n3", "remove mon.n3 from the monitor map (2 monitors left)",
            "remove n3's member record: the other members stop accepting its key"], "the record goes last");
        // removing n2 instead while n3 is down: of n1 and n3 only n1 is in the quorum: not more than half
        const broken = planFor(facts({ node: "n2", up: false, running: null, ceph: down }), "remove");
        assert.ok(broken.refusals.some(r => r.startsWith("the monitors would lose their quorum: of the 2 left (n1, n3), 1 is in the quorum")), broken.refusals.join("|"));
        assert.ok(planFor(facts({ node: "n1", members: ["n1", "n2"], ceph: { ...CEPH, monitors: ["n1"], quorum: ["n1"] } }), "leave").refusals
            .includes("mon.n1 is the cluster's last monitor"));
        const pools = { ...down, osdsByHost: { n1: [0], n2: [1], n3: [2] }, pools: [{ name: "rbd", size: 3, minSize: 2 }] };
        assert.deepEqual(planFor(facts({ up: false, running: null, ceph: pools }), "remove").refusals, [], "two hosts are left for min_size 2");
        const two = { ...pools, osdsByHost: { n1: [0], n3: [2] } };
        assert.deepEqual(planFor(facts({ up: false, running: null, ceph: two }), "remove").refusals,
            ["pool rbd (min_size 2) would have copies on 1 host only and stop serving"]);
        const leave = planFor(facts({ node: "n1", ceph: pools }), "leave");
        assert.deepEqual(leave.steps.filter(s => s.startsWith("remove n1's") || s.startsWith("remove mon.")).map(s => s.split(" ")[1]), ["n1's", "mon.n1"],
            "a node that leaves removes its record while the quorum still answers it");
    });

    QUnit.test("Ceph's facts from its JSON", assert => {
        const f = parseCephFacts(
            { quorum_names: ["a", "b"], monmap: { mons: [{ name: "a", public_addr: "10.0.0.1:6789/0" }, { name: "b" }, { name: "c" }] } },
            { active_name: "a", standbys: [{ name: "b" }] },
            { nodes: [{ id: -1, name: "default", type: "root", children: [-2, -3] }, { id: -2, name: "a", type: "host", children: [1, 0] },
                { id: -3, name: "c", type: "host", children: [] }, { id: 0, name: "osd.0", type: "osd" }] },
            [{ pool_name: "rbd", size: 3, min_size: 2 }],
            { filesystems: [{ mdsmap: { fs_name: "cephfs", info: { gid_4242: { name: "a" } } } }], standbys: [{ name: "c" }] });
        assert.deepEqual(f, { monitors: ["a", "b", "c"], monitorAddresses: { a: "10.0.0.1:6789" }, quorum: ["a", "b"], managers: ["a", "b"], osdsByHost: { a: [0, 1], c: [] },
            pools: [{ name: "rbd", size: 3, minSize: 2 }], metadataServers: ["a", "c"], filesystems: ["cephfs"] });
    });

    QUnit.test("removal: the CephFS keeps a metadata server; a node that leaves unmounts it and removes libvirt's rbd pool first", assert => {
        const fsFacts = { ...CEPH, quorum: ["n1", "n2"], metadataServers: ["n1", "n3"], filesystems: ["cephfs"] };
        const removed = planFor(facts({ up: false, running: null, ceph: fsFacts }), "remove");
        assert.deepEqual(removed.refusals, []);
        assert.true(removed.steps.includes("remove mds.n3 from the CephFS and its key (mds.n1 serves the CephFS)"), removed.steps.join("|"));
        const only = planFor(facts({ up: false, running: null, ceph: { ...fsFacts, metadataServers: ["n3"] } }), "remove");
        assert.deepEqual(only.refusals, ["mds.n3 is the only metadata server of the CephFS cephfs: start one on another member first (apply the ceph storage profile there)"]);
        const leave = planFor(facts({ node: "n1", ceph: { ...fsFacts, quorum: ["n1", "n2", "n3"] }, local: { cephfsMounted: true, libvirtRbdPool: "debvisor-rbd" } }), "leave");
        assert.deepEqual(leave.refusals, []);
        assert.deepEqual(leave.steps.slice(0, 2), ["unmount the CephFS at /srv/cephfs and take it out of /etc/fstab",
            "remove libvirt's rbd pool debvisor-rbd and its Ceph key secret (machines defined here on it stop working)"]);
        assert.true(leave.steps.includes("stop mds.n1 and remove its key (mds.n3 serves the CephFS)"), leave.steps.join("|"));
        const bare = planFor(facts({ node: "n1", ceph: { ...CEPH }, local: { cephfsMounted: false, libvirtRbdPool: "" } }), "leave");
        assert.false(bare.steps.some(st => st.includes("CephFS") || st.includes("rbd pool")), "nothing of the kind where there is none");
    });
});
