// BackupRepository.RestoreOverOriginal: a backup put back over the machine it
// was made of (admins only), the machine shut off. Every disk is first
// restored beside the one it replaces and checked; only then are the files
// swapped in by rename and the backed-up definition defined, so a restore
// that fails or is cancelled before the swap leaves the machine as it was,
// and one that fails during the swap puts the original files back. The
// plan ("dry-run") and the reply name what is lost. With "disks" only those
// disks' contents are put back and the definition stays.
import fs from "node:fs";
import nodePath from "node:path";
import * as z from "zod/mini";
import { busy, failed, invalidArgument, notFound } from "../../lib/errors.js";
import { formatBytes } from "../../lib/bytes.js";
import { method } from "../bus/call-pipeline.js";
import { openSource } from "../images/image-import.js";
import { diskFile, replaceDiskSource } from "../machines/copies.js";
import { xmlEscape } from "../machines/domain-builder.js";
import { describeDomain, type DomainDisk } from "../machines/domain-xml.js";
import { diskTarget } from "../machines/machine-rules.js";
import { requireShutOff, storedDefinition } from "../machines/machine-host.js";
import { adoptFile, requireDirectory, vmPool, type VmPool } from "../machines/vm-storage.js";
import { optionsSchema } from "../validation.js";
import type { JobControl } from "../jobs/jobs.js";
import type { Libvirt } from "../machines/libvirt.js";
import { readBackup, snapshotId, writeBackedUpDisk, type BackupContents } from "./backup-contents.js";
import type { BackupsHost } from "./backups-host.js";
import { imageFileStat, isBeingBackedUp, uuidOf, type ManifestDisk } from "./machine-backup.js";
import { REPLACED_SUFFIX, STAGED_SUFFIX, type SwapJournal } from "./swap-journal.js";

export { STAGED_SUFFIX };

/** One disk of the backup and where it goes. */
export interface RestorePlanDisk {
    target: string;
    /** the disk in the backup */
    from: ManifestDisk;
    format: string;
    bytes: number;
    /** the file the restored disk becomes */
    file: string;
    /** it replaces the machine's current disk (else it is a new volume of `pool`) */
    replaces: boolean;
    pool?: VmPool;
    volume?: string;
}

const restoring = new Set<string>(); // machines being restored over

export function restoreOverOriginalMethod(area: BackupsHost, repositoryName: string) {
    const host = area.host;
    return method({
        args: z.tuple([snapshotId, optionsSchema({
            "dry-run": z.optional(z.boolean()),
            disks: z.optional(z.array(diskTarget).check(z.minLength(1, "must name at least one disk"), z.maxLength(64))),
        })]),
        run: async (ctx, [id, options]) => {
            const contents = await readBackup(area, repositoryName, id);
            const { backup, manifest } = contents;
            const path = host.objectPath(manifest.uuid);
            if (!host.list().some(m => m.path === path))
                throw notFound(`snapshot: the machine ${manifest.name} (${manifest.uuid}) of backup ${backup.short_id} no longer exists; restore the backup as a new machine instead`);
            const name = host.name(path);
            requireShutOff(host, path, "restoring a backup over it");
            if (restoring.has(path))
                throw busy(`${name} is being restored already`);
            if (area.swaps.pending(uuidOf(path)))
                throw busy(`${name}: an interrupted restore over it is being finished; try again in a moment`);
            if (isBeingBackedUp(manifest.uuid))
                throw busy(`${name} is being backed up; wait for the backup or cancel it first`);
            const domainPath = host.domainOf(path);
            if ((await host.libvirt.listSnapshots(domainPath)).length > 0)
                throw busy(`${name} has snapshots, which live in the disks a restore replaces: delete them first`);
            const current = await storedDefinition(host, path);
            const currentDisks = describeDomain(current).disks.filter(d => d.Device === "disk");
            const only = options.disks;
            for (const target of only ?? []) {
                if (!manifest.disks.some(d => d.target === target))
                    throw invalidArgument(`disks: backup ${backup.short_id} has no disk ${target} (it has ${manifest.disks.map(d => d.target).join(", ")})`);
                if (!currentDisks.some(d => d.Target === target))
                    throw invalidArgument(`disks: ${target} is not a disk of ${name} now; restore it as a new disk instead`);
            }
            const plan = await planDisks(area, contents, name, currentDisks, only);
            const when = backup.time.replace(/\.\d+/, "");
            const lost = [
                ...plan.filter(p => p.replaces).map(p => `disk ${p.target} (${p.file}): everything written to it since the backup of ${when}`),
                ...only ? [] : [
                    ...currentDisks.filter(d => !manifest.disks.some(m => m.target === d.Target))
                        .map(d => `disk ${d.Target} (${d.Source}): the backup does not have it, so it is detached from ${name} (its image file is kept)`),
                    `the settings of ${name} changed since the backup: the backed-up definition replaces them`,
                ],
            ];
            if (options["dry-run"])
                return ["/", lost];

            checkRoomBeside(plan);
            restoring.add(path);
            let job;
            try {
                job = host.jobs.start({
                    operation: "machine-restore", description: `Restoring ${name} from backup ${backup.short_id} of ${when} in ${repositoryName}, over the machine`,
                    caller: ctx.caller, objects: [area.repositoryPath(repositoryName), path],
                }, control => area.using(repositoryName, async () => {
                    try {
                        await restoreBeside(area, contents, plan, control);
                        try {
                            if (control.signal.aborted)
                                throw control.signal.reason;
                            // the last moment before anything of the machine changes: it must still be off
                            requireShutOff(host, path, "restoring a backup over it");
                        } catch (e) {
                            removeStaged(plan);
                            throw e;
                        }
                        const definition = only ? withFormats(current, plan) : backedUpDefinition(contents, current, name, plan);
                        // written down first: a daemon killed during the swap finishes it when it starts again
                        const journal: SwapJournal = {
                            version: 1, machine: path, name, uuid: uuidOf(path), definition, previous: current, direction: "forward",
                            disks: plan.map(p => ({ file: p.file, replaces: p.replaces, ...p.pool ? { poolPath: p.pool.path } : {} })),
                        };
                        area.swaps.write(journal);
                        await swapIn(host.libvirt, plan, () => host.libvirt.defineDomain(definition), () => host.libvirt.defineDomain(current), {
                            undoing: () => area.swaps.write({ ...journal, direction: "back" }),
                            undone: () => area.swaps.remove(journal.uuid),
                        });
                        area.swaps.remove(journal.uuid);
                        await host.refresh(domainPath);
                        await refreshPools(area, currentDisks, plan);
                        return `Restored ${name} from backup ${backup.short_id} of ${when}: ${plan.map(p => p.target).join(", ")} put back ` +
                            `(${formatBytes(plan.reduce((n, p) => n + p.bytes, 0))})${only ? "" : ", and its backed-up settings"}`;
                    } finally {
                        restoring.delete(path);
                    }
                }));
            } catch (e) {
                restoring.delete(path);
                throw e;
            }
            await ctx.auditStep("RestoreOverOriginal.lost", "planned", lost, { object: path });
            return [job.path, lost];
        },
    });
}

