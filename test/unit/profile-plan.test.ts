import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import QUnit from "qunit";
import { interpretLsblk, type Disk, type LsblkDevice } from "../../helpers/debvisord/host/disks.js";
import { planProfile, type CurrentState, type Plan } from "../../helpers/debvisord/storage/profile-plan.js";
import { testFileDisks } from "../../helpers/debvisord/storage/profiles.js";

/* Nothing to do: every step exists. */
const planIsDone = (plan: Plan) => plan.Steps.every(s => s.Exists);

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), "../fixtures");
const server = (): Disk[] => interpretLsblk(JSON.parse(fs.readFileSync(path.join(fixtures, "lsblk-constructed-server.json"), "utf8")) as
    { blockdevices: LsblkDevice[] }, new Map([["sda", "/dev/disk/by-id/ata-DISK-A"]]));

const empty = (over: Partial<CurrentState> = {}): CurrentState => ({
    profile: "none", zfs: true, lz4: true, pools: [], datasets: [], libvirtPools: [], ...over,
});

/* n spare disks: copies of the fixture's spare sdb with their own names and serials */
function spares(n: number): Disk[] {
    const sdb = server().find(d => d.Name === "sdb")!;
    return Array.from({ length: n }, (_, i) => ({ ...sdb, Name: `sd${"xyzw"[i]}`, Path: `/dev/sd${"xyzw"[i]}`, Serial: `SER${i}`, ById: "" }));
}
const osDisk = () => server().filter(d => d.Role === "os");
const step = (plan: ReturnType<typeof planProfile>, id: string) => plan.Steps.find(s => s.Id === id)!;

/* what the zfs profile leaves behind, as the state after applying it */
function applied(devices: string[]): CurrentState {
    return empty({
        profile: "zfs",
        pools: [{ name: "tank", devices }],
        datasets: [{ name: "tank", mountpoint: "none" }, { name: "tank/vm", mountpoint: "/srv/vm" },
            { name: "tank/docker", mountpoint: "/srv/docker" }, { name: "tank/k8s", mountpoint: "/srv/k8s" }],
        libvirtPools: [{ name: "debvisor-zfs", type: "dir", target: "/srv/vm" }],
    });
}

