// ZFS at scale: a pool on a sparse file with 1,000 datasets and 2,000
// snapshots (two recursive snapshots of the whole pool), made with the zfs
// tools for the run and destroyed afterwards; then debvisord's
// GetManagedObjects (every pool and dataset with its snapshots, from the
// daemon's state) against running the commands it reads that state with.
import { execFile, execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import dbus from "dbus-next";
import { DATASET_PROPERTIES, POOL_LIST_COLUMNS } from "../helpers/debvisord/zfs/parse.js";
import { bounded, median, now, report, timeMs } from "./lib.js";

const execFileAsync = promisify(execFile);
const DATASETS = 1000;
const POOL = "dvbenchzfs";
const DATASET_IFACE = "org.debvisor.DebVisor1.ZfsDataset";

const run = (cmd: string, ...args: string[]) => execFileSync(cmd, args, { encoding: "utf8", stdio: "pipe", maxBuffer: 1 << 28 });

function destroyPool(): void {
    if (run("zpool", "list", "-H", "-o", "name").split("\n").includes(POOL))
        run("zpool", "destroy", "-f", POOL);
}

async function objects(bus: dbus.MessageBus): Promise<Record<string, Record<string, Record<string, { value: unknown }>>>> {
    const reply = await bus.call(new dbus.Message({
        destination: "org.debvisor.DebVisor1", path: "/org/debvisor/DebVisor1", interface: "org.freedesktop.DBus.ObjectManager", member: "GetManagedObjects",
    }));
    return reply?.body[0] as Record<string, Record<string, Record<string, { value: unknown }>>>;
}

async function snapshotCount(bus: dbus.MessageBus): Promise<number> {
    let n = 0;
    for (const ifaces of Object.values(await objects(bus))) {
        const ds = ifaces[DATASET_IFACE];
        if (ds && String(ds.Name.value).startsWith(`${POOL}/`))
            n += (ds.Snapshots.value as unknown[]).length;
    }
    return n;
}

/* A pool made with zpool outside DebVisor, until its object answers on the bus; against `zpool list` itself. */
async function poolMadeOutside(dir: string): Promise<void> {
    const pool = `${POOL}ext`;
    const file = path.join(dir, "ext.img");
    fs.closeSync(fs.openSync(file, "w"));
    fs.truncateSync(file, 128 * 1024 ** 2);
    const bus = dbus.systemBus();
    const shown = async () => {
        try {
            await bus.call(new dbus.Message({
                destination: "org.debvisor.DebVisor1", path: `/org/debvisor/DebVisor1/zfs/pools/${pool}`, interface: "org.freedesktop.DBus.Properties",
                member: "Get", signature: "ss", body: ["org.debvisor.DebVisor1.ZfsPool", "Name"],
            }));
            return true;
        } catch {
            return false;
        }
    };
    const seen: number[] = [];
    const listed: number[] = [];
    try {
        for (let i = 0; i < 5; i++) {
            run("zpool", "create", "-m", "none", pool, file);
            const made = now();
            while (!await shown() && now() - made < 30_000)
                await new Promise(r => setTimeout(r, 5));
            seen.push(now() - made);
            listed.push(await timeMs(() => execFileAsync("zpool", ["list", "-H", "-o", "name", pool])));
            run("zpool", "destroy", "-f", pool);
            while (await shown() && now() - made < 60_000)
                await new Promise(r => setTimeout(r, 20));
        }
    } finally {
        bus.disconnect();
        if (run("zpool", "list", "-H", "-o", "name").split("\n").includes(pool))
            run("zpool", "destroy", "-f", pool);
    }
    console.log(`zfs: a pool made with zpool is on the bus after ${seen.map(t => t.toFixed(0)).join(", ")} ms`);
    report("pool made with zpool → on the bus (worst of 5)", `${Math.max(...seen).toFixed(0)} ms`,
        `zpool list of it (${median(listed).toFixed(0)} ms)`, Math.max(...seen) / median(listed));
}

export async function zfsBench(): Promise<void> {
    destroyPool();
    const dir = fs.mkdtempSync("/var/tmp/dv-bench-zfs-");
    const file = path.join(dir, "disk.img");
    fs.closeSync(fs.openSync(file, "w"));
    fs.truncateSync(file, 2 * 1024 ** 3);
    try {
        await poolMadeOutside(dir);
        const made = now();
        // not mounted: zfs-fuse stalls with hundreds of FUSE mounts, and listing needs no mounts
        run("zpool", "create", "-m", "none", POOL, file);
        // ten parents of a hundred children each: a tree as people build them
        for (let p = 0; p < 10; p++)
            run("zfs", "create", `${POOL}/g${p}`);
        await bounded(DATASETS - 10, 2, i => execFileAsync("zfs", ["create", `${POOL}/g${i % 10}/d${String(i).padStart(4, "0")}`]));
        run("zfs", "snapshot", "-r", `${POOL}@bench-1`);
        run("zfs", "snapshot", "-r", `${POOL}@bench-2`);
        const snapshots = 2 * (DATASETS + 1);
        console.log(`zfs: made ${DATASETS + 1} datasets and ${snapshots} snapshots in ${((now() - made) / 1000).toFixed(0)} s`);

        const bus = dbus.systemBus();
        try {
            const seen = now();
            while (await snapshotCount(bus) < snapshots - 2 && now() - seen < 120_000)
                await new Promise(r => setTimeout(r, 500));
            console.log(`zfs: debvisord shows them ${((now() - seen) / 1000).toFixed(1)} s after the last snapshot (zfs-fuse reports no dataset events: it re-reads every 10 s)`);
            const ours: number[] = [];
            for (let i = 0; i < 5; i++)
                ours.push(await timeMs(() => objects(bus)));
            // what debvisord runs to know all of it (zfs-fuse: no -p on zpool list)
            const fuse = !/^zfs-\d/m.test(spawnSync("zfs", ["version"], { encoding: "utf8" }).stdout ?? "");
            const raw: number[] = [];
            for (let i = 0; i < 3; i++) {
                raw.push(await timeMs(() => Promise.all([
                    execFileAsync("zpool", ["list", "-H", ...(fuse ? [] : ["-p"]), "-o", POOL_LIST_COLUMNS[fuse ? "zfs-fuse" : "openzfs"]]),
                    execFileAsync("zpool", ["status", ...(fuse ? [] : ["-p"])]),
                    execFileAsync("zfs", ["get", "-H", "-p", "-o", "name,property,value", DATASET_PROPERTIES.join(",")], { maxBuffer: 1 << 28 }),
                ])));
            }
            report(`${DATASETS} datasets + ${snapshots} snapshots: GetManagedObjects`, `${median(ours).toFixed(0)} ms`,
                `zpool list + status + zfs get (${median(raw).toFixed(0)} ms)`, median(ours) / median(raw), "≤ 1.2");
        } finally {
            bus.disconnect();
        }
    } finally {
        destroyPool();
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
