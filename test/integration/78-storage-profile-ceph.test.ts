// The ceph and mixed storage profiles through the bus, on sparse files that
// the Ceph area's test directory (/etc/debvisor/ceph.json) lets count as
// spare disks: a real single-node cluster (monitor, manager, BlueStore OSDs,
// MDS and CephFS mounted with ceph-fuse, the RBD pool) and the libvirt rbd
// pool on it; debvisord killed mid-apply (and the manager's metrics module
// off, as a kill between the manager and its metrics step leaves it) and the
// next apply completing it;
// applying again changing nothing; a stale token refused with nothing made;
// operators and viewers refused; mixed splitting the files between tank and
// Ceph. Everything it made is taken down at the end, also when a test fails:
// the daemons by the pids in their pid files, the mount, the libvirt pool and
// secret, the cluster's files, tank, and /etc/debvisor-profile as it was.
// Then CephManager's own Bootstrap and AddOsd on the bus: bad devices refused
// before anything is made, Busy on a complete cluster, one more OSD added,
// and a fresh cluster bootstrapped with each step audited, through links
// the ceph user planted where root's tools write, without following them.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import QUnit from "qunit";
import { busNameOwnerPid } from "../harness/harness.js";
import { closeWatchBus, watchJobs } from "../lib/bus-watch.js";
import { callAs } from "../lib/call-as.js";
import { cephFuseMounted, daemonPids, removeCluster } from "../lib/ceph-host-cluster.js";
import {
    applyProfile as apply, libvirtPools, planOf, planProfile as plan, PROFILE_FILE, restoreProfileFile, tryRun, zpools as pools, type ProfileOptions as Options,
} from "../lib/storage-profile.js";
import { moduleUnless } from "../lib/skip.js";
import { ADMIN, NOBODY, OPERATOR, refusalOf, VIEWER } from "../lib/users.js";
import { waitFor, withTimeout } from "../lib/wait.js";
import { destroyTestPool, sparseFile } from "../lib/zfs.js";

const CEPH_JSON = "/etc/debvisor/ceph.json";
const ZFS_JSON = "/etc/debvisor/zfs.json";
const AUDIT_LOG = "/var/log/debvisor/audit.jsonl";
const GIB = 1024 ** 3;
const LIBVIRT = ["-c", "qemu:///system"];
const CEPH_MANAGER = { path: "/org/debvisor/DebVisor1/ceph", iface: "org.debvisor.DebVisor1.CephManager" };
/* health checks a single node on a test machine may show: the host's own disk low on space */
const EXPECTED_WARNINGS = new Set(["MON_DISK_LOW"]);

const run = (cmd: string, ...args: string[]) => execFileSync(cmd, args, { encoding: "utf8", stdio: "pipe", timeout: 120_000 });
const ceph = <T>(...args: string[]) => JSON.parse(run("ceph", "--connect-timeout", "20", ...args, "--format", "json")) as T;
const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

const bootstrap = (user: string | null, devices: string[], options: Options = {}) =>
    callAs(user, { ...CEPH_MANAGER, method: "Bootstrap", signature: "asa{sv}", body: [devices, { "auth.no_user_interaction": ["b", true], ...options }] });
const addOsd = (user: string | null, device: string) =>
    callAs(user, { ...CEPH_MANAGER, method: "AddOsd", signature: "sa{sv}", body: [device, { "auth.no_user_interaction": ["b", true] }] });

/* The ApplyProfile records written since `since` (an ISO time). */
function auditLines(since: string): Array<{ method: string; args: unknown; result: string }> {
    return fs.readFileSync(AUDIT_LOG, "utf8").split("\n").filter(l => l.includes("\"ApplyProfile.")).map(l => {
        try {
            return JSON.parse(l) as { method: string; args: unknown; result: string; time: string };
        } catch {
            return { method: "", args: [], result: "", time: "" };
        }
    }).filter(r => r.time >= since);
}