QUnit.module("storage profiles: the plan", () => {
    QUnit.test("zfs: the layout follows the number of spares (0, 1, 2, 3)", assert => {
        const none = planProfile("zfs", osDisk(), empty());
        assert.deepEqual(step(none, "zfs-pool").Devices, []);
        assert.deepEqual(none.Problems, ["no spare disk for the ZFS pool tank"]);
        assert.deepEqual(none.Wipes, []);
        const layouts = [1, 2, 3].map(n => step(planProfile("zfs", [...osDisk(), ...spares(n)], empty()), "zfs-pool").Settings.layout);
        assert.deepEqual(layouts, ["single", "mirror", "raidz1"]);
        const three = planProfile("zfs", [...osDisk(), ...spares(3)], empty());
        assert.deepEqual(three.Wipes.map(w => w.Id), ["serial:SER0", "serial:SER1", "serial:SER2"]);
        assert.deepEqual(three.Problems, []);
        assert.deepEqual(three.Steps.map(s => s.Id), ["zfs-pool", "zfs-dataset:tank/vm", "zfs-dataset:tank/docker", "zfs-dataset:tank/k8s",
            "libvirt-pool:debvisor-zfs", "profile-file"]);
        assert.equal(step(three, "zfs-dataset:tank/vm").Settings.mountpoint, "/srv/vm");
        assert.deepEqual(step(three, "libvirt-pool:debvisor-zfs").Settings, { name: "debvisor-zfs", type: "dir", target: "/srv/vm" });
        assert.true(three.Steps.every(s => !s.Exists));
    });

    QUnit.test("compression: lz4 on OpenZFS, lzjb on zfs-fuse", assert => {
        assert.equal(step(planProfile("zfs", spares(1), empty({ lz4: true })), "zfs-pool").Settings.compression, "lz4");
        assert.equal(step(planProfile("zfs", spares(1), empty({ lz4: false })), "zfs-pool").Settings.compression, "lzjb");
    });

    QUnit.test("the fixture server: only the two spares are planned; the OS, mounted and foreign disks are refused with reasons", assert => {
        const plan = planProfile("zfs", server(), empty());
        assert.deepEqual(plan.Wipes.map(w => w.Path).sort(), ["/dev/sda", "/dev/sdb"]);
        assert.equal(plan.Wipes.find(w => w.Path === "/dev/sda")!.Id, "/dev/disk/by-id/ata-DISK-A", "the by-id path is the identity");
        const refused = Object.fromEntries(plan.Refused.map(r => [r.Path, r.Reason]));
        assert.true(refused["/dev/nvme0n1"].startsWith("it is the operating system's disk"));
        assert.true(refused["/dev/sdc"].includes("unmount it first"));
        assert.true(refused["/dev/sdd"].includes("ZFS pool member"));
        assert.true(refused["/dev/sdg"].includes("Ceph OSD"));
        assert.true(refused["/dev/sde"].includes("name it in \"include\""));
    });

    QUnit.test("the OS disk is never planned, not even when named; a mounted disk neither; a foreign one only when named", assert => {
        const names = ["/dev/nvme0n1", "/dev/sdc", "/dev/sdd", "/dev/sdg"];
        const plan = planProfile("zfs", server(), empty(), { include: names });
        const wiped = plan.Wipes.map(w => w.Path).sort();
        assert.deepEqual(wiped, ["/dev/sda", "/dev/sdb", "/dev/sdd", "/dev/sdg"]);
        assert.true(plan.Refused.find(r => r.Path === "/dev/nvme0n1")!.Reason.startsWith("named, but never used"));
        assert.true(plan.Refused.some(r => r.Path === "/dev/sdc"));
        assert.notEqual(plan.Token, planProfile("zfs", server(), empty()).Token, "including disks changes the token");
        const unknown = planProfile("zfs", server(), empty(), { include: ["/dev/nonexistent"] });
        assert.deepEqual(unknown.Problems, ["include: /dev/nonexistent is not a disk of this host"]);
    });

    QUnit.test("the token: stable for the same disks, different when a disk changes", assert => {
        const a = planProfile("zfs", spares(2), empty()).Token;
        assert.equal(planProfile("zfs", spares(2), empty()).Token, a);
        assert.true(/^[0-9a-f]{64}$/.test(a));
        const bigger = spares(2);
        bigger[1] = { ...bigger[1], Size: bigger[1].Size + 512 };
        assert.notEqual(planProfile("zfs", bigger, empty()).Token, a, "size");
        assert.true(planProfile("zfs", bigger, empty()).Problems[0].includes("differ in size"), "unequal disks are a problem");
        const swapped = spares(2);
        swapped[1] = { ...swapped[1], Serial: "OTHER" };
        assert.notEqual(planProfile("zfs", swapped, empty()).Token, a, "another disk");
        const signed = spares(2);
        signed[1] = { ...signed[1], FsType: "ext4", Role: "in-use", RoleReason: "carries a filesystem (ext4)" };
        assert.notEqual(planProfile("zfs", signed, empty()).Token, a, "a new signature");
        assert.notEqual(planProfile("zfs", spares(2), empty({ profile: "zfs" })).Token, a, "the steps");
        assert.notEqual(planProfile("mixed", spares(2), empty()).Token, a, "the profile");
    });

    QUnit.test("the wipes token: the same before and after a join made the cluster's core (the other steps change), different for other disks", assert => {
        const [a, b] = spares(2);
        const alone = planProfile("ceph", [a, b], empty({ ceph: { installed: true, coreDone: false, finishDone: false, osds: [] } }));
        const member = planProfile("ceph", [a, b], empty({ ceph: { installed: true, coreDone: true, finishDone: true, osds: [] } }));
        assert.notEqual(member.Token, alone.Token, "the plan's token follows the steps");
        assert.equal(member.WipesToken, alone.WipesToken, "the wiped disks are the same");
        assert.true(/^[0-9a-f]{64}$/.test(alone.WipesToken));
        assert.notEqual(planProfile("ceph", [a], empty({ ceph: { installed: true, coreDone: true, finishDone: true, osds: [] } })).WipesToken, alone.WipesToken, "one disk fewer");
        assert.notEqual(planProfile("ceph", [a, { ...b, Serial: "OTHER" }], empty({ ceph: { installed: true, coreDone: true, finishDone: true, osds: [] } })).WipesToken,
            alone.WipesToken, "another disk");
        assert.notEqual(planProfile("mixed", [a, b], empty()).WipesToken, alone.WipesToken, "another profile");
    });

    QUnit.test("re-planning the applied state: every step kept, nothing wiped", assert => {
        const plan = planProfile("zfs", [...osDisk(), ...spares(0)], applied(["/dev/sdx", "/dev/sdy"]));
        assert.true(planIsDone(plan));
        assert.deepEqual(plan.Wipes, []);
        assert.deepEqual(plan.Problems, []);
        assert.deepEqual(plan.Kept.length, plan.Steps.length);
        // a spare added later is left alone: the pool exists
        const later = planProfile("zfs", spares(1), applied(["/dev/sdx"]));
        assert.true(planIsDone(later));
        assert.deepEqual(later.Wipes, []);
        assert.equal(later.Refused[0].Reason, "not needed: the pool exists already");
    });

    QUnit.test("halfway: the pool exists, the rest is still to do", assert => {
        const state = applied(["/dev/sdx"]);
        state.datasets = state.datasets.filter(d => d.name !== "tank/k8s");
        state.libvirtPools = [];
        state.profile = "none";
        const plan = planProfile("zfs", [], state);
        assert.deepEqual(plan.Steps.filter(s => !s.Exists).map(s => s.Id), ["zfs-dataset:tank/k8s", "libvirt-pool:debvisor-zfs", "profile-file"]);
        assert.deepEqual(plan.Problems, []);
    });

    QUnit.test("mixed and ceph: the first half to ZFS, the rest to Ceph OSDs", assert => {
        const mixed = planProfile("mixed", spares(3), empty());
        assert.deepEqual(step(mixed, "zfs-pool").Devices, ["serial:SER0", "serial:SER1"]);
        assert.deepEqual(mixed.Steps.filter(s => s.Kind === "ceph-osd").map(s => s.Devices[0]), ["serial:SER2"]);
        assert.false(mixed.Steps.some(s => s.Id === "zfs-dataset:tank/vm"), "VM disks go to Ceph in mixed");
        const ceph = planProfile("ceph", [...osDisk(), ...spares(2)], empty());
        assert.false(ceph.Steps.some(s => s.Kind.startsWith("zfs")));
        assert.equal(ceph.Steps.filter(s => s.Kind === "ceph-osd").length, 2);
        assert.false(ceph.Wipes.some(w => w.Path === "/dev/nvme0n1"));
        assert.deepEqual(planProfile("ceph", osDisk(), empty()).Problems, ["no spare disk for Ceph"]);
    });

    QUnit.test("ceph: the cluster's state decides what is kept; an OSD's disk is its step, never refused as in use", assert => {
        const osd = (d: Disk): Disk => ({ ...d, Role: "in-use", RoleReason: "carries a filesystem or signature (ceph_bluestore)", FsType: "ceph_bluestore" });
        const [a, b, c] = spares(3);
        const none = { installed: true, coreDone: false, finishDone: false, osds: [] };
        const fresh = planProfile("ceph", [a, b], empty({ ceph: none }));
        assert.deepEqual(fresh.Steps.map(s => [s.Id, s.Exists]), [["ceph-cluster", false], ["ceph-osd:serial:SER0", false], ["ceph-osd:serial:SER1", false],
            ["libvirt-pool:debvisor-rbd", false], ["profile-file", false]]);
        assert.deepEqual(step(fresh, "libvirt-pool:debvisor-rbd").Settings, { name: "debvisor-rbd", type: "rbd", pool: "rbd", cephfs: "cephfs" });
        // halfway: the cluster runs, osd.0 is made, the second disk's OSD was cut short during mkfs
        const half = { installed: true, coreDone: true, finishDone: false, osds: [{ id: 0, device: a.Path, done: true }, { id: 1, device: b.Path, done: false }] };
        const plan = planProfile("ceph", [osd(a), osd(b), c], empty({ ceph: half }));
        // an apply cut short still takes the spare disks it would have taken (the first apply takes every spare disk)
        assert.deepEqual(plan.Steps.filter(s => !s.Exists).map(s => s.Id), ["ceph-osd:serial:SER1", "ceph-osd:serial:SER2", "libvirt-pool:debvisor-rbd", "profile-file"]);
        assert.equal(step(plan, "ceph-osd:serial:SER1").Settings.osd, "1");
        assert.deepEqual(plan.Wipes.map(w => w.Path), [c.Path], "only the spare disk is wiped: the begun OSDs are completed");
        assert.deepEqual(plan.Refused, []);
        // the cluster finished: a spare disk is not taken by applying again (AddOsd adds it)
        const finished = planProfile("ceph", [osd(a), osd(b), c], empty({ ceph: { ...half, finishDone: true } }));
        assert.deepEqual(finished.Refused.map(r => [r.Path, r.Reason]), [[c.Path, "not needed: the Ceph cluster has its OSDs already"]]);
        assert.deepEqual(plan.Problems, []);
        // the same disks by their real paths, as the caller resolves links
        const linked = planProfile("ceph", [{ ...osd(a), Path: "/dev/disk/link-a" }], empty({ ceph: half }), {}, p => p === "/dev/disk/link-a" ? a.Path : p);
        assert.true(step(linked, "ceph-osd:serial:SER0").Exists);
        // everything made: applying again has nothing to do
        const done = planProfile("ceph", [osd(a), osd(b)], empty({
            profile: "ceph", libvirtPools: [{ name: "debvisor-rbd", type: "rbd", target: "" }],
            ceph: { ...half, finishDone: true, osds: half.osds.map(o => ({ ...o, done: true })) },
        }));
        assert.true(planIsDone(done), JSON.stringify(done.Steps.filter(s => !s.Exists)));
        assert.notEqual(done.Token, plan.Token);
        // the libvirt pool alone is not enough: the CephFS and the RBD pool must be there too
        assert.false(planProfile("ceph", [osd(a)], empty({ libvirtPools: [{ name: "debvisor-rbd", type: "rbd", target: "" }], ceph: { ...half, finishDone: false } }))
            .Steps.find(s => s.Kind === "ceph-rbd-pool")!.Exists);
        assert.deepEqual(planProfile("ceph", [a], empty({ ceph: { ...none, installed: false } })).Problems,
            ["Ceph is not installed on this host (ceph-mon, ceph-mgr, ceph-osd, ceph-mds, ceph-common, ceph-fuse)"]);
        // the zfs profile does not treat an OSD's disk as its own
        assert.true(planProfile("zfs", [osd(a)], empty({ ceph: half })).Refused.some(r => r.Path === a.Path));
        // mixed after tank was made, the cluster cut short: the OSDs are kept and the spare disk goes to Ceph, as tank exists
        const mixed = planProfile("mixed", [osd(a), c], { ...applied(["/dev/sdq"]), ceph: half });
        assert.deepEqual(mixed.Wipes.map(w => [w.Path, w.Step]), [[c.Path, "ceph-osd:serial:SER2"]]);
        // … and once the cluster is finished, no new disk is taken
        const mixedDone = planProfile("mixed", [osd(a), c], { ...applied(["/dev/sdq"]), ceph: { ...half, finishDone: true } });
        assert.deepEqual(mixedDone.Wipes, []);
        assert.deepEqual(mixedDone.Refused.map(r => r.Path), [c.Path]);
    });

    QUnit.test("no ZFS on the host: a problem, not a crash", assert => {
        assert.deepEqual(planProfile("zfs", spares(1), empty({ zfs: false })).Problems, ["ZFS is not installed on this host (zfsutils-linux or zfs-fuse)"]);
    });
});

