// The JSON that `ceph … -f json` and `rbd … --format json` print (Ceph 16),
// turned into the plain shapes the Ceph objects publish. Each parser takes
// the tool's stdout and checks only what it uses, so a field Ceph adds later
// changes nothing and a field that is missing gives a clear error.
import { explainHealthCheck } from "./health.js";

type Json = Record<string, unknown>;

function object(value: unknown, what: string): Json {
    if (!value || typeof value !== "object" || Array.isArray(value))
        throw new Error(`${what}: not a JSON object`);
    return value as Json;
}

function list(value: unknown, what: string): unknown[] {
    if (!Array.isArray(value))
        throw new Error(`${what}: not a JSON list`);
    return value;
}

function parse(text: string, what: string): unknown {
    try {
        return JSON.parse(text);
    } catch (e) {
        throw new Error(`${what}: not JSON (${(e as Error).message})`);
    }
}

const num = (v: unknown): number => typeof v === "number" && Number.isFinite(v) ? v : Number(v ?? 0) || 0;
const str = (v: unknown): string => typeof v === "string" ? v : v === undefined || v === null ? "" : String(v);
/* Bytes and counts as non-negative whole numbers. */
const whole = (v: unknown): number => Math.max(0, Math.round(num(v)));

export interface HealthCheck {
    code: string;
    severity: string;
    summary: string;
    detail: string[];
    explanation: string;
    muted: boolean;
}

/* The "health" object of `ceph status`, `ceph health detail` or `ceph report`. */
export function parseHealth(value: unknown): { status: string; checks: HealthCheck[] } {
    const h = object(value, "health");
    const checks = object(h.checks ?? {}, "health.checks");
    return {
        status: str(h.status),
        checks: Object.entries(checks).map(([code, raw]) => {
            const c = object(raw, `health check ${code}`);
            const summary = c.summary && typeof c.summary === "object" ? str((c.summary as Json).message) : str(c.summary);
            const detail = Array.isArray(c.detail)
                ? c.detail.map(d => d && typeof d === "object" ? str((d as Json).message) : str(d)).filter(Boolean)
                : [];
            return { code, severity: str(c.severity), summary, detail, explanation: explainHealthCheck(code), muted: c.muted === true };
        }).sort((a, b) => (a.severity === b.severity ? a.code.localeCompare(b.code) : a.severity === "HEALTH_ERR" ? -1 : 1)),
    };
}

export interface Monitor { name: string; address: string; in_quorum: boolean }
interface OsdState { id: number; up: boolean; in: boolean; weight: number }
interface PoolInfo {
    name: string; id: number; size: number; minSize: number; pgNum: number; autoscale: string; applications: string[];
}
export interface CephFsInfo {
    name: string; state: string; mds: Array<{ name: string; state: string }>; data_pool: string; metadata_pool: string;
}
export interface Report {
    fsid: string;
    version: string;
    health: { status: string; checks: HealthCheck[] };
    monitors: Monitor[];
    flags: string[];
    osds: OsdState[];
    pools: PoolInfo[];
    placementGroups: { total: number; states: Record<string, number> };
    totalBytes: number;
    usedBytes: number;
    availableBytes: number;
    filesystems: CephFsInfo[];
    /** the device behind each OSD, from its metadata */
    devices: Map<number, string>;
}

/* The address a client uses: the v2 one when there is one, without the nonce. */
function monitorAddress(m: Json): string {
    const vec = m.public_addrs && typeof m.public_addrs === "object" ? (m.public_addrs as Json).addrvec : undefined;
    if (Array.isArray(vec) && vec.length > 0) {
        const v2 = vec.find(a => (a as Json).type === "v2") as Json | undefined;
        return str((v2 ?? vec[0] as Json).addr);
    }
    return str(m.addr).replace(/\/\d+$/, "");
}

/* The state of a file system in one word: "active" when every rank is up:active. */
function fsState(mdsmap: Json, pools: Map<number, string>): CephFsInfo {
    const info = Object.values(object(mdsmap.info ?? {}, "mdsmap.info")).map(i => object(i, "mds"));
    const failedRanks = list(mdsmap.failed ?? [], "mdsmap.failed").length + list(mdsmap.damaged ?? [], "mdsmap.damaged").length;
    const maxMds = whole(mdsmap.max_mds) || 1;
    const active = info.filter(i => str(i.state) === "up:active").length;
    let state: string;
    if (mdsmap.enabled === false)
        state = "disabled";
    else if (failedRanks > 0)
        state = "failed";
    else if (active >= maxMds)
        state = "active";
    else if (info.length === 0)
        state = "offline";
    else
        state = "degraded";
    const dataPools = list(mdsmap.data_pools ?? [], "mdsmap.data_pools").map(id => pools.get(whole(id)) ?? String(id));
    return {
        name: str(mdsmap.fs_name), state,
        mds: info.map(i => ({ name: str(i.name), state: str(i.state).replace(/^up:/, "") })),
        data_pool: dataPools[0] ?? "", metadata_pool: pools.get(whole(mdsmap.metadata_pool)) ?? str(mdsmap.metadata_pool),
    };
}

