// ZFS through the bus on the real zfs-fuse (OpenZFS where the host has it):
// a mirror pool on sparse files, datasets and their properties, snapshots,
// rollback and clones, destroy with its dependents named, the schedule, the
// roles, and a corpus of bad input that must change nothing.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import dbus from "dbus-next";
import QUnit from "qunit";
import { busNameOwnerPid } from "../harness/harness.js";
import { callAs, getProperty } from "../lib/call-as.js";
import { closeWatchBus, watchJobs } from "../lib/bus-watch.js";
import { uniqueName } from "../lib/images.js";
import { ADMIN, NOBODY, OPERATOR, refusalOf, VIEWER } from "../lib/users.js";
import { waitFor, withTimeout } from "../lib/wait.js";
import { allowFileVdevs, destroyTestPool, sparseFile } from "../lib/zfs.js";

const ROOT = "/org/debvisor/DebVisor1";
const ZFS = { path: `${ROOT}/zfs`, iface: "org.debvisor.DebVisor1.ZfsManager" };
const POOL = "org.debvisor.DebVisor1.ZfsPool";
const DATASET = "org.debvisor.DebVisor1.ZfsDataset";
const SCHEDULE = "/etc/debvisor/zfs-schedule.json";
const MIB = 1024 ** 2;

const run = (cmd: string, ...args: string[]) => execFileSync(cmd, args, { encoding: "utf8", stdio: "pipe" });
const zfsState = () => run("zpool", "list", "-H", "-o", "name,health") + run("zfs", "list", "-H", "-t", "all", "-o", "name");
const zget = (name: string, prop: string) => run("zfs", "get", "-H", "-p", "-o", "value", prop, name).trim();
const escape = (name: string) => [...Buffer.from(name)].map(b => /[A-Za-z0-9]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `_${b.toString(16).padStart(2, "0")}`).join("");
const datasetPath = (name: string) => `${ROOT}/zfs/datasets/${escape(name)}`;
const poolPath = (name: string) => `${ROOT}/zfs/pools/${escape(name)}`;
const prop = (objectPath: string, iface: string, name: string) => getProperty(objectPath, iface, name).catch(() => undefined);
type Options = Record<string, [string, unknown]>;

/* Stops the running daemon (by its PID) and lets the bus start it again with the next call. */
async function restartDaemon(): Promise<void> {
    const pid = busNameOwnerPid("org.debvisor.DebVisor1");
    if (pid)
        process.kill(pid, "SIGTERM");
    await waitFor("the stopped daemon to be gone", () => busNameOwnerPid("org.debvisor.DebVisor1") !== pid, 20_000, 50);
    await waitFor("the started daemon's ZFS manager", async () => await prop(ZFS.path, ZFS.iface, "Implementation") !== undefined, 30_000, 100);
}

const manager = (user: string | null, method: string, signature: string, body: unknown[]) =>
    callAs(user, { ...ZFS, method, signature, body });
const onDataset = (user: string | null, name: string, method: string, signature: string, body: unknown[]) =>
    callAs(user, { path: datasetPath(name), iface: DATASET, method, signature, body });
const onPool = (user: string | null, name: string, method: string, signature: string, body: unknown[]) =>
    callAs(user, { path: poolPath(name), iface: POOL, method, signature, body });
const createDataset = (name: string, options: Options = {}, user: string | null = ADMIN.name) =>
    manager(user, "CreateDataset", "sa{sv}", [name, options]);

const SET_SCHEDULE = "a{s(uuuub)}a{s(uu)}a{sv}";

