import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import QUnit from "qunit";
import {
    dependentsOf, flavorFromVersion, parseDatasetGet, parseDatasetJson, parsePoolList, parsePoolStatus, parseSize, splitPoolStatuses,
} from "../../helpers/debvisord/zfs/parse.js";
import {
    datasetNameProblem, poolNameProblem, snapshotNameProblem,
} from "../../helpers/debvisord/zfs/names.js";
import { escapePathElement } from "../../helpers/lib/object-path.js";
import { unescapePathElement } from "../lib/object-path-inverse.js";

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), "../fixtures/zfs");
const load = (name: string) => fs.readFileSync(path.join(fixtures, name), "utf8");

QUnit.module("zfs: tool output parsing", () => {
    QUnit.test("flavor: zfs-fuse has no `zfs version`; OpenZFS 2.3 has JSON, 2.1 has not", assert => {
        const fuse = flavorFromVersion(2, "");
        assert.equal(fuse.kind, "zfs-fuse");
        assert.false(fuse.parsable);
        assert.false(fuse.volumes);
        const v21 = flavorFromVersion(0, load("openzfs2-docs-zfs-version-2.1.txt"));
        assert.deepEqual([v21.kind, v21.version, v21.parsable, v21.json, v21.lz4], ["openzfs", "2.1.11", true, false, true]);
        const v23 = flavorFromVersion(0, load("openzfs2-docs-zfs-version-2.3.txt"));
        assert.deepEqual([v23.version, v23.json], ["2.3.1", true]);
        assert.true(load("zfs-fuse-zfs-version.txt").includes("unrecognized command"), "the recorded zfs-fuse answer");
    });

    QUnit.test("sizes as zfs-fuse prints them", assert => {
        assert.equal(parseSize("246M"), 246 * 1024 ** 2);
        assert.equal(parseSize("4.60K"), Math.round(4.6 * 1024));
        assert.equal(parseSize("0"), 0);
        assert.equal(parseSize("512"), 512);
        assert.true(Number.isNaN(parseSize("-")));
        assert.true(Number.isNaN(parseSize("12 M")));
    });

    QUnit.test("recorded zfs-fuse zpool list: rounded sizes, no fragmentation", assert => {
        const line = load("zfs-fuse-zpool-list.txt").split("\t");
        const pools = parsePoolList(`${line[0]}\t${line[1]}\t${line[2]}\t${line[3]}\t${line[5]}\n`, "zfs-fuse");
        assert.deepEqual(pools.map(p => [p.name, p.size, p.allocated, p.health, p.fragmentation, p.exact]),
            [["recpool", BigInt(246 * 1024 ** 2), BigInt(155 * 1024 ** 2), "DEGRADED", -1, false]]);
    });

    QUnit.test("OpenZFS 2.x zpool list -H -p (from the docs): exact bytes and fragmentation", assert => {
        const [tank] = parsePoolList(load("openzfs2-docs-zpool-list-Hp.txt").split("\t").filter((_, i) => [0, 1, 2, 3, 4, 7].includes(i)).join("\t"), "openzfs");
        assert.deepEqual([tank.name, tank.size, tank.allocated, tank.free, tank.fragmentation, tank.health, tank.exact],
            ["tank", 4294967296000n, 1288490188800n, 3006477107200n, 12, "ONLINE", true]);
    });

    QUnit.test("recorded zfs-fuse status: a pool of two mirrors, no scrub yet", assert => {
        const s = parsePoolStatus(load("zfs-fuse-zpool-status-mirror-none.txt"));
        assert.equal(s.name, "recpool");
        assert.equal(s.state, "ONLINE");
        assert.deepEqual(s.scan, { state: "none", progress: 0, last: "", text: "none requested" });
        assert.equal(s.vdevs.length, 1);
        const root = s.vdevs[0];
        assert.deepEqual([root.name, root.type, root.children.map(c => [c.name, c.type])],
            ["recpool", "pool", [["mirror-0", "mirror"], ["mirror-1", "mirror"]]]);
        assert.deepEqual(root.children[1].children.map(d => [d.name, d.type, d.state, d.read, d.write, d.checksum]),
            [["/tmp/zfsrec/d3.img", "file", "ONLINE", 0, 0, 0], ["/tmp/zfsrec/d4.img", "file", "ONLINE", 0, 0, 0]]);
        assert.equal(s.errors, "No known data errors");
    });

    QUnit.test("recorded zfs-fuse status: checksum errors repaired by a scrub, and the last scrub", assert => {
        const s = parsePoolStatus(load("zfs-fuse-zpool-status-cksum-repaired.txt"));
        const d2 = s.vdevs[0].children[0].children[1];
        assert.deepEqual([d2.name, d2.checksum, d2.note], ["/tmp/zfsrec/d2.img", Math.round(4.6 * 1024), "47.5M repaired"]);
        assert.equal(s.scan.state, "finished");
        assert.equal(s.scan.progress, 1);
        assert.equal(s.scan.last, "scrub completed after 0h0m with 0 errors on Wed Dec 2 00:36:56 2026");
        assert.true(s.status.startsWith("One or more devices has experienced an unrecoverable error."));
        assert.true(s.status.endsWith("Applications are unaffected."), "continuation lines joined");
    });

    QUnit.test("recorded zfs-fuse status: a device taken offline degrades its mirror and the pool", assert => {
        const s = parsePoolStatus(load("zfs-fuse-zpool-status-degraded-offline.txt"));
        assert.equal(s.state, "DEGRADED");
        const [m0, m1] = s.vdevs[0].children;
        assert.equal(m0.state, "ONLINE");
        assert.deepEqual([m1.state, m1.children[1].state], ["DEGRADED", "OFFLINE"]);
    });

    QUnit.test("recorded zfs-fuse: a pool whose files are gone is FAULTED/UNAVAIL, with the reasons", assert => {
        const [pool] = parsePoolList(load("zfs-fuse-zpool-list-faulted.txt"), "zfs-fuse");
        assert.deepEqual([pool.name, pool.health, pool.size], ["recpool", "FAULTED", 0n]);
        const s = parsePoolStatus(load("zfs-fuse-zpool-status-unavail-missing-files.txt"));
        assert.equal(s.state, "UNAVAIL");
        assert.deepEqual([s.vdevs[0].state, s.vdevs[0].note], ["UNAVAIL", "insufficient replicas"]);
        assert.deepEqual(s.vdevs[0].children[1].children.map(d => [d.state, d.note]), [["UNAVAIL", "cannot open"], ["UNAVAIL", "cannot open"]]);
    });

    QUnit.test("zfs-fuse scrub in progress (constructed from a recorded status): progress", assert => {
        const s = parsePoolStatus(load("zfs-fuse-constructed-zpool-status-scrub-in-progress.txt"));
        assert.equal(s.scan.state, "scrubbing");
        assert.equal(s.scan.progress, 0.3452);
    });

    QUnit.test("OpenZFS 2.x status (from the docs): raidz2 with a missing disk, logs, cache, spares, scrub at 50 %", assert => {
        const s = parsePoolStatus(load("openzfs2-docs-zpool-status-p-scrub-in-progress.txt"));
        assert.equal(s.state, "DEGRADED");
        assert.deepEqual([s.scan.state, s.scan.progress], ["scrubbing", 0.5]);
        assert.deepEqual(s.vdevs.map(v => [v.name, v.section, v.type]), [
            ["tank", "data", "pool"],
            ["nvme-Samsung_SSD_970_EVO_S1", "logs", "disk"],
            ["nvme-Samsung_SSD_970_EVO_S2", "cache", "disk"],
            ["ata-WDC_WD40EFRX-68N32N0_WD-WCC7K5", "spares", "disk"],
        ]);
        const raidz = s.vdevs[0].children[0];
        assert.deepEqual([raidz.name, raidz.type, raidz.state], ["raidz2-0", "raidz2", "DEGRADED"]);
        assert.deepEqual(raidz.children.map(d => [d.state, d.read, d.checksum]),
            [["ONLINE", 0, 0], ["ONLINE", 0, 2], ["ONLINE", 13, 0], ["UNAVAIL", 0, 0]]);
        assert.equal(raidz.children[3].type, "missing");
        assert.equal(raidz.children[3].note, "was /dev/disk/by-id/ata-WDC_WD40EFRX-68N32N0_WD-WCC7K4-part1");
        assert.equal(s.vdevs[3].state, "AVAIL");
    });

    QUnit.test("OpenZFS 2.x status (from the docs): finished and canceled scrubs", assert => {
        const done = parsePoolStatus(load("openzfs2-docs-zpool-status-p-scrub-finished.txt"));
        assert.deepEqual([done.scan.state, done.scan.last], ["finished", "scrub repaired 0B in 00:00:02 with 0 errors on Sun Nov 10 00:24:03 2024"]);
        assert.deepEqual(done.vdevs[0].children[0].children.map(d => [d.name, d.type]), [["sda3", "disk"], ["sdb3", "disk"]]);
        const canceled = parsePoolStatus(load("openzfs2-docs-zpool-status-p-scrub-canceled.txt"));
        assert.deepEqual([canceled.scan.state, canceled.scan.last], ["canceled", "scrub canceled on Mon Nov 11 09:12:44 2024"]);
        assert.deepEqual(canceled.vdevs[0].children.map(d => d.name), ["sdc"]);
    });

    QUnit.test("several pools in one status output are split by pool", assert => {
        const both = load("zfs-fuse-zpool-status-mirror-none.txt") + load("openzfs2-docs-zpool-status-p-scrub-finished.txt");
        assert.deepEqual([...splitPoolStatuses(both).keys()], ["recpool", "rpool"]);
    });

    QUnit.test("recorded zfs-fuse zfs get -H -p: exact bytes, snapshots, quota, compression", assert => {
        const all = parseDatasetGet(load("zfs-fuse-zfs-get-Hp.txt"));
        const web = all.find(d => d.name === "recpool/data/web")!;
        assert.deepEqual([web.type, web.used, web.quota, web.compression, web.mountpoint, web.recordsize],
            ["filesystem", 52477952n, 52428800n, "lzjb", "/recpool/data/web", 131072n]);
        const snap = all.find(d => d.name === "recpool/data/web@s1")!;
        assert.deepEqual([snap.type, snap.referenced, snap.mountpoint, snap.creation], ["snapshot", 52477952n, "", 1796171826]);
        assert.equal(all.find(d => d.name === "recpool/webclone")?.origin, "recpool/data/web@s1");
        assert.deepEqual(all.filter(d => d.type === "filesystem").map(d => d.name),
            ["recpool", "recpool/data", "recpool/data/web", "recpool/db", "recpool/webclone"]);
    });

    QUnit.test("OpenZFS 2.3 zfs list -j (the example of zfs-list(8)): datasets and snapshots", assert => {
        const all = parseDatasetJson(load("openzfs2-docs-zfs-list-j.json"));
        assert.deepEqual(all.map(d => [d.name, d.type]), [
            ["pool", "filesystem"], ["pool/home", "filesystem"], ["pool/home/bob", "filesystem"], ["pool/home/bob@v1", "snapshot"],
        ]);
        const home = all[1];
        assert.deepEqual([home.used, home.available, home.mountpoint], [48n * 1024n, BigInt(Math.round(30.5 * 1024 ** 3)), "/mnt/home"]);
        assert.deepEqual([all[3].used, all[3].available, all[3].mountpoint], [0n, 0n, ""]);
        const exact = parseDatasetJson(JSON.stringify({
            output_version: { command: "zfs list" },
            datasets: { "t/a": { name: "t/a", type: "VOLUME", properties: { used: { value: 8589934592 }, quota: { value: "none" }, creation: { value: 1733100000 } } } },
        }));
        assert.deepEqual([exact[0].type, exact[0].used, exact[0].quota, exact[0].creation], ["volume", 8589934592n, 0n, 1733100000], "--json-int numbers");
        assert.throws(() => parseDatasetJson("{\"output_version\": {\"command\": \"zpool status\"}}"), /not the JSON of zfs list/);
    });

    QUnit.test("dependents: children, snapshots and clones of those snapshots", assert => {
        const all = parseDatasetGet(load("zfs-fuse-zfs-get-Hp.txt"));
        assert.deepEqual(dependentsOf("recpool/data", all),
            ["recpool/data/web", "recpool/data/web@daily-1", "recpool/data/web@s1", "recpool/data@daily-1", "recpool/webclone"]);
        assert.deepEqual(dependentsOf("recpool/data/web@s1", all), ["recpool/webclone"]);
        assert.deepEqual(dependentsOf("recpool/db", all), []);
    });
});

