// Machine.Backup: a machine's definition and every disk into a restic
// repository, as a Job. A shut-off machine's disks are read as they are. A
// running machine's disks are never read while they are written: a
// disk-only external snapshot (file systems frozen through the guest agent
// for that moment when it answers, else crash-consistent) sends new writes to
// an overlay beside each disk, the now unchanging disk is backed up, and the
// overlay is committed back and removed; the machine keeps running.
import fs from "node:fs";
import os from "node:os";
import nodePath from "node:path";
import * as z from "zod/mini";
import { busy, failed, notSupported } from "../../lib/errors.js";
import { formatBytes } from "../../lib/bytes.js";
import { virsh } from "../../lib/virsh.js";
import { method } from "../bus/call-pipeline.js";
import { ensureDir } from "../host/dirs.js";
import { openSource } from "../images/image-import.js";
import { diskFile } from "../machines/copies.js";
import { xmlEscape } from "../machines/domain-builder.js";
import { describeDomain } from "../machines/domain-xml.js";
import { storedDefinition, type MachineHost } from "../machines/machine-host.js";
import { optionsSchema, resourceName } from "../validation.js";
import type { JobControl } from "../jobs/jobs.js";
import type { BackupsHost } from "./backups-host.js";
import { readTracking, writeTracking, type RepositoryTracking, type TrackedDisk } from "./backup-tracking.js";
import {
    imageInfo, pruneBitmaps, punchSegment, segmentBytesFor, segmentsDir, stageDisk, writtenSegmentFiles, type ImageInfo, type SegmentLayout, type StagedDisk,
} from "./disk-segments.js";
import { describeLocation } from "./locations.js";
import type { RepositoryAccess } from "./restic.js";
import { machineTags } from "./tags.js";

/** Where a machine's definition and manifest are put for restic, one directory per machine (its UUID). */
export const STAGING_DIR = "/var/lib/debvisor/backup";
const OVERLAY_SUFFIX = ".debvisor-backup-overlay";
/** virDomainSnapshotCreateFlags */
const NO_METADATA = 4, DISK_ONLY = 16, QUIESCE = 64, ATOMIC = 128;
const COMMIT_TIMEOUT_MS = 6 * 3600_000;

/** One disk in a backup: its file backed up whole (version 1, or a qcow2 with internal snapshots), or
 * (version 2) its contents as segment files under the staging directory (segmentsDir) */
export interface ManifestDisk { target: string; file: string; format: string; bytes: number; segments?: SegmentLayout }
export interface Manifest { version: 1 | 2; name: string; uuid: string; time: string; consistency: string; disks: ManifestDisk[] }

const running = new Set<string>(); // machines being backed up
const waiting = new Map<string, Array<() => void>>(); // machine → who waits for its backup to end

export function isBeingBackedUp(uuid: string): boolean {
    return running.has(uuid);
}

/* Resolves once no backup of the machine runs. */
export function backupEnded(uuid: string): Promise<void> {
    if (!running.has(uuid))
        return Promise.resolve();
    return new Promise(resolve => waiting.set(uuid, [...waiting.get(uuid) ?? [], resolve]));
}

export function uuidOf(path: string): string {
    return path.split("/").pop()!.replace(/_/g, "-");
}

export function backupMethod(area: BackupsHost, host: MachineHost, path: string) {
    return method({
        args: z.tuple([resourceName, optionsSchema({})]),
        run: async (ctx, [repositoryName]) => {
            area.requireRestic();
            area.repository(repositoryName);
            const name = host.name(path);
            if (running.has(uuidOf(path)))
                throw busy(`${name} is being backed up already`);
            const job = host.jobs.start({
                operation: "machine-backup", description: `Backing up ${name} to ${repositoryName}`, caller: ctx.caller,
                objects: [path, area.repositoryPath(repositoryName)],
            }, control => area.using(repositoryName, () => backupMachine(area, host, path, repositoryName, control)));
            return [job.path];
        },
    });
}

interface BackupExtras {
    /** tags besides the machine's own (a schedule's) */
    tags?: string[];
    /** the time the snapshot is recorded with (a schedule's clock); default: now */
    time?: string;
}