/* `ceph report -f json`: health with details, monitors, OSD map (flags, pools, OSDs), FS map, PG states and raw usage in one run. */
export function parseReport(text: string): Report {
    const r = object(parse(text, "ceph report"), "ceph report");
    const monmap = object(r.monmap, "monmap");
    const quorum = new Set(list(r.quorum ?? [], "quorum").map(whole));
    const osdmap = object(r.osdmap, "osdmap");
    const pools = list(osdmap.pools ?? [], "osdmap.pools").map(raw => {
        const p = object(raw, "pool");
        return {
            name: str(p.pool_name), id: whole(p.pool), size: whole(p.size), minSize: whole(p.min_size), pgNum: whole(p.pg_num),
            autoscale: str(p.pg_autoscale_mode) || "off",
            applications: Object.keys(object(p.application_metadata ?? {}, "application_metadata")).sort(),
        };
    });
    const poolNames = new Map(pools.map(p => [p.id, p.name]));
    const fsmap = object(r.fsmap ?? {}, "fsmap");
    const states: Record<string, number> = {};
    let total = 0;
    for (const raw of list(r.num_pg_by_state ?? [], "num_pg_by_state")) {
        const s = object(raw, "pg state");
        states[str(s.state)] = (states[str(s.state)] ?? 0) + whole(s.num);
        total += whole(s.num);
    }
    const sum = object(r.osd_sum ?? {}, "osd_sum");
    const devices = new Map<number, string>();
    for (const raw of list(r.osd_metadata ?? [], "osd_metadata")) {
        const m = object(raw, "osd metadata");
        const device = str(m.bluestore_bdev_path) || str(m.device_paths) || str(m.devices);
        const path = str(m.bluestore_bdev_dev_node) && str(m.bluestore_bdev_dev_node) !== "unknown" ? str(m.bluestore_bdev_dev_node) : device;
        devices.set(whole(m.id), path);
    }
    return {
        fsid: str(osdmap.fsid) || str(monmap.fsid),
        version: str(r.version),
        health: parseHealth(r.health),
        monitors: list(monmap.mons ?? [], "monmap.mons").map(raw => {
            const m = object(raw, "mon");
            return { name: str(m.name), address: monitorAddress(m), in_quorum: quorum.has(whole(m.rank)) };
        }),
        flags: str(osdmap.flags).split(",").filter(Boolean),
        osds: list(osdmap.osds ?? [], "osdmap.osds").map(raw => {
            const o = object(raw, "osd");
            return { id: whole(o.osd), up: num(o.up) === 1, in: num(o.in) === 1, weight: num(o.weight) };
        }),
        pools,
        placementGroups: { total, states },
        totalBytes: whole(sum.kb) * 1024,
        usedBytes: whole(sum.kb_used) * 1024,
        availableBytes: whole(sum.kb_avail) * 1024,
        filesystems: list(fsmap.filesystems ?? [], "fsmap.filesystems").map(raw => fsState(object(object(raw, "filesystem").mdsmap, "mdsmap"), poolNames)),
        devices,
    };
}

/* Flags that matter to a person; Ceph's own bookkeeping flags are left out. */
const INTERNAL_FLAGS = new Set(["sortbitwise", "recovery_deletes", "purged_snapdirs", "pglog_hardlimit", "require_jewel_osds", "require_kraken_osds"]);
export function visibleFlags(flags: string[]): string[] {
    return flags.filter(f => !INTERNAL_FLAGS.has(f));
}

export interface TreeNode { id: number; name: string; type: string; children: number[] }
export interface OsdUsage {
    id: number; name: string; host: string; deviceClass: string; crushWeight: number; reweight: number;
    totalBytes: number; usedBytes: number; pgs: number; status: string;
}

