// How DebVisor's restic snapshots are tagged, so that a machine's backups can
// be listed (and restored after the machine is gone) by its UUID and name.
import type { ResticSnapshot } from "./restic.js";

export const TAG = "debvisor";

export const MACHINE_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/* Tags hold no "," (restic's list separator) nor spaces: a machine name is written URI-encoded. */
function tagSafe(text: string): string {
    return encodeURIComponent(text);
}

/* diskBytes: the size of the disks backed up, so that a list of backups can show it without reading the repository. */
export function machineTags(uuid: string, name: string, consistency: string, diskBytes?: number): string[] {
    return [TAG, `machine-uuid=${uuid}`, `machine-name=${tagSafe(name)}`, `consistency=${consistency}`,
        ...diskBytes === undefined ? [] : [`disk-bytes=${diskBytes}`]];
}

export function tagValue(tags: string[] | undefined, key: string): string {
    const tag = (tags ?? []).find(t => t.startsWith(`${key}=`));
    if (!tag)
        return "";
    const value = tag.slice(key.length + 1);
    try {
        return decodeURIComponent(value);
    } catch {
        return value;
    }
}

/* What ListBackups says of a backup's size: the disks' bytes (tagged at backup time, or restic's own
 * summary where restic 0.17 and later keep one) and the bytes it added, when restic kept that. */
export function backupSizes(snapshot: ResticSnapshot): { Size?: bigint; Added?: bigint } {
    const tagged = /^\d{1,18}$/.test(tagValue(snapshot.tags, "disk-bytes")) ? BigInt(tagValue(snapshot.tags, "disk-bytes")) : undefined;
    const processed = snapshot.summary?.total_bytes_processed;
    const added = snapshot.summary?.data_added;
    const size = tagged ?? (typeof processed === "number" ? BigInt(processed) : undefined);
    return { ...size === undefined ? {} : { Size: size }, ...typeof added === "number" ? { Added: BigInt(added) } : {} };
}