QUnit.module("storage profiles: test files as disks (test-only allowance)", () => {
    QUnit.test("files of 64 MiB or more are spares; a pool's device and a file with a filesystem are in use; no directory, no disks", async assert => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dv-profile-unit-"));
        try {
            const make = (name: string, size: number) => {
                const f = path.join(dir, name);
                fs.closeSync(fs.openSync(f, "w"));
                fs.truncateSync(f, size);
                return f;
            };
            const spare = make("a.img", 64 * 1024 ** 2);
            make("small.img", 8 * 1024 ** 2);
            const member = make("b.img", 64 * 1024 ** 2);
            const ext4 = make("c.img", 64 * 1024 ** 2);
            execFileSync("mkfs.ext4", ["-q", "-F", ext4], { stdio: "pipe" });
            fs.symlinkSync(spare, path.join(dir, "link.img"));
            const disks = await testFileDisks(new Map([[member, "tank"]]), dir);
            assert.deepEqual(disks.map(d => [d.Name, d.Role, d.FsType]), [["a.img", "spare", ""], ["b.img", "in-use", "zfs_member"], ["c.img", "in-use", "ext4"]]);
            assert.equal(disks[1].RoleReason, "is a device of the ZFS pool tank");
            assert.deepEqual(await testFileDisks(new Map(), ""), [], "unset on real hosts: nothing");
            const plan = planProfile("zfs", disks, empty());
            assert.deepEqual(plan.Wipes.map(w => w.Path), [spare]);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
