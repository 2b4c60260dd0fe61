// The ZFS objects on the bus: the ZfsManager singleton, one ZfsPool per pool
// and one ZfsDataset per filesystem or volume (its snapshots a property).
// The state is read with two or three tool runs (pool list, status, one
// `zfs get` of every dataset), at once after a change made through DebVisor,
// within a moment of a change the host's ZFS reports (change-watch.ts), and
// every 10 s otherwise; only what really changed is signalled.
import { NotInstalled } from "../area-supervisor.js";
import type { AuditLog } from "../audit/audit-log.js";
import type { ObjectServer, Published } from "../bus/object-server.js";
import type { JobRegistry } from "../jobs/jobs.js";
import type { ZfsPoolSummary } from "../cluster/cluster-storage.js";
import { escapePathElement } from "../../lib/object-path.js";
import { sharedRead } from "../storage/shared-read.js";
import type { DatasetEntry, ZfsFlavor } from "./parse.js";
import { flattenVdevs, leafDevices, scrubScheduleToBus, snapshotScheduleToBus } from "./bus-values.js";
import { ZfsChangeWatch } from "./change-watch.js";
import { readEverySeconds } from "./properties.js";
import { readSchedule, SCHEDULE_FILE, type Schedule } from "./schedule.js";
import type { Pool, ZfsTools } from "./tools.js";
import { datasetMethods, managerMethods, poolMethods } from "./zfs-methods.js";
import type { ZfsHost } from "./zfs-host.js";
import { ScheduleRunner } from "./schedule-runner.js";
import { ZFSDATASET_IFACE, ZFSMANAGER_IFACE, ZFSPOOL_IFACE } from "../../../generated/dbus-contract.js";

const MICROSECONDS = 1_000_000n;

type Props = Record<string, unknown>;

export class ZfsArea implements ZfsHost {
    readonly path: string;
    flavor: ZfsFlavor | null = null;
    /** the last `zfs get` of everything: datasets and snapshots */
    datasets: DatasetEntry[] = [];
    schedule: Schedule;
    private readonly pools = new Map<string, Props>(); // object path → properties
    private readonly poolDevices = new Map<string, string[]>(); // object path → the pool's leaf devices
    private lastError = "";
    private timer?: NodeJS.Timeout;
    private readonly runner: ScheduleRunner;
    private readonly changeWatch = new ZfsChangeWatch(() => void this.refreshIfPoolsChanged(), () => void this.refresh());

    /* `audit`: where the schedule's own snapshots, deletions and scrubs are recorded. */
    constructor(readonly server: ObjectServer, readonly tools: ZfsTools, readonly jobs: JobRegistry, readonly audit: AuditLog | null = null,
                readonly scheduleFile = SCHEDULE_FILE) {
        this.path = `${server.rootPath}/zfs`;
        this.schedule = readSchedule(scheduleFile);
        this.runner = new ScheduleRunner(this);
    }

    poolPath(name: string): string {
        return `${this.path}/pools/${escapePathElement(name)}`;
    }

    datasetPath(name: string): string {
        return `${this.path}/datasets/${escapePathElement(name)}`;
    }

    /** resolves after the first read of the pools and datasets; methods wait for it */
    ready: Promise<void> = Promise.resolve();

    /* Exports the manager (quick: before the bus name is taken); `probe`, run by the area's
     * supervisor, finds out which ZFS the host has and reads the state. */
    start(): void {
        this.publishManager();
    }

    /* Whether ZFS is here and answers; throws why not. Looks for the tools again while there are none. */
    async probe(): Promise<void> {
        if (!await this.detect())
            throw new NotInstalled("ZFS is not installed (zfsutils-linux, or zfs-fuse)");
        await this.refresh();
        if (this.lastError)
            throw new Error(this.lastError);
    }

    /* Finds out which ZFS the host has (looking again while there is none); once found, the periodic reads start. */
    async detect(): Promise<ZfsFlavor | null> {
        if (!this.flavor) {
            this.flavor = await this.tools.flavor(true);
            if (!this.flavor)
                return null;
            this.publishManager();
            this.ready = this.refresh();
            this.changeWatch.start(this.flavor, this.tools.zpoolPath);
            this.timer = setInterval(() => void this.refresh(), readEverySeconds() * 1000).unref();
            void this.ready.then(() => this.runner.start());
        }
        return this.flavor;
    }

    /* Hears whether each periodic read worked (the area's supervisor retries when one did not). */
    onHealth(listener: (problem: string) => void): void {
        this.healthListener = listener;
    }

    private healthListener: (problem: string) => void = () => undefined;

    /* The leaf devices of every pool: a device in one of them is not free for a new pool. */
    devicesInUse(): Map<string, string> {
        const result = new Map<string, string>();
        for (const [path, devices] of this.poolDevices)
            for (const device of devices)
                result.set(device, String(this.pools.get(path)?.Name));
        return result;
    }

