// Storage profiles through the bus: PlanProfile (read-only, viewers may
// plan), ApplyProfile (admins only) of the zfs profile on sparse files that
// the ZFS area's test directory lets count as spare disks (this host has no
// spare disks, and the test never touches real ones: it stops before
// applying when the plan would wipe anything outside its own directory),
// the stale-token refusal, Ceph refused without Ceph disks, and re-applying
// that changes nothing. The pool tank, the libvirt pool debvisor-zfs and
// /etc/debvisor-profile are restored afterwards.
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import QUnit from "qunit";
import { callAs, getProperty, MANAGER } from "../lib/call-as.js";
import { closeWatchBus, watchJobs } from "../lib/bus-watch.js";
import { jobSucceeded } from "../lib/job-step.js";
import {
    applyProfile as apply, libvirtPools, planOf, planProfile as plan, PROFILE_FILE, removeLibvirtPool, restoreProfileFile, tryRun, zfsProfileSandbox,
    zpools as pools, type ProfileOptions as Options, type ZfsProfileSandbox,
} from "../lib/storage-profile.js";
import { moduleUnless } from "../lib/skip.js";
import { ADMIN, NOBODY, OPERATOR, refusalOf, VIEWER } from "../lib/users.js";
import { waitFor, withTimeout } from "../lib/wait.js";
import { destroyTestPool, sparseFile } from "../lib/zfs.js";

const MIB = 1024 ** 2;
const run = (cmd: string, ...args: string[]) => execFileSync(cmd, args, { encoding: "utf8", stdio: "pipe" });

