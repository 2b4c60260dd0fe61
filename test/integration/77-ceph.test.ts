// Ceph through the bus against a real single-node Ceph 16 cluster (monitor,
// manager, three bluestore OSDs on sparse files, an MDS with a CephFS, an
// rbd pool) started for this module: the objects match what ceph says,
// maintenance, ceph-mgr's prometheus module (which debvisord turns on) and
// the metrics it exposes against what the shipped alert rules name, OSD in/out, pools, images, snapshots rolled back to (the
// content checked with rbd export) and deleted, the CephFS mount, the roles,
// a corpus of bad input that changes nothing, GetDisks' Ceph test files, and
// a monitor that stops answering; the periodic reads over one long-lived
// Ceph session (ceph-session), not a ceph run each.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import QUnit from "qunit";
import { callAs, getProperty, MANAGER } from "../lib/call-as.js";
import { rbdContent, rbdWrite, startCephCluster, type CephCluster } from "../lib/ceph-cluster.js";
import { metricNames, ruleExpressions } from "../lib/promql-names.js";
import { ADMIN, NOBODY, OPERATOR, refusalOf, VIEWER } from "../lib/users.js";
import { waitFor } from "../lib/wait.js";
import { cephSessions } from "../lib/daemon.js";

const ROOT = "/org/debvisor/DebVisor1";
const CEPH = { path: `${ROOT}/ceph`, iface: "org.debvisor.DebVisor1.CephManager" };
const OSD = "org.debvisor.DebVisor1.CephOsd";
const POOL = "org.debvisor.DebVisor1.CephPool";
const IMAGE = "org.debvisor.DebVisor1.CephImage";
const MIB = 1024 ** 2;
const NOT_AUTHORIZED = "org.debvisor.DebVisor1.Error.NotAuthorized";
const INVALID = "org.debvisor.DebVisor1.Error.InvalidArgument";
const MOUNTPOINT = "/srv/cephfs";
const RULES = "/usr/share/debvisor/monitoring/rules";
const AUDIT_LOG = "/var/log/debvisor/audit.jsonl";

const escape = (name: string) => [...Buffer.from(name)].map(b => /[A-Za-z0-9]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `_${b.toString(16).padStart(2, "0")}`).join("");
const poolPath = (name: string) => `${ROOT}/ceph/pools/${escape(name)}`;
const imagePath = (pool: string, name: string) => `${ROOT}/ceph/images/${escape(pool)}/${escape(name)}`;
const osdPath = (id: number) => `${ROOT}/ceph/osds/${id}`;
const prop = (objectPath: string, iface: string, name: string) => getProperty(objectPath, iface, name).catch(() => undefined);
const managerProp = (name: string) => prop(CEPH.path, CEPH.iface, name);
type Options = Record<string, [string, unknown]>;

const manager = (user: string | null, method: string, signature: string, body: unknown[]) => callAs(user, { ...CEPH, method, signature, body });
const onPool = (user: string | null, pool: string, method: string, signature: string, body: unknown[]) =>
    callAs(user, { path: poolPath(pool), iface: POOL, method, signature, body });
const onImage = (user: string | null, pool: string, image: string, method: string, signature: string, body: unknown[]) =>
    callAs(user, { path: imagePath(pool, image), iface: IMAGE, method, signature, body });
const onOsd = (user: string | null, id: number, method: string) => callAs(user, { path: osdPath(id), iface: OSD, method, signature: "a{sv}", body: [{}] });
const createPool = (name: string, options: Options = {}, user: string | null = ADMIN.name) => manager(user, "CreatePool", "sa{sv}", [name, options]);
const errorOf = (r: Awaited<ReturnType<typeof callAs>>) => r.ok ? "ok" : r.errorName;
const confirm = (name: string): Options => ({ confirm: ["s", name] });

