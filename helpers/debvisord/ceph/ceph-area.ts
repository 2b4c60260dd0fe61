// The Ceph objects on the bus: the CephManager singleton, one CephOsd per
// OSD, one CephPool per pool and one CephImage per RBD image.
//
// The state is read in two tiers: every 5 s one `ceph report` (health with its details,
// monitors, OSD map with flags, pools and OSDs' up/in, FS map, PG states, raw
// usage); every 30 s also the slower-changing usage and images (`osd df tree`,
// `df detail`, `mgr dump`, and `rbd ls -l`/`du` per RBD pool). The ceph reads go
// over one long-lived session (ceph-session.ts: a `ceph` run starts Python and
// librados, ~0.5 s of CPU each), the CLI when it cannot answer. After a change
// made through DebVisor the report (and the images of the pool it touched)
// are read again before the method returns. Only
// properties that really changed are signalled; objects come and go with the
// OSDs, pools and images.
import { NotInstalled, Unavailable } from "../area-supervisor.js";
import type { AuditLog } from "../audit/audit-log.js";
import type { ObjectServer, Published } from "../bus/object-server.js";
import type { JobRegistry } from "../jobs/jobs.js";
import type { Libvirt } from "../machines/libvirt.js";
import { escapePathElement } from "../../lib/object-path.js";
import { sharedRead } from "../storage/shared-read.js";
import { cephFsToBus, healthChecksToBus, managersToBus, monitorsToBus, osdTreeToBus, snapshotsToBus } from "./bus-values.js";
import { cephFsMounted, CEPHFS_MOUNTPOINT } from "./cephfs-mount.js";
import { CEPH_READS, cliReader, type CephReader } from "./ceph-session.js";
import { imageMethods, managerMethods, osdMethods, poolMethods, snapshotsNow } from "./ceph-methods.js";
import { ensureMgrMetrics, MGR_METRICS_ADDRESS, MGR_METRICS_PORT } from "./mgr-metrics.js";
import {
    parseDfDetail, parseMgrDump, parseOsdDfTree, parseRbdDu, parseRbdList, parseReport, visibleFlags,
    type OsdUsage, type PoolUsage, type RbdImage, type RbdSnapshot, type Report, type TreeNode,
} from "./parse.js";
import type { CephHost, CephState } from "./ceph-host.js";
import type { CephTools } from "./tools.js";
import { CEPHIMAGE_IFACE, CEPHMANAGER_IFACE, CEPHOSD_IFACE, CEPHPOOL_IFACE } from "../../../generated/dbus-contract.js";

const FAST_REFRESH_MS = 5_000;
/** the slow tier is read on every n-th refresh */
const SLOW_EVERY = 6;

type Props = Record<string, unknown>;

interface SlowState {
    osdUsage: Map<number, OsdUsage>;
    tree: TreeNode[];
    poolUsage: Map<string, PoolUsage>;
    managers: Array<{ name: string; active: boolean }>;
    images: RbdImage[];
}

export class CephArea implements CephHost {
    readonly path: string;
    state: CephState = "none";
    lastError = "";
    version = "";
    /** the last report read; null before the first one */
    report: Report | null = null;
    slow: SlowState = { osdUsage: new Map(), tree: [], poolUsage: new Map(), managers: [], images: [] };
    updatedAt = 0n;
    /** set by the provisioning code while it creates a cluster */
    bootstrapping = false;
    /** whether this node runs Prometheus, whose "ceph" job reads ceph-mgr's prometheus module (main sets it) */
    metricsWanted: () => boolean = () => false;
    /** the cluster (fsid) whose prometheus module is known to be on */
    private mgrMetricsFor = "";
    private mgrMetricsBusy = false;
    private mgrMetricsProblem = "";
    private round = 0;
    private imagesGeneration = 0;
    private timer?: NodeJS.Timeout;
    private readonly snapshotTimes = new Map<string, { key: string; snapshots: RbdSnapshot[] }>();
    /** how the periodic reads reach the cluster: the CLI unless main gives the area a CephSession */
    reads: CephReader;

    /* libvirt, asked which machines use an image before it is deleted or rolled back */
    constructor(readonly server: ObjectServer, readonly tools: CephTools, readonly jobs: JobRegistry, readonly audit: AuditLog | null = null,
        readonly libvirt: Libvirt | null = null) {
        this.path = `${server.rootPath}/ceph`;
        this.reads = cliReader(tools);
    }