/* Backs one machine up into the repository; the message says the snapshot and the bytes. */
export async function backupMachine(area: BackupsHost, host: MachineHost, path: string, repositoryName: string, control: JobControl,
    extras: BackupExtras = {}): Promise<string> {
    const { access } = area.repository(repositoryName);
    const uuid = uuidOf(path);
    const name = host.name(path);
    if (running.has(uuid))
        throw busy(`${name} is being backed up already`);
    running.add(uuid);
    try {
        const domainPath = host.domainOf(path);
        const live = ["running", "paused"].includes(host.state(path));
        const definition = await storedDefinition(host, path);
        // the disks as the machine uses them now (a running one's may differ from its stored definition)
        const current = live ? await host.libvirt.domainXml(domainPath) : definition;
        const disks: ManifestDisk[] = [];
        const infos = new Map<string, ImageInfo>(); // a qcow2's, read once for the whole backup
        for (const disk of describeDomain(current).disks.filter(d => d.Device === "disk")) {
            const file = await diskFile(host, disk);
            if (file.endsWith(OVERLAY_SUFFIX))
                throw failed(`disk ${disk.Target} of ${name} still runs on the overlay of a backup that was cut short (${file}); ` +
                    `commit it with: virsh blockcommit ${uuid} ${disk.Target} --active --pivot --wait`);
            const stat = imageFileStat(file, disk.Target, name, "backed up");
            // a disk with a backing file would be backed up without it: refused, as an import is
            const image = openSource(file, `disk ${disk.Target}`, disk.Format || undefined);
            image.close();
            // a qcow2 with internal snapshots keeps them: its file is backed up whole (read in full every time)
            const info = image.format === "qcow2" ? await imageInfo(file, live) : undefined;
            if (info)
                infos.set(disk.Target, info);
            const whole = info !== undefined && info.snapshots > 0;
            disks.push({
                target: disk.Target, file, format: image.format, bytes: stat.size,
                ...whole ? {} : { segments: { size: image.virtualSize, segmentBytes: segmentBytesFor(image.virtualSize) } },
            });
        }
        if (disks.length === 0)
            throw failed(`${name} has no disk to back up`);

        // kept between backups: the segment files, as sparse placeholders, for the next backup into the same repository
        const staging = nodePath.join(STAGING_DIR, uuid);
        let done = false;
        let consistency = "shut-off";
        let overlays: Array<{ target: string; overlay: string }> = [];
        try {
            if (live) {
                const taken = await snapshotToOverlays(host, domainPath, current, disks);
                overlays = taken.overlays;
                consistency = taken.frozen ? "frozen" : "crash-consistent";
            }
            control.setProgress(0.02);
            const manifest: Manifest = { version: 2, name, uuid, time: new Date().toISOString(), consistency, disks };
            const tags = (bytes: number) => [...machineTags(uuid, name, consistency, bytes), ...extras.tags ?? []];
            const key = trackingKey(repositoryName, access);
            const tracking = readTracking(uuid);
            // the placeholders in the staging directory are this repository's parent's, until they are touched
            const kept = tracking[key]?.staged === true;
            for (const t of Object.values(tracking))
                t.staged = false;
            writeTracking(uuid, tracking);
            // the bitmaps other repositories' next backups read from stay; this one's parent's is replaced by the one this backup makes
            const otherBitmaps = new Set(Object.entries(tracking).filter(([k]) => k !== key)
                .flatMap(([, t]) => Object.values(t.disks).map(d => d.bitmap)).filter((b): b is string => Boolean(b)));
            const run = { area, access, staging, manifest, definition, live, tags, time: extras.time, control, kept, infos, otherBitmaps };
            // restic could not use the parent as planned (gone, or a segment it read that it should have taken): in full
            const result = await backUpOnce(run, tracking[key] ?? null) ?? await backUpOnce(run, null);
            if (!result)
                throw failed("restic could not make a full backup either");
            const { summary, staged } = result;
            if (!live && host.state(path) !== "shutoff") {
                // started while its disks were read: this backup may hold a disk half-written
                await area.restic.run(access, ["forget", summary.snapshotId]);
                throw failed(`${name} was started while it was being backed up; back it up again`);
            }
            if (live)
                // the disks were written through the backup's overlay meanwhile: no bitmap made before covers that
                for (const t of Object.values(tracking))
                    for (const d of Object.values(t.disks))
                        d.bitmap = null;
            tracking[key] = { snapshot: summary.snapshotId, disks: Object.fromEntries(staged.map(d => [d.disk.target, d.tracked])), staged: true };
            writeTracking(uuid, tracking);
            done = true;
            const reused = Math.max(0, summary.bytesProcessed - summary.bytesNew);
            const incremental = staged.filter(d => d.incremental).map(d => d.disk.target);
            const diskBytesRead = staged.reduce((n, d) => n + d.bytesRead, 0) + disks.filter(d => !d.segments).reduce((n, d) => n + d.bytes, 0);
            return `Backed up ${name} to ${repositoryName} as snapshot ${summary.snapshotId.slice(0, 8)} (${describeConsistency(consistency)}): ` +
                `${formatBytes(diskBytesRead)} read from the disks (disk bytes read: ${diskBytesRead}` +
                `${incremental.length ? `; only what changed on ${incremental.join(", ")}` : ""}), ` +
                `${formatBytes(summary.bytesNew)} new, ${formatBytes(reused)} reused (new bytes: ${summary.bytesNew}, reused bytes: ${reused})`;
        } finally {
            if (!done)
                fs.rmSync(staging, { recursive: true, force: true });
            // whatever happened to the backup, the machine goes back to its own disks
            for (const o of overlays)
                await commitOverlay(uuid, o.target, o.overlay);
        }
    } finally {
        running.delete(uuid);
        for (const resolve of waiting.get(uuid) ?? [])
            resolve();
        waiting.delete(uuid);
    }
}

