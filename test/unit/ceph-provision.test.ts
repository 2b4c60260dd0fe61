// The pure parts of the Ceph provisioning library: ceph.conf, the step list,
// the decisions that make each step safe to run again, the option and device
// checks, and the libvirt secret and pool XML.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import QUnit from "qunit";
import { normalizeOptions } from "../../helpers/debvisord/ceph/provision/bootstrap.js";
import { cephConfText, daemonName, defaultPoolSize, fileOsdDirectory, fsidOfConf, monitorHostsOfConf } from "../../helpers/debvisord/ceph/provision/config.js";
import { checkOsdDevices, existingOsds, testFileOsdDisks } from "../../helpers/debvisord/ceph/provision/devices.js";
import { findSecret, rbdPoolXml, secretXml } from "../../helpers/debvisord/ceph/provision/libvirt-rbd.js";
import { joinsAsMonitor } from "../../helpers/debvisord/ceph/provision/monitor-join.js";
import { runningPid } from "../../helpers/debvisord/ceph/provision/services.js";
import {
    bootstrapSteps, configDecision, fstabWithCephfs, isCephFuseMount, osdDecision, parsePgStat, pgsSettled, stagingName,
} from "../../helpers/debvisord/ceph/provision/steps.js";
import type { Disk } from "../../helpers/debvisord/host/disks.js";

const FSID = "0b6f2f3c-5e1e-4a47-9a8e-2f3c4b5d6e7f";
const settingOf = (text: string, key: string) => new RegExp(`^${key} = (.*)$`, "m").exec(text)?.[1];

function disk(over: Partial<Disk>): Disk {
    return {
        Name: "sdb", Path: "/dev/sdb", Size: 8e9, Model: "M", Serial: "S", Wwn: "", ById: "/dev/disk/by-id/ata-M_S", Rotational: false, Removable: false,
        ReadOnly: false, Transport: "sata", FsType: "", Mountpoints: [], Partitions: [], Role: "spare", RoleReason: "has no partitions", ...over,
    };
}

