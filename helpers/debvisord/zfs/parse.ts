// Pure parsers for what the ZFS tools print, for both zfs-fuse (pool
// version 23: no `-p` on list, text only) and OpenZFS 2.x (`-H -p`).
// Nothing here runs a tool, so every parser is tested from recorded output.

/** Which ZFS the host has. */
export interface ZfsFlavor {
    kind: "openzfs" | "zfs-fuse";
    /** "2.1.11" for OpenZFS, "" for zfs-fuse */
    version: string;
    /** `-p` on `zpool list` / `zfs list` and exact counters in `zpool status -p` */
    parsable: boolean;
    /** `-j` JSON output (OpenZFS 2.3 and later) */
    json: boolean;
    lz4: boolean;
    volumes: boolean;
}

/* `zfs version` answers on OpenZFS ("zfs-2.1.11-1", also when the kernel
 * module is not loaded and it exits non-zero); zfs-fuse does not know the command. */
export function flavorFromVersion(_exitCode: number, stdout: string): ZfsFlavor {
    const m = /^zfs-(\d+)\.(\d+)(?:\.(\d+))?/m.exec(stdout);
    if (!m)
        return { kind: "zfs-fuse", version: "", parsable: false, json: false, lz4: false, volumes: false };
    const [major, minor] = [Number(m[1]), Number(m[2])];
    return {
        kind: "openzfs", version: `${m[1]}.${m[2]}${m[3] !== undefined ? `.${m[3]}` : ""}`, parsable: true,
        json: major > 2 || (major === 2 && minor >= 3), lz4: true, volumes: true,
    };
}

const UNITS = "BKMGTPEZ";

/* "246M", "4.60K", "1.00T", "0B", "512" → bytes (1024-based, as ZFS prints them); NaN for "-" or junk. */
export function parseSize(text: string): number {
    const m = /^(\d+(?:\.\d+)?)([BKMGTPEZ])?$/i.exec(text.trim());
    if (!m)
        return NaN;
    const unit = m[2] ? UNITS.indexOf(m[2].toUpperCase()) : 0;
    return Math.round(Number(m[1]) * 1024 ** unit);
}

/* A number that is exact (digits, from -p) or human ("4.60K" from zfs-fuse). */
function parseCount(text: string): number {
    if (/^\d+$/.test(text))
        return Number(text);
    const n = parseSize(text);
    return Number.isFinite(n) ? n : 0;
}

export interface PoolListEntry {
    name: string;
    size: bigint;
    allocated: bigint;
    free: bigint;
    /** percent, -1 where the pool version has no such property */
    fragmentation: number;
    health: string;
    /** true when the byte counts are exact (-p), false when rounded as zpool list prints them */
    exact: boolean;
}

/** The columns asked of `zpool list -H` (zfs-fuse has no fragmentation). */
export const POOL_LIST_COLUMNS = { openzfs: "name,size,allocated,free,fragmentation,health", "zfs-fuse": "name,size,allocated,free,health" };

/* A byte count: a JSON number (`zfs list -j --json-int`), exact digits (-p) or human ("30.5G"); 0 for "-" or junk. */
function bytes(v: unknown): bigint {
    if (typeof v === "number")
        return Number.isFinite(v) ? BigInt(Math.round(v)) : 0n;
    return typeof v === "string" ? BigInt(/^\d+$/.test(v) ? v : parseCount(v)) : 0n;
}

/* `zpool list -H [-p] -o POOL_LIST_COLUMNS[kind]`. */
export function parsePoolList(stdout: string, kind: ZfsFlavor["kind"]): PoolListEntry[] {
    return stdout.split("\n").filter(line => line.trim() !== "").map(line => {
        const f = line.split("\t");
        const column = Object.fromEntries(POOL_LIST_COLUMNS[kind].split(",").map((name, i) => [name, f[i]]));
        const fragmentation = parseInt(column.fragmentation, 10);
        return {
            name: column.name, size: bytes(column.size), allocated: bytes(column.allocated), free: bytes(column.free),
            fragmentation: Number.isFinite(fragmentation) ? fragmentation : -1, health: column.health ?? "UNKNOWN",
            exact: kind === "openzfs" && /^\d+$/.test(column.size),
        };
    });
}

/** One node of a pool's configuration: the pool itself, a group (mirror, raidz) or a device. */
export interface Vdev {
    name: string;
    /** "pool", "mirror", "raidz1", "raidz2", "raidz3", "draid", "replacing", "spare", "disk", "file", "missing" */
    type: string;
    /** the section: "data", "logs", "cache", "spares", "special", "dedup" */
    section: string;
    state: string;
    read: number;
    write: number;
    checksum: number;
    /** what zpool prints after the counters ("47.5M repaired", "was /dev/…", "(resilvering)") */
    note: string;
    children: Vdev[];
}

type ScanState = "none" | "scrubbing" | "resilvering" | "finished" | "canceled" | "paused";