// the test makes and destroys a pool named tank: a host with its own is left alone
moduleUnless("storage profile: plan and apply the zfs profile", pools().includes("tank") ? "this host has a pool named tank" : null, hooks => {
    let sandbox: ZfsProfileSandbox;
    let dir = "";
    let files: string[] = [];

    hooks.before(() => {
        sandbox = zfsProfileSandbox("dv-profile-", 3, 128 * MIB);
        ({ dir, files } = sandbox);
        // a file too small to count as a disk
        sparseFile(path.join(dir, "small.img"), 8 * MIB);
    });
    hooks.after(async () => {
        try {
            await sandbox.restore();
        } finally {
            closeWatchBus();
        }
    });

    /* After a test that applied: no pool, no libvirt pool, the profile file as it was, the files blank again. */
    async function undoApply(): Promise<void> {
        removeLibvirtPool("debvisor-zfs");
        await destroyTestPool("tank");
        restoreProfileFile(sandbox.savedProfile);
        // a destroyed pool leaves its label (blkid: zfs_member, refused as foreign): empty files again for the next test
        for (const f of files)
            sparseFile(f, 128 * MIB);
    }

    QUnit.test("the plan: the three test files are the spares, raidz1, lzjb on zfs-fuse; the OS disk is refused", async assert => {
        const reply = await plan(VIEWER.name, "zfs");
        assert.true(reply.ok, reply.ok ? "a viewer may plan" : reply.message);
        const p = await planOf("zfs");
        assert.deepEqual(p.Wipes.map(w => w.Path), files, "only the test files; the small one is no disk");
        assert.deepEqual(p.Wipes.map(w => w.Size), [128 * MIB, 128 * MIB, 128 * MIB]);
        const pool = p.Steps.find(s => s.Id === "zfs-pool")!;
        assert.equal(pool.Settings.layout, "raidz1");
        const impl = await getProperty(`${MANAGER.path.replace("/manager", "")}/zfs`, "org.debvisor.DebVisor1.ZfsManager", "Implementation");
        assert.equal(pool.Settings.compression, impl === "openzfs" ? "lz4" : "lzjb");
        const osDisks = JSON.parse(run("lsblk", "-J", "-o", "PATH,MOUNTPOINT")) as { blockdevices: Array<{ path: string; mountpoint: string | null; children?: unknown[] }> };
        assert.true(osDisks.blockdevices.length > 0);
        const refusedPaths = p.Refused.map(r => r.Path);
        for (const w of p.Wipes)
            assert.true(w.Path.startsWith(dir + "/"), `${w.Path} is a test file`);
        const os = (await callAs(ADMIN.name, { ...MANAGER, method: "GetDisks", signature: "a{sv}", body: [{}] }));
        assert.true(os.ok);
        if (os.ok) {
            const disks = os.body[0] as Array<{ Path: string; Role: string }>;
            for (const d of disks.filter(x => x.Role === "os")) {
                assert.true(refusedPaths.includes(d.Path), `the OS disk ${d.Path} is refused`);
                // naming it does not change that
                const named = await planOf("zfs", { include: ["as", [d.Path]] });
                assert.false(named.Wipes.some(w => w.Path === d.Path), `${d.Path} is not wiped when named`);
                assert.true(named.Refused.find(r => r.Path === d.Path)!.Reason.startsWith("named, but never used"));
            }
        }
        assert.equal(p.Token, (await planOf("zfs")).Token, "the same disks, the same token");
    });

    QUnit.test("apply is for admins; bad input and a stale token are refused and nothing is made", async assert => {
        const p = await planOf("zfs");
        for (const user of [OPERATOR.name, VIEWER.name, NOBODY.name]) {
            const r = await apply(user, "zfs", { token: ["s", p.Token] });
            assert.false(r.ok);
            if (!r.ok) assert.equal(r.errorName, refusalOf(user), user);
        }
        const bad: Array<[string, Options, string]> = [
            ["bogus", { token: ["s", p.Token] }, "profile"],
            ["zfs", {}, "token"],
            ["zfs", { token: ["s", "x".repeat(64)] }, "token"],
            ["zfs", { token: ["s", p.Token], include: ["as", ["-rf"]] }, "not a disk"],
            ["zfs", { token: ["s", p.Token], include: ["as", ["/dev/../dev/sda\n"]] }, "not a disk"],
            ["zfs", { token: ["s", p.Token], include: ["as", ["a".repeat(5000)]] }, "too long"],
            ["zfs\n", { token: ["s", p.Token] }, "profile"],
        ];
        for (const [profile, options, expected] of bad) {
            const r = await apply(ADMIN.name, profile, options);
            assert.false(r.ok, JSON.stringify([profile, Object.keys(options)]));
            if (!r.ok) assert.true(r.errorName.endsWith("InvalidArgument") && r.message.includes(expected), r.message);
        }
        // a disk changes after the plan was shown: the token no longer fits
        fs.truncateSync(files[2], 256 * MIB);
        const stale = await apply(ADMIN.name, "zfs", { token: ["s", p.Token] });
        assert.false(stale.ok);
        if (!stale.ok) assert.true(stale.message.includes("the disks changed since the plan was shown"), stale.message);
        const unequal = await planOf("zfs");
        assert.true(unequal.Problems.some(m => m.includes("differ in size")), JSON.stringify(unequal.Problems));
        const refused = await apply(ADMIN.name, "zfs", { token: ["s", unequal.Token] });
        assert.false(refused.ok, "unequal disks are not applied");
        fs.truncateSync(files[2], 128 * MIB);
        // the ZFS test files are no Ceph disks: without the Ceph test directory there is none for Ceph
        const ceph = await apply(ADMIN.name, "ceph", { token: ["s", (await planOf("ceph")).Token] });
        assert.false(ceph.ok);
        if (!ceph.ok) assert.deepEqual([ceph.errorName, ceph.message.includes("no spare disk for Ceph")], ["org.debvisor.DebVisor1.Error.InvalidArgument", true], ceph.message);
        const mixed = await apply(ADMIN.name, "mixed", { token: ["s", (await planOf("mixed")).Token] });
        assert.false(mixed.ok);
        if (!mixed.ok) assert.true(mixed.message.includes("no test file of the Ceph test directory"), mixed.message);
        assert.false(pools().includes("tank"), "no pool made");
        assert.false(libvirtPools().includes("debvisor-zfs"), "no libvirt pool made");
        assert.equal(fs.existsSync(PROFILE_FILE) ? fs.readFileSync(PROFILE_FILE, "utf8") : null, sandbox.savedProfile, "the profile file is as it was");
    });

    QUnit.test("halfway: tank and tank/vm made before (as by an apply that failed there): the plan keeps them and apply completes the rest", async assert => {
        const zfs = { path: "/org/debvisor/DebVisor1/zfs", iface: "org.debvisor.DebVisor1.ZfsManager" };
        try {
            const made = await callAs(ADMIN.name, { ...zfs, method: "CreatePool", signature: "ssasa{sv}", body: ["tank", "single", [files[0]], { mountpoint: ["s", "none"] }] });
            assert.true(made.ok, made.ok ? "tank made" : made.message);
            const vm = await callAs(ADMIN.name, { ...zfs, method: "CreateDataset", signature: "sa{sv}", body: ["tank/vm", { mountpoint: ["s", "/srv/vm"] }] });
            assert.true(vm.ok, vm.ok ? "tank/vm made" : vm.message);
            const p = await planOf("zfs");
            assert.deepEqual(p.Kept, ["zfs-pool", "zfs-dataset:tank/vm"]);
            assert.deepEqual(p.Wipes, [], "no disk wiped: the pool exists");
            assert.deepEqual(p.Refused.filter(r => r.Path.startsWith(dir + "/")).map(r => [r.Path, r.Reason]),
                [[files[0], `is a device of the ZFS pool tank`], [files[1], "not needed: the pool exists already"], [files[2], "not needed: the pool exists already"]]
                    .map(([f, reason]) => [f, f === files[0] ? `it ${reason}; name it in "include" to wipe it` : reason]));
            const watch = await watchJobs();
            const reply = await apply(ADMIN.name, "zfs", { token: ["s", p.Token] });
            const done = await jobSucceeded(assert, watch, reply, { job: 0, within: 120_000, what: "the apply job", taken: "started" });
            if (!done) return;
            const message = done.message;
            assert.true(message.includes("zfs-dataset:tank/docker") && !message.includes("zfs-pool"), message);
            assert.true(run("zfs", "list", "-H", "-o", "name", "-r", "tank").includes("tank/k8s"));
            assert.true((await planOf("zfs")).Steps.every(s => s.Exists), "nothing left to do");
        } finally {
            await undoApply();
        }
    });

    QUnit.test("a disk with a filesystem: refused until named in include, then wiped and used; the token of the plan without it does not fit", async assert => {
        const ext4 = sparseFile(path.join(dir, "ext4.img"), 128 * MIB);
        try {
            run("mkfs.ext4", "-q", "-F", ext4);
            const plain = await planOf("zfs");
            assert.true(plain.Refused.find(r => r.Path === ext4)?.Reason.includes("ext4") === true, JSON.stringify(plain.Refused));
            assert.false(plain.Wipes.some(w => w.Path === ext4));
            const named = await planOf("zfs", { include: ["as", [ext4]] });
            const wipe = named.Wipes.find(w => w.Path === ext4) as { Signature?: string } | undefined;
            assert.equal(wipe?.Signature, "ext4", "wiped, its signature named");
            assert.deepEqual(named.Wipes.map(w => w.Path).sort(), [...files, ext4].sort());
            assert.true(named.Wipes.every(w => w.Path.startsWith(dir + "/")), "only test files");
            const mismatch = await apply(ADMIN.name, "zfs", { token: ["s", plain.Token], include: ["as", [ext4]] });
            assert.false(mismatch.ok, "the plan shown without the disk does not apply with it");
            if (!named.Wipes.every(w => w.Path.startsWith(dir + "/")))
                return;
            const watch = await watchJobs();
            const reply = await apply(ADMIN.name, "zfs", { token: ["s", named.Token], include: ["as", [ext4]] });
            if (!await jobSucceeded(assert, watch, reply, { job: 0, within: 120_000, what: "the apply job", taken: "started" })) return;
            assert.true(run("zpool", "status", "tank").includes("ext4.img"), "the wiped file is in the pool");
            assert.equal(tryRun("blkid", "-p", "-o", "value", "-s", "TYPE", ext4).trim(), "zfs_member", "no ext4 left");
        } finally {
            await undoApply();
            fs.rmSync(ext4, { force: true });
        }
    });

    QUnit.test("apply: tank, its datasets, the libvirt pool and the profile file; applying again changes nothing", async assert => {
        const p = await planOf("zfs");
        // the guard against touching this host's disks: every disk to be wiped is a test file
        assert.true(p.Wipes.length === 3 && p.Wipes.every(w => w.Path.startsWith(dir + "/")), JSON.stringify(p.Wipes.map(w => w.Path)));
        if (!(p.Wipes.length === 3 && p.Wipes.every(w => w.Path.startsWith(dir + "/"))))
            return;
        const watch = await watchJobs();
        const reply = await apply(ADMIN.name, "zfs", { token: ["s", p.Token] });
        assert.true(reply.ok, reply.ok ? "started" : reply.message);
        if (!reply.ok) return;
        const job = watch(String(reply.body[0]));
        const [success, message] = await withTimeout(job.completed, 170_000, "the apply job");
        assert.true(success, message);
        assert.true(job.progress.length >= 3, `progress step by step: ${JSON.stringify(job.progress)}`);
        assert.true(pools().includes("tank"));
        assert.true(run("zpool", "status", "tank").includes("raidz1"));
        const mounts = run("zfs", "list", "-H", "-o", "name,mountpoint", "-r", "tank");
        for (const [ds, m] of [["tank/vm", "/srv/vm"], ["tank/docker", "/srv/docker"], ["tank/k8s", "/srv/k8s"]])
            assert.true(mounts.includes(`${ds}\t${m}`), `${ds} on ${m}`);
        assert.true(libvirtPools().includes("debvisor-zfs"), "the libvirt pool");
        assert.true(run("virsh", "-c", "qemu:///system", "pool-dumpxml", "debvisor-zfs").includes("<path>/srv/vm</path>"));
        assert.equal(fs.readFileSync(PROFILE_FILE, "utf8").trim(), "zfs");
        await waitFor("the Profile property", async () => await getProperty(MANAGER.path, MANAGER.iface, "Profile") === "zfs", 10_000);
        const tail = await callAs(ADMIN.name, { ...MANAGER, method: "AuditTail", signature: "ua{sv}", body: [200, {}] });
        assert.true(tail.ok, tail.ok ? "audit tail" : tail.message);
        if (tail.ok) {
            const steps = (tail.body[0] as Array<{ Method: string; Arguments: string }>).filter(r => r.Method === "ApplyProfile.step")
                .map(r => (JSON.parse(r.Arguments) as string[])[0]);
            assert.deepEqual(steps.slice(-p.Steps.length), p.Steps.map(s => s.Id), "each step is audited");
        }

        const again = await planOf("zfs");
        assert.deepEqual(again.Wipes, [], "nothing to wipe");
        assert.deepEqual(again.Kept.length, again.Steps.length, "every step kept");
        const second = await apply(ADMIN.name, "zfs", { token: ["s", again.Token] });
        assert.true(second.ok, second.ok ? "applied again" : second.message);
        if (second.ok) {
            const [ok2, message2] = await withTimeout(watch(String(second.body[0])).completed, 60_000, "the second apply");
            assert.true(ok2, message2);
            assert.true(message2.startsWith("Nothing to do"), message2);
        }

        // the same through debvisorctl, as the admin
        const ctl = (...args: string[]) => spawnSync("setpriv", ["--reuid", ADMIN.name, "--regid", ADMIN.name, "--init-groups", "/usr/bin/debvisorctl", ...args],
            { encoding: "utf8", timeout: 120_000 });
        const shown = ctl("storage", "plan", "zfs");
        assert.equal(shown.status, 0, shown.stderr);
        assert.true(/zfs-pool\s+kept/.test(shown.stdout) && !shown.stdout.includes("to do"), shown.stdout);
        const token = /^Token: ([0-9a-f]{64})$/m.exec(shown.stdout)?.[1] ?? "";
        assert.equal(token, again.Token, "the CLI prints the token");
        const noToken = ctl("storage", "apply", "zfs", "--no-ask");
        assert.notEqual(noToken.status, 0);
        assert.true(noToken.stderr.includes("--token is required"), noToken.stderr);
        const viaCli = ctl("storage", "apply", "zfs", "--token", token, "--wait", "--no-ask");
        assert.equal(viaCli.status, 0, viaCli.stderr);
        assert.true(viaCli.stdout.includes("Nothing to do") || viaCli.stderr.includes("Nothing to do"), viaCli.stdout + viaCli.stderr);
    });
});
