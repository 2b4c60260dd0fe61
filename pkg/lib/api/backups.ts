// Calls on backups, as the logged-in user: Machine.Backup; ListBackups,
// Restore and Remove on BackupRepository objects; the Backups singleton's
// AddRepository and AddSchedule; Update, RunNow and Remove on BackupSchedule objects.
import {
    BACKUPREPOSITORY_IFACE, BACKUPS_IFACE, BACKUPSCHEDULE_IFACE, MACHINE_IFACE, type CockpitVariant,
    type PageBackupRepositoryMethodResults, type PageBackupScheduleMethodResults, type PageBackupsMethodResults, type PageMachineMethodResults,
    type PlainBackupRepositoryListBackupsBackups, type PlainBackupRepositoryListFilesEntries,
} from "../../../generated/dbus-contract";
import { auditQuery } from "./audit";
import { HISTORY_METHODS, historyEntries, type HistoryEntry } from "./backups-data";
import { callDaemon } from "./call";
import { plainDicts, type WithOptional } from "./variants";

/** One backup as ListBackups describes it; Time in microseconds since the epoch. Size (the bytes of the
 * disks backed up) and Added (the bytes the backup added to the repository) only when known. */
export type BackupEntry = WithOptional<PlainBackupRepositoryListBackupsBackups[number], "Size" | "Added">;

/** The backups of one machine (by UUID, so also of one that was renamed) in one repository, oldest first. */
export async function backupRepositoryListBackups(repositoryPath: string, machineUUID: string): Promise<BackupEntry[]> {
    const [list] = await callDaemon<PageBackupRepositoryMethodResults["ListBackups"]>(repositoryPath, BACKUPREPOSITORY_IFACE, "ListBackups",
        [{ "machine-uuid": { t: "s", v: machineUUID } }]);
    return plainDicts<BackupEntry[]>(list);
}

/** Starts a restore as a new machine; returns the new machine's path (it appears when the job succeeds) and the job. */
export async function backupRepositoryRestore(repositoryPath: string, snapshot: string, newName: string): Promise<{ machine: string; job: string }> {
    const [machine, job] = await callDaemon<PageBackupRepositoryMethodResults["Restore"]>(repositoryPath, BACKUPREPOSITORY_IFACE, "Restore",
        [snapshot, newName, {}]);
    return { machine, job };
}

/** Starts a backup of the machine into the named repository; returns the job. */
export async function machineBackup(machinePath: string, repositoryName: string): Promise<string> {
    const [job] = await callDaemon<PageMachineMethodResults["Backup"]>(machinePath, MACHINE_IFACE, "Backup", [repositoryName, {}]);
    return job;
}

/** Adds (opens, or makes) a repository; returns the daemon's notice. The password is sent this once. */
export async function backupsAddRepository(backupsPath: string, name: string, location: string, password: string,
    options: Record<string, CockpitVariant> = {}): Promise<string> {
    const [, notice] = await callDaemon<PageBackupsMethodResults["AddRepository"]>(backupsPath, BACKUPS_IFACE, "AddRepository", [name, location, password, options]);
    return notice;
}

/** Forgets a repository and its password; its backups stay where they are. */
export async function backupRepositoryRemove(repositoryPath: string): Promise<void> {
    await callDaemon<PageBackupRepositoryMethodResults["Remove"]>(repositoryPath, BACKUPREPOSITORY_IFACE, "Remove", [{}]);
}

export async function backupsAddSchedule(backupsPath: string, name: string, repository: string, options: Record<string, CockpitVariant>): Promise<string> {
    const [schedule] = await callDaemon<PageBackupsMethodResults["AddSchedule"]>(backupsPath, BACKUPS_IFACE, "AddSchedule", [name, repository, options]);
    return schedule;
}

/** One entry of a directory of a backed-up disk, as ListFiles gives it. */
export type BackupFileEntry = WithOptional<PlainBackupRepositoryListFilesEntries[number], "FsType">;