export interface PoolStatus {
    name: string;
    state: string;
    status: string;
    action: string;
    scan: {
        state: ScanState;
        /** 0–1 while a scan runs, 1 after a finished one, 0 otherwise */
        progress: number;
        /** the last finished or canceled scan in words, "" when none */
        last: string;
        /** the scan line(s) as zpool printed them */
        text: string;
    };
    vdevs: Vdev[];
    errors: string;
}

const SECTIONS: Record<string, string> = { logs: "logs", cache: "cache", spares: "spares", special: "special", dedup: "dedup" };

function vdevType(name: string, depth: number, section: string): string {
    if (depth === 0 && section === "data")
        return "pool";
    const group = /^(mirror|raidz[123]?|draid\d*|replacing|spare)(?:[-:]|$)/.exec(name);
    if (group)
        return group[1] === "raidz" ? "raidz1" : group[1];
    if (/^\d{10,}$/.test(name))
        return "missing";
    return name.startsWith("/") && !name.startsWith("/dev/") ? "file" : "disk";
}

/* The "scan:" (OpenZFS) or "scrub:" (zfs-fuse) lines. */
function parseScan(text: string): PoolStatus["scan"] {
    const t = text.replace(/\s+/g, " ").trim();
    const percent = /(\d+(?:\.\d+)?)% done/.exec(t);
    const progress = percent ? Math.min(1, Number(percent[1]) / 100) : 0;
    if (t === "" || /none requested/.test(t))
        return { state: "none", progress: 0, last: "", text: t };
    if (/resilver in progress/.test(t))
        return { state: "resilvering", progress, last: "", text: t };
    if (/scrub in progress/.test(t))
        return { state: "scrubbing", progress, last: "", text: t };
    if (/scrub paused/.test(t))
        return { state: "paused", progress, last: "", text: t };
    if (/(scrub|resilver) (canceled|stopped)/.test(t))
        return { state: "canceled", progress: 0, last: t.replace(/^scrub: /, ""), text: t };
    if (/(scrub|resilver) (repaired|completed)|resilvered/.test(t))
        return { state: "finished", progress: 1, last: t.replace(/^scrub: /, ""), text: t };
    return { state: "none", progress: 0, last: "", text: t };
}

/* `zpool status [-p] POOL` (one pool; for many, split on "  pool:" first). */
export function parsePoolStatus(stdout: string): PoolStatus {
    const lines = stdout.split("\n");
    const fields: Record<string, string> = {};
    let key = "";
    let i = 0;
    for (; i < lines.length; i++) {
        const line = lines[i];
        const m = /^\s*([a-z]+): ?(.*)$/.exec(line);
        if (m && !line.startsWith("\t")) {
            key = m[1];
            if (key === "config")
                break;
            fields[key] = m[2];
        } else if (key && line.startsWith("\t")) {
            fields[key] += " " + line.trim();
        }
    }
    const vdevs: Vdev[] = [];
    const stack: Array<{ depth: number; vdev: Vdev }> = [];
    let section = "data";
    let sawHeader = false;
    for (i++; i < lines.length; i++) {
        const line = lines[i];
        if (/^errors:/.test(line)) {
            fields.errors = line.slice("errors:".length).trim();
            break;
        }
        if (!line.startsWith("\t") || line.trim() === "")
            continue;
        const body = line.slice(1);
        if (!sawHeader) {
            sawHeader = /^NAME\s+STATE/.test(body);
            continue;
        }
        const indent = /^ */.exec(body)![0].length;
        const tokens = body.trim().split(/\s+/);
        const name = tokens[0];
        if (indent === 0 && tokens.length === 1 && name in SECTIONS) {
            section = SECTIONS[name];
            stack.length = 0;
            continue;
        }
        const depth = indent / 2;
        const [state = "", read = "0", write = "0", cksum = "0"] = tokens.slice(1);
        const hasCounters = tokens.length >= 5;
        const vdev: Vdev = {
            name, type: vdevType(name, section === "data" ? depth : depth + 1, section), section, state,
            read: hasCounters ? parseCount(read) : 0, write: hasCounters ? parseCount(write) : 0,
            checksum: hasCounters ? parseCount(cksum) : 0,
            note: tokens.slice(hasCounters ? 5 : 2).join(" "), children: [],
        };
        while (stack.length > 0 && stack[stack.length - 1].depth >= depth)
            stack.pop();
        if (stack.length > 0)
            stack[stack.length - 1].vdev.children.push(vdev);
        else
            vdevs.push(vdev);
        stack.push({ depth, vdev });
    }
    return {
        name: (fields.pool ?? "").trim(), state: (fields.state ?? "").trim(),
        status: (fields.status ?? "").trim(), action: (fields.action ?? "").trim(),
        scan: parseScan(fields.scan ?? fields.scrub ?? ""),
        vdevs, errors: fields.errors ?? "",
    };
}

/* `zpool status` of all pools: one block per "  pool:" line. */
export function splitPoolStatuses(stdout: string): Map<string, PoolStatus> {
    const result = new Map<string, PoolStatus>();
    for (const block of stdout.split(/^(?= {2}pool: )/m)) {
        if (!/^\s*pool: /.test(block))
            continue;
        const status = parsePoolStatus(block);
        result.set(status.name, status);
    }
    return result;
}

