// The Ceph manager's structured properties as the contract types them
// (dictionaries with PascalCase keys, as every other area's), from what
// parse.ts reads out of ceph's JSON.
import dbus from "dbus-next";
import type { CephFsInfo, HealthCheck, Monitor, RbdSnapshot, TreeNode } from "./parse.js";

type Variant = InstanceType<typeof dbus.Variant>;
type Dict = Record<string, Variant>;
const s = (v: string) => new dbus.Variant("s", v);
const b = (v: boolean) => new dbus.Variant("b", v);

export const healthChecksToBus = (checks: HealthCheck[]): Dict[] => checks.map(c => ({
    Code: s(c.code), Severity: s(c.severity), Summary: s(c.summary), Detail: new dbus.Variant("as", c.detail),
    Explanation: s(c.explanation), Muted: b(c.muted),
}));

export const monitorsToBus = (monitors: Monitor[]): Dict[] =>
    monitors.map(m => ({ Name: s(m.name), Address: s(m.address), InQuorum: b(m.in_quorum) }));

export const managersToBus = (managers: Array<{ name: string; active: boolean }>): Dict[] =>
    managers.map(m => ({ Name: s(m.name), Active: b(m.active) }));

export const osdTreeToBus = (tree: TreeNode[]): Dict[] => tree.map(n => ({
    Id: new dbus.Variant("x", n.id), Name: s(n.name), Type: s(n.type), Children: new dbus.Variant("ax", n.children),
}));

/* The CephFS as a dictionary; an empty Name when the cluster has none. */
export function cephFsToBus(fs: CephFsInfo | undefined, mountpoint: string, mounted: boolean): Dict {
    return {
        Name: s(fs?.name ?? ""), State: s(fs?.state ?? "none"),
        Mds: new dbus.Variant("aa{sv}", (fs?.mds ?? []).map(m => ({ Name: s(m.name), State: s(m.state) }))),
        DataPool: s(fs?.data_pool ?? ""), MetadataPool: s(fs?.metadata_pool ?? ""), Mountpoint: s(mountpoint), Mounted: b(mounted),
    };
}

/* An image's snapshots in the contract's shape (a dataset's and a machine's have the same). */
export const snapshotsToBus = (snapshots: RbdSnapshot[]): Dict[] => snapshots.map(x => ({
    Name: s(x.name), Size: new dbus.Variant("t", x.size), Protected: b(x.protected), CreationTime: new dbus.Variant("t", x.created),
}));