QUnit.module("zfs: pools, datasets and snapshots on zfs-fuse", hooks => {
    const pool = uniqueName("dvzfs").replace(/-/g, "_");
    let dir = "";
    let files: string[] = [];
    let savedSchedule: string | null = null;
    let restore = () => undefined as void;
    const mount = () => path.join(dir, "mnt");

    hooks.before(() => {
        dir = fs.mkdtempSync("/var/tmp/dv-zfs-");
        fs.mkdirSync(mount());
        files = [1, 2, 3].map(i => sparseFile(path.join(dir, `disk${i}.img`), 128 * MIB));
        savedSchedule = fs.existsSync(SCHEDULE) ? fs.readFileSync(SCHEDULE, "utf8") : null;
        restore = allowFileVdevs(dir);
    });
    hooks.after(async () => {
        try {
            await destroyTestPool(pool);
        } finally {
            restore();
            if (savedSchedule === null) fs.rmSync(SCHEDULE, { force: true }); else fs.writeFileSync(SCHEDULE, savedSchedule);
            fs.rmSync(dir, { recursive: true, force: true });
            closeWatchBus();
        }
    });

    QUnit.test("a mirror pool on files: the ZfsPool object shows the vdev tree and sizes", async assert => {
        const impl = await prop(ZFS.path, ZFS.iface, "Implementation");
        assert.true(impl === "zfs-fuse" || impl === "openzfs", `Implementation ${String(impl)}`);
        const reply = await manager(ADMIN.name, "CreatePool", "ssasa{sv}", [pool, "mirror", files.slice(0, 2), { mountpoint: ["s", mount()] }]);
        assert.true(reply.ok, reply.ok ? "created" : reply.message);
        if (!reply.ok) return;
        assert.equal(reply.body[0], poolPath(pool));
        assert.true(run("zpool", "status", pool).includes("mirror"), "zpool has it");
        assert.equal(await prop(poolPath(pool), POOL, "Health"), "ONLINE");
        // the tree depth first, typed (busctl shows it as aa{sv}): the pool, its mirror, the mirror's files
        const vdevs = await prop(poolPath(pool), POOL, "Vdevs") as Array<{ Name: string; Type: string; Depth: number; State: string; Checksum: number }>;
        assert.deepEqual(vdevs.slice(0, 2).map(v => [v.Name, v.Type, v.Depth]), [[pool, "pool", 0], [vdevs[1].Name, "mirror", 1]]);
        assert.deepEqual(vdevs.slice(2).map(d => [d.Name, d.Type, d.Depth, d.State, d.Checksum]),
            files.slice(0, 2).map(f => [f, "file", 2, "ONLINE", 0]));
        assert.equal(run("busctl", "--system", "get-property", "org.debvisor.DebVisor1", poolPath(pool), POOL, "Vdevs").split(" ")[0], "aa{sv}");
        assert.true(Number(await prop(poolPath(pool), POOL, "Size")) > 100 * MIB);
        assert.equal(await prop(poolPath(pool), POOL, "ScrubState"), "none");
        assert.equal(await prop(datasetPath(pool), DATASET, "Mountpoint"), mount(), "the pool's own dataset is an object too");
    });

    QUnit.test("datasets: properties set at creation and changed later, checked with zfs get", async assert => {
        const name = `${pool}/data`;
        const reply = await createDataset(name, { compression: ["s", "lzjb"], quota: ["t", 64 * MIB], atime: ["s", "off"] });
        assert.true(reply.ok, reply.ok ? "created" : reply.message);
        assert.deepEqual([zget(name, "compression"), zget(name, "quota"), zget(name, "atime")], ["lzjb", String(64 * MIB), "off"]);
        assert.equal(await prop(datasetPath(name), DATASET, "Quota"), 64 * MIB);
        assert.equal(await prop(datasetPath(name), DATASET, "Compression"), "lzjb");
        const set = await onDataset(ADMIN.name, name, "SetProperties", "a{sv}a{sv}", [{ recordsize: ["t", 8192], quota: ["t", 0] }, {}]);
        assert.true(set.ok, set.ok ? "set" : set.message);
        assert.deepEqual([zget(name, "recordsize"), zget(name, "quota")], ["8192", "0"]);
        assert.equal(await prop(datasetPath(name), DATASET, "Recordsize"), 8192, "the object is current when the call returns");
        if (await prop(ZFS.path, ZFS.iface, "Implementation") === "zfs-fuse") {
            const lz4 = await onDataset(ADMIN.name, name, "SetProperties", "a{sv}a{sv}", [{ compression: ["s", "lz4"] }, {}]);
            assert.false(lz4.ok);
            if (!lz4.ok) assert.true(lz4.message.includes("lz4 needs OpenZFS"), lz4.message);
            const vol = await manager(ADMIN.name, "CreateVolume", "sta{sv}", [`${pool}/vol`, 16 * MIB, {}]);
            assert.false(vol.ok);
            if (!vol.ok) assert.deepEqual([vol.errorName, vol.message.includes("zfs-fuse cannot make volumes")],
                ["org.debvisor.DebVisor1.Error.NotSupported", true]);
        }
    });

    QUnit.test("snapshots, rollback and clones; destroy names what depends on it", async assert => {
        const name = `${pool}/data`;
        const file = path.join(mount(), "data", "note.txt");
        fs.writeFileSync(file, "before");
        const snap = await onDataset(ADMIN.name, name, "Snapshot", "sa{sv}", ["s1", {}]);
        assert.true(snap.ok, snap.ok ? "snapshot" : snap.message);
        const snaps = await prop(datasetPath(name), DATASET, "Snapshots") as Array<{ Name: string; CreationTime: number }>;
        assert.deepEqual(snaps.map(s => s.Name), ["s1"]);
        assert.true(Math.abs(snaps[0].CreationTime / 1e6 - Date.now() / 1000) < 120, "creation time in microseconds");
        fs.writeFileSync(file, "after");
        const rb = await onDataset(ADMIN.name, name, "Rollback", "sa{sv}", ["s1", {}]);
        assert.true(rb.ok, rb.ok ? "rolled back" : rb.message);
        assert.equal(fs.readFileSync(file, "utf8"), "before");

        const clone = await onDataset(ADMIN.name, name, "Clone", "ssa{sv}", ["s1", `${pool}/copy`, {}]);
        assert.true(clone.ok, clone.ok ? "cloned" : clone.message);
        assert.equal(await prop(datasetPath(`${pool}/copy`), DATASET, "Origin"), `${name}@s1`);
        const ds = await onDataset(ADMIN.name, name, "DestroySnapshot", "sa{sv}", ["s1", {}]);
        assert.false(ds.ok, "a snapshot with a clone stays");
        if (!ds.ok) assert.true(ds.message.includes(`${pool}/copy`), ds.message);
        const withClone = await onDataset(ADMIN.name, name, "Destroy", "a{sv}", [{ recursive: ["b", true] }]);
        assert.false(withClone.ok, "a clone elsewhere refuses even a recursive destroy");
        if (!withClone.ok) assert.true(withClone.message.includes(`${pool}/copy`), withClone.message);
        const dropClone = await onDataset(ADMIN.name, `${pool}/copy`, "Destroy", "a{sv}", [{}]);
        assert.true(dropClone.ok, dropClone.ok ? "clone destroyed" : dropClone.message);

        assert.true((await createDataset(`${name}/child`)).ok);
        const refused = await onDataset(ADMIN.name, name, "Destroy", "a{sv}", [{}]);
        assert.false(refused.ok);
        if (!refused.ok) {
            assert.equal(refused.errorName, "org.debvisor.DebVisor1.Error.Busy");
            assert.true(refused.message.includes(`${name}/child`) && refused.message.includes(`${name}@s1`), refused.message);
        }
        assert.true(zfsState().includes(`${name}/child`), "nothing destroyed");
        await new Promise(r => setTimeout(r, 500));
        const recursive = await onDataset(ADMIN.name, name, "Destroy", "a{sv}", [{ recursive: ["b", true] }]);
        assert.true(recursive.ok, recursive.ok ? "destroyed" : recursive.message);
        assert.false(zfsState().includes(`${name}`), "gone with its children and snapshots");
        await waitFor("the objects to go", async () => await prop(datasetPath(name), DATASET, "Name") === undefined, 5000);
    });

    QUnit.test("viewers and operators may look but not change; others may not even look", async assert => {
        const before = zfsState();
        for (const user of [VIEWER.name, OPERATOR.name, NOBODY.name]) {
            const attempts = [
                await createDataset(`${pool}/nope`, {}, user),
                await onDataset(user, pool, "Snapshot", "sa{sv}", ["nope", {}]),
                await onDataset(user, pool, "SetProperties", "a{sv}a{sv}", [{ atime: ["s", "off"] }, {}]),
                await onPool(user, pool, "Destroy", "a{sv}", [{ confirm: ["s", pool] }]),
                await onPool(user, pool, "Scrub", "a{sv}", [{}]),
                await manager(user, "SetSchedule", SET_SCHEDULE, [{}, {}, {}]),
            ];
            for (const a of attempts)
                assert.equal(a.ok ? "ok" : a.errorName, refusalOf(user), user);
        }
        const list = await manager(VIEWER.name, "GetImportablePools", "a{sv}", [{ directory: ["s", dir] }]);
        assert.true(list.ok, list.ok ? "a viewer may list importable pools" : list.message);
        const nobody = await manager(NOBODY.name, "GetImportablePools", "a{sv}", [{ directory: ["s", dir] }]);
        assert.equal(nobody.ok ? "ok" : nobody.errorName, refusalOf(NOBODY.name), "a user in no DebVisor group may not");
        assert.equal(zfsState(), before, "nothing changed");
    });

    QUnit.test("bad input is refused with InvalidArgument and changes nothing", async assert => {
        const before = zfsState();
        const outside = fs.mkdtempSync("/var/tmp/dv-zfs-outside-");
        const stray = path.join(outside, "disk.img");
        fs.closeSync(fs.openSync(stray, "w"));
        fs.truncateSync(stray, 128 * MIB);
        const badNames = ["", `${pool}/a b`, `${pool}/a\nb`, `${pool}/-x`, `${pool}/../x`, `${pool}/a..b`, `${pool}//a`, `${pool}/a@b`,
            `${pool}/a'b`, `${pool}/a"b`, `${pool}/a;rm`, `${pool}/${"x".repeat(300)}`, "-o", `/${pool}`, `${pool}/é`];
        const calls: Array<[string, Promise<Awaited<ReturnType<typeof callAs>>>]> = [
            ...badNames.map(n => [`CreateDataset ${JSON.stringify(n).slice(0, 40)}`, createDataset(n)] as [string, ReturnType<typeof callAs>]),
            ...["a b", "a\nb", "-r", "a@b", "..", "x".repeat(300), ""].map(s =>
                [`Snapshot ${JSON.stringify(s).slice(0, 40)}`, onDataset(ADMIN.name, pool, "Snapshot", "sa{sv}", [s, {}])] as [string, ReturnType<typeof callAs>]),
            ["CreatePool bad name", manager(ADMIN.name, "CreatePool", "ssasa{sv}", ["mirror2", "mirror", files.slice(2), {}])],
            ["CreatePool bad layout", manager(ADMIN.name, "CreatePool", "ssasa{sv}", ["dvbad", "raid5", files.slice(2), {}])],
            ["CreatePool file outside the test directory", manager(ADMIN.name, "CreatePool", "ssasa{sv}", ["dvbad", "single", [stray], {}])],
            ["CreatePool the OS disk", manager(ADMIN.name, "CreatePool", "ssasa{sv}", ["dvbad", "single", ["/dev/vda"], {}])],
            ["CreatePool a file in use", manager(ADMIN.name, "CreatePool", "ssasa{sv}", ["dvbad", "single", [files[0]], {}])],
            ["CreatePool too few for a mirror", manager(ADMIN.name, "CreatePool", "ssasa{sv}", ["dvbad", "mirror", [files[2]], {}])],
            ["CreatePool relative path", manager(ADMIN.name, "CreatePool", "ssasa{sv}", ["dvbad", "single", ["disk3.img"], {}])],
            ["CreatePool unknown option", manager(ADMIN.name, "CreatePool", "ssasa{sv}", ["dvbad", "single", [files[2]], { dedup: ["s", "on"] }])],
            ["SetProperties recordsize 1000", onDataset(ADMIN.name, pool, "SetProperties", "a{sv}a{sv}", [{ recordsize: ["t", 1000] }, {}])],
            ["SetProperties compression junk", onDataset(ADMIN.name, pool, "SetProperties", "a{sv}a{sv}", [{ compression: ["s", "brotli"] }, {}])],
            ["SetProperties mountpoint relative", onDataset(ADMIN.name, pool, "SetProperties", "a{sv}a{sv}", [{ mountpoint: ["s", "mnt/x"] }, {}])],
            ["SetProperties unknown property", onDataset(ADMIN.name, pool, "SetProperties", "a{sv}a{sv}", [{ sharenfs: ["s", "on"] }, {}])],
            ["SetProperties quota as text", onDataset(ADMIN.name, pool, "SetProperties", "a{sv}a{sv}", [{ quota: ["s", "1G"] }, {}])],
            ["Destroy pool without confirmation", onPool(ADMIN.name, pool, "Destroy", "a{sv}", [{}])],
            ["Destroy pool wrong confirmation", onPool(ADMIN.name, pool, "Destroy", "a{sv}", [{ confirm: ["s", `${pool} `] }])],
            ["Destroy the pool's own dataset", onDataset(ADMIN.name, pool, "Destroy", "a{sv}", [{ recursive: ["b", true] }])],
            ["Clone into another pool", onDataset(ADMIN.name, pool, "Clone", "ssa{sv}", ["nosuch", "other/x", {}])],
            ["Schedule count over 1000", manager(ADMIN.name, "SetSchedule", SET_SCHEDULE, [{ [pool]: [0, 1001, 0, 0, false] }, {}, {}])],
            ["Schedule unknown dataset", manager(ADMIN.name, "SetSchedule", SET_SCHEDULE, [{ [`${pool}/nosuch`]: [0, 1, 0, 0, false] }, {}, {}])],
            ["Schedule bad dataset name", manager(ADMIN.name, "SetSchedule", SET_SCHEDULE, [{ [`${pool}/../x\n`]: [0, 1, 0, 0, false] }, {}, {}])],
            ["Schedule scrub hour 24", manager(ADMIN.name, "SetSchedule", SET_SCHEDULE, [{}, { [pool]: [0, 24] }, {}])],
            ["Schedule scrub of no pool", manager(ADMIN.name, "SetSchedule", SET_SCHEDULE, [{}, { nosuchpool: [0, 3] }, {}])],
            ["Import from an arbitrary directory", manager(ADMIN.name, "ImportPool", "sa{sv}", ["x", { directory: ["s", "/etc"] }])],
        ];
        for (const [what, pending] of calls) {
            const r = await pending;
            assert.false(r.ok, `${what}: refused`);
            if (!r.ok)
                assert.true(["org.debvisor.DebVisor1.Error.InvalidArgument", "org.debvisor.DebVisor1.Error.NotFound"].includes(r.errorName) &&
                    r.message.length > 0, `${what}: ${r.errorName}: ${r.message}`);
        }
        assert.equal(zfsState(), before, "zpool list and zfs list unchanged");
        fs.rmSync(outside, { recursive: true, force: true });
    });

    QUnit.test("a change made with the zfs tool appears; no signal without a change", async assert => {
        const bus = dbus.systemBus();
        const signals: string[] = [];
        await bus.call(new dbus.Message({
            destination: "org.freedesktop.DBus", path: "/org/freedesktop/DBus", interface: "org.freedesktop.DBus", member: "AddMatch",
            signature: "s", body: [`type='signal',sender='org.debvisor.DebVisor1',path_namespace='${ROOT}/zfs'`],
        }));
        bus.on("message", (m: InstanceType<typeof dbus.Message>) => {
            if (m.type === dbus.MessageType.SIGNAL && String(m.path).startsWith(`${ROOT}/zfs`)) signals.push(`${m.path} ${m.member}`);
        });
        await new Promise(r => setTimeout(r, 11_000));
        assert.deepEqual(signals, [], "a periodic re-read that finds nothing new is silent");
        run("zfs", "create", `${pool}/bytool`);
        await waitFor("the dataset made with zfs", async () => await prop(datasetPath(`${pool}/bytool`), DATASET, "Name") === `${pool}/bytool`, 15_000);
        assert.true(signals.some(s => s === `${ROOT} InterfacesAdded`) || signals.length > 0, "announced");
        bus.disconnect();
    });

    QUnit.test("a pool made with zpool outside DebVisor shows every time, with the periodic read an hour apart", async assert => {
        // only the change watch can show it within the wait: the daemon is started again with the long period
        const configFile = "/etc/debvisor/zfs.json";
        const config = fs.readFileSync(configFile, "utf8");
        fs.writeFileSync(configFile, JSON.stringify({ ...JSON.parse(config) as object, "read-every-seconds": 3600 }));
        await restartDaemon();
        const outside = `${pool}_outside`;
        const file = sparseFile(path.join(dir, "outside.img"), 128 * MIB);
        try {
            for (let i = 1; i <= 3; i++) {
                run("zpool", "create", "-m", "none", outside, file);
                await waitFor(`${outside} on the bus, try ${i}`, async () => await prop(poolPath(outside), POOL, "Name") === outside, 20_000, 20);
                assert.equal(await prop(poolPath(outside), POOL, "Health"), "ONLINE", `try ${i}: shown with its state`);
                run("zpool", "destroy", "-f", outside);
                await waitFor(`${outside} gone from the bus, try ${i}`, async () => await prop(poolPath(outside), POOL, "Name") === undefined, 20_000, 20);
            }
        } finally {
            await destroyTestPool(outside);
            fs.writeFileSync(configFile, config);
            await restartDaemon();
        }
    });

    QUnit.test("the schedule is stored, visible, and takes its first snapshots at once", async assert => {
        const name = `${pool}/bytool`;
        const snapshots = { [name]: [2, 1, 0, 0, false] }, scrub = { [pool]: [0, 3] };
        const reply = await manager(ADMIN.name, "SetSchedule", SET_SCHEDULE, [snapshots, scrub, {}]);
        assert.true(reply.ok, reply.ok ? "set" : reply.message);
        assert.deepEqual(JSON.parse(fs.readFileSync(SCHEDULE, "utf8")), {
            snapshots: { [name]: { hourly: 2, daily: 1, weekly: 0, monthly: 0, recursive: false } }, scrub: { [pool]: { weekday: 0, hour: 3 } },
        });
        assert.deepEqual(await prop(ZFS.path, ZFS.iface, "SnapshotSchedule"), snapshots);
        assert.deepEqual(await prop(ZFS.path, ZFS.iface, "ScrubSchedule"), scrub);
        await waitFor("the scheduled snapshots", () => run("zfs", "list", "-H", "-t", "snapshot", "-o", "name").split("\n")
            .filter(s => s.startsWith(`${name}@autosnap-`)).length === 2, 10_000);
        assert.true(zfsState().includes(`${name}@autosnap-hourly-`) && zfsState().includes(`${name}@autosnap-daily-`));
        await waitFor("the scheduled snapshots in the audit log", () => fs.readFileSync("/var/log/debvisor/audit.jsonl", "utf8").split("\n")
            .filter(l => l.includes("\"ZfsSchedule.Snapshot\"") && l.includes(`${name}@autosnap-`)).length >= 2, 10_000);
        assert.true((await manager(ADMIN.name, "SetSchedule", SET_SCHEDULE, [{}, {}, {}])).ok, "cleared");
    });

    QUnit.test("debvisorctl lists, snapshots and destroys through the same methods", async assert => {
        const ctl = (...args: string[]) => run("debvisorctl", ...args);
        const datasets = JSON.parse(ctl("zfs", "datasets", "--json")) as Array<{ Name: string }>;
        assert.true(datasets.some(d => d.Name === `${pool}/bytool`), "listed");
        assert.true(ctl("zfs", "pools").includes(pool));
        ctl("zfs", "snapshot", `${pool}/bytool@cli`, "--no-ask");
        assert.true(zfsState().includes(`${pool}/bytool@cli`), "taken");
        ctl("zfs", "destroy", `${pool}/bytool@cli`, "--no-ask");
        assert.false(zfsState().includes(`${pool}/bytool@cli`), "destroyed");
    });

    QUnit.test("scrub is a Job; export and import; destroy needs the typed name", async assert => {
        const watch = await watchJobs();
        const scrub = await onPool(ADMIN.name, pool, "Scrub", "a{sv}", [{}]);
        assert.true(scrub.ok, scrub.ok ? "started" : scrub.message);
        if (scrub.ok) {
            const [success, message] = await withTimeout(watch(scrub.body[0] as string).completed, 60_000, "the scrub");
            assert.true(success, message);
            assert.equal(await prop(poolPath(pool), POOL, "ScrubState"), "finished");
            assert.true(String(await prop(poolPath(pool), POOL, "LastScrub")).includes("with 0 errors"));
        }
        await new Promise(r => setTimeout(r, 2000));
        const exported = await onPool(ADMIN.name, pool, "Export", "a{sv}", [{}]);
        assert.true(exported.ok, exported.ok ? "exported" : exported.message);
        assert.equal(await prop(poolPath(pool), POOL, "Name"), undefined, "the object went with it");
        const list = await manager(ADMIN.name, "GetImportablePools", "a{sv}", [{ directory: ["s", dir] }]);
        assert.true(list.ok && (list.body[0] as Array<{ Name: string }>).some(p => p.Name === pool), "importable");
        const imported = await manager(ADMIN.name, "ImportPool", "sa{sv}", [pool, { directory: ["s", dir] }]);
        assert.true(imported.ok, imported.ok ? "imported" : imported.message);
        assert.equal(await prop(poolPath(pool), POOL, "Health"), "ONLINE");
        const destroyed = await onPool(ADMIN.name, pool, "Destroy", "a{sv}", [{ confirm: ["s", pool] }]);
        assert.true(destroyed.ok, destroyed.ok ? "destroyed" : destroyed.message);
        assert.false(run("zpool", "list", "-H", "-o", "name").split("\n").includes(pool));
        assert.equal(await prop(poolPath(pool), POOL, "Name"), undefined);
    });
});
