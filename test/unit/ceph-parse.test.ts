// Ceph's JSON as recorded from a real Ceph 16.2 single-node cluster (three
// OSDs, an MDS, a CephFS and an rbd pool): with noout set, with an OSD
// marked out, with images and a protected snapshot.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import QUnit from "qunit";
import { explainHealthCheck } from "../../helpers/debvisord/ceph/health.js";
import { fstabLine, withFstabLine } from "../../helpers/debvisord/ceph/cephfs-mount.js";
import { imageSize, nameProblem } from "../../helpers/debvisord/ceph/names.js";
import {
    parseDfDetail, parseHealth, parseMgrDump, parseOsdDfTree, parseRbdDu, parseRbdList, parseRbdSnapshots, parseReport, visibleFlags,
} from "../../helpers/debvisord/ceph/parse.js";
import { readConfig, toolError } from "../../helpers/debvisord/ceph/tools.js";

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), "../fixtures/ceph");
const load = (name: string) => fs.readFileSync(path.join(fixtures, name), "utf8");

QUnit.module("ceph: tool output parsing", () => {
    QUnit.test("ceph report: health, monitors, flags, OSDs, pools, PGs, usage and the CephFS in one run", assert => {
        const r = parseReport(load("report.json"));
        assert.equal(r.version, "16.2.15");
        assert.true(/^[0-9a-f-]{36}$/.test(r.fsid), r.fsid);
        assert.deepEqual(r.health, { status: "HEALTH_OK", checks: [] });
        assert.deepEqual(r.monitors, [{ name: "a", address: "127.0.0.1:3310", in_quorum: true }]);
        assert.deepEqual(visibleFlags(r.flags), []);
        assert.deepEqual(r.osds.map(o => [o.id, o.up, o.in]), [[0, true, true], [1, true, true], [2, true, true]]);
        assert.deepEqual(r.pools.map(p => [p.name, p.size, p.minSize, p.autoscale, p.applications.join()]), [
            ["device_health_metrics", 3, 2, "on", "mgr_devicehealth"],
            ["cephfs_metadata", 3, 2, "on", "cephfs"],
            ["cephfs_data", 3, 2, "on", "cephfs"],
            ["rbd", 3, 2, "on", "rbd"],
        ]);
        assert.deepEqual(r.placementGroups, { total: 25, states: { "active+clean": 25 } });
        assert.equal(r.totalBytes, 12 * 1024 ** 3);
        assert.equal(r.usedBytes, 891828 * 1024);
        assert.deepEqual(r.filesystems, [{
            name: "cephfs", state: "active", mds: [{ name: "a", state: "active" }], data_pool: "cephfs_data", metadata_pool: "cephfs_metadata",
        }]);
        assert.equal(r.devices.get(0), "/var/tmp/debvisor-test-ceph/osd.0/block", "a file OSD names its block file");
    });

    QUnit.test("noout gives the OSDMAP_FLAGS check with an explanation; an out OSD is In false", assert => {
        const r = parseReport(load("report-noout.json"));
        assert.equal(r.health.status, "HEALTH_WARN");
        assert.deepEqual(r.health.checks.map(c => [c.code, c.severity, c.summary, c.muted]), [["OSDMAP_FLAGS", "HEALTH_WARN", "noout flag(s) set", false]]);
        assert.true(r.health.checks[0].explanation.includes("maintenance"), r.health.checks[0].explanation);
        assert.deepEqual(visibleFlags(r.flags), ["noout"]);
        const out = parseReport(load("report-out.json"));
        assert.deepEqual(out.osds.map(o => o.in), [true, true, false]);
        const detail = parseHealth(JSON.parse(load("health-detail-noout.json")));
        assert.deepEqual(detail.checks.map(c => c.code), ["OSDMAP_FLAGS"]);
    });

    QUnit.test("health checks: details as strings, errors first, unknown codes get a general text", assert => {
        const h = parseHealth({
            status: "HEALTH_ERR", checks: {
                PG_DEGRADED: { severity: "HEALTH_WARN", summary: { message: "Degraded data redundancy" }, detail: [{ message: "pg 2.1 is degraded" }], muted: true },
                MON_DOWN: { severity: "HEALTH_ERR", summary: { message: "1/3 mons down" }, detail: [] },
                FOO_BAR: { severity: "HEALTH_WARN", summary: { message: "something" } },
            },
        });
        assert.deepEqual(h.checks.map(c => c.code), ["MON_DOWN", "FOO_BAR", "PG_DEGRADED"]);
        assert.deepEqual(h.checks[2].detail, ["pg 2.1 is degraded"]);
        assert.true(h.checks[2].muted);
        for (const code of ["OSD_DOWN", "PG_DEGRADED", "MON_DOWN", "POOL_NO_REDUNDANCY", "OSDMAP_FLAGS", "TOO_FEW_OSDS", "MDS_ALL_DOWN", "MDS_INSUFFICIENT_STANDBY"])
            assert.true(explainHealthCheck(code).length > 40 && !explainHealthCheck(code).includes("summary and detail say"), code);
        assert.true(explainHealthCheck("MDS_SOMETHING_NEW").includes("MDS"));
        assert.true(explainHealthCheck("NEVER_HEARD_OF").includes("summary and detail"));
    });

    QUnit.test("osd df tree: hosts, device classes, weights, usage and PGs; an out OSD has reweight 0", assert => {
        const { tree, osds } = parseOsdDfTree(load("osd-df-tree.json"));
        assert.deepEqual(tree.filter(n => n.type !== "osd").map(n => [n.type, n.children]), [["root", [-3]], ["host", [0, 1, 2]]]);
        assert.deepEqual(osds.map(o => [o.id, o.deviceClass, o.totalBytes, o.status]), [0, 1, 2].map(i => [i, "hdd", 4 * 1024 ** 3, "up"]));
        assert.true(osds.every(o => o.host === tree.find(n => n.type === "host")?.name && o.pgs > 0 && o.crushWeight > 0));
        const out = parseOsdDfTree(load("osd-df-tree-out.json")).osds.find(o => o.id === 2);
        assert.deepEqual([out?.reweight, out?.totalBytes], [0, 0]);
    });

    QUnit.test("df detail and mgr dump", assert => {
        const df = parseDfDetail(load("df-detail.json"));
        assert.deepEqual(df.pools.find(p => p.name === "cephfs_metadata"), { name: "cephfs_metadata", stored: 2306, used: 98304, maxAvail: 3861650432, objects: 22 });
        assert.true(df.totalBytes > 0 && df.availableBytes > 0);
        assert.deepEqual(parseMgrDump(load("mgr-dump.json")), [{ name: "x", active: true }]);
        assert.deepEqual(parseMgrDump(JSON.stringify({ active_name: "a", available: true, standbys: [{ name: "b" }] })), [{ name: "a", active: true }, { name: "b", active: false }]);
    });

    QUnit.test("rbd ls -l, du and snap ls: images with their snapshots, usage and snapshot times", assert => {
        const images = parseRbdList(load("rbd-ls-l.json"), "rbd");
        assert.deepEqual(images.map(i => [i.name, i.size, i.snapshots.map(s => [s.name, s.protected])]), [
            ["disk1", 64 * 1024 ** 2, [["snap1", true]]], ["disk2", 16 * 1024 ** 2, []],
        ]);
        assert.deepEqual([...parseRbdDu(load("rbd-du.json"))], [["disk1", 0], ["disk2", 0]]);
        const snaps = parseRbdSnapshots(load("rbd-snap-ls.json"));
        assert.deepEqual(snaps, [{ name: "snap1", size: 64 * 1024 ** 2, protected: true, created: Date.UTC(2026, 11, 2, 3, 45, 3) * 1000 }]);
        assert.deepEqual(parseRbdList("", "rbd"), [], "an empty pool prints nothing");
    });

    QUnit.test("malformed output is a clear error, not a crash", assert => {
        assert.throws(() => parseReport("not json"), /ceph report: not JSON/);
        assert.throws(() => parseReport("[]"), /not a JSON object/);
        assert.throws(() => parseOsdDfTree(JSON.stringify({ nodes: 5 })), /nodes: not a JSON list/);
    });

    QUnit.test("errors: a silent cluster, a missing pool, an existing name", assert => {
        const silent = toolError("reading", "[errno 110] RADOS timed out (error connecting to the cluster)", 1) as Error & { errorName: string };
        assert.deepEqual([silent.errorName, /does not answer/.test(silent.message)], ["Failed", true]);
        assert.equal((toolError("x", "Error ENOENT: unrecognized pool 'zz'", 2) as Error & { errorName: string }).errorName, "NotFound");
        assert.equal((toolError("x", "rbd: create error: (17) File exists\nError EEXIST: already exists", 1) as Error & { errorName: string }).errorName, "InvalidArgument");
        assert.equal((toolError("x", "rbd: error: image still has watchers", 16) as Error & { errorName: string }).errorName, "Busy");
    });
});

