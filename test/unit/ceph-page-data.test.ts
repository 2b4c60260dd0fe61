// The Ceph tab's reading of the CephManager's JSON properties (anything
// unreadable gives empty data, not a broken page) and its name and size
// rules, which must match the contract's before a call is made.
import QUnit from "qunit";
import { nameProblem as daemonNameProblem } from "../../helpers/debvisord/ceph/names.js";
import {
    cephImageNameProblem, cephNameProblem, cephPoolNameProblem, crushHosts, imageSize, parseCephFs, parseHealthChecks, parseOsdTree,
    parsePlacementGroups, sizeInUnit, snapshotsOf,
} from "../../pkg/lib/api/ceph-data.js";

const MiB = 1024 ** 2;
const NASTY = ["bad name", "a\nb", "a'b", "a\"b", "a/b", "a;b", "a$b", "ä", "", "x".repeat(101)];

QUnit.module("ceph tab: data and rules", () => {
    QUnit.test("health checks: every field, defaults for missing ones, junk ignored", assert => {
        const checks = parseHealthChecks(JSON.stringify([
            { code: "OSDMAP_FLAGS", severity: "HEALTH_WARN", summary: "noout flag(s) set", detail: [], explanation: "No OSD is marked out.", muted: false },
            { code: "POOL_NO_REDUNDANCY", summary: "1 pool(s) have no replicas configured", detail: ["pool 'rbd' has no replicas configured"] },
            "junk", null,
        ]));
        assert.deepEqual(checks.map(c => c.code), ["OSDMAP_FLAGS", "POOL_NO_REDUNDANCY"]);
        assert.equal(checks[0].explanation, "No OSD is marked out.");
        assert.deepEqual([checks[1].severity, checks[1].muted, checks[1].detail.length], ["HEALTH_WARN", false, 1]);
        for (const bad of ["", "{", "{}", "null", "42"])
            assert.deepEqual(parseHealthChecks(bad), [], `nothing from ${JSON.stringify(bad)}`);
    });

    QUnit.test("placement groups, CephFS and the CRUSH tree", assert => {
        assert.deepEqual(parsePlacementGroups('{"total": 33, "states": {"active+clean": 32, "peering": 1}}'), { total: 33, states: { "active+clean": 32, peering: 1 } });
        assert.deepEqual(parsePlacementGroups("[]"), { total: 0, states: {} });
        assert.equal(parseCephFs('{"name": "", "state": "none"}'), null, "no file system");
        assert.equal(parseCephFs("not json"), null);
        const fs = parseCephFs('{"name": "cephfs", "state": "active", "mds": [{"name": "a", "state": "up:active"}], "data_pool": "cephfs_data", "metadata_pool": "cephfs_metadata", "mounted": true}');
        assert.deepEqual([fs?.mountpoint, fs?.mounted, fs?.mds.length], ["/srv/cephfs", true, 1]);
        const tree = parseOsdTree(JSON.stringify([
            { id: -1, name: "default", type: "root", children: [-3, -5] },
            { id: -3, name: "hv1", type: "host", children: [2, 0] },
            { id: -5, name: "hv2", type: "host" },
            { id: 0, name: "osd.0", type: "osd" }, { id: 2, name: "osd.2", type: "osd" },
        ]));
        assert.deepEqual(crushHosts(tree), [{ name: "hv1", osds: [0, 2] }, { name: "hv2", osds: [] }]);
    });

    QUnit.test("an image's snapshots from aa{sv}, as cockpit.js hands it over", assert => {
        const dict = { Name: { t: "s", v: "s1" }, Size: { t: "t", v: 64 * MiB }, Protected: { t: "b", v: true }, CreationTime: { t: "t", v: 1_700_000_000_000_000 } };
        assert.deepEqual(snapshotsOf([dict]), [{ name: "s1", size: 64 * MiB, protected: true, created: 1_700_000_000_000_000 }]);
        assert.deepEqual(snapshotsOf([]), []);
    });

    QUnit.test("pool names: the contract's rules", assert => {
        for (const good of ["rbd", "vm-disks", "a.b_c", "0pool", "x".repeat(100)])
            assert.equal(cephPoolNameProblem(good), null, good);
        for (const bad of [...NASTY, "-x", ".x", "_x", "..", "."])
            assert.notEqual(cephPoolNameProblem(bad), null, JSON.stringify(bad.slice(0, 20)));
    });

    QUnit.test("image names: the contract's rules", assert => {
        for (const good of ["disk-1", "a.b", "x".repeat(100)])
            assert.equal(cephImageNameProblem(good), null, good);
        for (const bad of [...NASTY, "-x", ".x", "_x", "..", "a..b"])
            assert.notEqual(cephImageNameProblem(bad), null, JSON.stringify(bad.slice(0, 20)));
    });

    QUnit.test("the page refuses exactly the names debvisord refuses", assert => {
        const names = [...NASTY, "-x", ".x", "_x", "..", "a..b", "a.", "rbd", "vm-disks", "a_b.c-d", "0", "x".repeat(100), "é", " x", "x ", "a\tb"];
        for (const n of names)
            assert.equal(cephNameProblem(n) === null, daemonNameProblem(n) === null, JSON.stringify(n.slice(0, 20)));
    });

    QUnit.test("image sizes: whole MiB from 1 MiB to 1 PiB, in the unit chosen", assert => {
        assert.deepEqual(imageSize("64", "MiB"), { bytes: 64 * MiB });
        assert.deepEqual(imageSize("1.5", "GiB"), { bytes: 1536 * MiB });
        assert.deepEqual(imageSize("1024", "TiB"), { bytes: 1024 ** 5 });
        for (const [amount, unit] of [["0", "MiB"], ["0.5", "MiB"], ["1025", "TiB"], ["-1", "GiB"], ["1e3", "MiB"], ["", "MiB"], ["abc", "GiB"]] as const)
            assert.true("problem" in imageSize(amount, unit), `${amount} ${unit} refused`);
        assert.deepEqual(sizeInUnit(64 * MiB), { amount: "64", unit: "MiB" });
        assert.deepEqual(sizeInUnit(10 * 1024 * MiB), { amount: "10", unit: "GiB" });
        assert.deepEqual(sizeInUnit(1536 * MiB), { amount: "1536", unit: "MiB" });
    });
});
