// What backups keep on the node for a machine (its tracking, its staging
// directory of segment placeholders, the dirty bitmaps on its disks) goes
// when the machine is deleted: at once when libvirt says so, or at the
// next start for a machine deleted while debvisord was down.
import fs from "node:fs";
import nodePath from "node:path";
import { readTracking, removeTracking, trackedMachines } from "./backup-tracking.js";
import { removeBitmap } from "./disk-segments.js";
import { backupEnded, STAGING_DIR } from "./machine-backup.js";
import { MACHINE_UUID } from "./tags.js";

/* Forgets a deleted machine's backup state once a backup of it that runs has ended. A bitmap on a disk
 * that stays (deleted without its disks) goes too where the disk is not in use (it costs on every write). */
export async function forgetMachine(uuid: string, stagingDir = STAGING_DIR): Promise<void> {
    await backupEnded(uuid);
    const tracking = readTracking(uuid);
    removeTracking(uuid);
    fs.rmSync(nodePath.join(stagingDir, uuid), { recursive: true, force: true });
    for (const repository of Object.values(tracking))
        for (const disk of Object.values(repository.disks)) {
            let inode = -1;
            try {
                inode = fs.statSync(disk.file).ino;
            } catch {
                // deleted with the machine
            }
            if (disk.bitmap && inode === disk.inode)
                await removeBitmap(disk.file, disk.bitmap).catch(() => undefined);
        }
}

/* The machines with backup state on the node that `exists` says are gone; their state is forgotten. */
export async function sweepDeletedMachines(exists: (uuid: string) => Promise<boolean>, stagingDir = STAGING_DIR): Promise<string[]> {
    let staged: string[] = [];
    try {
        staged = fs.readdirSync(stagingDir).filter(f => MACHINE_UUID.test(f));
    } catch {
        // no backup made yet
    }
    const swept = [];
    for (const uuid of new Set([...trackedMachines(), ...staged]))
        if (!await exists(uuid)) {
            await forgetMachine(uuid, stagingDir);
            swept.push(uuid);
        }
    return swept;
}