QUnit.module("ceph provisioning: pure parts", () => {
    QUnit.test("ceph.conf for one host: the monitor on 127.0.0.1, replicas across OSDs, one copy with one OSD, two with more", assert => {
        const one = cephConfText({ fsid: FSID, name: "node1", publicNetwork: "127.0.0.0/8", osdCount: 1 });
        assert.equal(fsidOfConf(one), FSID);
        assert.equal(settingOf(one, "mon host"), "[v2:127.0.0.1:3300,v1:127.0.0.1:6789]");
        assert.equal(settingOf(one, "mon initial members"), "node1");
        assert.equal(settingOf(one, "osd crush chooseleaf type"), "0");
        assert.equal(settingOf(one, "osd pool default size"), "1");
        assert.equal(settingOf(one, "osd pool default min size"), "1");
        assert.equal(settingOf(one, "mon allow pool size one"), "true");
        assert.equal(settingOf(one, "public network"), "127.0.0.0/8");
        // Ceph 18 creates an autoscaled pool with pg_num 1: a default pgp num above it made "osd pool create" fail (ERANGE)
        assert.equal(settingOf(one, "osd pool default pgp num"), undefined, "pgp num follows pg num");
        const three = cephConfText({ fsid: FSID, name: "node1", publicNetwork: "10.0.0.0/24", osdCount: 3 });
        assert.equal(settingOf(three, "osd pool default size"), "2");
        assert.deepEqual([0, 1, 2, 5].map(defaultPoolSize), [1, 1, 2, 2]);
        // the pid file is the daemons' only: the ceph CLI and ceph-fuse must not claim it
        const global = one.split(/^\[mon\]$/m)[0];
        assert.false(global.includes("pid file"), "not in [global]");
        for (const type of ["mon", "mgr", "osd", "mds"])
            assert.true(new RegExp(`^\\[${type}\\]\\n(#.*\\n)*pid file = /run/ceph/\\$cluster-\\$name.pid$`, "m").test(one), type);
        // every non-default value says why
        assert.true((one.match(/^# /gm) ?? []).length >= 6);
        assert.equal(fsidOfConf("[global]\nfsid = not-a-uuid\n"), "");
        assert.equal(fsidOfConf(""), "");
    });

    QUnit.test("the daemon name: the short host name, made safe", assert => {
        assert.equal(daemonName("node1.example.org"), "node1");
        assert.equal(daemonName("we ird$name"), "we-ird-name");
        assert.equal(daemonName("-x"), "x");
        assert.equal(daemonName(""), "localhost");
        assert.equal(daemonName("a".repeat(200)).length, 63);
    });

    QUnit.test("the steps in order: core, one per device, then MDS and CephFS, RBD pool, settling, mount", assert => {
        const ids = (o: Parameters<typeof bootstrapSteps>[2]) => bootstrapSteps("n", ["/dev/sdb", "/dev/sdc"], o).map(s => s.id);
        assert.deepEqual(ids(normalizeOptions({})), ["config", "keyrings", "mon", "mgr", "mgr-metrics", "osd:/dev/sdb", "osd:/dev/sdc", "mds", "cephfs", "rbd-pool", "healthy", "mount"]);
        assert.deepEqual(ids(normalizeOptions({ cephfs: "", rbdPool: "" })), ["config", "keyrings", "mon", "mgr", "mgr-metrics", "osd:/dev/sdb", "osd:/dev/sdc", "healthy"]);
        assert.deepEqual(ids(normalizeOptions({ mount: false })).slice(-2), ["rbd-pool", "healthy"]);
    });

    QUnit.test("idempotence decisions: an existing ceph.conf is kept; an OSD is kept, started, or made again", assert => {
        assert.equal(configDecision("", ""), "write");
        assert.equal(configDecision("[global]\n", ""), "write", "a conf without fsid is no cluster's");
        assert.equal(configDecision(`fsid = ${FSID}\n`, FSID), "kept");
        assert.deepEqual(osdDecision(undefined), { action: "new" });
        assert.deepEqual(osdDecision({ id: 3, ready: false, running: false }), { action: "mkfs", id: 3 });
        assert.deepEqual(osdDecision({ id: 3, ready: true, running: false }), { action: "start", id: 3 });
        assert.deepEqual(osdDecision({ id: 3, ready: true, running: true }), { action: "kept", id: 3 });
        assert.equal(stagingName("/dev/sdb"), stagingName("/dev/sdb"));
        assert.notEqual(stagingName("/dev/sdb"), stagingName("/dev/sdc"));
        assert.true(/^[0-9a-f]{32}\.json$/.test(stagingName("/x/../\n-y")));
    });

    QUnit.test("settling: every PG active+clean; none at all while pools exist is not settled", assert => {
        const pgs = parsePgStat({ pg_summary: { num_pgs: 49, num_pg_by_state: [{ name: "active+clean", num: 40 }, { name: "creating+peering", num: 9 }] } });
        assert.deepEqual(pgs, { total: 49, states: { "active+clean": 40, "creating+peering": 9 } });
        assert.false(pgsSettled(pgs, 4));
        assert.true(pgsSettled(parsePgStat({ pg_summary: { num_pgs: 49, num_pg_by_state: [{ name: "active+clean", num: 49 }] } }), 4));
        assert.false(pgsSettled(parsePgStat({ pg_summary: { num_pgs: 0, num_pg_by_state: [] } }), 1));
        assert.true(pgsSettled(parsePgStat({ num_pgs: 0 }), 0));
        assert.deepEqual(parsePgStat(null), { total: 0, states: {} });
    });

    QUnit.test("the mount: only a ceph-fuse mount on the mountpoint counts", assert => {
        assert.true(isCephFuseMount("ceph-fuse /srv/cephfs fuse.ceph-fuse rw,nosuid 0 0\n", "/srv/cephfs"));
        assert.false(isCephFuseMount("tank/x /srv/cephfs zfs rw 0 0\n", "/srv/cephfs"));
        assert.false(isCephFuseMount("ceph-fuse /srv/cephfs2 fuse.ceph-fuse rw 0 0\n", "/srv/cephfs"));
    });

    QUnit.test("fstab (hosts with systemd): the CephFS line added once; an existing entry for the mountpoint kept", assert => {
        const added = fstabWithCephfs("UUID=x / ext4 defaults 0 1", "/srv/cephfs", "/etc/ceph/ceph.conf")!;
        assert.equal(added, "UUID=x / ext4 defaults 0 1\nnone /srv/cephfs fuse.ceph ceph.id=admin,ceph.conf=/etc/ceph/ceph.conf,_netdev,x-systemd.after=ceph.target,defaults 0 0\n");
        assert.equal(fstabWithCephfs(added, "/srv/cephfs", "/etc/ceph/ceph.conf"), null, "twice: unchanged");
        assert.equal(fstabWithCephfs("mon:/ /srv/cephfs ceph name=x 0 0\n", "/srv/cephfs", "/c"), null, "the admin's own entry is kept");
        assert.notEqual(fstabWithCephfs("# none /srv/cephfs fuse.ceph\n", "/srv/cephfs", "/c"), null, "a comment is no entry");
        assert.true(fstabWithCephfs("", "/srv/cephfs", "/c")!.startsWith("none /srv/cephfs"));
    });

    QUnit.test("options: bad names and networks are refused with the option named", assert => {
        assert.deepEqual(normalizeOptions({}), { rbdPool: "rbd", cephfs: "cephfs", mount: true, publicNetwork: "127.0.0.0/8", monitorAddress: "127.0.0.1" });
        for (const [o, word] of [[{ rbdPool: "-x" }, "rbd-pool"], [{ rbdPool: "a\nb" }, "rbd-pool"], [{ rbdPool: "x".repeat(101) }, "rbd-pool"],
            [{ cephfs: "../x" }, "cephfs"], [{ cephfs: "a'b" }, "cephfs"], [{ publicNetwork: "300.1.1.1/8" }, "public-network"],
            [{ publicNetwork: "10.0.0.0/33" }, "public-network"], [{ publicNetwork: "10.0.0.0" }, "public-network"]] as const) {
            assert.throws(() => normalizeOptions(o), (e: Error) => e.message.startsWith(`options.${word}`), JSON.stringify(o));
        }
        assert.equal(normalizeOptions({ publicNetwork: "fd00::/64" }).publicNetwork, "fd00::/64");
        assert.equal(normalizeOptions({ cephfs: "" }).cephfs, "");
    });

    QUnit.test("devices: spare disks and test files only; the OS disk never; an OSD's own disk is that OSD", async assert => {
        const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "dv-osd-")));
        const cleanups: string[] = [];
        try {
            const big = path.join(dir, "a.img");
            fs.closeSync(fs.openSync(big, "w"));
            fs.truncateSync(big, 2 * 1024 ** 3);
            const small = path.join(dir, "small.img");
            fs.closeSync(fs.openSync(small, "w"));
            fs.truncateSync(small, 64 * 1024 ** 2);
            // a path that leaves the directory with ".." or goes below it is refused
            const outside = path.join(path.dirname(dir), `${path.basename(dir)}-outside.img`);
            fs.closeSync(fs.openSync(outside, "w"));
            fs.truncateSync(outside, 2 * 1024 ** 3);
            fs.mkdirSync(path.join(dir, "sub"));
            fs.closeSync(fs.openSync(path.join(dir, "sub", "b.img"), "w"));
            fs.truncateSync(path.join(dir, "sub", "b.img"), 2 * 1024 ** 3);
            cleanups.push(outside);
            const disks = [disk({}), disk({ Name: "nvme0n1", Path: "/dev/nvme0n1", ById: "", Role: "os", RoleReason: "holds / " }),
                disk({ Name: "sdc", Path: "/dev/sdc", ById: "", Role: "in-use", RoleReason: "carries a filesystem (ext4)" })];
            const check = (devices: string[], fileDir = dir) => checkOsdDevices(devices, "devices", disks, fileDir, []);
            const [file] = await check([big]);
            assert.deepEqual(file, { name: big, path: big, real: big, file: true });
            const [sdb] = await check(["/dev/disk/by-id/ata-M_S"]);
            assert.equal(sdb.path, "/dev/disk/by-id/ata-M_S", "the OSD names the disk by its stable path");
            const refused: Array<[string[], string, string?]> = [
                [["/dev/nvme0n1"], "operating system's disk"],
                [["/dev/sdc"], "ext4"],
                [["/dev/sdz"], "not a disk of this host"],
                [["sdb"], "not an absolute path"],
                [["-rf"], "not an absolute path"],
                [["/dev/sdb\n"], "must be a /dev"],
                [["/dev/sdb", "/dev/disk/by-id/ata-M_S"], "named twice"],
                [[small], "smaller than 1 GiB"],
                [[path.join(dir, "missing.img")], "does not exist"],
                [[`${dir}/../${path.basename(outside)}`], "must be a regular file directly in"],
                [[`${dir}/sub/b.img`], "must be a regular file directly in"],
                [[big], "not a disk of this host", ""],
            ];
            for (const [devices, expected, fileDir] of refused) {
                await check(devices, fileDir ?? dir).then(() => assert.true(false, `${JSON.stringify(devices)} accepted`),
                    (e: Error) => assert.true(e.message.includes(expected), `${JSON.stringify(devices)}: ${e.message}`));
            }
            // a disk that is an OSD already (in use by its BlueStore) is accepted as that OSD
            const osdDisk = disk({ Name: "sdd", Path: "/dev/sdd", ById: "", Role: "in-use", RoleReason: "carries ceph_bluestore" });
            const [again] = await checkOsdDevices(["/dev/sdd"], "devices", [osdDisk], "", [{ id: 0, device: "/dev/sdd", dir: "/x" }]);
            assert.equal(again.real, "/dev/sdd");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
            for (const f of cleanups)
                fs.rmSync(f, { force: true });
        }
    });

    QUnit.test("GetDisks' Ceph test files: spare from 1 GiB, unusable below, in use as an OSD; no links, no subdirectories, none without the setting", async assert => {
        const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "dv-osd-files-")));
        try {
            const file = (name: string, size: number) => {
                const f = path.join(dir, name);
                fs.closeSync(fs.openSync(f, "w"));
                fs.truncateSync(f, size);
                return f;
            };
            file("a.img", 2 * 1024 ** 3);
            file("small.img", 64 * 1024 ** 2);
            const osd = file("osd.img", 4 * 1024 ** 3);
            fs.symlinkSync(path.join(dir, "a.img"), path.join(dir, "link.img"));
            fs.mkdirSync(path.join(dir, "sub"));
            const disks = await testFileOsdDisks(dir, [{ id: 7, device: osd, dir: "/x" }]);
            assert.deepEqual(disks.map(d => [d.Name, d.Path, d.Role, d.RoleReason, d.Transport]), [
                ["a.img", path.join(dir, "a.img"), "spare", "is a test file in the test-file-osd-directory", "file"],
                ["osd.img", osd, "in-use", "is osd.7 of this cluster", "file"],
                ["small.img", path.join(dir, "small.img"), "unusable", "is smaller than 1 GiB, too small for a BlueStore OSD", "file"],
            ]);
            assert.equal(disks[0].Size, 2 * 1024 ** 3);
            // what GetDisks offers as spare, AddOsd's check takes
            const [checked] = await checkOsdDevices([disks[0].Path], "device", [], dir, []);
            assert.true(checked.file, "accepted by AddOsd's check");
            assert.deepEqual(await testFileOsdDisks("", []), [], "no test directory: no files");
            assert.deepEqual(await testFileOsdDisks(path.join(dir, "missing"), []), []);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    QUnit.test("existing OSDs from their data directories; the test directory from ceph.json", assert => {
        const lib = fs.mkdtempSync(path.join(os.tmpdir(), "dv-lib-"));
        try {
            for (const id of [2, 10])
                fs.mkdirSync(path.join(lib, "osd", `ceph-${id}`), { recursive: true });
            fs.mkdirSync(path.join(lib, "osd", "other-1"));
            fs.symlinkSync(lib, path.join(lib, "osd", "ceph-2", "block"));
            assert.deepEqual(existingOsds(lib).map(o => [o.id, o.device]), [[2, fs.realpathSync(lib)], [10, ""]]);
            assert.deepEqual(existingOsds(path.join(lib, "none")), []);
            const conf = path.join(lib, "ceph.json");
            fs.writeFileSync(conf, JSON.stringify({ "test-file-osd-directory": lib }));
            assert.equal(fileOsdDirectory(conf), fs.realpathSync(lib));
            fs.writeFileSync(conf, JSON.stringify({ "test-file-osd-directory": "relative" }));
            assert.equal(fileOsdDirectory(conf), "");
            assert.equal(fileOsdDirectory(path.join(lib, "missing.json")), "", "unset on real hosts");
            // a pid file naming a process that is not the daemon does not count
            fs.writeFileSync(path.join(lib, "x.pid"), `${process.pid}\n`);
            assert.equal(runningPid("mon", "x", path.join(lib, "x.pid")), 0);
            assert.equal(runningPid("mon", "x", path.join(lib, "none.pid")), 0);
        } finally {
            fs.rmSync(lib, { recursive: true, force: true });
        }
    });

    QUnit.test("libvirt: the secret and the rbd pool XML, escaped; our secret found by its usage", assert => {
        const xml = rbdPoolXml("debvisor-rbd", "rbd", FSID);
        assert.true(xml.startsWith("<pool type='rbd'>"));
        assert.true(xml.includes("<host name='127.0.0.1' port='6789'/>"));
        assert.true(xml.includes("<auth type='ceph' username='libvirt'>"));
        assert.true(xml.includes(`<secret uuid='${FSID}'/>`));
        assert.true(rbdPoolXml("a<b", "r'&", FSID).includes("<name>a&lt;b</name>") && rbdPoolXml("a", "r'&", FSID).includes("r&apos;&amp;"));
        assert.true(secretXml().includes("private='yes'") && secretXml().includes("<usage type='ceph'>"));
        const list = ` 11111111-2222-3333-4444-555555555555   ceph other\n ${FSID}   ceph debvisor client.libvirt\n`;
        assert.equal(findSecret(list), FSID);
        assert.equal(findSecret(" 11111111-2222-3333-4444-555555555555   volume /x\n"), "");
    });

    QUnit.test("a joining node runs a monitor while the cluster has fewer than three", assert => {
        assert.deepEqual([0, 1, 2, 3, 5].map(joinsAsMonitor), [true, true, true, false, false]);
    });

    QUnit.test("libvirt's rbd pool on a cluster member: every monitor of ceph.conf's mon host, by its v1 address", assert => {
        const joined = cephConfText({ fsid: FSID, name: "dvc2", publicNetwork: "10.9.0.0/24", osdCount: 0, monitorAddress: "10.9.0.12", monitorHosts: ["10.9.0.11", "10.9.0.12"] });
        assert.deepEqual(monitorHostsOfConf(joined), ["10.9.0.11", "10.9.0.12"]);
        const xml = rbdPoolXml("debvisor-rbd", "rbd", FSID, monitorHostsOfConf(joined));
        assert.true(xml.includes("<host name='10.9.0.11' port='6789'/>\n    <host name='10.9.0.12' port='6789'/>"), xml);
        assert.false(xml.includes("127.0.0.1"), "not the loopback address, where no monitor listens");
        assert.deepEqual(monitorHostsOfConf("mon host = 10.0.0.1, 10.0.0.2:6789\n"), ["10.0.0.1", "10.0.0.2"], "plain addresses");
        assert.deepEqual(monitorHostsOfConf("mon_host = [v2:[fd00::1]:3300,v1:[fd00::1]:6789]\n"), ["fd00::1"], "IPv6");
        assert.deepEqual(monitorHostsOfConf(""), ["127.0.0.1"], "none named: the single node's own");
    });
});