/** The properties read of every dataset and snapshot (`zfs get -H -p -o name,property,value`). */
export const DATASET_PROPERTIES = [
    "type", "used", "available", "referenced", "mountpoint", "compression", "quota", "recordsize", "atime", "origin", "creation",
] as const;
type DatasetProperty = typeof DATASET_PROPERTIES[number];

export interface DatasetEntry {
    name: string;
    type: string;
    used: bigint;
    available: bigint;
    referenced: bigint;
    mountpoint: string;
    compression: string;
    quota: bigint;
    recordsize: bigint;
    atime: string;
    /** the snapshot a clone was made from, "" for others */
    origin: string;
    /** seconds since 1970 */
    creation: number;
}

const exactBytes = (v: string | undefined) => (v && /^\d+$/.test(v) ? BigInt(v) : 0n);
const text = (v: string | undefined) => (v === undefined || v === "-" ? "" : v);

/* `zfs get -H -p -o name,property,value DATASET_PROPERTIES` → datasets and snapshots in the tools' order. */
export function parseDatasetGet(stdout: string): DatasetEntry[] {
    const byName = new Map<string, Partial<Record<DatasetProperty, string>>>();
    for (const line of stdout.split("\n")) {
        if (line === "")
            continue;
        const first = line.indexOf("\t"), second = line.indexOf("\t", first + 1);
        if (first < 0 || second < 0)
            continue;
        const name = line.slice(0, first), property = line.slice(first + 1, second) as DatasetProperty;
        let entry = byName.get(name);
        if (!entry) {
            entry = {};
            byName.set(name, entry);
        }
        entry[property] = line.slice(second + 1);
    }
    return [...byName].map(([name, p]) => ({
        name, type: text(p.type), used: exactBytes(p.used), available: exactBytes(p.available), referenced: exactBytes(p.referenced),
        mountpoint: text(p.mountpoint), compression: text(p.compression), quota: exactBytes(p.quota), recordsize: exactBytes(p.recordsize),
        atime: text(p.atime), origin: text(p.origin), creation: Number(p.creation) || 0,
    }));
}

interface JsonDataset {
    name: string;
    type: string;
    properties?: Record<string, { value: unknown }>;
}

/* `zfs list -j [--json-int] -t filesystem,volume,snapshot -o name,DATASET_PROPERTIES` (OpenZFS 2.3 and later). */
export function parseDatasetJson(stdout: string): DatasetEntry[] {
    const json = JSON.parse(stdout) as { output_version?: { command?: string }; datasets?: Record<string, JsonDataset> };
    if (json.output_version?.command !== "zfs list" || typeof json.datasets !== "object" || json.datasets === null)
        throw new Error("not the JSON of zfs list");
    return Object.values(json.datasets).map(d => {
        const p = d.properties ?? {};
        const str = (key: string) => {
            const v = p[key]?.value;
            return v === undefined || v === null || v === "-" ? "" : String(v);
        };
        return {
            name: d.name, type: String(d.type).toLowerCase(),
            used: bytes(p.used?.value), available: bytes(p.available?.value), referenced: bytes(p.referenced?.value),
            mountpoint: str("mountpoint"), compression: str("compression"),
            quota: str("quota") === "none" ? 0n : bytes(p.quota?.value), recordsize: bytes(p.recordsize?.value),
            atime: str("atime"), origin: str("origin"), creation: Number(p.creation?.value) || 0,
        };
    });
}

/* `zpool import` without arguments: the pools that could be imported, with their state. */
export function parseImportable(stdout: string): Array<{ name: string; id: string; state: string }> {
    const result: Array<{ name: string; id: string; state: string }> = [];
    for (const block of stdout.split(/^(?= {2}pool: )/m)) {
        const name = /^\s*pool: (\S+)/m.exec(block)?.[1];
        if (!name)
            continue;
        result.push({ name, id: /^\s*id: (\d+)/m.exec(block)?.[1] ?? "", state: /^\s*state: (\S+)/m.exec(block)?.[1] ?? "" });
    }
    return result;
}

/* What `zfs destroy` would take with it: children, snapshots, and clones of those snapshots. */
export function dependentsOf(name: string, all: DatasetEntry[]): string[] {
    const inside = (n: string) => n.startsWith(`${name}/`) || n.startsWith(`${name}@`);
    const result = new Set(all.filter(d => inside(d.name)).map(d => d.name));
    // clones of a snapshot inside the tree, and their own dependents, in a bounded number of rounds
    for (let round = 0; round < all.length; round++) {
        const before = result.size;
        for (const d of all) {
            if (d.origin && (d.origin === name || result.has(d.origin) || d.origin.startsWith(`${name}@`)) && !result.has(d.name)) {
                result.add(d.name);
                for (const e of all)
                    if (e.name.startsWith(`${d.name}/`) || e.name.startsWith(`${d.name}@`)) result.add(e.name);
            }
        }
        if (result.size === before)
            break;
    }
    return [...result].sort();
}