    osdPath(id: number): string {
        return `${this.path}/osds/${id}`;
    }

    poolPath(name: string): string {
        return `${this.path}/pools/${escapePathElement(name)}`;
    }

    imagePath(pool: string, name: string): string {
        return `${this.path}/images/${escapePathElement(pool)}/${escapePathElement(name)}`;
    }

    /** resolves after the first read; methods wait for it */
    ready: Promise<void> = Promise.resolve();

    /* Exports the manager at once (quick: before the bus name is taken); the first read runs on in `ready`. */
    async start(): Promise<void> {
        this.state = this.tools.installed() ? this.tools.configured() ? "unreachable" : "none" : "not-installed";
        if (this.state === "unreachable")
            this.lastError = "not read yet";
        this.showManager();
        // `ceph --version` starts Python (~0.3 s): not before the bus name is taken
        this.ready = (this.tools.installed() ? this.tools.version().catch(() => "") : Promise.resolve(""))
            .then(v => {
                this.version = v;
            })
            .then(() => this.refresh(true));
        this.timer = setInterval(() => void this.refresh(), FAST_REFRESH_MS).unref();
    }

    stop(): void {
        clearInterval(this.timer);
        this.reads.stop();
    }

    /* Re-reads the cluster; `full` also reads the slow tier, as does every SLOW_EVERY-th read.
     * Concurrent callers share one read; a call during a read gets one more read after it. */
    readonly refresh = sharedRead(full => this.read(this.round++ % SLOW_EVERY === 0 || full)); // every read counts as a round

    private async read(full: boolean): Promise<void> {
        if (!this.tools.installed()) {
            this.state = "not-installed";
            this.lastError = "";
            this.clear();
        } else if (!this.tools.configured()) {
            this.state = this.bootstrapping ? "bootstrapping" : "none";
            this.lastError = "";
            this.clear();
            this.reads.stop(); // no connection kept to a cluster that is gone
        } else {
            try {
                const generation = this.imagesGeneration;
                const [reportText, slow] = await Promise.all([
                    this.reads.read(CEPH_READS.report, "reading the cluster's state"),
                    full ? this.readSlow() : Promise.resolve(null),
                ]);
                const first = this.report === null || this.state === "unreachable";
                this.report = parseReport(reportText);
                let read = slow ?? (first ? await this.readSlow() : null); // just became reachable: usage and images now
                // images re-read by a method during this read are newer than the ones read here
                if (read && generation !== this.imagesGeneration)
                    read = { ...read, images: this.slow.images };
                if (read)
                    this.slow = read;
                this.state = this.bootstrapping ? "bootstrapping" : "reachable";
                this.lastError = "";
                this.updatedAt = BigInt(Date.now()) * 1000n;
                this.publishObjects();
                // checked on the slow tier's rounds: a failure is tried again within 30 s, not every 5 s
                if (read)
                    void this.keepMgrMetrics();
            } catch (e) {
                const message = (e as Error).message;
                if (message !== this.lastError)
                    process.stderr.write(`debvisord: cannot read the Ceph cluster: ${message}\n`);
                this.state = this.bootstrapping ? "bootstrapping" : "unreachable";
                this.lastError = message;
            }
        }
        this.publishManager();
    }

    /* A cluster found (not one being made: its bootstrap has a step for this) on a node with Prometheus:
     * ceph-mgr's prometheus module on loopback, once per cluster, audited when DebVisor turned it on. */
    private async keepMgrMetrics(): Promise<void> {
        const fsid = this.report?.fsid ?? "";
        if (!fsid || fsid === this.mgrMetricsFor || this.mgrMetricsBusy || this.bootstrapping || !this.metricsWanted())
            return;
        this.mgrMetricsBusy = true;
        try {
            const result = await ensureMgrMetrics((args, what) => this.tools.ceph(args, what), 0);
            this.mgrMetricsFor = fsid;
            this.mgrMetricsProblem = "";
            if (result === "ok") {
                const what = `ceph-mgr's prometheus module enabled on ${MGR_METRICS_ADDRESS}:${MGR_METRICS_PORT} for Prometheus`;
                process.stderr.write(`debvisord: ${what}\n`);
                await this.audit?.appendAsDaemon("CephManager.EnableMetrics", this.path, `ok: ${what}`, [fsid]).catch(() => undefined);
            }
        } catch (e) {
            const message = (e as Error).message;
            if (message !== this.mgrMetricsProblem)
                process.stderr.write(`debvisord: the Ceph alerts have no figures: ${message}\n`);
            this.mgrMetricsProblem = message;
        } finally {
            this.mgrMetricsBusy = false;
        }
    }

