// The Ceph tab's reading of the CephManager's JSON properties (anything
// unreadable gives empty data, not a broken page) and its name and size
// rules, which must match the contract's before a call is made.
import QUnit from "qunit";
import { nameProblem as daemonNameProblem } from "../../helpers/debvisord/ceph/names.js";
import {
    cephFsOf, cephImageNameProblem, cephNameProblem, cephPoolNameProblem, crushHosts, healthChecksOf, imageSize, managersOf, monitorsOf,
    osdTreeOf, placementGroupsOf, sizeInUnit, snapshotsOf,
} from "../../pkg/lib/api/ceph-data.js";

const MiB = 1024 ** 2;
const NASTY = ["bad name", "a\nb", "a'b", "a\"b", "a/b", "a;b", "a$b", "ä", "", "x".repeat(101)];

QUnit.module("ceph tab: data and rules", () => {
    // cockpit.js hands a{sv} over as { key: { t, v } }
    const v = (t: string, value: unknown) => ({ t, v: value });
    QUnit.test("health checks: every field, defaults for missing ones", assert => {
        const checks = healthChecksOf([
            { Code: v("s", "OSDMAP_FLAGS"), Severity: v("s", "HEALTH_WARN"), Summary: v("s", "noout flag(s) set"), Detail: v("as", []), Explanation: v("s", "No OSD is marked out."), Muted: v("b", false) },
            { Code: v("s", "POOL_NO_REDUNDANCY"), Summary: v("s", "1 pool(s) have no replicas configured"), Detail: v("as", ["pool 'rbd' has no replicas configured"]) },
        ]);
        assert.deepEqual(checks.map(c => c.code), ["OSDMAP_FLAGS", "POOL_NO_REDUNDANCY"]);
        assert.equal(checks[0].explanation, "No OSD is marked out.");
        assert.deepEqual([checks[1].severity, checks[1].muted, checks[1].detail.length], ["HEALTH_WARN", false, 1]);
        assert.deepEqual(healthChecksOf([]), []);
    });

    QUnit.test("placement groups, CephFS, monitors, managers and the CRUSH tree", assert => {
        assert.deepEqual(placementGroupsOf({ "active+clean": 32, peering: 1 }), { total: 33, states: { "active+clean": 32, peering: 1 } });
        assert.deepEqual(placementGroupsOf({}), { total: 0, states: {} });
        assert.equal(cephFsOf({ Name: v("s", ""), State: v("s", "none") }), null, "no file system");
        const fs = cephFsOf({
            Name: v("s", "cephfs"), State: v("s", "active"), Mds: v("aa{sv}", [{ Name: v("s", "a"), State: v("s", "up:active") }]),
            DataPool: v("s", "cephfs_data"), MetadataPool: v("s", "cephfs_metadata"), Mountpoint: v("s", "/srv/cephfs"), Mounted: v("b", true),
        });
        assert.deepEqual([fs?.mountpoint, fs?.mounted, fs?.mds, fs?.data_pool], ["/srv/cephfs", true, [{ name: "a", state: "up:active" }], "cephfs_data"]);
        assert.deepEqual(monitorsOf([{ Name: v("s", "a"), Address: v("s", "10.0.0.1:6789/0"), InQuorum: v("b", true) }]), [{ name: "a", address: "10.0.0.1:6789/0", in_quorum: true }]);
        assert.deepEqual(managersOf([{ Name: v("s", "x"), Active: v("b", true) }]), [{ name: "x", active: true }]);
        const node = (id: number, name: string, type: string, children: number[] = []) =>
            ({ Id: v("x", id), Name: v("s", name), Type: v("s", type), Children: v("ax", children) });
        const tree = osdTreeOf([node(-1, "default", "root", [-3, -5]), node(-3, "hv1", "host", [2, 0]), node(-5, "hv2", "host"), node(0, "osd.0", "osd"), node(2, "osd.2", "osd")]);
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