    /* The pools in short, as the cluster's other members list them. */
    poolSummaries(): ZfsPoolSummary[] {
        return [...this.pools.values()].map(p => ({
            name: String(p.Name), health: String(p.Health), size: Number(p.Size), allocated: Number(p.Allocated), free: Number(p.Free),
        })).sort((a, b) => a.name.localeCompare(b.name));
    }

    stop(): void {
        clearInterval(this.timer);
        this.changeWatch.stop();
        this.runner.stop();
    }

    private publishManager(): void {
        const f = this.flavor;
        const features = f ? [
            ...(f.lz4 ? ["lz4"] : []), ...(f.volumes ? ["volumes"] : []), ...(f.json ? ["json"] : []), ...(f.parsable ? ["exact-pool-sizes"] : []),
        ] : [];
        this.server.publish(this.path, ZFSMANAGER_IFACE, {
            Implementation: f?.kind ?? "", Version: f?.version ?? "", Features: features,
            SnapshotSchedule: snapshotScheduleToBus(this.schedule), ScrubSchedule: scrubScheduleToBus(this.schedule),
        }, () => managerMethods(this));
    }

    setSchedule(schedule: Schedule): void {
        this.schedule = schedule;
        this.publishManager();
        // what the new schedule makes due is taken now, not at the next minute
        if (this.flavor)
            void this.runner.tick();
    }

    /* Re-reads everything; concurrent callers share one read, and a call during a read gets a fresh one after it. */
    readonly refresh = sharedRead(() => this.read().then(() => {
        this.lastError = "";
    }, (e: Error) => {
        // said once, not every 10 s while the ZFS service is down
        if (e.message !== this.lastError)
            process.stderr.write(`debvisord: cannot read the ZFS state: ${e.message}\n`);
        this.lastError = e.message;
    }).finally(() => this.healthListener(this.lastError)));

    /* A pool made, imported, exported or destroyed outside DebVisor: read everything again, else nothing. */
    private async refreshIfPoolsChanged(): Promise<void> {
        let names: string[];
        try {
            names = await this.tools.poolNames();
        } catch {
            return; // the periodic read says what is wrong
        }
        const known = [...this.pools.values()].map(p => String(p.Name)).sort();
        if (names.sort().join("\n") !== known.join("\n"))
            await this.refresh();
    }

    private async read(): Promise<void> {
        const [pools, datasets] = await Promise.all([this.tools.listPools(), this.tools.listDatasets()]);
        this.datasets = datasets;
        this.pools.clear();
        this.poolDevices.clear();
        const wantedPools = new Map<string, Published>();
        for (const p of pools) {
            const path = this.poolPath(p.name);
            const props = poolProperties(p);
            this.pools.set(path, props);
            this.poolDevices.set(path, leafDevices(p.status?.vdevs ?? []));
            wantedPools.set(path, { iface: ZFSPOOL_IFACE, props, methods: () => poolMethods(this, path, p.name) });
        }
        this.server.sync(`${this.path}/pools`, wantedPools);
        const snapshots = new Map<string, DatasetEntry[]>();
        for (const d of datasets) {
            const at = d.name.indexOf("@");
            if (d.type !== "snapshot" || at < 0)
                continue;
            const list = snapshots.get(d.name.slice(0, at)) ?? [];
            list.push(d);
            snapshots.set(d.name.slice(0, at), list);
        }
        const wanted = new Map<string, Published>();
        for (const d of datasets) {
            if (d.type !== "filesystem" && d.type !== "volume")
                continue;
            wanted.set(this.datasetPath(d.name), {
                iface: ZFSDATASET_IFACE, props: datasetProperties(d, snapshots.get(d.name) ?? []), methods: () => datasetMethods(this, d.name),
            });
        }
        this.server.sync(`${this.path}/datasets`, wanted);
    }

    poolState(path: string): Props | undefined {
        return this.pools.get(path);
    }
}

function poolProperties(p: Pool): Props {
    const s = p.status;
    return {
        Name: p.name, Health: p.health, Size: p.size, Allocated: p.allocated, Free: p.free, SizesExact: p.exact,
        Fragmentation: p.fragmentation, Vdevs: flattenVdevs(s?.vdevs ?? []),
        ScrubState: s?.scan.state ?? "none", ScrubProgress: s?.scan.progress ?? 0, LastScrub: s?.scan.last ?? "",
        Status: s?.status ?? "", Errors: s?.errors ?? "",
    };
}

function datasetProperties(d: DatasetEntry, snapshots: DatasetEntry[]): Props {
    return {
        Name: d.name, Pool: d.name.split("/")[0], Type: d.type, Used: d.used, Available: d.available, Referenced: d.referenced,
        Mountpoint: d.mountpoint, Compression: d.compression, Quota: d.quota, Recordsize: d.recordsize, Atime: d.atime, Origin: d.origin,
        Snapshots: [...snapshots].sort((a, b) => a.creation - b.creation).map(s => ({
            Name: s.name.slice(s.name.indexOf("@") + 1), Used: s.used, Referenced: s.referenced,
            CreationTime: BigInt(s.creation) * MICROSECONDS,
        })),
    };
}