    private async readSlow(): Promise<SlowState> {
        const [df, dfDetail, mgr, rbdPools] = await Promise.all([
            this.reads.read(CEPH_READS.osdDfTree, "reading the OSDs' usage"),
            this.reads.read(CEPH_READS.dfDetail, "reading the pools' usage"),
            this.reads.read(CEPH_READS.mgrDump, "reading the managers"),
            // the pools enabled for RBD, from the report of this same round if there is none yet
            this.report ? Promise.resolve(this.report.pools) : this.reads.read(CEPH_READS.report, "reading the cluster's state").then(t => parseReport(t).pools),
        ]);
        const tree = parseOsdDfTree(df);
        const usage = parseDfDetail(dfDetail);
        const images = (await Promise.all(rbdPools.filter(p => p.applications.includes("rbd")).map(p => this.readImages(p.name)))).flat();
        return {
            osdUsage: new Map(tree.osds.map(o => [o.id, o])), tree: tree.tree, poolUsage: new Map(usage.pools.map(p => [p.name, p])),
            managers: parseMgrDump(mgr), images,
        };
    }

    /* After a change to a pool's images: only that pool's images are read again. */
    async refreshImages(pool: string): Promise<void> {
        const images = await this.readImages(pool);
        this.imagesGeneration++;
        this.slow = { ...this.slow, images: [...this.slow.images.filter(i => i.pool !== pool), ...images] };
    }

    private async readImages(pool: string): Promise<RbdImage[]> {
        const [ls, du] = await Promise.all([
            this.tools.rbd(["ls", "-l", "--format", "json", "-p", pool], `listing the images of ${pool}`),
            this.tools.rbd(["du", "--format", "json", "-p", pool], `reading the images' usage in ${pool}`).catch(() => "{}"),
        ]);
        const images = parseRbdList(ls, pool);
        const used = parseRbdDu(du.trim() || "{}");
        for (const image of images) {
            image.used = used.get(image.name) ?? 0;
            if (image.snapshots.length === 0)
                continue;
            // creation times need `rbd snap ls`: read again only when the snapshots changed
            const key = image.snapshots.map(s => `${s.name}:${s.protected}`).join(",");
            const id = `${pool}/${image.name}`;
            let known = this.snapshotTimes.get(id);
            if (known?.key !== key) {
                known = { key, snapshots: await snapshotsNow(this, id) };
                this.snapshotTimes.set(id, known);
            }
            image.snapshots = known.snapshots;
        }
        return images;
    }

    private managerProperties(): Props {
        const r = this.report;
        const flags = visibleFlags(r?.flags ?? []);
        return {
            State: this.state, LastError: this.lastError, Version: this.version, Fsid: r?.fsid ?? "",
            Health: r?.health.status ?? "", HealthChecks: healthChecksToBus(r?.health.checks ?? []),
            Monitors: monitorsToBus(r?.monitors ?? []), Managers: managersToBus(this.slow.managers),
            OsdTree: osdTreeToBus(this.slow.tree), PlacementGroups: r?.placementGroups.states ?? {},
            TotalBytes: r?.totalBytes ?? 0, UsedBytes: r?.usedBytes ?? 0, AvailableBytes: r?.availableBytes ?? 0,
            Flags: flags, Maintenance: flags.includes("noout"), CephFS: cephFsToBus(this.report?.filesystems[0], CEPHFS_MOUNTPOINT, cephFsMounted()), UpdatedAt: this.updatedAt,
        };
    }

    /* What keeps the area from being ready, as the area's supervisor counts it; null when ready. */
    problem(): Error | null {
        switch (this.state) {
        case "not-installed": return new NotInstalled("Ceph is not installed (ceph-common)");
        case "none": return new Unavailable(`no Ceph cluster is set up on this host (${this.tools.config().conf} is missing)`);
        case "unreachable": return new Error(`the Ceph cluster does not answer: ${this.lastError}`);
        default: return null;
        }
    }

