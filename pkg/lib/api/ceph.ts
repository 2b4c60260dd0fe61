// Calls on the Ceph objects (CephManager, CephOsd, CephPool, CephImage) as
// the logged-in user; their JSON-in-string properties as typed data come
// from ceph-data.ts.
import {
    CEPHIMAGE_IFACE, CEPHMANAGER_IFACE, CEPHOSD_IFACE, CEPHPOOL_IFACE, ROOT_PATH,
    type PageCephManagerMethodResults, type PageCephPoolMethodResults,
} from "../../../generated/dbus-contract";
import { callDaemon } from "./call";
import type { CephApplication, CephAutoscale } from "./ceph-data";

export * from "./ceph-data";

const CEPH_PATH = `${ROOT_PATH}/ceph`;

type OptionValue = { t: string; v: unknown };

export async function cephSetMaintenance(enabled: boolean): Promise<void> {
    await callDaemon<PageCephManagerMethodResults["SetMaintenance"]>(CEPH_PATH, CEPHMANAGER_IFACE, "SetMaintenance", [enabled, {}]);
}

export async function cephCreatePool(name: string, o: { size?: number; minSize?: number; application: CephApplication; autoscale: CephAutoscale }): Promise<string> {
    const options: Record<string, OptionValue> = { application: { t: "s", v: o.application }, pg_autoscale: { t: "s", v: o.autoscale } };
    if (o.size !== undefined) options.size = { t: "u", v: o.size };
    if (o.minSize !== undefined) options.min_size = { t: "u", v: o.minSize };
    const [pool] = await callDaemon<PageCephManagerMethodResults["CreatePool"]>(CEPH_PATH, CEPHMANAGER_IFACE, "CreatePool", [name, options]);
    return pool;
}

export async function cephMountFs(mount: boolean): Promise<void> {
    await callDaemon<PageCephManagerMethodResults["MountCephFS"]>(CEPH_PATH, CEPHMANAGER_IFACE, mount ? "MountCephFS" : "UnmountCephFS", [{}]);
}

export async function cephOsdMark(path: string, how: "in" | "out"): Promise<void> {
    await callDaemon(path, CEPHOSD_IFACE, how === "in" ? "MarkIn" : "MarkOut", [{}]);
}

export async function cephPoolSetSize(path: string, size: number, minSize: number): Promise<void> {
    await callDaemon<PageCephPoolMethodResults["SetSize"]>(path, CEPHPOOL_IFACE, "SetSize", [size, minSize, {}]);
}

export async function cephPoolDelete(path: string, confirm: string): Promise<void> {
    await callDaemon<PageCephPoolMethodResults["Delete"]>(path, CEPHPOOL_IFACE, "Delete", [{ confirm: { t: "s", v: confirm } }]);
}

export async function cephCreateImage(poolPath: string, name: string, bytes: number): Promise<string> {
    const [image] = await callDaemon<PageCephPoolMethodResults["CreateImage"]>(poolPath, CEPHPOOL_IFACE, "CreateImage", [name, bytes, {}]);
    return image;
}

export async function cephImageResize(path: string, bytes: number, allowShrink: boolean): Promise<void> {
    await callDaemon(path, CEPHIMAGE_IFACE, "Resize", [bytes, allowShrink ? { "allow-shrink": { t: "b", v: true } } : {}]);
}

export async function cephImageSnapshot(path: string, name: string): Promise<void> {
    await callDaemon(path, CEPHIMAGE_IFACE, "Snapshot", [name, {}]);
}

export async function cephImageDelete(path: string, confirm: string): Promise<void> {
    await callDaemon(path, CEPHIMAGE_IFACE, "Delete", [{ confirm: { t: "s", v: confirm } }]);
}

/* Rollback and delete of one snapshot: `confirm` is the snapshot's name typed again. */
export async function cephSnapshotAction(path: string, action: "rollback" | "delete", snapshot: string, confirm: string): Promise<void> {
    await callDaemon(path, CEPHIMAGE_IFACE, action === "rollback" ? "RollbackSnapshot" : "DeleteSnapshot", [snapshot, { confirm: { t: "s", v: confirm } }]);
}

/** Starts making `device` an OSD; returns the Job's path. */
export async function cephAddOsd(device: string): Promise<string> {
    const [job] = await callDaemon<PageCephManagerMethodResults["AddOsd"]>(CEPH_PATH, CEPHMANAGER_IFACE, "AddOsd", [device, {}]);
    return job;
}