QUnit.module("zfs: names", () => {
    QUnit.test("dataset names: the grammar refuses what could confuse a tool", assert => {
        assert.equal(datasetNameProblem("tank/vm-01/disk_0.raw:a"), null);
        for (const bad of ["", "tank/", "/tank", "tank//a", "tank/a b", "tank/a\nb", "tank/-a", "-tank", "tank/..", "tank/a..b",
            "tank/.a", "tank@s", "tank/a\"b", "tank/a'b", "tank/a;b", "tank/é", "x".repeat(256), "1tank", "mirror/a"])
            assert.notEqual(datasetNameProblem(bad), null, JSON.stringify(bad));
        assert.equal(datasetNameProblem("t/" + "x".repeat(253)), null, "255 characters is the limit");
    });

    QUnit.test("pool and snapshot names", assert => {
        assert.equal(poolNameProblem("tank2"), null);
        assert.notEqual(poolNameProblem("raidz-data"), null);
        assert.notEqual(poolNameProblem("tank/a"), null);
        assert.equal(snapshotNameProblem("daily-2026-12-02_0100"), null);
        assert.notEqual(snapshotNameProblem("a@b"), null);
    });

    QUnit.test("object path elements: only [A-Za-z0-9_], reversible, distinct for distinct names", assert => {
        const names = ["tank", "tank/a", "tank/a_b", "tank/a-b", "tank_2fa", "tank/a.b:c"];
        const escaped = names.map(escapePathElement);
        for (const e of escaped)
            assert.true(/^[A-Za-z0-9_]+$/.test(e), e);
        assert.equal(new Set(escaped).size, names.length);
        assert.deepEqual(escaped.map(unescapePathElement), names);
        assert.equal(escapePathElement("tank/a_b"), "tank_2fa_5fb");
    });
});