/* Where each of the backup's disks goes: over the machine's disk with the same target, else
 * (a disk removed since the backup) a new volume in the pool for new disks. */
async function planDisks(area: BackupsHost, { manifest }: BackupContents, name: string, currentDisks: DomainDisk[],
    only: string[] | undefined): Promise<RestorePlanDisk[]> {
    const plan: RestorePlanDisk[] = [];
    for (const d of manifest.disks.filter(m => !only || only.includes(m.target))) {
        const existing = currentDisks.find(c => c.Target === d.target);
        if (existing) {
            const file = await diskFile(area.host, existing);
            imageFileStat(file, d.target, name, "restored over");
            plan.push({ target: d.target, from: d, format: d.format, bytes: d.bytes, file, replaces: true });
            continue;
        }
        const pool = await vmPool(area.host.libvirt);
        const volume = `${name}-${d.target}.${d.format}`;
        const file = nodePath.join(requireDirectory(pool), volume);
        if (fs.existsSync(file))
            throw invalidArgument(`snapshot: disk ${d.target} of the backup would become ${volume} in the pool "${pool.name}", which exists already`);
        plan.push({ target: d.target, from: d, format: d.format, bytes: d.bytes, file, replaces: false, pool, volume });
    }
    return plan;
}

/* The restored disks are written beside the ones they replace: that file system must hold them. */
export function checkRoomBeside(plan: RestorePlanDisk[]): void {
    const need = new Map<string, number>();
    for (const p of plan)
        need.set(nodePath.dirname(p.file), (need.get(nodePath.dirname(p.file)) ?? 0) + p.bytes);
    for (const [dir, bytes] of need) {
        const s = fs.statfsSync(dir);
        if (s.bavail * s.bsize < bytes)
            throw failed(`snapshot: ${dir} has ${formatBytes(s.bavail * s.bsize)} free, and the restored disks need ${formatBytes(bytes)} beside the current ones`);
    }
}

/* Each disk out of the repository into its staged file beside its place, checked as an import is;
 * whatever fails or is cancelled removes every staged file. */
export async function restoreBeside(area: BackupsHost, contents: BackupContents, plan: RestorePlanDisk[], control: JobControl): Promise<void> {
    const total = plan.reduce((n, p) => n + p.bytes, 0);
    let done = 0;
    try {
        for (const p of plan) {
            const staged = p.file + STAGED_SUFFIX;
            fs.rmSync(staged, { force: true }); // left by a daemon that stopped mid-restore
            await writeBackedUpDisk(area, contents, p.from, staged, control.signal,
                bytes => control.setProgress(total > 0 ? Math.min(0.98, (done + bytes) / total) : 0));
            done += p.bytes;
            openSource(staged, `snapshot: disk ${p.target}`, p.format).close();
        }
    } catch (e) {
        removeStaged(plan);
        throw e;
    }
}