QUnit.module("ceph: cluster through the bus", hooks => {
    let cluster: CephCluster | null = null;
    let savedFstab = "";
    const c = () => {
        if (!cluster)
            throw new Error("the test cluster did not start");
        return cluster;
    };
    /* What a refused call must not change: pools, images, flags, OSDs in. */
    const cephState = async () => {
        const pools = (await c().run(["osd", "pool", "ls"])).trim();
        const images = (await c().run(["ls", "-l", "-p", "rbd"], "rbd")).trim();
        const dump = await c().json<{ flags: string; osds: Array<{ osd: number; in: number }> }>("osd", "dump");
        return `${pools}\n${images}\n${dump.flags}\n${dump.osds.map(o => `${o.osd}:${o.in}`).join(",")}`;
    };

    hooks.before(async () => {
        savedFstab = fs.existsSync("/etc/fstab") ? fs.readFileSync("/etc/fstab", "utf8") : "";
        cluster = await startCephCluster();
        // debvisord reads ceph.json on each refresh: it follows this cluster within seconds
        await waitFor("debvisord to follow the test cluster", async () =>
            await managerProp("State") === "reachable" && await managerProp("Fsid") === cluster?.fsid &&
            await prop(osdPath(2), OSD, "Id") === 2 && await prop(poolPath("rbd"), POOL, "Name") === "rbd", 60_000, 500);
    });
    hooks.after(async () => {
        try {
            // a test that broke off may have left the CephFS mounted: it must not outlive the cluster
            if (fs.readFileSync("/proc/mounts", "utf8").split("\n").some(l => l.split(" ")[1] === MOUNTPOINT))
                await manager(ADMIN.name, "UnmountCephFS", "a{sv}", [{}]);
        } finally {
            fs.writeFileSync("/etc/fstab", savedFstab);
            await cluster?.stop();
            cluster = null;
        }
    });

    QUnit.test("the manager's properties match ceph status, the OSDs, pools and CephFS are objects", async assert => {
        const status = await c().json<{
            fsid: string; health: { status: string }; pgmap: { num_pgs: number; bytes_total: number };
            quorum_names: string[];
        }>("status");
        assert.deepEqual([await managerProp("State"), await managerProp("LastError"), await managerProp("Fsid"), await managerProp("Health")],
            ["reachable", "", status.fsid, status.health.status]);
        assert.true(/^16\.2\./.test(String(await managerProp("Version"))), String(await managerProp("Version")));
        // typed dictionaries (busctl shows their signatures), not JSON in strings
        assert.deepEqual(await managerProp("Monitors"), [{ Name: "a", Address: "127.0.0.1:3310", InQuorum: true }]);
        assert.deepEqual(await managerProp("HealthChecks"), []);
        assert.equal(execFileSync("busctl", ["--system", "get-property", "org.debvisor.DebVisor1", CEPH.path, CEPH.iface, "PlacementGroups"], { encoding: "utf8" }).split(" ")[0], "a{st}");
        assert.equal(await managerProp("TotalBytes"), status.pgmap.bytes_total);
        assert.equal(await managerProp("Maintenance"), false);
        assert.deepEqual(await managerProp("Flags"), []);
        // PGs may be re-counted while the autoscaler works: compare totals as ceph says them now
        await waitFor("the PG total to settle", async () => {
            const pgs = await managerProp("PlacementGroups") as Record<string, number>;
            return Object.values(pgs).reduce((sum, n) => sum + n, 0) === (await c().json<{ pgmap: { num_pgs: number } }>("status")).pgmap.num_pgs;
        }, 30_000, 1000);
        await waitFor("the usage tier (managers, OSD tree)", async () => (await managerProp("Managers") as unknown[]).length > 0, 40_000, 1000);
        assert.deepEqual(await managerProp("Managers"), [{ Name: "x", Active: true }]);
        const tree = await managerProp("OsdTree") as Array<{ Type: string; Children: number[] }>;
        assert.deepEqual(tree.find(n => n.Type === "host")?.Children, [0, 1, 2]);

        // an OSD's size is 0 in Ceph's own df until the OSD has reported its store (a moment after it is up)
        type DfTree = { nodes: Array<{ id: number; type: string; kb: number; device_class: string }> };
        let dfTree: DfTree = { nodes: [] };
        await waitFor("every OSD's size in ceph osd df", async () => {
            dfTree = await c().json<DfTree>("osd", "df", "tree");
            return [0, 1, 2].every(id => (dfTree.nodes.find(n => n.id === id && n.type === "osd")?.kb ?? 0) > 0);
        }, 60_000, 1000);
        for (const id of [0, 1, 2]) {
            const node = dfTree.nodes.find(n => n.id === id && n.type === "osd");
            assert.deepEqual([await prop(osdPath(id), OSD, "Up"), await prop(osdPath(id), OSD, "In"), await prop(osdPath(id), OSD, "DeviceClass"),
                await prop(osdPath(id), OSD, "TotalBytes")], [true, true, node?.device_class, (node?.kb ?? 0) * 1024], `osd.${id}`);
            assert.equal(await prop(osdPath(id), OSD, "Device"), `${c().dir}/osd.${id}/block`);
        }
        const pools = (await c().run(["osd", "pool", "ls"])).trim().split("\n");
        for (const name of pools) {
            const size = (await c().json<{ size: number }>("osd", "pool", "get", name, "size")).size;
            assert.equal(await prop(poolPath(name), POOL, "Size"), size, `${name} size`);
        }
        assert.deepEqual(await prop(poolPath("rbd"), POOL, "Applications"), ["rbd"]);
        assert.deepEqual(await managerProp("CephFS"), {
            Name: "cephfs", State: "active", Mds: [{ Name: "a", State: "active" }], DataPool: "cephfs_data", MetadataPool: "cephfs_metadata",
            Mountpoint: MOUNTPOINT, Mounted: false,
        });
        const all = await callAs(VIEWER.name, { path: CEPH.path, iface: "org.freedesktop.DBus.Properties", method: "GetAll", signature: "s", body: [CEPH.iface] });
        assert.true(all.ok, all.ok ? "a viewer reads the cluster" : all.message);
    });

    QUnit.test("the periodic reads go over one Ceph session (the ceph-session helper, connected with the cluster's configuration), kept from read to read", async assert => {
        const sessions = cephSessions();
        assert.deepEqual(sessions.map(s => s.conf), [c().conf], "one helper, for the test cluster");
        assert.true((sessions[0]?.tcpConnections ?? 0) > 0, "connected to the cluster");
        // two more reads (UpdatedAt is set by each read that answered): a helper that failed would be ended and replaced
        for (let n = 0; n < 2; n++) {
            const updated = await managerProp("UpdatedAt");
            await waitFor("the next read of the cluster", async () => await managerProp("UpdatedAt") !== updated, 20_000, 250);
        }
        assert.deepEqual(cephSessions().map(s => s.pid), sessions.map(s => s.pid), "the same helper answered them");
    });

    QUnit.test("maintenance: noout shows in Flags, Maintenance and HealthChecks, and clears", async assert => {
        const on = await manager(ADMIN.name, "SetMaintenance", "ba{sv}", [true, {}]);
        assert.true(on.ok, on.ok ? "set" : on.message);
        assert.true((await c().json<{ flags: string }>("osd", "dump")).flags.split(",").includes("noout"), "ceph osd dump has noout");
        assert.equal(await managerProp("Maintenance"), true, "current when the call returns");
        assert.deepEqual(await managerProp("Flags"), ["noout"]);
        const checks = await managerProp("HealthChecks") as Array<{ Code: string; Severity: string; Explanation: string }>;
        assert.deepEqual(checks.map(ch => [ch.Code, ch.Severity]), [["OSDMAP_FLAGS", "HEALTH_WARN"]]);
        assert.true(checks[0].Explanation.includes("noout"), checks[0].Explanation);
        assert.equal(await managerProp("Health"), "HEALTH_WARN");
        const off = await manager(ADMIN.name, "SetMaintenance", "ba{sv}", [false, {}]);
        assert.true(off.ok, off.ok ? "cleared" : off.message);
        assert.false((await c().json<{ flags: string }>("osd", "dump")).flags.split(",").includes("noout"));
        assert.equal(await managerProp("Maintenance"), false);
        assert.deepEqual((await managerProp("HealthChecks") as Array<{ Code: string }>).map(ch => ch.Code).filter(code => code === "OSDMAP_FLAGS"), []);
    });

    QUnit.test("debvisord turned on ceph-mgr's prometheus module on loopback (audited), and it exposes every ceph_* metric the shipped rules name, with the labels they use", async assert => {
        const names = [...new Set(fs.readdirSync(RULES).flatMap(f => ruleExpressions(fs.readFileSync(path.join(RULES, f), "utf8")))
            .flatMap(metricNames).filter(n => n.startsWith("ceph_")))].sort();
        assert.true(names.length >= 3, `the rules name ${names.join(", ")}`);
        // the test cluster starts without it; debvisord, on a node with Prometheus, enables it once it reads the cluster
        assert.true(fs.existsSync("/usr/bin/prometheus"), "Prometheus is installed (scripts/deps.sh)");
        await waitFor("debvisord to enable ceph-mgr's prometheus module", async () =>
            (await c().json<{ enabled_modules: string[] }>("mgr", "module", "ls")).enabled_modules.includes("prometheus"), 60_000, 1000);
        assert.deepEqual([(await c().run(["config", "get", "mgr", "mgr/prometheus/server_addr"])).trim(),
            (await c().run(["config", "get", "mgr", "mgr/prometheus/server_port"])).trim()], ["127.0.0.1", "9283"],
        "bound to loopback on the port the shipped prometheus.yml scrapes");
        const shipped = fs.readFileSync("/usr/share/debvisor/monitoring/prometheus.yml", "utf8");
        assert.true(/job_name: ceph[\s\S]*?targets: \["127\.0\.0\.1:9283"\]/.test(shipped), "Prometheus's ceph job scrapes it");
        const audited = fs.readFileSync(AUDIT_LOG, "utf8").split("\n").filter(l => l.includes("CephManager.EnableMetrics")).map(l => JSON.parse(l) as { method: string; result: string; args?: unknown })
            .filter(r => r.method === "CephManager.EnableMetrics" && JSON.stringify(r.args) === JSON.stringify([c().fsid]));
        assert.equal(audited.length, 1, "audited once for this cluster");
        assert.true(audited[0]?.result.startsWith("ok: "), audited[0]?.result);
        let exposition = "";
        await waitFor("ceph-mgr's metrics on 127.0.0.1:9283", async () => {
            exposition = await fetch("http://127.0.0.1:9283/metrics").then(r => r.ok ? r.text() : "", () => "");
            return /^ceph_osd_up\{/m.test(exposition) && /^ceph_pool_percent_used\{/m.test(exposition);
        }, 120_000, 1000);
        // name{labels} value, per sample
        const samples = exposition.split("\n").filter(l => l && !l.startsWith("#")).map(l => /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?/.exec(l)!);
        const exposed = new Set(samples.map(m => m[1]));
        assert.deepEqual(names.filter(n => !exposed.has(n)), [], `every ceph_* metric of the rules is exposed (${names.join(", ")})`);
        const labelsOf = (metric: string) => samples.filter(m => m[1] === metric).map(m => m[2] ?? "");
        // CephOsdDown names the OSD, CephPoolNearlyFull the pool: by these labels
        assert.true(labelsOf("ceph_osd_up").some(l => /ceph_daemon="osd\.0"/.test(l)), `ceph_osd_up${labelsOf("ceph_osd_up")[0]}`);
        const rbdId = (await c().json<Array<{ pool_id: number; pool_name: string }>>("osd", "pool", "ls", "detail")).find(p => p.pool_name === "rbd")?.pool_id;
        assert.true(labelsOf("ceph_pool_percent_used").some(l => l.includes(`pool_id="${rbdId}"`)), `ceph_pool_percent_used of the rbd pool (id ${rbdId})`);
        assert.true(labelsOf("ceph_pool_metadata").some(l => l.includes(`pool_id="${rbdId}"`) && l.includes('name="rbd"')), "the rbd pool's name by its id");
        assert.equal(samples.find(m => m[1] === "ceph_health_status") !== undefined, true, "the cluster's health");
    });

    QUnit.test("an OSD marked out and in: CephOsd.In and ceph osd dump agree", async assert => {
        const inOf = async () => (await c().json<{ osds: Array<{ osd: number; in: number }> }>("osd", "dump")).osds.find(o => o.osd === 2)?.in;
        const out = await onOsd(ADMIN.name, 2, "MarkOut");
        assert.true(out.ok, out.ok ? "out" : out.message);
        assert.deepEqual([await inOf(), await prop(osdPath(2), OSD, "In")], [0, false]);
        const back = await onOsd(ADMIN.name, 2, "MarkIn");
        assert.true(back.ok, back.ok ? "in" : back.message);
        assert.deepEqual([await inOf(), await prop(osdPath(2), OSD, "In")], [1, true]);
        assert.equal(errorOf(await onOsd(OPERATOR.name, 2, "MarkOut")), NOT_AUTHORIZED, "an operator may not");
        assert.equal(await inOf(), 1);
    });

    QUnit.test("pools: create with options, change the size, delete only with the right confirmation", async assert => {
        const name = "dvtest-pool";
        const made = await createPool(name, { size: ["u", 2], min_size: ["u", 1], application: ["s", "rbd"], pg_autoscale: ["s", "warn"] });
        assert.true(made.ok, made.ok ? "created" : made.message);
        if (!made.ok) return;
        assert.equal(made.body[0], poolPath(name));
        const get = async (key: string) => (await c().json<Record<string, unknown>>("osd", "pool", "get", name, key))[key];
        assert.deepEqual([await get("size"), await get("min_size"), await get("pg_autoscale_mode")], [2, 1, "warn"]);
        assert.deepEqual([await prop(poolPath(name), POOL, "Size"), await prop(poolPath(name), POOL, "MinSize"), await prop(poolPath(name), POOL, "PgAutoscale"),
            await prop(poolPath(name), POOL, "Applications")], [2, 1, "warn", ["rbd"]]);
        assert.equal(errorOf(await createPool(name)), INVALID, "a second pool of the same name is refused");

        const resized = await onPool(ADMIN.name, name, "SetSize", "uua{sv}", [3, 2, {}]);
        assert.true(resized.ok, resized.ok ? "resized" : resized.message);
        assert.deepEqual([await get("size"), await get("min_size"), await prop(poolPath(name), POOL, "Size"), await prop(poolPath(name), POOL, "MinSize")], [3, 2, 3, 2]);

        const wrong = await onPool(ADMIN.name, name, "Delete", "a{sv}", [{ confirm: ["s", "rbd"] }]);
        assert.equal(errorOf(wrong), INVALID);
        assert.equal(errorOf(await onPool(ADMIN.name, name, "Delete", "a{sv}", [{}])), INVALID, "no confirmation");
        assert.true((await c().run(["osd", "pool", "ls"])).split("\n").includes(name), "kept");
        const fsPool = await onPool(ADMIN.name, "cephfs_data", "Delete", "a{sv}", [{ confirm: ["s", "cephfs_data"] }]);
        assert.equal(errorOf(fsPool), "org.debvisor.DebVisor1.Error.Busy", "the CephFS's pool is refused");
        if (!fsPool.ok) assert.true(fsPool.message.includes("CephFS"), fsPool.message);
        assert.equal(errorOf(await onPool(OPERATOR.name, name, "Delete", "a{sv}", [{ confirm: ["s", name] }])), NOT_AUTHORIZED);

        const gone = await onPool(ADMIN.name, name, "Delete", "a{sv}", [{ confirm: ["s", name] }]);
        assert.true(gone.ok, gone.ok ? "deleted" : gone.message);
        assert.false((await c().run(["osd", "pool", "ls"])).split("\n").includes(name), "ceph no longer lists it");
        assert.equal(await prop(poolPath(name), POOL, "Name"), undefined, "the object is gone");
        assert.equal((await c().run(["config", "get", "mon", "mon_allow_pool_delete"])).trim(), "false", "pool deletion is forbidden again");
        assert.true((await c().run(["osd", "pool", "ls"])).split("\n").includes("cephfs_data"));
    });

    QUnit.test("images: create, grow, shrink only when allowed, snapshot, delete; checked with rbd", async assert => {
        const info = async (name: string) => JSON.parse(await c().run(["info", "--format", "json", `rbd/${name}`], "rbd")) as { size: number };
        const made = await onPool(ADMIN.name, "rbd", "CreateImage", "sta{sv}", ["img1", 64 * MIB, {}]);
        assert.true(made.ok, made.ok ? "created" : made.message);
        if (!made.ok) return;
        assert.equal(made.body[0], imagePath("rbd", "img1"));
        assert.equal((await info("img1")).size, 64 * MIB);
        assert.deepEqual([await prop(imagePath("rbd", "img1"), IMAGE, "Pool"), await prop(imagePath("rbd", "img1"), IMAGE, "Size")], ["rbd", 64 * MIB]);
        assert.equal(errorOf(await onPool(ADMIN.name, "rbd", "CreateImage", "sta{sv}", ["img1", 64 * MIB, {}])), INVALID, "the name is taken");
        assert.equal(errorOf(await onPool(ADMIN.name, "cephfs_data", "CreateImage", "sta{sv}", ["img2", 64 * MIB, {}])), INVALID, "a pool not enabled for RBD");

        const grown = await onImage(ADMIN.name, "rbd", "img1", "Resize", "ta{sv}", [128 * MIB, {}]);
        assert.true(grown.ok, grown.ok ? "grown" : grown.message);
        assert.deepEqual([(await info("img1")).size, await prop(imagePath("rbd", "img1"), IMAGE, "Size")], [128 * MIB, 128 * MIB]);
        assert.equal(errorOf(await onImage(ADMIN.name, "rbd", "img1", "Resize", "ta{sv}", [32 * MIB, {}])), INVALID, "shrinking needs allow-shrink");
        assert.equal((await info("img1")).size, 128 * MIB);
        const shrunk = await onImage(ADMIN.name, "rbd", "img1", "Resize", "ta{sv}", [32 * MIB, { "allow-shrink": ["b", true] }]);
        assert.true(shrunk.ok, shrunk.ok ? "shrunk" : shrunk.message);
        assert.equal((await info("img1")).size, 32 * MIB);

        const snap = await onImage(ADMIN.name, "rbd", "img1", "Snapshot", "sa{sv}", ["before-upgrade", {}]);
        assert.true(snap.ok, snap.ok ? "snapshot" : snap.message);
        const listed = JSON.parse(await c().run(["snap", "ls", "--format", "json", "rbd/img1"], "rbd")) as Array<{ name: string }>;
        assert.deepEqual(listed.map(s => s.name), ["before-upgrade"]);
        // the shape of a dataset's snapshots: aa{sv} with Name, Size, Protected and CreationTime
        const snaps = await prop(imagePath("rbd", "img1"), IMAGE, "Snapshots") as Array<{ Name: string; Size: number; Protected: boolean; CreationTime: number }>;
        assert.deepEqual(snaps.map(s => [s.Name, s.Size, s.Protected]), [["before-upgrade", 32 * MIB, false]]);
        assert.true(Math.abs(snaps[0].CreationTime / 1000 - Date.now()) < 120_000, "created in microseconds, now");
        assert.equal(errorOf(await onImage(ADMIN.name, "rbd", "img1", "Snapshot", "sa{sv}", ["before-upgrade", {}])), INVALID, "the snapshot exists");

        assert.equal(errorOf(await onImage(ADMIN.name, "rbd", "img1", "Delete", "a{sv}", [{ confirm: ["s", "img2"] }])), INVALID);
        assert.equal(errorOf(await onImage(OPERATOR.name, "rbd", "img1", "Delete", "a{sv}", [{ confirm: ["s", "img1"] }])), NOT_AUTHORIZED);
        assert.true((await c().run(["ls", "-p", "rbd"], "rbd")).split("\n").includes("img1"), "kept");
        const gone = await onImage(ADMIN.name, "rbd", "img1", "Delete", "a{sv}", [{ confirm: ["s", "img1"] }]);
        assert.true(gone.ok, gone.ok ? "deleted with its snapshot" : gone.message);
        assert.false((await c().run(["ls", "-p", "rbd"], "rbd")).split("\n").includes("img1"), "rbd no longer lists it");
        assert.equal(await prop(imagePath("rbd", "img1"), IMAGE, "Name"), undefined, "the object is gone");
    });

    QUnit.test("an image a libvirt machine uses as its disk (a network disk or a libvirt rbd pool's volume) is not deleted", async assert => {
        const domain = "dv-ceph-disk-user";
        const made = await onPool(ADMIN.name, "rbd", "CreateImage", "sta{sv}", ["in-use", 8 * MIB, {}]);
        assert.true(made.ok, made.ok ? "created" : made.message);
        const xml = `<domain type='qemu'><name>${domain}</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>
<os><type arch='x86_64'>hvm</type></os><devices><disk type='network' device='disk'><driver name='qemu' type='raw'/>
<source protocol='rbd' name='rbd/in-use'><host name='127.0.0.1' port='3310'/></source><target dev='vda' bus='virtio'/></disk></devices></domain>`;
        const file = `${c().dir}/${domain}.xml`;
        fs.writeFileSync(file, xml);
        execFileSync("virsh", ["-c", "qemu:///system", "define", file], { stdio: "pipe" });
        try {
            const refused = await onImage(ADMIN.name, "rbd", "in-use", "Delete", "a{sv}", [{ confirm: ["s", "in-use"] }]);
            assert.equal(errorOf(refused), "org.debvisor.DebVisor1.Error.Busy");
            if (!refused.ok) assert.true(refused.message.includes(domain), refused.message);
            assert.true((await c().run(["ls", "-p", "rbd"], "rbd")).split("\n").includes("in-use"), "kept");
        } finally {
            execFileSync("virsh", ["-c", "qemu:///system", "undefine", domain], { stdio: "pipe" });
        }
        // the same image as a volume of a libvirt rbd pool, as DebVisor's own machines on Ceph have it
        // (the pool is only defined: whose image it is comes from its definition)
        const libvirtPool = "dv-test-rbd-pool";
        fs.writeFileSync(`${c().dir}/${libvirtPool}.xml`, `<pool type='rbd'><name>${libvirtPool}</name><source><name>rbd</name><host name='127.0.0.1' port='3310'/></source></pool>`);
        fs.writeFileSync(file, xml.replace(/<disk type='network'[\s\S]*?<\/disk>/,
            `<disk type='volume' device='disk'><driver name='qemu' type='raw'/><source pool='${libvirtPool}' volume='in-use'/><target dev='vda' bus='virtio'/></disk>`));
        execFileSync("virsh", ["-c", "qemu:///system", "pool-define", `${c().dir}/${libvirtPool}.xml`], { stdio: "pipe" });
        execFileSync("virsh", ["-c", "qemu:///system", "define", file], { stdio: "pipe" });
        try {
            const refused = await onImage(ADMIN.name, "rbd", "in-use", "Delete", "a{sv}", [{ confirm: ["s", "in-use"] }]);
            assert.equal(errorOf(refused), "org.debvisor.DebVisor1.Error.Busy", "a volume of a libvirt rbd pool is the image too");
            if (!refused.ok) assert.true(refused.message.includes(domain), refused.message);
        } finally {
            execFileSync("virsh", ["-c", "qemu:///system", "undefine", domain], { stdio: "pipe" });
            execFileSync("virsh", ["-c", "qemu:///system", "pool-undefine", libvirtPool], { stdio: "pipe" });
        }
        const gone = await onImage(ADMIN.name, "rbd", "in-use", "Delete", "a{sv}", [{ confirm: ["s", "in-use"] }]);
        assert.true(gone.ok, gone.ok ? "deleted once no machine uses it" : gone.message);
    });

    QUnit.test("snapshots: a rollback returns the content (checked with rbd export), a snapshot is deleted; every refusal changes nothing", async assert => {
        const image = "snapimg";
        const spec = `rbd/${image}`;
        const rbd = (args: string[]) => execFileSync("rbd", ["-c", c().conf, ...args], { stdio: "pipe" });
        const write = (byte: number) => rbdWrite(c(), spec, MIB, 2 * MIB, byte);
        const content = () => rbdContent(c(), spec);
        const snapList = () => (JSON.parse(rbd(["snap", "ls", "--format", "json", spec]).toString()) as Array<{ name: string; protected: string }>)
            .map(x => `${x.name}${x.protected === "true" ? " (protected)" : ""}`);
        const listed = async () => (await prop(imagePath("rbd", image), IMAGE, "Snapshots") as Array<{ Name: string }>).map(x => x.Name);
        const rollback = (user: string | null, snap: string, options: Options) => onImage(user, "rbd", image, "RollbackSnapshot", "sa{sv}", [snap, options]);
        const remove = (user: string | null, snap: string, options: Options) => onImage(user, "rbd", image, "DeleteSnapshot", "sa{sv}", [snap, options]);

        const made = await onPool(ADMIN.name, "rbd", "CreateImage", "sta{sv}", [image, 8 * MIB, {}]);
        assert.true(made.ok, made.ok ? "created" : made.message);
        if (!made.ok) return;
        try {
            write(0x41);
            const before = content();
            const snap = await onImage(ADMIN.name, "rbd", image, "Snapshot", "sa{sv}", ["before", {}]);
            assert.true(snap.ok, snap.ok ? "snapshot taken" : snap.message);
            rbd(["snap", "create", "--no-progress", `${spec}@golden`]);
            rbd(["snap", "protect", `${spec}@golden`]);
            write(0x42);
            const after = content();
            assert.notEqual(after, before, "the image changed after the snapshot");

            // refusals: roles, confirmation, unknown and protected snapshots, bad names; nothing changes
            const state = () => `${content()} ${snapList().join(",")}`;
            const unchanged = state();
            for (const user of [VIEWER.name, OPERATOR.name, NOBODY.name]) {
                assert.equal(errorOf(await rollback(user, "before", confirm("before"))), refusalOf(user), `RollbackSnapshot by ${user}`);
                assert.equal(errorOf(await remove(user, "before", confirm("before"))), refusalOf(user), `DeleteSnapshot by ${user}`);
            }
            for (const [label, options] of [["no confirm", {}], ["the image's name", confirm(image)], ["a typo", confirm("befor")],
                ["a newline after it", confirm("before\n")], ["a huge confirm", confirm("b".repeat(10_000))], ["confirm as a boolean", { confirm: ["b", true] }],
                ["an unknown option", { ...confirm("before"), force: ["b", true] }]] as Array<[string, Options]>) {
                const r = await rollback(ADMIN.name, "before", options);
                assert.equal(errorOf(r), INVALID, `RollbackSnapshot with ${label}`);
                assert.equal(errorOf(await remove(ADMIN.name, "before", options)), INVALID, `DeleteSnapshot with ${label}`);
                if (label === "a typo" && !r.ok) assert.true(r.message.includes("options.confirm"), r.message);
            }
            for (const method of [rollback, remove]) {
                const unknown = await method(ADMIN.name, "nope", confirm("nope"));
                assert.equal(errorOf(unknown), "org.debvisor.DebVisor1.Error.NotFound", "an unknown snapshot");
                if (!unknown.ok) assert.true(unknown.message.includes("no snapshot nope"), unknown.message);
            }
            const bad = ["", " ", "a\nb", "..", "a..b", "-x", "--force", ".x", "a/b", "a@b", "a b", "a\"b", "$(id)", "é", "x".repeat(5000)];
            for (const n of bad) {
                assert.equal(errorOf(await rollback(ADMIN.name, n, confirm(n))), INVALID, `RollbackSnapshot ${JSON.stringify(n.slice(0, 20))}`);
                assert.equal(errorOf(await remove(ADMIN.name, n, confirm(n))), INVALID, `DeleteSnapshot ${JSON.stringify(n.slice(0, 20))}`);
            }
            const guarded = await remove(ADMIN.name, "golden", confirm("golden"));
            assert.equal(errorOf(guarded), "org.debvisor.DebVisor1.Error.Busy", "a protected snapshot is not deleted");
            if (!guarded.ok) assert.true(guarded.message.includes("protected"), guarded.message);
            assert.equal(state(), unchanged, "nothing changed: the content and the snapshots are as they were");

            // a machine that is defined but not running does not hold the rollback back
            const domain = "dv-ceph-snap-user";
            const file = `${c().dir}/${domain}.xml`;
            fs.writeFileSync(file, `<domain type='qemu'><name>${domain}</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>
<os><type arch='x86_64'>hvm</type></os><devices><disk type='network' device='disk'><driver name='qemu' type='raw'/>
<source protocol='rbd' name='${spec}'><host name='127.0.0.1' port='3310'/></source><target dev='vda' bus='virtio'/></disk></devices></domain>`);
            execFileSync("virsh", ["-c", "qemu:///system", "define", file], { stdio: "pipe" });
            try {
                const back = await rollback(ADMIN.name, "before", confirm("before"));
                assert.true(back.ok, back.ok ? "rolled back" : back.message);
            } finally {
                execFileSync("virsh", ["-c", "qemu:///system", "undefine", domain], { stdio: "pipe" });
            }
            assert.equal(content(), before, "rbd export: the content of the snapshot is back");
            assert.deepEqual(snapList(), ["before", "golden (protected)"], "the snapshots are kept");

            // deleted on the bus: the property follows at once, without waiting for a refresh
            const tmp = await onImage(ADMIN.name, "rbd", image, "Snapshot", "sa{sv}", ["tmp", {}]);
            assert.true(tmp.ok, tmp.ok ? "a second snapshot" : tmp.message);
            const gone = await remove(ADMIN.name, "tmp", confirm("tmp"));
            assert.true(gone.ok, gone.ok ? "deleted" : gone.message);
            assert.deepEqual(snapList(), ["before", "golden (protected)"], "rbd snap ls: tmp is gone");
            assert.deepEqual(await listed(), ["before", "golden"], "Snapshots at once");

            // debvisorctl: a wrong confirmation fails and changes nothing; the right one deletes
            const ctl = (...args: string[]) => execFileSync("/usr/bin/debvisorctl", args, { encoding: "utf8", stdio: "pipe" });
            write(0x43);
            const changed = content();
            assert.throws(() => ctl("ceph", "image", "rollback", spec, "before", "--confirm", "golden", "--no-ask"), /confirm/, "a wrong confirmation fails");
            assert.equal(content(), changed, "not rolled back");
            ctl("ceph", "image", "rollback", spec, "before", "--confirm", "before", "--no-ask");
            assert.equal(content(), before, "rolled back by debvisorctl");
            assert.throws(() => ctl("ceph", "image", "snapshot-delete", spec, "before", "--no-ask"), /confirm/, "no confirmation fails");
            ctl("ceph", "image", "snapshot-delete", spec, "before", "--confirm", "before", "--no-ask");
            assert.deepEqual(snapList(), ["golden (protected)"], "deleted by debvisorctl");
            assert.deepEqual(await listed(), ["golden"]);
        } finally {
            rbd(["snap", "unprotect", `${spec}@golden`]);
            const gone = await onImage(ADMIN.name, "rbd", image, "Delete", "a{sv}", [confirm(image)]);
            assert.true(gone.ok, gone.ok ? "the image deleted with its snapshots" : gone.message);
        }
    });

    QUnit.test("a rollback is refused while a running machine uses the image, and allowed once it is off", async assert => {
        assert.timeout(180_000);
        const image = "running-disk";
        const domain = "dv-ceph-snap-running";
        const virsh = (...args: string[]) => execFileSync("virsh", ["-c", "qemu:///system", ...args], { encoding: "utf8", stdio: "pipe", timeout: 60_000 });
        const made = await onPool(ADMIN.name, "rbd", "CreateImage", "sta{sv}", [image, 8 * MIB, {}]);
        assert.true(made.ok, made.ok ? "created" : made.message);
        const snap = await onImage(ADMIN.name, "rbd", image, "Snapshot", "sa{sv}", ["base", {}]);
        assert.true(snap.ok, snap.ok ? "snapshot" : snap.message);
        // the machine reaches the test cluster with its admin key, through a libvirt secret
        const secretFile = `${c().dir}/${domain}-secret.xml`;
        fs.writeFileSync(secretFile, `<secret ephemeral='no' private='yes'><usage type='ceph'><name>${domain}</name></usage></secret>`);
        const uuid = /([0-9a-f-]{36})/.exec(virsh("secret-define", secretFile))?.[1] ?? "";
        let defined = false;
        try {
            const keyFile = `${c().dir}/${domain}.key`;
            fs.writeFileSync(keyFile, (await c().run(["auth", "get-key", "client.admin"])).trim(), { mode: 0o600 });
            virsh("secret-set-value", "--secret", uuid, "--file", keyFile);
            const file = `${c().dir}/${domain}.xml`;
            // the monitor's v1 port: librbd takes a port other than 3300 for the old protocol
            fs.writeFileSync(file, `<domain type='qemu'><name>${domain}</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>
<os><type arch='x86_64'>hvm</type></os><devices><disk type='network' device='disk'><driver name='qemu' type='raw'/>
<auth username='admin'><secret type='ceph' uuid='${uuid}'/></auth>
<source protocol='rbd' name='rbd/${image}'><host name='127.0.0.1' port='6799'/></source><target dev='vda' bus='virtio'/></disk></devices></domain>`);
            virsh("define", file);
            defined = true;
            virsh("start", domain);
            const refused = await onImage(ADMIN.name, "rbd", image, "RollbackSnapshot", "sa{sv}", ["base", confirm("base")]);
            assert.equal(errorOf(refused), "org.debvisor.DebVisor1.Error.Busy", "refused while it runs");
            if (!refused.ok) assert.true(refused.message.includes(domain) && refused.message.includes("running"), refused.message);
            virsh("destroy", domain);
            const back = await onImage(ADMIN.name, "rbd", image, "RollbackSnapshot", "sa{sv}", ["base", confirm("base")]);
            assert.true(back.ok, back.ok ? "rolled back once the machine is off" : back.message);
        } finally {
            if (defined) {
                try { virsh("destroy", domain) } catch { /* not running */ }
                virsh("undefine", domain);
            }
            if (uuid) virsh("secret-undefine", uuid);
            const gone = await onImage(ADMIN.name, "rbd", image, "Delete", "a{sv}", [confirm(image)]);
            assert.true(gone.ok, gone.ok ? "deleted" : gone.message);
        }
    });

    QUnit.test("GetDisks lists the Ceph test files on request, with the roles AddOsd gives them", async assert => {
        const saved = fs.readFileSync("/etc/debvisor/ceph.json", "utf8");
        const dir = fs.realpathSync(fs.mkdtempSync("/var/tmp/dv-ceph-files-"));
        try {
            for (const [name, size] of [["big.img", 2 * 1024 ** 3], ["small.img", 16 * MIB]] as Array<[string, number]>) {
                fs.closeSync(fs.openSync(path.join(dir, name), "w"));
                fs.truncateSync(path.join(dir, name), size);
            }
            fs.writeFileSync("/etc/debvisor/ceph.json", JSON.stringify({ ...JSON.parse(saved) as object, "test-file-osd-directory": dir }));
            const disks = async (options: Options) => {
                const r = await callAs(VIEWER.name, { ...MANAGER, method: "GetDisks", signature: "a{sv}", body: [options] });
                if (!r.ok) throw new Error(r.message);
                return (r.body[0] as Array<{ Path: string; Role: string; Transport: string }>).filter(d => d.Transport === "file").map(d => [d.Path, d.Role]);
            };
            assert.deepEqual(await disks({ "test-files": ["s", "ceph"] }), [[path.join(dir, "big.img"), "spare"], [path.join(dir, "small.img"), "unusable"]]);
            assert.deepEqual(await disks({}), [], "not without the option");
            const wrong = await callAs(VIEWER.name, { ...MANAGER, method: "GetDisks", signature: "a{sv}", body: [{ "test-files": ["s", "zfs\n"] }] });
            assert.equal(errorOf(wrong), INVALID);
        } finally {
            fs.writeFileSync("/etc/debvisor/ceph.json", saved);
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    QUnit.test("the CephFS mounts with ceph-fuse at /srv/cephfs and into /etc/fstab, and unmounts", async assert => {
        const mounted = () => fs.readFileSync("/proc/mounts", "utf8").split("\n").find(l => l.split(" ")[1] === MOUNTPOINT);
        const fstabHas = () => fs.readFileSync("/etc/fstab", "utf8").split("\n").some(l => l.split(/\s+/)[1] === MOUNTPOINT);
        const up = await manager(ADMIN.name, "MountCephFS", "a{sv}", [{}]);
        assert.true(up.ok, up.ok ? "mounted" : up.message);
        assert.equal(mounted()?.split(" ")[2], "fuse.ceph-fuse");
        assert.true(fstabHas(), "fstab has the line");
        assert.true(savedFstab.split("\n").every(l => fs.readFileSync("/etc/fstab", "utf8").includes(l)), "the other lines are kept");
        assert.equal((await managerProp("CephFS") as { Mounted: boolean }).Mounted, true);
        fs.writeFileSync(`${MOUNTPOINT}/hello.txt`, "hello");
        assert.true((await c().run(["df", "-f", "json"])).length > 0);
        const again = await manager(ADMIN.name, "MountCephFS", "a{sv}", [{}]);
        assert.true(again.ok, "mounting again changes nothing");
        assert.equal(fs.readFileSync("/etc/fstab", "utf8").split("\n").filter(l => l.split(/\s+/)[1] === MOUNTPOINT).length, 1, "one line");
        const down = await manager(ADMIN.name, "UnmountCephFS", "a{sv}", [{}]);
        assert.true(down.ok, down.ok ? "unmounted" : down.message);
        assert.equal(mounted(), undefined);
        assert.false(fstabHas(), "the fstab line is gone");
        assert.equal(fs.readFileSync("/etc/fstab", "utf8"), savedFstab, "fstab is as it was");
        assert.equal((await managerProp("CephFS") as { Mounted: boolean }).Mounted, false);
    });

    QUnit.test("roles: viewer, operator and nobody may not change anything; refusals change nothing", async assert => {
        await onPool(ADMIN.name, "rbd", "CreateImage", "sta{sv}", ["keep", 8 * MIB, {}]);
        const before = await cephState();
        for (const user of [VIEWER.name, OPERATOR.name, NOBODY.name]) {
            const attempts = [
                await manager(user, "SetMaintenance", "ba{sv}", [true, {}]),
                await createPool("nope", {}, user),
                await manager(user, "MountCephFS", "a{sv}", [{}]),
                await onOsd(user, 1, "MarkOut"),
                await onPool(user, "rbd", "SetSize", "uua{sv}", [1, 1, {}]),
                await onPool(user, "rbd", "CreateImage", "sta{sv}", ["nope", 8 * MIB, {}]),
                await onPool(user, "rbd", "Delete", "a{sv}", [{ confirm: ["s", "rbd"] }]),
                await onImage(user, "rbd", "keep", "Resize", "ta{sv}", [16 * MIB, {}]),
                await onImage(user, "rbd", "keep", "Snapshot", "sa{sv}", ["nope", {}]),
                await onImage(user, "rbd", "keep", "Delete", "a{sv}", [{ confirm: ["s", "keep"] }]),
            ];
            for (const a of attempts)
                assert.equal(errorOf(a), refusalOf(user), user);
        }
        assert.equal(await cephState(), before, "nothing changed");
        for (const user of [VIEWER.name, OPERATOR.name]) {
            const boot = await manager(user, "Bootstrap", "asa{sv}", [["/dev/null"], {}]);
            assert.equal(errorOf(boot), NOT_AUTHORIZED, `Bootstrap by ${user}`);
        }
    });

    QUnit.test("bad input is refused with InvalidArgument and changes nothing", async assert => {
        const before = await cephState();
        const badNames = ["", " ", "a b", "a\nb", "a\"b", "a'b", "..", "a..b", "-x", ".x", "a/b", "a;rm", "x".repeat(101), "é", "$(id)"];
        // sent a few at a time: a connection may have at most 64 calls waiting for their answers
        const attempts: Array<[string, () => Promise<Awaited<ReturnType<typeof callAs>>>]> = [];
        for (const n of badNames) {
            attempts.push([`CreatePool ${JSON.stringify(n)}`, () => createPool(n)]);
            attempts.push([`CreateImage ${JSON.stringify(n)}`, () => onPool(ADMIN.name, "rbd", "CreateImage", "sta{sv}", [n, 8 * MIB, {}])]);
            attempts.push([`Snapshot ${JSON.stringify(n)}`, () => onImage(ADMIN.name, "rbd", "keep", "Snapshot", "sa{sv}", [n, {}])]);
        }
        for (const size of [0, 1, MIB - 1, MIB + 1, 1024 ** 5 + MIB, 2 ** 60])
            attempts.push([`CreateImage size ${size}`, () => onPool(ADMIN.name, "rbd", "CreateImage", "sta{sv}", ["ok-name", size, {}])]);
        // beyond a safe integer: sent by root's own connection (the per-user callers speak JSON)
        attempts.push(["CreateImage size 2^64-1", () => callAs(null, { path: poolPath("rbd"), iface: POOL, method: "CreateImage", signature: "sta{sv}", body: ["ok-name", 2n ** 64n - 1n, {}] })]);
        attempts.push(["Resize 0", () => onImage(ADMIN.name, "rbd", "keep", "Resize", "ta{sv}", [0, {}])]);
        attempts.push(["Resize not MiB", () => onImage(ADMIN.name, "rbd", "keep", "Resize", "ta{sv}", [8 * MIB + 512, {}])]);
        attempts.push(["Resize shrink", () => onImage(ADMIN.name, "rbd", "keep", "Resize", "ta{sv}", [4 * MIB, {}])]);
        for (const [label, options] of [
            ["size 0", { size: ["u", 0] }], ["size 11", { size: ["u", 11] }], ["min_size > size", { size: ["u", 2], min_size: ["u", 3] }],
            ["min_size alone", { min_size: ["u", 1] }], ["application foo", { application: ["s", "foo"] }], ["autoscale maybe", { pg_autoscale: ["s", "maybe"] }],
            ["unknown option", { crush_rule: ["s", "x"] }], ["size as string", { size: ["s", "2"] }],
        ] as Array<[string, Options]>)
            attempts.push([`CreatePool ${label}`, () => createPool("ok-pool", options)]);
        for (const [size, min] of [[0, 0], [11, 1], [2, 3]])
            attempts.push([`SetSize ${size} ${min}`, () => onPool(ADMIN.name, "rbd", "SetSize", "uua{sv}", [size, min, {}])]);
        attempts.push(["Delete pool confirm with a newline", () => onPool(ADMIN.name, "rbd", "Delete", "a{sv}", [{ confirm: ["s", "rbd\n"] }])]);
        attempts.push(["Delete pool huge confirm", () => onPool(ADMIN.name, "rbd", "Delete", "a{sv}", [{ confirm: ["s", "r".repeat(10_000)] }])]);
        attempts.push(["SetMaintenance unknown option", () => manager(ADMIN.name, "SetMaintenance", "ba{sv}", [true, { force: ["b", true] }])]);
        for (let i = 0; i < attempts.length; i += 16) {
            const batch = attempts.slice(i, i + 16);
            const replies = await Promise.all(batch.map(([, send]) => send()));
            batch.forEach(([label], j) => assert.equal(errorOf(replies[j]), INVALID, label));
        }
        assert.equal(await cephState(), before, "nothing changed");
        assert.equal(await managerProp("Maintenance"), false);
    });

    QUnit.test("debvisorctl ceph: status and listings as JSON match the bus; an image made and deleted by name", async assert => {
        const ctl = (...args: string[]) => execFileSync("/usr/bin/debvisorctl", args, { encoding: "utf8", stdio: "pipe" });
        const status = JSON.parse(ctl("ceph", "status", "--json")) as { State: string; Fsid: string; Monitors: Array<{ Name: string }> };
        assert.deepEqual([status.State, status.Fsid, status.Monitors.map(m => m.Name)], ["reachable", c().fsid, ["a"]]);
        assert.true(ctl("ceph", "status").includes("Health:"), "the status in words");
        const pools = (JSON.parse(ctl("ceph", "pools", "--json")) as Array<{ Name: string }>).map(p => p.Name).sort();
        assert.deepEqual(pools, (await c().run(["osd", "pool", "ls"])).trim().split("\n").sort());
        assert.deepEqual((JSON.parse(ctl("ceph", "osds", "--json")) as Array<{ Id: number }>).map(o => o.Id).sort(), [0, 1, 2]);
        ctl("ceph", "image", "create", "rbd/by-cli", "16M", "--no-ask");
        assert.equal((JSON.parse(await c().run(["info", "--format", "json", "rbd/by-cli"], "rbd")) as { size: number }).size, 16 * MIB);
        assert.true((JSON.parse(ctl("ceph", "images", "rbd", "--json")) as Array<{ Name: string }>).some(i => i.Name === "by-cli"));
        assert.throws(() => ctl("ceph", "image", "delete", "rbd/by-cli", "--confirm", "wrong", "--no-ask"), /confirm/, "a wrong confirmation fails");
        ctl("ceph", "image", "delete", "rbd/by-cli", "--confirm", "by-cli", "--no-ask");
        assert.false((await c().run(["ls", "-p", "rbd"], "rbd")).split("\n").includes("by-cli"));
    });

    QUnit.test("a monitor that stops answering: a clear error within the timeout, State unreachable, then recovery", async assert => {
        const pid = c().pid("mon.a");
        assert.true(pid !== null, "the monitor's pid file");
        if (pid === null) return;
        const before = await cephState();
        let elapsed = 0;
        try {
            process.kill(pid, "SIGSTOP");
            const started = Date.now();
            const r = await manager(ADMIN.name, "SetMaintenance", "ba{sv}", [true, {}]);
            elapsed = Date.now() - started;
            assert.equal(errorOf(r), "org.debvisor.DebVisor1.Error.Failed");
            if (!r.ok) assert.true(/does not answer/.test(r.message), r.message);
            assert.true(elapsed < 15_000, `failed after ${elapsed} ms`);
            assert.equal(await managerProp("State"), "unreachable");
            assert.true(String(await managerProp("LastError")).includes("does not answer"), String(await managerProp("LastError")));
            assert.equal(await prop(poolPath("rbd"), POOL, "Name"), "rbd", "the last known objects stay");
        } finally {
            process.kill(pid, "SIGCONT");
        }
        await waitFor("State reachable again", async () => await managerProp("State") === "reachable", 60_000, 500);
        assert.equal(await managerProp("LastError"), "");
        assert.equal(await cephState(), before, "the refused change did not happen later");
    });
});
