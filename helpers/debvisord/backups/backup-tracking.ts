// What a machine's last backup into each repository left for the next one:
// the snapshot and, per disk, the dirty bitmap that tracks changes since and
// each segment's mtime there. One root-only file per machine, replaced
// whole (written beside and renamed); a file that cannot be read is no
// tracking at all, so the next backup reads every disk in full, never wrong.
import fs from "node:fs";
import nodePath from "node:path";
import * as z from "zod/mini";
import type { DiskTracking } from "./disk-segments.js";

const TRACKING_DIR = "/var/lib/debvisor/backup-tracking";

/** One disk's tracking and the file it was for (a disk replaced under the same target is not the same disk). */
export interface TrackedDisk extends DiskTracking { file: string; inode: number }
export interface RepositoryTracking {
    snapshot: string;
    disks: Record<string, TrackedDisk>;
    /** the machine's staging directory holds this snapshot's segment files (as placeholders) */
    staged?: boolean;
}
type MachineTracking = Record<string, RepositoryTracking>;

const trackingSchema = z.record(z.string(), z.object({
    snapshot: z.string().check(z.regex(/^[0-9a-f]{8,64}$/)),
    staged: z.optional(z.boolean()),
    disks: z.record(z.string(), z.object({
        file: z.string(), inode: z.number(), bitmap: z.nullable(z.string()),
        size: z.number(), segmentBytes: z.number(), mtimes: z.array(z.number()),
    })),
}));

function trackingFile(uuid: string, dir: string): string {
    return nodePath.join(dir, `${uuid}.json`);
}

export function readTracking(uuid: string, dir = TRACKING_DIR): MachineTracking {
    try {
        return trackingSchema.parse(JSON.parse(fs.readFileSync(trackingFile(uuid, dir), "utf8")));
    } catch {
        return {};
    }
}

export function writeTracking(uuid: string, tracking: MachineTracking, dir = TRACKING_DIR): void {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const file = trackingFile(uuid, dir);
    const partial = `${file}.partial`;
    fs.writeFileSync(partial, JSON.stringify(tracking), { mode: 0o600 });
    fs.renameSync(partial, file);
}

export function removeTracking(uuid: string, dir = TRACKING_DIR): void {
    fs.rmSync(trackingFile(uuid, dir), { force: true });
    fs.rmSync(`${trackingFile(uuid, dir)}.partial`, { force: true });
}

/** The UUIDs of the machines with tracking (or a write of it cut short). */
export function trackedMachines(dir = TRACKING_DIR): string[] {
    try {
        return [...new Set(fs.readdirSync(dir).map(f => /^([0-9a-f-]{36})\.json(\.partial)?$/.exec(f)?.[1]).filter((u): u is string => Boolean(u)))];
    } catch {
        return [];
    }
}