    /* Whether the cluster answers, for the supervisor: reads the cluster and throws why not. */
    async probe(): Promise<void> {
        await this.ready;
        if (this.problem())
            await this.refresh();
        const problem = this.problem();
        if (problem)
            throw problem;
    }

    /* Hears the problem after every periodic read (null: ready). */
    onHealth(listener: (problem: Error | null) => void): void {
        this.healthListener = listener;
    }

    private healthListener: (problem: Error | null) => void = () => undefined;

    private publishManager(): void {
        this.healthListener(this.problem());
        this.showManager();
    }

    private showManager(): void {
        // UpdatedAt changes with every read: signalled only along with a real change
        this.server.publish(this.path, CEPHMANAGER_IFACE, this.managerProperties(), () => managerMethods(this),
            (name, value) => name === "UpdatedAt" ? null : value);
    }

    /* A pool Ceph has confirmed deleted: off the bus now, not only once a read answers (one that
     * fails under load, or timed out, would keep showing it). */
    forgetPool(name: string): void {
        if (!this.report)
            return;
        this.report = { ...this.report, pools: this.report.pools.filter(p => p.name !== name) };
        this.publishObjects();
    }

    private publishObjects(): void {
        const r = this.report;
        if (!r)
            return;
        const wanted = new Map<string, Published>();
        for (const o of r.osds) {
            const u = this.slow.osdUsage.get(o.id);
            wanted.set(this.osdPath(o.id), {
                iface: CEPHOSD_IFACE, methods: () => osdMethods(this, o.id),
                props: {
                    Id: o.id, Up: o.up, In: o.in, Host: u?.host ?? "", DeviceClass: u?.deviceClass ?? "", Device: r.devices.get(o.id) ?? "",
                    Weight: u?.crushWeight ?? 0, TotalBytes: u?.totalBytes ?? 0, UsedBytes: u?.usedBytes ?? 0, PlacementGroups: u?.pgs ?? 0,
                },
            });
        }
        for (const p of r.pools) {
            const u = this.slow.poolUsage.get(p.name);
            wanted.set(this.poolPath(p.name), {
                iface: CEPHPOOL_IFACE, methods: () => poolMethods(this, p.name),
                props: {
                    Name: p.name, PoolId: p.id, Size: p.size, MinSize: p.minSize, PgNum: p.pgNum, PgAutoscale: p.autoscale,
                    Applications: p.applications, StoredBytes: u?.stored ?? 0, UsedBytes: u?.used ?? 0,
                    MaxAvailableBytes: u?.maxAvail ?? 0, Objects: u?.objects ?? 0,
                },
            });
        }
        const pools = new Set(r.pools.map(p => p.name));
        for (const i of this.slow.images.filter(i => pools.has(i.pool))) {
            wanted.set(this.imagePath(i.pool, i.name), {
                iface: CEPHIMAGE_IFACE, methods: () => imageMethods(this, i.pool, i.name),
                props: { Pool: i.pool, Name: i.name, Size: i.size, UsedBytes: i.used, Snapshots: snapshotsToBus(i.snapshots) },
            });
        }
        this.server.sync(this.path, wanted);
    }

    private clear(): void {
        this.report = null;
        this.slow = { osdUsage: new Map(), tree: [], poolUsage: new Map(), managers: [], images: [] };
        this.server.sync(this.path, new Map());
    }

    /** the pools the CephFS uses */
    cephFsPools(): string[] {
        return (this.report?.filesystems ?? []).flatMap(f => [f.data_pool, f.metadata_pool]).filter(Boolean);
    }

    pool(name: string) {
        return this.report?.pools.find(p => p.name === name);
    }

    image(pool: string, name: string): RbdImage | undefined {
        return this.slow.images.find(i => i.pool === pool && i.name === name);
    }

    /* A call found the cluster silent: said at once, before the next read confirms it. */
    markUnreachable(message: string): void {
        this.state = this.bootstrapping ? "bootstrapping" : "unreachable";
        this.lastError = message;
        this.publishManager();
    }
}