/* The cluster's health: HEALTH_OK, or HEALTH_WARN only for what a single test node is expected to show. */
function healthProblems(): string[] {
    const health = ceph<{ status: string; checks: Record<string, { severity: string; summary: { message: string } }> }>("health", "detail");
    return Object.entries(health.checks ?? {}).filter(([code]) => !EXPECTED_WARNINGS.has(code)).map(([code, c]) => `${code}: ${c.summary.message}`);
}

async function settled(): Promise<string[]> {
    let problems: string[] = [];
    for (let i = 0; i < 60; i++) {
        problems = healthProblems();
        if (problems.length === 0)
            return [];
        await sleep(2000);
    }
    return problems;
}

/* The tools a daemon is running (its descendants), not the Ceph daemons it started: what systemd's
 * cgroup would end with a killed debvisord.service, and what nothing ends on a host without it. */
function toolsOf(pid: number): number[] {
    const parents = new Map<number, number>();
    const names = new Map<number, string[]>();
    for (const entry of fs.readdirSync("/proc")) {
        if (!/^\d+$/.test(entry))
            continue;
        try {
            const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
            parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
            names.set(Number(entry), fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0"));
        } catch {
            // gone meanwhile
        }
    }
    const descendants = (p: number): number[] => [...parents].filter(([, parent]) => parent === p).flatMap(([child]) => [child, ...descendants(child)]);
    const daemon = (args: string[]) => /ceph-(mon|mgr|mds|osd)$/.test(args[0] ?? "") && !args.includes("--mkfs");
    return descendants(pid).filter(p => !daemon(names.get(p) ?? []));
}

/* A node without Prometheus, for the daemon's check of /usr/bin/prometheus: the binary moved aside while a test needs
 * that, and put back (also by the module's end, if the test failed before). */
const PROMETHEUS = "/usr/bin/prometheus";
const PROMETHEUS_HIDDEN = "/usr/bin/prometheus.hidden-by-78-storage-profile-ceph";
function hidePrometheus(): void {
    if (fs.existsSync(PROMETHEUS))
        fs.renameSync(PROMETHEUS, PROMETHEUS_HIDDEN);
}
function restorePrometheus(): void {
    if (fs.existsSync(PROMETHEUS_HIDDEN) && !fs.existsSync(PROMETHEUS))
        fs.renameSync(PROMETHEUS_HIDDEN, PROMETHEUS);
}

/* Why this host cannot have the profiles applied to test files, or null. */
function hostInTheWay(): string | null {
    if (fs.existsSync("/etc/ceph/ceph.conf"))
        return "this host has a Ceph cluster (/etc/ceph/ceph.conf)";
    if (pools().includes("tank"))
        return "this host has a pool named tank";
    if (libvirtPools().includes("debvisor-rbd"))
        return "this host has a libvirt pool debvisor-rbd";
    return null;
}

moduleUnless("storage profile: the ceph profile and mixed on test files", hostInTheWay(), hooks => {
    let dir = "";
    let files: string[] = [];
    let savedProfile: string | null = null;
    let savedCephJson: string | null = null;
    let savedZfsJson: string | null = null;
    const existed = new Set<string>();
    const libDirsBefore = new Set<string>();

    hooks.before(() => {
        for (const m of ["/srv/cephfs", "/srv/docker", "/srv/k8s"])
            if (fs.existsSync(m)) existed.add(m);
        for (const type of ["mon", "mgr", "osd", "mds"])
            for (const entry of fs.existsSync(`/var/lib/ceph/${type}`) ? fs.readdirSync(`/var/lib/ceph/${type}`) : [])
                libDirsBefore.add(`${type}/${entry}`);
        savedProfile = fs.existsSync(PROFILE_FILE) ? fs.readFileSync(PROFILE_FILE, "utf8") : null;
        savedCephJson = fs.existsSync(CEPH_JSON) ? fs.readFileSync(CEPH_JSON, "utf8") : null;
        savedZfsJson = fs.existsSync(ZFS_JSON) ? fs.readFileSync(ZFS_JSON, "utf8") : null;
        // the daemons run as the user ceph: it must reach the files
        dir = fs.mkdtempSync("/var/tmp/dv-ceph-profile-");
        fs.chmodSync(dir, 0o755);
        files = [1, 2].map(i => sparseFile(path.join(dir, `disk${i}.img`), 4 * GIB));
        fs.mkdirSync("/etc/debvisor", { recursive: true });
        fs.writeFileSync(CEPH_JSON, JSON.stringify({ "test-file-osd-directory": dir }));
    });

    hooks.after(async () => {
        restorePrometheus();
        try {
            await removeCluster(libDirsBefore);
            await destroyTestPool("tank");
        } finally {
            const restore = (file: string, saved: string | null) => saved === null ? fs.rmSync(file, { force: true }) : fs.writeFileSync(file, saved);
            restore(PROFILE_FILE, savedProfile);
            restore(CEPH_JSON, savedCephJson);
            restore(ZFS_JSON, savedZfsJson);
            for (const m of ["/srv/cephfs", "/srv/docker", "/srv/k8s"]) {
                if (!existed.has(m))
                    try { fs.rmdirSync(m) } catch { /* not there, or not empty: left alone */ }
            }
            if (dir)
                fs.rmSync(dir, { recursive: true, force: true });
            closeWatchBus();
        }
    });

    QUnit.test("the plan: the test files are the OSDs; apply is for admins; a stale token is refused and nothing is made or wiped", async assert => {
        const viewer = await plan(VIEWER.name, "ceph");
        assert.true(viewer.ok, viewer.ok ? "a viewer may plan" : viewer.message);
        const p = await planOf("ceph");
        assert.deepEqual(p.Problems, []);
        assert.deepEqual(p.Wipes.map(w => w.Path), files, "the two test files, nothing else");
        assert.deepEqual(p.Steps.map(s => [s.Kind, s.Exists]), [["ceph-cluster", false], ["ceph-osd", false], ["ceph-osd", false],
            ["ceph-rbd-pool", false], ["profile-file", false]]);
        for (const user of [OPERATOR.name, VIEWER.name, NOBODY.name]) {
            const r = await apply(user, "ceph", { token: ["s", p.Token] });
            assert.false(r.ok);
            if (!r.ok) assert.equal(r.errorName, refusalOf(user), user);
        }
        fs.truncateSync(files[1], 5 * GIB);
        try {
            const stale = await apply(ADMIN.name, "ceph", { token: ["s", p.Token] });
            assert.false(stale.ok);
            if (!stale.ok) assert.true(stale.message.includes("the disks changed since the plan was shown"), stale.message);
        } finally {
            fs.truncateSync(files[1], 4 * GIB);
        }
        assert.false(fs.existsSync("/etc/ceph/ceph.conf"), "no cluster made");
        assert.deepEqual(daemonPids(), [], "no daemon started");
        for (const f of files)
            assert.equal(tryRun("blkid", "-p", "-o", "value", "-s", "TYPE", f).trim(), "", `${path.basename(f)} is not written`);
        assert.equal(fs.existsSync(PROFILE_FILE) ? fs.readFileSync(PROFILE_FILE, "utf8") : null, savedProfile);
    });

    QUnit.test("apply, debvisord killed mid-apply: the next apply completes a healthy cluster with CephFS, the rbd pool and the libvirt pool", async assert => {
        // longer than the job waits below: a job that hangs fails this test, not the whole run with an assertion after its end
        assert.timeout(600_000);
        const p = await planOf("ceph");
        if (!(p.Wipes.length === 2 && p.Wipes.every(w => w.Path.startsWith(dir + "/")))) {
            assert.true(false, `the plan would touch more than the test files: ${JSON.stringify(p.Wipes.map(w => w.Path))}`);
            return;
        }
        const watch = await watchJobs();
        const started = Date.now();
        const since = new Date(started - 1000).toISOString();
        const first = await apply(ADMIN.name, "ceph", { token: ["s", p.Token] });
        assert.true(first.ok, first.ok ? "started" : first.message);
        if (!first.ok) return;
        // killed once the monitor and manager run and the manager's metrics module is on (the core phase's
        // last step: the next apply finds the core done and does not run it again), while the first OSD is being made
        const pid = busNameOwnerPid("org.debvisor.DebVisor1");
        await waitFor("the manager's metrics step in the audit log", () => auditLines(since).some(l => l.method === "ApplyProfile.substep"
            && JSON.stringify(l.args).startsWith("[\"ceph-cluster\",\"mgr-metrics\"")), 120_000, 50);
        // as systemd would, the tools it was running go with it (without systemd they would race the next apply)
        const tools = toolsOf(pid!);
        process.kill(pid!, "SIGKILL");
        for (const t of tools)
            try { process.kill(t, "SIGKILL") } catch { /* ended by itself */ }
        await waitFor("the killed daemon to be gone", () => busNameOwnerPid("org.debvisor.DebVisor1") !== pid, 10_000, 50);
        assert.false(fs.existsSync(PROFILE_FILE) && fs.readFileSync(PROFILE_FILE, "utf8").trim() === "ceph", "not finished: the profile is not recorded");

        // what a kill between the manager's step and its metrics step leaves: the manager runs, its prometheus module
        // is off (made so by hand: the kill above comes after that step, to show the OSD being made is completed), on a
        // node without Prometheus (whose debvisord would turn the module on for a cluster it finds): its binary hidden
        hidePrometheus();
        const metricsModule = () => ceph<{ enabled_modules: string[] }>("mgr", "module", "ls").enabled_modules.includes("prometheus");
        run("ceph", "--connect-timeout", "20", "mgr", "module", "disable", "prometheus");
        await waitFor("the prometheus module to be off", () => !metricsModule(), 30_000, 500);
        const killedAt = new Date().toISOString();
        const again = await planOf("ceph");
        assert.false(again.Steps.find(s => s.Kind === "ceph-cluster")!.Exists, "the manager's metrics module is off: the core phase is not done");
        assert.false(again.Steps.find(s => s.Kind === "ceph-rbd-pool")!.Exists);
        assert.deepEqual(again.Problems, []);
        const second = await apply(ADMIN.name, "ceph", { token: ["s", again.Token] });
        assert.true(second.ok, second.ok ? "started again" : second.message);
        if (!second.ok) return;
        const job = watch(String(second.body[0]));
        const [ok, message] = await withTimeout(job.completed, 400_000, "the second apply").finally(restorePrometheus);
        assert.true(ok, message);
        assert.true(job.progress.length >= 3, `progress step by step: ${JSON.stringify(job.progress)}`);
        console.log(`# ceph profile: killed and completed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
        const rerun = auditLines(killedAt).filter(l => l.method === "ApplyProfile.substep").map(l => l.args as string[]);
        assert.deepEqual(["mon", "mgr", "mgr-metrics"].map(id => rerun.find(a => a[1] === id)?.[2]), ["kept", "kept", "ok"],
            "the next apply keeps the monitor and manager and turns the module on");
        assert.true(metricsModule(), "ceph-mgr's prometheus module is on");
        assert.equal(run("ceph", "--connect-timeout", "20", "config", "get", "mgr", "mgr/prometheus/server_addr").trim(), "127.0.0.1", "on loopback");

        const fsid = ceph<{ fsid: string }>("status").fsid;
        assert.true(/^[0-9a-f-]{36}$/.test(fsid), fsid);
        const problems = await settled();
        assert.deepEqual(problems, [], "HEALTH_OK, or HEALTH_WARN only for the host's disk space");
        const osds = ceph<{ num_osds: number; num_up_osds: number; num_in_osds: number }>("osd", "stat");
        assert.deepEqual([osds.num_osds, osds.num_up_osds, osds.num_in_osds], [2, 2, 2], "two OSDs, up and in");
        const tree = ceph<{ nodes: Array<{ type: string; name: string }> }>("osd", "tree");
        assert.equal(tree.nodes.filter(n => n.type === "osd").length, 2);
        for (const [i, f] of files.entries())
            assert.equal(fs.realpathSync(`/var/lib/ceph/osd/ceph-${i}/block`), f, `osd.${i} is on ${path.basename(f)}`);
        const poolList = ceph<Array<{ pool_name: string; size: number; application_metadata: Record<string, unknown> }>>("osd", "pool", "ls", "detail");
        const rbd = poolList.find(x => x.pool_name === "rbd");
        assert.true(rbd && "rbd" in rbd.application_metadata, "the rbd pool, for rbd");
        assert.equal(rbd?.size, 2, "two OSDs: two copies");
        const filesystems = ceph<Array<{ name: string; metadata_pool: string; data_pools: string[] }>>("fs", "ls");
        assert.deepEqual(filesystems.map(f => [f.name, f.metadata_pool, f.data_pools]), [["cephfs", "cephfs.cephfs.meta", ["cephfs.cephfs.data"]]]);
        assert.true(cephFuseMounted(), "the CephFS is mounted with ceph-fuse at /srv/cephfs");
        fs.writeFileSync("/srv/cephfs/probe.txt", "written through ceph-fuse\n");
        assert.equal(fs.readFileSync("/srv/cephfs/probe.txt", "utf8"), "written through ceph-fuse\n");
        fs.rmSync("/srv/cephfs/probe.txt");

        // the libvirt pool: rbd, started, a volume made through libvirt is an RBD image
        assert.true(libvirtPools().includes("debvisor-rbd"));
        const xml = run("virsh", ...LIBVIRT, "pool-dumpxml", "debvisor-rbd");
        assert.true(xml.includes("type='rbd'") && xml.includes("<host name='127.0.0.1'") && xml.includes("username='libvirt'"), xml);
        assert.true(/State:\s+running/.test(run("virsh", ...LIBVIRT, "pool-info", "debvisor-rbd")));
        run("virsh", ...LIBVIRT, "vol-create-as", "debvisor-rbd", "dv-probe", "16M");
        try {
            assert.true(run("rbd", "ls", "rbd").split("\n").includes("dv-probe"), "the volume is an image in the rbd pool");
        } finally {
            tryRun("virsh", ...LIBVIRT, "vol-delete", "--pool", "debvisor-rbd", "dv-probe");
        }
        // the libvirt user may use the rbd pool only
        const caps = ceph<Array<{ caps: Record<string, string> }>>("auth", "get", "client.libvirt")[0].caps;
        assert.deepEqual(caps, { mon: "profile rbd", osd: "profile rbd pool=rbd" });
        assert.equal(fs.readFileSync(PROFILE_FILE, "utf8").trim(), "ceph");

        // every plan step and each Ceph step audited; how long each took
        const lines = auditLines(since);
        const steps = lines.filter(l => l.method === "ApplyProfile.step").map(l => (l.args as string[])[0]);
        for (const s of again.Steps)
            assert.true(steps.includes(s.Id), `${s.Id} audited`);
        const sub = lines.filter(l => l.method === "ApplyProfile.substep").map(l => l.args as string[]);
        for (const id of ["config", "keyrings", "mon", "mgr", "mgr-metrics", `osd:${files[0]}`, `osd:${files[1]}`, "mds", "cephfs", "rbd-pool", "healthy", "mount"])
            assert.true(sub.some(a => a[1] === id), `${id} audited`);
        console.log(`# ceph profile steps: ${sub.map(a => `${a[1]} ${a[2]} ${a[3]}`).join("; ")}`);
    });

    QUnit.test("applying again changes nothing", async assert => {
        assert.true(fs.existsSync("/etc/ceph/ceph.conf"), "the cluster the apply test made is there");
        if (!fs.existsSync("/etc/ceph/ceph.conf"))
            return;
        const fsid = ceph<{ fsid: string }>("status").fsid;
        const conf = fs.readFileSync("/etc/ceph/ceph.conf", "utf8");
        const p = await planOf("ceph");
        assert.deepEqual(p.Wipes, [], "nothing to wipe");
        assert.deepEqual(p.Steps.filter(s => !s.Exists).map(s => s.Id), [], "every step kept");
        assert.deepEqual(p.Problems, []);
        const watch = await watchJobs();
        const r = await apply(ADMIN.name, "ceph", { token: ["s", p.Token] });
        assert.true(r.ok, r.ok ? "applied again" : r.message);
        if (!r.ok) return;
        const [ok, message] = await withTimeout(watch(String(r.body[0])).completed, 120_000, "the second apply");
        assert.true(ok, message);
        assert.true(message.startsWith("Nothing to do"), message);
        assert.equal(ceph<{ fsid: string }>("status").fsid, fsid, "the same cluster");
        assert.equal(fs.readFileSync("/etc/ceph/ceph.conf", "utf8"), conf, "ceph.conf unchanged");
        assert.equal(ceph<{ num_osds: number }>("osd", "stat").num_osds, 2, "no OSD added");
    });

    QUnit.test("mixed: the first half of the files to tank (docker, k8s), the rest to Ceph", async assert => {
        // longer than the job waits below: a job that hangs fails this test, not the whole run with an assertion after its end
        assert.timeout(600_000);
        await removeCluster(libDirsBefore);
        restoreProfileFile(savedProfile);
        // fresh files; both areas take their test files from the same directory
        for (const f of fs.readdirSync(dir))
            fs.rmSync(path.join(dir, f), { force: true });
        files = [1, 2, 3].map(i => sparseFile(path.join(dir, `disk${i}.img`), 4 * GIB));
        fs.writeFileSync(ZFS_JSON, JSON.stringify({ "test-file-vdev-directory": dir }));
        const p = await planOf("mixed");
        assert.deepEqual(p.Problems, []);
        assert.deepEqual(p.Wipes.map(w => [path.basename(w.Path), w.Step]),
            [["disk1.img", "zfs-pool"], ["disk2.img", "zfs-pool"], ["disk3.img", `ceph-osd:${files[2]}`]]);
        assert.equal(p.Steps.find(s => s.Id === "zfs-pool")!.Settings.layout, "mirror");
        if (!p.Wipes.every(w => w.Path.startsWith(dir + "/")))
            return;
        const watch = await watchJobs();
        const r = await apply(ADMIN.name, "mixed", { token: ["s", p.Token] });
        assert.true(r.ok, r.ok ? "started" : r.message);
        if (!r.ok) return;
        const [ok, message] = await withTimeout(watch(String(r.body[0])).completed, 400_000, "the mixed apply");
        assert.true(ok, message);
        assert.true(run("zpool", "status", "tank").includes("mirror"), "tank mirrors two files");
        const datasets = run("zfs", "list", "-H", "-o", "name", "-r", "tank").split("\n");
        assert.true(datasets.includes("tank/docker") && datasets.includes("tank/k8s") && !datasets.includes("tank/vm"), datasets.join(" "));
        const osds = ceph<{ num_osds: number; num_up_osds: number }>("osd", "stat");
        assert.deepEqual([osds.num_osds, osds.num_up_osds], [1, 1], "one OSD on the third file");
        assert.equal(fs.realpathSync("/var/lib/ceph/osd/ceph-0/block"), files[2]);
        assert.equal(ceph<Array<{ pool_name: string; size: number }>>("osd", "pool", "ls", "detail").find(x => x.pool_name === "rbd")?.size, 1,
            "one OSD: one copy");
        assert.deepEqual(await settled(), [], "healthy with one OSD");
        assert.true(libvirtPools().includes("debvisor-rbd") && !libvirtPools().includes("debvisor-zfs"), "VM disks go to Ceph");
        assert.equal(fs.readFileSync(PROFILE_FILE, "utf8").trim(), "mixed");
        const again = await planOf("mixed");
        assert.deepEqual(again.Steps.filter(s => !s.Exists).map(s => s.Id), [], "applying again has nothing to do");
    });

    QUnit.test("Bootstrap and AddOsd on the bus: bad devices and non-admins refused with nothing made, Busy on a whole cluster; debvisorctl adds one more OSD", async assert => {
        assert.true(fs.existsSync("/etc/ceph/ceph.conf"), "the cluster the apply test made is there");
        if (!fs.existsSync("/etc/ceph/ceph.conf"))
            return;
        const osdsBefore = ceph<{ num_osds: number }>("osd", "stat").num_osds;
        const outside = fs.mkdtempSync("/var/tmp/dv-ceph-outside-");
        try {
            const stray = sparseFile(path.join(outside, "stray.img"), 4 * GIB);
            const osDisk = run("findmnt", "-n", "-o", "SOURCE", "/").trim();
            const bad: Array<[string, string]> = [
                ["relative", "an absolute path"], ["/dev/../etc/passwd", ""], ["-rf", "an absolute path"], [stray, ""],
                [`${dir}/missing.img`, ""], [`${dir}/new\nline.img`, ""], ["x".repeat(5000), "too long"],
            ];
            if (osDisk.startsWith("/dev/"))
                bad.push([osDisk, ""]);
            for (const [device, words] of bad) {
                const r = await addOsd(ADMIN.name, device);
                assert.false(r.ok, `AddOsd ${JSON.stringify(device.slice(0, 40))} refused`);
                if (!r.ok) {
                    assert.equal(r.errorName, "org.debvisor.DebVisor1.Error.InvalidArgument", r.message);
                    if (words) assert.true(r.message.includes(words), r.message);
                }
            }
            const none = await bootstrap(ADMIN.name, []);
            assert.false(none.ok, "Bootstrap without devices refused");
            const net = await bootstrap(ADMIN.name, [files[0]], { "public-network": ["s", "10.0.0.0/99"] });
            assert.false(net.ok, "a bad public network refused");
            if (!net.ok) assert.true(net.message.includes("options.public-network"), net.message);
            const again = await bootstrap(ADMIN.name, [files[0]]);
            assert.false(again.ok, "Bootstrap on a whole cluster refused");
            if (!again.ok) assert.equal(again.errorName, "org.debvisor.DebVisor1.Error.Busy", again.message);
            for (const user of [OPERATOR.name, VIEWER.name, NOBODY.name]) {
                const r = await addOsd(user, files[0]);
                assert.false(r.ok);
                if (!r.ok) assert.equal(r.errorName, refusalOf(user), user);
            }
            assert.equal(ceph<{ num_osds: number }>("osd", "stat").num_osds, osdsBefore, "no OSD made by a refused call");

            // the one more OSD through debvisorctl, which follows the AddOsd job to its end
            const extra = sparseFile(path.join(dir, "extra.img"), 4 * GIB);
            const out = execFileSync("/usr/bin/debvisorctl", ["ceph", "osd", "add", "--wait", "--no-ask", extra],
                { encoding: "utf8", stdio: "pipe", timeout: 300_000 });
            assert.true(out.includes("/org/debvisor/DebVisor1/jobs/"), `the job's path printed: ${out}`);
            const osds = ceph<{ num_osds: number; num_up_osds: number }>("osd", "stat");
            assert.deepEqual([osds.num_osds, osds.num_up_osds], [osdsBefore + 1, osdsBefore + 1], out);
            await waitFor("the new OSD object on the bus", async () => {
                const objects = await callAs(ADMIN.name, { path: "/org/debvisor/DebVisor1", iface: "org.freedesktop.DBus.ObjectManager", method: "GetManagedObjects", signature: "", body: [] });
                return objects.ok && Object.keys(objects.body[0] as object).includes(`/org/debvisor/DebVisor1/ceph/osds/${osdsBefore}`);
            }, 30_000);
        } finally {
            fs.rmSync(outside, { recursive: true, force: true });
        }
    });

    QUnit.test("Bootstrap on the bus makes a fresh cluster step by step, each step audited, and is Busy once it is whole", async assert => {
        // longer than the job waits below: a job that hangs fails this test, not the whole run with an assertion after its end
        assert.timeout(600_000);
        await removeCluster(libDirsBefore);
        await destroyTestPool("tank");
        for (const f of fs.readdirSync(dir))
            fs.rmSync(path.join(dir, f), { force: true });
        const disk = sparseFile(path.join(dir, "boot.img"), 4 * GIB);
        // the user ceph owns /var/lib/ceph: links it plants where root's tools write must not be followed
        const host = os.hostname().split(".")[0].replace(/[^A-Za-z0-9_-]/g, "-").replace(/^-+/, "").slice(0, 63) || "localhost";
        const asCeph = (...command: string[]) => execFileSync("setpriv", ["--reuid", "ceph", "--regid", "ceph", "--clear-groups", ...command], { stdio: "pipe" });
        const victims = ["monmap", "mgr-key"].map(v => path.join(dir, `victim-${v}`));
        for (const v of victims)
            fs.writeFileSync(v, "precious\n", { mode: 0o600 });
        asCeph("mkdir", "-p", "/var/lib/ceph/tmp", `/var/lib/ceph/mgr/ceph-${host}`);
        asCeph("ln", "-sf", victims[0], "/var/lib/ceph/tmp/debvisor-monmap");
        asCeph("ln", "-sf", victims[1], `/var/lib/ceph/mgr/ceph-${host}/keyring.new`);
        const since = new Date(Date.now() - 1000).toISOString();
        const watch = await watchJobs();
        const r = await bootstrap(ADMIN.name, [disk], { cephfs: ["s", ""], mount: ["b", false], "rbd-pool": ["s", "vmdisks"] });
        assert.true(r.ok, r.ok ? "started" : r.message);
        if (!r.ok) return;
        const job = watch(String(r.body[0]));
        const [ok, message] = await withTimeout(job.completed, 400_000, "Bootstrap");
        assert.true(ok, message);
        for (const v of victims) {
            const stat = fs.statSync(v);
            assert.equal(fs.readFileSync(v, "utf8"), "precious\n", `${v}: not written through the planted link`);
            assert.deepEqual([stat.uid, stat.gid, stat.mode & 0o777], [0, 0, 0o600], `${v}: owner and mode untouched`);
        }
        assert.false(fs.lstatSync(`/var/lib/ceph/mgr/ceph-${host}/keyring`).isSymbolicLink(), "the manager's keyring is a file of its own");
        assert.true(job.progress.length > 1 && job.progress.at(-1) === 1, `progress step by step: ${job.progress.join(" ")}`);
        const osds = ceph<{ num_osds: number; num_up_osds: number }>("osd", "stat");
        assert.deepEqual([osds.num_osds, osds.num_up_osds], [1, 1], "one OSD, up");
        const pools = ceph<Array<{ pool_name: string; application_metadata: Record<string, unknown> }>>("osd", "pool", "ls", "detail");
        assert.true(pools.some(x => x.pool_name === "vmdisks" && "rbd" in x.application_metadata), "the RBD pool by the name asked for");
        assert.false(pools.some(x => x.pool_name.startsWith("cephfs.")), "no CephFS when none is asked for");
        const steps = fs.readFileSync(AUDIT_LOG, "utf8").split("\n").filter(l => l.includes("\"Bootstrap.step\""))
            .map(l => JSON.parse(l) as { time: string; args: string[] }).filter(x => x.time >= since).map(x => x.args[0]);
        assert.true(steps.length >= 4 && steps.some(id => id.startsWith("mon")) && steps.some(id => id.startsWith("osd")), `audited: ${steps.join(", ")}`);
        const busy = await bootstrap(ADMIN.name, [disk], { cephfs: ["s", ""], mount: ["b", false], "rbd-pool": ["s", "vmdisks"] });
        assert.false(busy.ok, "a second Bootstrap refused");
        if (!busy.ok) assert.equal(busy.errorName, "org.debvisor.DebVisor1.Error.Busy", busy.message);
    });
});
