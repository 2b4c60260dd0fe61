// Calls on the ZFS objects (ZfsManager, ZfsPool, ZfsDataset) as the
// logged-in user, and their dictionary and struct properties as typed data.
import {
    ROOT_PATH, ZFSDATASET_IFACE, ZFSMANAGER_IFACE, ZFSPOOL_IFACE, type CockpitVariant, type PageZfsDatasetProperties,
    type PlainZfsDatasetSnapshots, type PlainZfsManagerGetImportablePoolsPools, type PlainZfsPoolVdevs,
} from "../../../generated/dbus-contract";
import { callDaemon } from "./call";
import { plainDicts } from "./variants";

const ZFS_PATH = `${ROOT_PATH}/zfs`;

/** One node of a pool's configuration, in zpool status's order: its children follow it, one deeper. */
export interface ZfsVdev {
    name: string; type: string; section: string; depth: number; state: string; read: number; write: number; checksum: number; note: string;
}
export type ZfsSnapshot = PlainZfsDatasetSnapshots[number];
export interface ZfsPolicy { hourly?: number; daily?: number; weekly?: number; monthly?: number; recursive?: boolean }
export interface ZfsSchedule { snapshots?: Record<string, ZfsPolicy>; scrub?: Record<string, { weekday: number; hour: number }> }
export type ZfsLayout = "single" | "mirror" | "raidz1" | "raidz2";

type OptionValue = { t: string; v: unknown };

export function vdevsOf(dicts: Array<Record<string, CockpitVariant>>): ZfsVdev[] {
    return plainDicts<PlainZfsPoolVdevs>(dicts).map(v => ({
        name: String(v.Name), type: String(v.Type), section: String(v.Section), depth: Number(v.Depth), state: String(v.State),
        read: Number(v.Read), write: Number(v.Write), checksum: Number(v.Checksum), note: String(v.Note),
    }));
}

type SnapshotPolicyStruct = [number, number, number, number, boolean];

/** The ZfsManager's SnapshotSchedule and ScrubSchedule as one schedule. */
export function scheduleOf(snapshots: Record<string, unknown[]>, scrub: Record<string, unknown[]>): ZfsSchedule {
    return {
        snapshots: Object.fromEntries(Object.entries(snapshots).map(([dataset, p]) => {
            const [hourly, daily, weekly, monthly, recursive] = p as SnapshotPolicyStruct;
            return [dataset, { hourly, daily, weekly, monthly, recursive }];
        })),
        scrub: Object.fromEntries(Object.entries(scrub).map(([pool, s]) => [pool, { weekday: Number(s[0]), hour: Number(s[1]) }])),
    };
}

export const zfsSnapshots = (p: PageZfsDatasetProperties) => plainDicts<PlainZfsDatasetSnapshots>(p.Snapshots);

export async function zfsCreatePool(name: string, layout: ZfsLayout, devices: string[], mountpoint: string): Promise<void> {
    await callDaemon(ZFS_PATH, ZFSMANAGER_IFACE, "CreatePool", [name, layout, devices, mountpoint ? { mountpoint: { t: "s", v: mountpoint } } : {}]);
}

export type ZfsImportable = PlainZfsManagerGetImportablePoolsPools[number];

/** The exported pools zpool can see in DIRECTORY ("" for its default search). */
export async function zfsImportablePools(directory: string): Promise<ZfsImportable[]> {
    const [pools] = await callDaemon<[Record<string, CockpitVariant>[]]>(ZFS_PATH, ZFSMANAGER_IFACE, "GetImportablePools", [directory ? { directory: { t: "s", v: directory } } : {}]);
    return plainDicts<ZfsImportable[]>(pools);
}

export async function zfsImportPool(name: string, directory: string): Promise<void> {
    await callDaemon(ZFS_PATH, ZFSMANAGER_IFACE, "ImportPool", [name, directory ? { directory: { t: "s", v: directory } } : {}]);
}

export async function zfsCreateDataset(name: string, properties: Record<string, OptionValue>): Promise<void> {
    await callDaemon(ZFS_PATH, ZFSMANAGER_IFACE, "CreateDataset", [name, properties]);
}

export async function zfsSetSchedule(schedule: ZfsSchedule): Promise<void> {
    const snapshots = Object.fromEntries(Object.entries(schedule.snapshots ?? {}).map(([dataset, p]) =>
        [dataset, [p.hourly ?? 0, p.daily ?? 0, p.weekly ?? 0, p.monthly ?? 0, p.recursive ?? false]]));
    const scrub = Object.fromEntries(Object.entries(schedule.scrub ?? {}).map(([pool, s]) => [pool, [s.weekday, s.hour]]));
    await callDaemon(ZFS_PATH, ZFSMANAGER_IFACE, "SetSchedule", [snapshots, scrub, {}]);
}

export const zfsPoolCall = (path: string, method: "Scrub" | "StopScrub" | "Export") => callDaemon(path, ZFSPOOL_IFACE, method, [{}]);

export async function zfsPoolDestroy(path: string, confirm: string): Promise<void> {
    await callDaemon(path, ZFSPOOL_IFACE, "Destroy", [{ confirm: { t: "s", v: confirm } }]);
}

export async function zfsDatasetDestroy(path: string, recursive: boolean): Promise<void> {
    await callDaemon(path, ZFSDATASET_IFACE, "Destroy", [recursive ? { recursive: { t: "b", v: true } } : {}]);
}

export async function zfsSnapshot(path: string, name: string, recursive: boolean): Promise<void> {
    await callDaemon(path, ZFSDATASET_IFACE, "Snapshot", [name, recursive ? { recursive: { t: "b", v: true } } : {}]);
}

export async function zfsRollback(path: string, snapshot: string, destroyNewer: boolean): Promise<void> {
    await callDaemon(path, ZFSDATASET_IFACE, "Rollback", [snapshot, destroyNewer ? { "destroy-newer": { t: "b", v: true } } : {}]);
}

export async function zfsClone(path: string, snapshot: string, target: string): Promise<void> {
    await callDaemon(path, ZFSDATASET_IFACE, "Clone", [snapshot, target, {}]);
}

export async function zfsDestroySnapshot(path: string, snapshot: string): Promise<void> {
    await callDaemon(path, ZFSDATASET_IFACE, "DestroySnapshot", [snapshot, {}]);
}

/* The same grammar debvisord applies, so a dialog says what is wrong before the call. */
export function zfsNameProblem(name: string, what: "pool" | "dataset" | "snapshot"): string | null {
    if (name === "")
        return "empty";
    if (name.length > 255)
        return "longer than 255 characters";
    const parts = what === "dataset" ? name.split("/") : [name];
    for (const p of parts) {
        if (!/^[A-Za-z0-9][A-Za-z0-9_.:-]*$/.test(p) || p.includes(".."))
            return "letters, digits, \"_\", \"-\", \".\" and \":\" only, each part starting with a letter or digit";
    }
    if (what === "pool" && !/^[A-Za-z]/.test(name))
        return "must start with a letter";
    return null;
}
