// The Backups tab's reading of what debvisord says: the new bytes of a
// backup from its job's message, and the backups of every repository in one
// list. No cockpit.js here: the unit tests run this in Node.

/** The part of a Job this needs. */
export interface BackupJobFacts { Operation: string; State: string; Message: string }

/**
 * The new bytes of each backup whose finished job is still known, by the
 * snapshot's short id. Machine.Backup's job message names the snapshot and
 * ends with "new bytes: N, reused bytes: N" (the contract's words).
 */
export function newBytesBySnapshot(jobs: BackupJobFacts[]): Map<string, number> {
    const found = new Map<string, number>();
    for (const job of jobs) {
        if (job.Operation !== "machine-backup" || job.State !== "succeeded")
            continue;
        const snapshot = /\bsnapshot ([0-9a-f]{8})\b/.exec(job.Message);
        const bytes = /\bnew bytes: (\d+)/.exec(job.Message);
        if (snapshot && bytes)
            found.set(snapshot[1], Number(bytes[1]));
    }
    return found;
}

/** Backups of several repositories as one list, newest first (ties by id, so the order is stable). */
export function newestFirst<T extends { Time: number; FullId: string }>(lists: T[][]): T[] {
    return lists.flat().sort((a, b) => b.Time - a.Time || (a.FullId < b.FullId ? -1 : a.FullId > b.FullId ? 1 : 0));
}
