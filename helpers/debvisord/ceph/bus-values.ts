// The Ceph manager's structured properties in the contract's shape
// (dictionaries with PascalCase keys, as every other area's; the contract
// types their members), from what parse.ts reads out of ceph's JSON.
import type { CephFsInfo, HealthCheck, Monitor, RbdSnapshot, TreeNode } from "./parse.js";

type Dict = Record<string, unknown>;

export const healthChecksToBus = (checks: HealthCheck[]): Dict[] => checks.map(c => ({
    Code: c.code, Severity: c.severity, Summary: c.summary, Detail: c.detail, Explanation: c.explanation, Muted: c.muted,
}));

export const monitorsToBus = (monitors: Monitor[]): Dict[] =>
    monitors.map(m => ({ Name: m.name, Address: m.address, InQuorum: m.in_quorum }));

export const managersToBus = (managers: Array<{ name: string; active: boolean }>): Dict[] =>
    managers.map(m => ({ Name: m.name, Active: m.active }));

export const osdTreeToBus = (tree: TreeNode[]): Dict[] => tree.map(n => ({ Id: n.id, Name: n.name, Type: n.type, Children: n.children }));

/* The CephFS as a dictionary; an empty Name when the cluster has none. */
export function cephFsToBus(fs: CephFsInfo | undefined, mountpoint: string, mounted: boolean): Dict {
    return {
        Name: fs?.name ?? "", State: fs?.state ?? "none", Mds: (fs?.mds ?? []).map(m => ({ Name: m.name, State: m.state })),
        DataPool: fs?.data_pool ?? "", MetadataPool: fs?.metadata_pool ?? "", Mountpoint: mountpoint, Mounted: mounted,
    };
}

/* An image's snapshots in the contract's shape (a dataset's and a machine's have the same). */
export const snapshotsToBus = (snapshots: RbdSnapshot[]): Dict[] => snapshots.map(x => ({
    Name: x.name, Size: x.size, Protected: x.protected, CreationTime: x.created,
}));