/* `ceph osd df tree -f json`: the CRUSH tree and each OSD's usage, placement groups and host. */
export function parseOsdDfTree(text: string): { tree: TreeNode[]; osds: OsdUsage[] } {
    const r = object(parse(text, "ceph osd df tree"), "ceph osd df tree");
    const nodes = list(r.nodes ?? [], "nodes").map(n => object(n, "node"));
    const hostOf = new Map<number, string>();
    for (const n of nodes) {
        if (str(n.type) === "host")
            for (const c of list(n.children ?? [], "children"))
                hostOf.set(whole(c), str(n.name));
    }
    const tree = nodes.map(n => ({
        id: Math.round(num(n.id)), name: str(n.name), type: str(n.type),
        children: list(n.children ?? [], "children").map(c => Math.round(num(c))).sort((a, b) => a - b),
    }));
    const osds = nodes.filter(n => str(n.type) === "osd").map(n => ({
        id: whole(n.id), name: str(n.name), host: hostOf.get(whole(n.id)) ?? "", deviceClass: str(n.device_class),
        crushWeight: num(n.crush_weight), reweight: num(n.reweight),
        totalBytes: whole(n.kb) * 1024, usedBytes: whole(n.kb_used) * 1024, pgs: whole(n.pgs), status: str(n.status),
    }));
    return { tree, osds };
}

export interface PoolUsage { name: string; stored: number; used: number; maxAvail: number; objects: number }

/* `ceph df detail -f json`: per pool what is stored, used after replication, and still available. */
export function parseDfDetail(text: string): { totalBytes: number; usedBytes: number; availableBytes: number; pools: PoolUsage[] } {
    const r = object(parse(text, "ceph df detail"), "ceph df detail");
    const stats = object(r.stats ?? {}, "stats");
    return {
        totalBytes: whole(stats.total_bytes), usedBytes: whole(stats.total_used_raw_bytes ?? stats.total_used_bytes),
        availableBytes: whole(stats.total_avail_bytes),
        pools: list(r.pools ?? [], "pools").map(raw => {
            const p = object(raw, "pool");
            const s = object(p.stats ?? {}, "pool stats");
            return { name: str(p.name), stored: whole(s.stored), used: whole(s.bytes_used), maxAvail: whole(s.max_avail), objects: whole(s.objects) };
        }),
    };
}

/* `ceph mgr dump -f json`: the active manager and the standbys. */
export function parseMgrDump(text: string): Array<{ name: string; active: boolean }> {
    const r = object(parse(text, "ceph mgr dump"), "ceph mgr dump");
    const result: Array<{ name: string; active: boolean }> = [];
    if (str(r.active_name))
        result.push({ name: str(r.active_name), active: r.available !== false });
    for (const raw of list(r.standbys ?? [], "standbys"))
        result.push({ name: str(object(raw, "standby").name), active: false });
    return result;
}

export interface RbdSnapshot { name: string; size: number; protected: boolean; created: number }
export interface RbdImage { pool: string; name: string; size: number; used: number; snapshots: RbdSnapshot[] }

/* `rbd ls -l --format json`: images and their snapshots (one entry each). */
export function parseRbdList(text: string, pool: string): RbdImage[] {
    const entries = list(parse(text.trim() || "[]", "rbd ls -l"), "rbd ls -l").map(e => object(e, "rbd entry"));
    const images = new Map<string, RbdImage>();
    for (const e of entries.filter(e => e.snapshot === undefined))
        images.set(str(e.image), { pool, name: str(e.image), size: whole(e.size), used: 0, snapshots: [] });
    for (const e of entries.filter(e => e.snapshot !== undefined)) {
        const image = images.get(str(e.image));
        image?.snapshots.push({ name: str(e.snapshot), size: whole(e.size), protected: e.protected === true || e.protected === "true", created: 0 });
    }
    return [...images.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/* `rbd du --format json`: bytes allocated per image (its head, not its snapshots). */
export function parseRbdDu(text: string): Map<string, number> {
    const r = object(parse(text, "rbd du"), "rbd du");
    const used = new Map<string, number>();
    for (const raw of list(r.images ?? [], "images")) {
        const e = object(raw, "rbd du entry");
        if (e.snapshot === undefined)
            used.set(str(e.name), whole(e.used_size));
    }
    return used;
}

/* `rbd snap ls --format json`: snapshots with their creation time (asctime in UTC, as the daemon runs) in microseconds. */
export function parseRbdSnapshots(text: string): RbdSnapshot[] {
    return list(parse(text.trim() || "[]", "rbd snap ls"), "rbd snap ls").map(raw => {
        const s = object(raw, "snapshot");
        const t = Date.parse(`${str(s.timestamp).replace(/\s+/g, " ")} UTC`);
        return {
            name: str(s.name), size: whole(s.size), protected: s.protected === true || s.protected === "true",
            created: Number.isFinite(t) ? t * 1000 : 0,
        };
    });
}