/** A directory of a disk of a backup ("/" lists the partitions of a partitioned disk). */
export async function backupRepositoryListFiles(repositoryPath: string, snapshot: string, disk: string, path: string): Promise<BackupFileEntry[]> {
    const [list] = await callDaemon<PageBackupRepositoryMethodResults["ListFiles"]>(repositoryPath, BACKUPREPOSITORY_IFACE, "ListFiles", [snapshot, disk, path, {}]);
    return plainDicts<BackupFileEntry[]>(list);
}

/** One file of a disk of a backup, read piece by piece (at most 1 MiB each; the daemon caps the size). */
export async function backupRepositoryReadFile(repositoryPath: string, snapshot: string, disk: string, path: string): Promise<Blob> {
    const parts: Uint8Array[] = [];
    // bounded: each answer brings at least one byte or ends the loop, and files are at most 64 MiB
    for (let offset = 0, size = 1; offset < size;) {
        const [data, total] = await callDaemon<[unknown, number]>(repositoryPath, BACKUPREPOSITORY_IFACE, "ReadFile", [snapshot, disk, path, offset, {}]);
        // Cockpit's bus channel hands byte arrays over as base64
        const bytes = Uint8Array.from(atob(String(data)), c => c.charCodeAt(0));
        size = Number(total);
        if (bytes.length === 0)
            break;
        parts.push(bytes);
        offset += bytes.length;
    }
    return new Blob(parts as BlobPart[]);
}

/** Changes a schedule's settings: the options name what changes (as AddSchedule's, and "repository"). */
export async function backupScheduleUpdate(schedulePath: string, options: Record<string, CockpitVariant>): Promise<void> {
    await callDaemon<PageBackupScheduleMethodResults["Update"]>(schedulePath, BACKUPSCHEDULE_IFACE, "Update", [options]);
}

/** Runs a schedule at once; returns its job. */
export async function backupScheduleRunNow(schedulePath: string): Promise<string> {
    const [job] = await callDaemon<PageBackupScheduleMethodResults["RunNow"]>(schedulePath, BACKUPSCHEDULE_IFACE, "RunNow", [{}]);
    return job;
}

export async function backupScheduleRemove(schedulePath: string): Promise<void> {
    await callDaemon<PageBackupScheduleMethodResults["Remove"]>(schedulePath, BACKUPSCHEDULE_IFACE, "Remove", [{}]);
}

/** The recent end of every schedule run and backup or restore job, newest first, from the audit log. */
export async function backupHistory(perKind: number): Promise<HistoryEntry[]> {
    const pages = await Promise.all(Object.keys(HISTORY_METHODS).map(action => auditQuery({ action }, perKind, 0)));
    return historyEntries(pages.flatMap(p => p.events));
}

/** Puts a backup back over the machine it was made of (admins; the machine shut off): with dryRun only
 * what would be lost, else also the job. `disks` limits it to those disks' contents. */
export async function backupRepositoryRestoreOverOriginal(repositoryPath: string, snapshot: string, dryRun: boolean, disks?: string[]): Promise<{ job: string; lost: string[] }> {
    const [job, lost] = await callDaemon<PageBackupRepositoryMethodResults["RestoreOverOriginal"]>(repositoryPath, BACKUPREPOSITORY_IFACE, "RestoreOverOriginal",
        [snapshot, { "dry-run": { t: "b", v: dryRun }, ...disks ? { disks: { t: "as", v: disks } } : {} }]);
    return { job, lost };
}

/** Restores one disk of a backup as a new volume (attached to the backed-up machine with `attach`); returns POOL/VOLUME and the job. */
export async function backupRepositoryRestoreDisk(repositoryPath: string, snapshot: string, disk: string, options: { name?: string; attach?: boolean }): Promise<{ volume: string; job: string }> {
    const [volume, job] = await callDaemon<PageBackupRepositoryMethodResults["RestoreDisk"]>(repositoryPath, BACKUPREPOSITORY_IFACE, "RestoreDisk",
        [snapshot, disk, { ...options.name ? { name: { t: "s", v: options.name } } : {}, ...options.attach ? { attach: { t: "b", v: true } } : {} }]);
    return { volume, job };
}