export function removeStaged(plan: RestorePlanDisk[]): void {
    for (const p of plan)
        fs.rmSync(p.file + STAGED_SUFFIX, { force: true });
}

/* Renames every staged disk into its place, then `commit` (the definition); any failure renames the
 * originals back (and runs `undo` when the definition had been changed), between `undoing` and `undone`. */
export async function swapIn(libvirt: Libvirt, plan: RestorePlanDisk[], commit: () => Promise<unknown>, undo: () => Promise<unknown>,
    journal: { undoing(): void; undone(): void } = { undoing: () => undefined, undone: () => undefined }): Promise<void> {
    const moved: RestorePlanDisk[] = [];
    let committed = false;
    try {
        for (const p of plan) {
            if (p.replaces)
                fs.renameSync(p.file, p.file + REPLACED_SUFFIX);
            moved.push(p); // from here on, undone by putting the original back
            fs.renameSync(p.file + STAGED_SUFFIX, p.file);
        }
        for (const p of plan.filter(x => !x.replaces))
            await adoptFile(libvirt, p.pool!, p.volume!);
        await commit();
        committed = true;
    } catch (e) {
        journal.undoing();
        if (committed)
            await undo().catch(() => undefined);
        for (const p of moved.reverse()) {
            fs.rmSync(p.file, { force: true });
            if (p.replaces)
                fs.renameSync(p.file + REPLACED_SUFFIX, p.file);
        }
        removeStaged(plan);
        journal.undone();
        throw e;
    }
    for (const p of plan.filter(x => x.replaces))
        fs.rmSync(p.file + REPLACED_SUFFIX, { force: true });
}

/* The current definition with the restored disks' formats (a disk converted since the backup). */
function withFormats(current: string, plan: RestorePlanDisk[]): string {
    return mapDisks(current, (element, target) => {
        const p = plan.find(x => x.target === target);
        return p ? element.replace(/(<driver\b[^>]*type=)['"]\w+['"]/, `$1'${p.format}'`) : element;
    });
}

/* The backed-up definition, under the machine's current name, its disks where they are now. */
function backedUpDefinition({ definition }: BackupContents, current: string, name: string, plan: RestorePlanDisk[]): string {
    const currentElements = new Map<string, string>();
    mapDisks(current, (element, target) => {
        currentElements.set(target, element);
        return element;
    });
    let xml = definition.replace(/<name>[^<]*<\/name>/, `<name>${xmlEscape(name)}</name>`);
    xml = mapDisks(xml, (element, target) => {
        const p = plan.find(x => x.target === target);
        const now = currentElements.get(target);
        if (!p || !p.replaces || !now)
            return element;
        // the source (and its kind: file or volume) of the disk as the machine has it now
        const type = /^<disk type=['"](\w+)['"]/.exec(now)?.[1] ?? "file";
        const source = /<source\b[^>]*\/>|<source\b[\s\S]*?<\/source>/.exec(now)?.[0] ?? `<source file='${xmlEscape(p.file)}'/>`;
        return element.replace(/^<disk type=['"]\w+['"]/, `<disk type='${type}'`)
            .replace(/<source\b[^>]*\/>|<source\b[\s\S]*?<\/source>/, source)
            .replace(/(<driver\b[^>]*type=)['"]\w+['"]/, `$1'${p.format}'`);
    });
    for (const p of plan.filter(x => !x.replaces))
        xml = replaceDiskSource(xml, p.target, p.pool!, p.volume!, p.format);
    return xml;
}

/* Each <disk> element of a definition through `change`, with its target. */
function mapDisks(xml: string, change: (element: string, target: string) => string): string {
    return xml.replace(/<disk\b[\s\S]*?<\/disk>/g, element => {
        const target = /<target dev=['"]([^'"]+)['"]/.exec(element)?.[1];
        return target && /device=['"]disk['"]/.test(element) ? change(element, target) : element;
    });
}

/* The pools whose volumes changed size or appeared learn it (best effort). */
async function refreshPools(area: BackupsHost, currentDisks: DomainDisk[], plan: RestorePlanDisk[]): Promise<void> {
    const names = new Set([...currentDisks.filter(d => !d.Source.startsWith("/")).map(d => d.Source.split("/")[0]),
        ...plan.flatMap(p => p.pool ? [p.pool.name] : [])]);
    for (const poolName of names) {
        const poolPath = await area.host.libvirt.poolByName(poolName).catch(() => null);
        if (poolPath)
            await area.host.libvirt.poolCall(poolPath, "Refresh").catch(() => undefined);
    }
}