QUnit.module("ceph: names, sizes, config, fstab and machine disks", () => {
    QUnit.test("names: strict grammar", assert => {
        for (const good of ["rbd", "vm-disks", "a.b_c-1", "x".repeat(100)])
            assert.equal(nameProblem(good), null, good);
        for (const bad of ["", " ", "a b", "a\nb", "a\"b", "a'b", "..", "a..b", "-x", ".x", "_x", "a/b", "a@b", "x".repeat(101), "é"])
            assert.notEqual(nameProblem(bad), null, JSON.stringify(bad));
    });

    QUnit.test("image sizes: whole MiB from 1 MiB to 1 PiB", assert => {
        const ok = (n: unknown) => imageSize.safeParse(n).success;
        assert.true(ok(1024 ** 2) && ok(64 * 1024 ** 2) && ok(1024 ** 5));
        assert.false(ok(0) || ok(1) || ok(1024 ** 2 + 1) || ok(1024 ** 5 + 1024 ** 2) || ok(-(1024 ** 2)) || ok(2n ** 63n) || ok(1.5));
    });

    QUnit.test("config: ceph.json may name conf and keyring; defaults next to /etc/ceph/ceph.conf", assert => {
        const dir = fs.mkdtempSync("/tmp/dv-ceph-conf-");
        try {
            const file = path.join(dir, "ceph.json");
            assert.deepEqual(readConfig(file), { conf: "/etc/ceph/ceph.conf", keyring: "/etc/ceph/ceph.client.admin.keyring" });
            fs.writeFileSync(file, JSON.stringify({ conf: "/srv/c/ceph.conf" }));
            assert.deepEqual(readConfig(file), { conf: "/srv/c/ceph.conf", keyring: "/srv/c/ceph.client.admin.keyring" });
            fs.writeFileSync(file, JSON.stringify({ conf: "relative.conf", keyring: "/k" }));
            assert.deepEqual(readConfig(file), { conf: "/etc/ceph/ceph.conf", keyring: "/k" });
            fs.writeFileSync(file, "{broken");
            assert.equal(readConfig(file).conf, "/etc/ceph/ceph.conf");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    QUnit.test("fstab: the /srv/cephfs line is added, replaced and removed; other lines stay", assert => {
        const line = fstabLine({ conf: "/etc/ceph/ceph.conf", keyring: "/etc/ceph/k" }, "cephfs");
        assert.equal(line, "none /srv/cephfs fuse.ceph ceph.conf=/etc/ceph/ceph.conf,ceph.keyring=/etc/ceph/k,ceph.client_fs=cephfs,_netdev,defaults 0 0");
        const base = "# a comment\nUUID=1 / ext4 defaults 0 1\n";
        const added = withFstabLine(base, "/srv/cephfs", line);
        assert.equal(added, `${base}${line}\n`);
        assert.equal(withFstabLine(added, "/srv/cephfs", line), added, "adding twice keeps one line");
        assert.equal(withFstabLine(added, "/srv/cephfs", null), base);
        assert.equal(withFstabLine("UUID=1 / ext4 defaults 0 1", "/srv/cephfs", null), "UUID=1 / ext4 defaults 0 1\n");
    });
});
