// The Ceph objects' JSON-in-string and dictionary properties as typed data, and the rules
// for names and sizes that debvisord applies (as the contract documents
// them), so a dialog says what is wrong while it is typed. No cockpit.js
// here: the unit tests run this in Node.
import { unwrapDict } from "./variants";

/** Where MountCephFS mounts the file system. */
export const CEPHFS_MOUNTPOINT = "/srv/cephfs";

export interface CephHealthCheck {
    code: string;
    severity: "HEALTH_WARN" | "HEALTH_ERR" | string;
    summary: string;
    detail: string[];
    explanation: string;
    muted: boolean;
}
export interface CephMonitor { name: string; address: string; in_quorum: boolean }
export interface CephManagerDaemon { name: string; active: boolean }
export interface CephCrushNode { id: number; name: string; type: string; children: number[] }
export interface CephPlacementGroups { total: number; states: Record<string, number> }
export interface CephMds { name: string; state: string }
export interface CephFs {
    name: string; state: string; mds: CephMds[]; data_pool: string; metadata_pool: string; mountpoint: string; mounted: boolean;
}
export interface CephSnapshot { name: string; size: number; protected: boolean; created: number }
export type CephApplication = "rbd" | "cephfs" | "rgw";
export type CephAutoscale = "on" | "off" | "warn";

/* A JSON property that a daemon of another version (or a bug) sent in another
 * shape must not break the page: anything unreadable is the fallback. */
function parseJson<T>(json: string, fallback: T, ok: (v: unknown) => boolean): T {
    try {
        const v: unknown = JSON.parse(json);
        return ok(v) ? v as T : fallback;
    } catch {
        return fallback;
    }
}
const isObject = (v: unknown) => typeof v === "object" && v !== null && !Array.isArray(v);

export function parseHealthChecks(json: string): CephHealthCheck[] {
    return parseJson<Array<Partial<CephHealthCheck>>>(json, [], Array.isArray).filter(isObject).map(c => ({
        code: String(c.code ?? ""),
        severity: String(c.severity ?? "HEALTH_WARN"),
        summary: String(c.summary ?? ""),
        detail: Array.isArray(c.detail) ? c.detail.map(String) : [],
        explanation: String(c.explanation ?? ""),
        muted: c.muted === true,
    }));
}

export const parseMonitors = (json: string) => parseJson<CephMonitor[]>(json, [], Array.isArray);
export const parseManagers = (json: string) => parseJson<CephManagerDaemon[]>(json, [], Array.isArray);
export const parseOsdTree = (json: string) => parseJson<CephCrushNode[]>(json, [], Array.isArray)
    .map(n => ({ ...n, children: Array.isArray(n.children) ? n.children : [] }));
/** An image's Snapshots (aa{sv}, as cockpit.js hands it over). */
export const snapshotsOf = (dicts: Array<Record<string, unknown>>): CephSnapshot[] => dicts.map(d => {
    const s = unwrapDict(d);
    return { name: String(s.Name), size: Number(s.Size), protected: s.Protected === true, created: Number(s.CreationTime) };
});

export function parsePlacementGroups(json: string): CephPlacementGroups {
    const pg = parseJson<Partial<CephPlacementGroups>>(json, {}, isObject);
    return { total: Number(pg.total ?? 0), states: isObject(pg.states) ? pg.states as Record<string, number> : {} };
}

export function parseCephFs(json: string): CephFs | null {
    const fs = parseJson<Partial<CephFs> | null>(json, null, isObject);
    if (!fs || !fs.name)
        return null;
    return {
        name: fs.name, state: String(fs.state ?? ""), mds: Array.isArray(fs.mds) ? fs.mds : [],
        data_pool: String(fs.data_pool ?? ""), metadata_pool: String(fs.metadata_pool ?? ""),
        mountpoint: String(fs.mountpoint || CEPHFS_MOUNTPOINT), mounted: fs.mounted === true,
    };
}

/** The hosts of the CRUSH tree, each with the ids of the OSDs under it, in the tree's order. */
export function crushHosts(nodes: CephCrushNode[]): Array<{ name: string; osds: number[] }> {
    return nodes.filter(n => n.type === "host").map(h => ({
        name: h.name,
        osds: h.children.filter(id => nodes.some(n => n.id === id && n.type === "osd")).sort((a, b) => a - b),
    }));
}

/* The rules debvisord applies to pool, image and snapshot names (the
 * contract's, and no "..": the daemon refuses it), so a dialog says what is
 * wrong while the name is typed. */
export function cephNameProblem(name: string): string | null {
    if (name === "")
        return "empty";
    if (name.length > 100)
        return "longer than 100 characters";
    if (!/^[A-Za-z0-9]/.test(name))
        return "must start with a letter or digit";
    if (!/^[A-Za-z0-9_.-]+$/.test(name))
        return "letters, digits, \"_\", \"-\" and \".\" only";
    if (name.includes(".."))
        return "must not contain \"..\"";
    return null;
}
export const cephPoolNameProblem = cephNameProblem;
export const cephImageNameProblem = cephNameProblem;

export const MiB = 1024 ** 2;
export const SIZE_UNITS = { MiB, GiB: 1024 ** 3, TiB: 1024 ** 4 } as const;
export type SizeUnit = keyof typeof SIZE_UNITS;
const MAX_IMAGE = 1024 ** 5;

/** An image size from the dialog's number and unit: bytes, or why not. */
export function imageSize(amount: string, unit: SizeUnit): { bytes: number } | { problem: string } {
    if (!/^\d+(\.\d+)?$/.test(amount.trim()))
        return { problem: "a positive number" };
    const bytes = Number(amount) * SIZE_UNITS[unit];
    if (bytes < MiB)
        return { problem: "at least 1 MiB" };
    if (bytes > MAX_IMAGE)
        return { problem: "at most 1 PiB" };
    if (bytes % MiB !== 0)
        return { problem: "a whole number of MiB" };
    return { bytes };
}

/** The largest unit that shows a size as a whole number, for the resize dialog. */
export function sizeInUnit(bytes: number): { amount: string; unit: SizeUnit } {
    for (const unit of ["TiB", "GiB"] as const) {
        if (bytes >= SIZE_UNITS[unit] && bytes % SIZE_UNITS[unit] === 0)
            return { amount: String(bytes / SIZE_UNITS[unit]), unit };
    }
    return { amount: String(Math.ceil(bytes / MiB)), unit: "MiB" };
}
