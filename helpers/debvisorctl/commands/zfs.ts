// debvisorctl zfs …: the pools and datasets debvisord shows, and the common
// changes (snapshot, destroy, scrub) through the same methods as the page.
import { ZFSDATASET_IFACE, ZFSPOOL_IFACE } from "../../../generated/dbus-contract.js";
import { UsageError } from "../args.js";
import { findObject, managedObjects, objectsWith, type Found } from "../bus.js";
import { callCommand, listCommand } from "../call-command.js";
import { NO_ASK_OPTION, type Command } from "../command.js";
import { formatBytes } from "../../lib/bytes.js";
import { callMethod, passOptions } from "../method.js";

async function list(iface: string): Promise<Found[]> {
    return objectsWith(await managedObjects(), iface).sort((a, b) => String(a.Name) < String(b.Name) ? -1 : 1);
}

const find = (iface: string, name: string, what: string) => findObject(iface, o => o.Name === name, `no ${what} named "${name}"`);

const bytes = (v: unknown) => formatBytes(Number(v));

const zfsPools = listCommand({
    name: "zfs pools",
    summary: "ZFS pools: health, size, used, free, scrub",
    items: () => list(ZFSPOOL_IFACE),
    headers: ["NAME", "HEALTH", "SIZE", "USED", "FREE", "SCRUB"],
    row: p => [
        String(p.Name), String(p.Health), bytes(p.Size), bytes(p.Allocated), bytes(p.Free),
        p.ScrubState === "scrubbing" ? `${(Number(p.ScrubProgress) * 100).toFixed(1)} %` : String(p.LastScrub || p.ScrubState),
    ],
});

const zfsDatasets = listCommand({
    name: "zfs datasets",
    summary: "ZFS filesystems and volumes: used, available, compression, quota, snapshots",
    items: () => list(ZFSDATASET_IFACE),
    headers: ["NAME", "USED", "AVAIL", "COMPRESSION", "QUOTA", "SNAPSHOTS", "MOUNTPOINT"],
    row: d => [
        String(d.Name), bytes(d.Used), bytes(d.Available), String(d.Compression), Number(d.Quota) === 0 ? "-" : bytes(d.Quota),
        String((d.Snapshots as unknown[]).length), String(d.Mountpoint),
    ],
});

const zfsSnapshot: Command = {
    name: "zfs snapshot",
    args: "DATASET@NAME",
    summary: "take a snapshot (--recursive: of every child too)",
    options: { recursive: { type: "boolean", help: "also snapshot the children, at the same moment" }, ...NO_ASK_OPTION },
    async run(values, [full]) {
        const at = full.indexOf("@");
        if (at < 1)
            throw new UsageError("name the snapshot as DATASET@NAME");
        const dataset = await find(ZFSDATASET_IFACE, full.slice(0, at), "dataset");
        await callMethod(dataset.Path, ZFSDATASET_IFACE, "Snapshot", [full.slice(at + 1)], values,
            passOptions(values, { recursive: "b" }));
        return 0;
    },
};

const zfsDestroy: Command = {
    name: "zfs destroy",
    args: "DATASET | DATASET@SNAPSHOT",
    summary: "destroy a dataset (with --recursive, its children and snapshots too) or a snapshot",
    details: "Without --recursive, a dataset with children or snapshots is refused and the error lists them.",
    options: { recursive: { type: "boolean", help: "also destroy the children and snapshots" }, ...NO_ASK_OPTION },
    positionals: { min: 1, max: 1 },
    async run(values, [name]) {
        const at = name.indexOf("@");
        if (at >= 0) {
            const dataset = await find(ZFSDATASET_IFACE, name.slice(0, at), "dataset");
            await callMethod(dataset.Path, ZFSDATASET_IFACE, "DestroySnapshot", [name.slice(at + 1)], values);
        } else {
            const dataset = await find(ZFSDATASET_IFACE, name, "dataset");
            await callMethod(dataset.Path, ZFSDATASET_IFACE, "Destroy", [], values,
                passOptions(values, { recursive: "b" }));
        }
        return 0;
    },
};

const zfsScrub = callCommand({
    name: "zfs scrub",
    args: "POOL",
    summary: "check every block of a pool; prints the job, --wait follows it",
    options: { wait: { type: "boolean", help: "wait until the scrub ends, with progress" }, ...NO_ASK_OPTION },
    path: async ([name]) => (await find(ZFSPOOL_IFACE, name, "pool")).Path, iface: ZFSPOOL_IFACE, method: "Scrub",
    callArgs: () => [], prints: "job",
});

export const zfsCommands: Command[] = [zfsPools, zfsDatasets, zfsSnapshot, zfsDestroy, zfsScrub];
