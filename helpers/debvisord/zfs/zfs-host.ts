// What the ZFS method modules, the schedule runner and the storage profiles
// need of the ZFS area, so they depend on this and not on the area's class
// (which imports them).
import type { AuditLog } from "../audit/audit-log.js";
import type { JobRegistry } from "../jobs/jobs.js";
import type { DatasetEntry, ZfsFlavor } from "./parse.js";
import type { Schedule } from "./schedule.js";
import type { ZfsTools } from "./tools.js";

export interface ZfsHost {
    readonly tools: ZfsTools;
    readonly jobs: JobRegistry;
    /* where the schedule's own snapshots, deletions and scrubs are recorded */
    readonly audit: AuditLog | null;
    /* which ZFS the host has; null while none was found */
    readonly flavor: ZfsFlavor | null;
    /* the last `zfs get` of everything: datasets and snapshots */
    readonly datasets: DatasetEntry[];
    readonly schedule: Schedule;
    readonly scheduleFile: string;
    /* resolves after the first read of the pools and datasets; methods wait for it */
    readonly ready: Promise<void>;
    poolPath(name: string): string;
    datasetPath(name: string): string;
    /* a pool object's properties, or undefined when there is no such pool */
    poolState(path: string): Record<string, unknown> | undefined;
    /* the leaf devices of every pool, each with its pool's name */
    devicesInUse(): Map<string, string>;
    /* re-reads the pools and datasets; resolves when the objects are current */
    refresh(): Promise<void>;
    setSchedule(schedule: Schedule): void;
}