interface BackupRun {
    area: BackupsHost;
    access: RepositoryAccess;
    staging: string;
    manifest: Manifest;
    definition: string;
    live: boolean;
    /** the snapshot's tags, given the disks' bytes */
    tags(bytes: number): string[];
    time?: string;
    control: JobControl;
    /** the staging directory holds the parent's placeholders */
    kept: boolean;
    /** each qcow2 disk's imageInfo, by target, as the backup began */
    infos: Map<string, ImageInfo>;
    /** bitmaps that other repositories' tracking names */
    otherBitmaps: Set<string>;
}

/** Tracking is per repository: the name and where it is (a name given to another repository is another one). */
function trackingKey(repositoryName: string, access: RepositoryAccess): string {
    return `${repositoryName} ${describeLocation(access.location)}`;
}

/* Stages the definition, the manifest and every segmented disk, and runs restic once: reading only
 * what changed since `parent` where a disk's bitmap allows, else (parent null) everything. Null when
 * restic could not use the parent as planned: that snapshot is forgotten and nothing is kept. */
async function backUpOnce(run: BackupRun, parent: RepositoryTracking | null) {
    const { area, access, staging, manifest, control } = run;
    ensureDir(staging, 0o700);
    const segmented = manifest.disks.filter(d => d.segments);
    // disks the machine no longer has are not backed up again
    for (const target of fs.existsSync(segmentsDir(staging, "")) ? fs.readdirSync(segmentsDir(staging, "")) : [])
        if (!segmented.some(d => d.target === target))
            fs.rmSync(segmentsDir(staging, target), { recursive: true, force: true });
    const now = Math.floor(Date.now() / 1000);
    const staged: Array<StagedDisk & { disk: ManifestDisk; tracked: TrackedDisk }> = [];
    for (const [n, disk] of segmented.entries()) {
        const inode = fs.statSync(disk.file).ino;
        const before = parent?.disks[disk.target];
        const previous = before && before.file === disk.file && before.inode === inode ? before : null;
        const result = await stageDisk({
            staging, target: disk.target, file: disk.file, format: disk.format, size: disk.segments!.size, live: run.live, previous, now, kept: run.kept && parent !== null,
            info: run.infos.get(disk.target),
            signal: control.signal, onProgress: f => control.setProgress(0.02 + 0.3 * (n + f) / segmented.length),
        });
        staged.push({ disk, ...result, tracked: { ...result.tracking, file: disk.file, inode } });
        // the file as backed up: with the bitmap this backup added
        disk.bytes = fs.statSync(disk.file).size;
    }
    fs.writeFileSync(nodePath.join(staging, "domain.xml"), run.definition, { mode: 0o600 });
    fs.writeFileSync(nodePath.join(staging, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n", { mode: 0o600 });
    const placeholders = staged.reduce((n, d) => n + d.placeholders, 0);
    const incremental = parent !== null && staged.some(d => d.incremental);
    // with a parent, restic takes an unchanged segment (same size and mtime) from it without reading it
    const how = incremental ? ["--parent", parent.snapshot, "--ignore-inode", "--ignore-ctime"] : ["--force"];
    // the bitmaps no repository's next backup needs go while restic runs (the disks are read: should restic fail, the next
    // backup into this repository reads in full); a running machine's disks are in use
    const pruning = run.live ? null : Promise.all(staged.filter(d => d.disk.format === "qcow2").map(d =>
        pruneBitmaps(d.disk.file, new Set([...run.otherBitmaps, ...d.tracking.bitmap ? [d.tracking.bitmap] : []]), run.infos.get(d.disk.target)?.bitmaps)
            .catch(() => undefined)));
    // a segment written with data lets go of it as soon as restic says it has read and saved it, not after restic
    const toPunch = new Map([...staged.entries()].flatMap(([n, d]) =>
        [...writtenSegmentFiles(staging, d.disk.target, d.written)].map(([file, index]) => [file, { n, index }] as const)));
    const punching: Array<Promise<void>> = [];
    const punch = (file: string) => {
        const segment = toPunch.get(file);
        if (!segment)
            return;
        toPunch.delete(file);
        const d = staged[segment.n];
        punching.push(punchSegment(staging, d.disk.target, d.tracking, segment.index));
    };
    let summary;
    try {
        summary = await area.restic.backup(access, [staging, ...manifest.disks.filter(d => !d.segments).map(d => d.file)], run.tags(manifest.disks.reduce((n, d) => n + d.bytes, 0)),
            os.hostname(), control.signal, f => control.setProgress(0.32 + f * (run.live ? 0.6 : 0.65)), run.time, how, punch);
        // any restic did not name (it names every file it saved: none, normally)
        for (const file of [...toPunch.keys()])
            punch(file);
        await Promise.all(punching);
    } catch (e) {
        await Promise.allSettled(punching);
        if (incremental && /no matching ID found/.test((e as Error).message))
            return null;
        throw e;
    } finally {
        await pruning;
    }
    if (incremental && summary.filesUnmodified !== placeholders) {
        // a placeholder read as if it were the disk's data would make a wrong backup
        await area.restic.run(access, ["forget", summary.snapshotId]);
        return null;
    }
    return { summary, staged };
}

/* A disk's file must be there and be an image file (not a block device); `what`: "backed up", "restored over". */
export function imageFileStat(file: string, target: string, name: string, what: string): fs.Stats {
    let stat: fs.Stats;
    try {
        stat = fs.statSync(file);
    } catch {
        throw failed(`disk ${target} of ${name}: ${file} does not exist`);
    }
    if (!stat.isFile())
        throw notSupported(`disk ${target} of ${name} is ${file}, not an image file; only image files are ${what} so far`);
    return stat;
}

function describeConsistency(consistency: string): string {
    return consistency === "frozen" ? "file systems frozen by the guest agent" :
        consistency === "crash-consistent" ? "crash-consistent: no guest agent answered" : "shut off";
}

/* A disk-only external snapshot of every disk at one moment (with the guest's file systems
 * frozen for it when its agent answers): writes go to the overlays, the disks stop changing. */
async function snapshotToOverlays(host: MachineHost, domainPath: string, xml: string, disks: Array<{ target: string; file: string }>) {
    const overlays = disks.map(d => ({ target: d.target, overlay: `${d.file}${OVERLAY_SUFFIX}` }));
    for (const o of overlays)
        fs.rmSync(o.overlay, { force: true }); // not in use (checked): left by a daemon that stopped mid-backup
    const others = describeDomain(xml).disks.filter(d => !disks.some(x => x.target === d.Target));
    const snapshot = "<domainsnapshot><name>debvisor-backup</name><disks>" +
        overlays.map(o => `<disk name='${xmlEscape(o.target)}' snapshot='external'><source file='${xmlEscape(o.overlay)}'/></disk>`).join("") +
        others.map(d => `<disk name='${xmlEscape(d.Target)}' snapshot='no'/>`).join("") +
        "</disks></domainsnapshot>";
    const take = (flags: number) => host.libvirt.call(domainPath, "org.libvirt.Domain", "SnapshotCreateXML", "su", [snapshot, flags]);
    try {
        await take(DISK_ONLY | NO_METADATA | ATOMIC | QUIESCE);
        return { overlays, frozen: true };
    } catch (e) {
        // no agent (or it does not answer): a crash-consistent point in time instead
        if (!/agent|quiesce|freeze/i.test((e as Error).message))
            throw failed(`cannot take a snapshot of the running machine: ${(e as Error).message}`);
    }
    try {
        await take(DISK_ONLY | NO_METADATA | ATOMIC);
    } catch (e) {
        throw failed(`cannot take a snapshot of the running machine: ${(e as Error).message}`);
    }
    return { overlays, frozen: false };
}

/* Writes the overlay's data back into the disk, switches the machine back to the disk and removes the overlay. */
async function commitOverlay(uuid: string, target: string, overlay: string): Promise<void> {
    const r = await virsh(["blockcommit", uuid, target, "--active", "--pivot", "--wait"], `committing the backup overlay of ${target}`,
        { allowFailure: true, timeout: COMMIT_TIMEOUT_MS });
    if (r.exitCode !== 0)
        throw failed(`the machine still writes disk ${target} to the overlay ${overlay}: committing it back failed: ` +
            `${(r.stderr || r.stdout).trim()}; try: virsh blockcommit ${uuid} ${target} --active --pivot --wait`);
    fs.rmSync(overlay, { force: true });
}
