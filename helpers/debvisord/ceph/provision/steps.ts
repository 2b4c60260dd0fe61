// The bootstrap as a list of steps (pure): which steps a bootstrap with these
// devices and options has, in order, and the decisions that make each step
// safe to run again (kept when done, completed when half done).
import { createHash } from "node:crypto";
import { MGR_METRICS_ADDRESS, MGR_METRICS_PORT } from "../mgr-metrics.js";

export interface BootstrapOptions {
    /** the RBD pool for VM disks; "" for none (default "rbd") */
    rbdPool: string;
    /** the CephFS file system's name; "" for none (default "cephfs") */
    cephfs: string;
    /** mount the CephFS at /srv/cephfs with ceph-fuse (default true) */
    mount: boolean;
    /** the network the OSDs and clients use (default 127.0.0.0/8: everything stays on this host) */
    publicNetwork: string;
    /** where the monitor listens (default 127.0.0.1; a cluster's first node: its address on the cluster's network) */
    monitorAddress: string;
}

export const DEFAULT_OPTIONS: BootstrapOptions = { rbdPool: "rbd", cephfs: "cephfs", mount: true, publicNetwork: "127.0.0.0/8", monitorAddress: "127.0.0.1" };

type Phase = "core" | "osd" | "finish";

export interface StepInfo {
    id: string;
    phase: Phase;
    description: string;
}

export const cephfsPools = (fs: string) => ({ metadata: `cephfs.${fs}.meta`, data: `cephfs.${fs}.data` });

/* The cluster's own steps (monitor, manager): before any OSD. */
export function coreSteps(name: string): StepInfo[] {
    return [
        { id: "config", phase: "core", description: "Choose the cluster id and write /etc/ceph/ceph.conf" },
        { id: "keyrings", phase: "core", description: "Create the monitor, admin and OSD bootstrap keys" },
        { id: "mon", phase: "core", description: `Create the monitor mon.${name} (monmap, store) and start it` },
        { id: "mgr", phase: "core", description: `Create the manager mgr.${name} and start it` },
        { id: "mgr-metrics", phase: "core", description: `Enable ceph-mgr's prometheus module on ${MGR_METRICS_ADDRESS}:${MGR_METRICS_PORT}, where the Ceph alerts read the cluster` },
    ];
}

export function osdStep(device: string): StepInfo {
    return { id: `osd:${device}`, phase: "osd", description: `Make ${device} a BlueStore OSD and start it` };
}

/* What comes after the OSDs: MDS and CephFS, the RBD pool, waiting until the data is placed, the mount. */
export function finishSteps(name: string, options: BootstrapOptions): StepInfo[] {
    const steps: StepInfo[] = [];
    if (options.cephfs) {
        const pools = cephfsPools(options.cephfs);
        steps.push({ id: "mds", phase: "finish", description: `Create the metadata server mds.${name} and start it` });
        steps.push({ id: "cephfs", phase: "finish", description: `Create the CephFS ${options.cephfs} (pools ${pools.metadata} and ${pools.data})` });
    }
    if (options.rbdPool)
        steps.push({ id: "rbd-pool", phase: "finish", description: `Create the RBD pool ${options.rbdPool} (application rbd)` });
    steps.push({ id: "healthy", phase: "finish", description: "Wait until every placement group is active and clean" });
    if (options.cephfs && options.mount)
        steps.push({ id: "mount", phase: "finish", description: `Mount the CephFS ${options.cephfs} at /srv/cephfs (ceph-fuse)` });
    return steps;
}

export function bootstrapSteps(name: string, devices: string[], options: BootstrapOptions): StepInfo[] {
    return [...coreSteps(name), ...devices.map(osdStep), ...finishSteps(name, options)];
}

/* config: an existing ceph.conf with an fsid is the cluster's: kept as it is (its fsid is the cluster's identity). */
export function configDecision(existingConf: string, existingFsid: string): "write" | "kept" {
    return existingConf !== "" && existingFsid !== "" ? "kept" : "write";
}

type OsdDecision =
    | { action: "kept"; id: number }
    | { action: "start"; id: number }
    | { action: "mkfs"; id: number }
    | { action: "new" };

/*
 * osd: a device with a data directory whose "block" names it is that OSD: kept
 * when it runs, started when made but stopped, made again (mkfs) when the
 * directory is there but "ready" is not (a crash during mkfs). Otherwise a new
 * OSD; its uuid was staged before "ceph osd new", which gives the same id for
 * the same uuid, so a crash between the two does not leak an id.
 */
export function osdDecision(existing: { id: number; ready: boolean; running: boolean } | undefined): OsdDecision {
    if (!existing)
        return { action: "new" };
    if (!existing.ready)
        return { action: "mkfs", id: existing.id };
    return existing.running ? { action: "kept", id: existing.id } : { action: "start", id: existing.id };
}

/* The staging file's name for a device: a digest, since the path may hold any byte. */
export function stagingName(realDevice: string): string {
    return createHash("sha256").update(realDevice).digest("hex").slice(0, 32) + ".json";
}

interface PgSummary { total: number; states: Record<string, number> }

/* healthy: every PG active+clean (and there is at least one when pools exist). */
export function pgsSettled(pgs: PgSummary, pools: number): boolean {
    if (pools > 0 && pgs.total === 0)
        return false;
    return (pgs.states["active+clean"] ?? 0) === pgs.total;
}

/* From "ceph pg stat -f json" (Pacific: {"pg_summary": {"num_pg_by_state": [{name, num}], "num_pgs"}}). */
export function parsePgStat(json: unknown): PgSummary {
    const root = (json as { pg_summary?: unknown })?.pg_summary ?? json;
    const summary = root as { num_pgs?: number; num_pg_by_state?: Array<{ name: string; num: number }> };
    const states: Record<string, number> = {};
    for (const s of summary?.num_pg_by_state ?? [])
        states[s.name] = (states[s.name] ?? 0) + s.num;
    return { total: summary?.num_pgs ?? 0, states };
}

/* ceph-fuse mounts show in /proc/mounts as "ceph-fuse MOUNTPOINT fuse.ceph-fuse ...". */
export function isCephFuseMount(procMounts: string, mountpoint: string): boolean {
    return procMounts.split("\n").some(line => {
        const [, target, type] = line.split(" ");
        return target === mountpoint && type === "fuse.ceph-fuse";
    });
}

/* The fstab line that mounts the CephFS with ceph-fuse at boot (after the network and the cluster's daemons). */
function cephfsFstabLine(mountpoint: string, conf: string): string {
    return `none ${mountpoint} fuse.ceph ceph.id=admin,ceph.conf=${conf},_netdev,x-systemd.after=ceph.target,defaults 0 0`;
}

/* fstab with that line added, or null when the mountpoint has an entry already (kept as it is). */
export function fstabWithCephfs(fstab: string, mountpoint: string, conf: string): string | null {
    const taken = fstab.split("\n").some(line => !line.trimStart().startsWith("#") && line.trim().split(/\s+/)[1] === mountpoint);
    if (taken)
        return null;
    return `${fstab}${fstab === "" || fstab.endsWith("\n") ? "" : "\n"}${cephfsFstabLine(mountpoint, conf)}\n`;
}
