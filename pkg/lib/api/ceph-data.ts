// The Ceph objects' dictionary properties as the pages' typed data, and the rules
// for names and sizes that debvisord applies (as the contract documents
// them), so a dialog says what is wrong while it is typed. No cockpit.js
// here: the unit tests run this in Node.
import type {
    PlainCephImageSnapshots, PlainCephManagerCephFS, PlainCephManagerHealthChecks, PlainCephManagerManagers, PlainCephManagerMonitors, PlainCephManagerOsdTree,
} from "../../../generated/dbus-contract";
import { plainDict, plainDicts } from "./variants";

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
interface CephMonitor { name: string; address: string; in_quorum: boolean }
interface CephManagerDaemon { name: string; active: boolean }
interface CephCrushNode { id: number; name: string; type: string; children: number[] }
interface CephPlacementGroups { total: number; states: Record<string, number> }
interface CephMds { name: string; state: string }
interface CephFs {
    name: string; state: string; mds: CephMds[]; data_pool: string; metadata_pool: string; mountpoint: string; mounted: boolean;
}
export interface CephSnapshot { name: string; size: number; protected: boolean; created: number }
export type CephApplication = "rbd" | "cephfs" | "rgw";
export type CephAutoscale = "on" | "off" | "warn";

type Dicts = Array<Record<string, unknown>>;
/* members are read with defaults, as a cluster that has not answered yet may leave them out */
const dicts = <L extends unknown[]>(list: Dicts) => plainDicts<Array<Partial<L[number]>>>(list);

export const healthChecksOf = (checks: Dicts): CephHealthCheck[] => dicts<PlainCephManagerHealthChecks>(checks).map(c => ({
    code: String(c.Code ?? ""),
    severity: String(c.Severity ?? "HEALTH_WARN"),
    summary: String(c.Summary ?? ""),
    detail: Array.isArray(c.Detail) ? c.Detail.map(String) : [],
    explanation: String(c.Explanation ?? ""),
    muted: c.Muted === true,
}));

export const monitorsOf = (monitors: Dicts): CephMonitor[] =>
    dicts<PlainCephManagerMonitors>(monitors).map(m => ({ name: String(m.Name), address: String(m.Address), in_quorum: m.InQuorum === true }));
export const managersOf = (managers: Dicts): CephManagerDaemon[] =>
    dicts<PlainCephManagerManagers>(managers).map(m => ({ name: String(m.Name), active: m.Active === true }));
export const osdTreeOf = (tree: Dicts): CephCrushNode[] => dicts<PlainCephManagerOsdTree>(tree).map(n => ({
    id: Number(n.Id), name: String(n.Name), type: String(n.Type), children: Array.isArray(n.Children) ? n.Children.map(Number) : [],
}));
/** An image's Snapshots (aa{sv}, as cockpit.js hands it over). */
export const snapshotsOf = (list: Dicts): CephSnapshot[] => dicts<PlainCephImageSnapshots>(list).map(s =>
    ({ name: String(s.Name), size: Number(s.Size), protected: s.Protected === true, created: Number(s.CreationTime) }));

export function placementGroupsOf(states: Record<string, number>): CephPlacementGroups {
    return { total: Object.values(states).reduce((sum, n) => sum + Number(n), 0), states };
}

/** The CephManager's CephFS dictionary; null when the cluster has no file system. */
export function cephFsOf(dict: Record<string, unknown>): CephFs | null {
    const fs = plainDict<Partial<PlainCephManagerCephFS>>(dict);
    if (!fs.Name)
        return null;
    return {
        name: String(fs.Name), state: String(fs.State ?? ""),
        mds: Array.isArray(fs.Mds) ? fs.Mds.map(m => ({ name: String(m.Name), state: String(m.State) })) : [],
        data_pool: String(fs.DataPool ?? ""), metadata_pool: String(fs.MetadataPool ?? ""),
        mountpoint: String(fs.Mountpoint || CEPHFS_MOUNTPOINT), mounted: fs.Mounted === true,
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

const MiB = 1024 ** 2;
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
