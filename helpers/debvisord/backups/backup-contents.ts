// What a DebVisor backup holds, read back from a repository: the snapshot
// found by its id (or a unique prefix), its manifest and the machine's
// definition, each checked before a restore writes anything. A definition
// that reaches host devices or files is refused, whichever way it is restored.
import nodePath from "node:path";
import * as z from "zod/mini";
import { failed, invalidArgument, notFound } from "../../lib/errors.js";
import { describeDomain } from "../machines/domain-xml.js";
import type { BackupsHost } from "./backups-host.js";
import { segmentsDir, writeSegmentedImage } from "./disk-segments.js";
import { STAGING_DIR, type Manifest, type ManifestDisk } from "./machine-backup.js";
import type { RepositoryAccess, ResticSnapshot } from "./restic.js";
import { TAG } from "./tags.js";

export const snapshotId = z.string().check(z.regex(/^[0-9a-f]{8,64}$/, "must be a backup's id: 8 to 64 hexadecimal digits (as ListBackups gives it)"));

const manifestSchema = z.object({
    version: z.union([z.literal(1), z.literal(2)]),
    name: z.string(),
    uuid: z.string().check(z.regex(/^[0-9a-f-]{36}$/)),
    disks: z.array(z.object({
        target: z.string().check(z.regex(/^(vd|sd|hd)[a-z]{1,2}$/)),
        file: z.string().check(z.regex(/^\/[^\u0000-\u001f]+$/)),
        format: z.enum(["qcow2", "raw"]),
        bytes: z.number().check(z.nonnegative()),
        segments: z.optional(z.object({
            size: z.number().check(z.int(), z.positive()),
            segmentBytes: z.number().check(z.int(), z.gte(64 << 10), z.refine(n => (n & (n - 1)) === 0, "must be a power of two")),
        }).check(z.refine(l => l.size / l.segmentBytes <= 1 << 20, "too many segments"))),
    })).check(z.minLength(1), z.maxLength(64)),
});

/* Elements of a definition that reach the host beyond disks and networks: a restore never brings them in. */
const HOST_REACHING = [
    /<hostdev\b/, /<filesystem\b/, /<kernel>/, /<initrd>/, /<dtb>/, /<qemu:commandline\b/, /<qemu:override\b/,
    /<(serial|parallel|console|channel)\s+type=['"](file|dev|pipe)['"]/, /<smartcard\b[^>]*mode=['"]passthrough/,
    /<interface\s+type=['"](direct|hostdev|ethernet|vhostuser)['"]/,
];

export interface BackupContents {
    access: RepositoryAccess;
    backup: ResticSnapshot;
    manifest: Manifest;
    /** the machine's stored definition at the time of the backup */
    definition: string;
    /** the staging directory the backup holds its manifest, definition and segments under */
    staging: string;
}

/* The one DebVisor backup `id` names in the repository, with its manifest and definition checked. */
export async function readBackup(area: BackupsHost, repositoryName: string, id: string): Promise<BackupContents> {
    area.requireRestic();
    const { access } = area.repository(repositoryName);
    const found = (await area.snapshots(repositoryName)).filter(s => s.id.startsWith(id));
    if (found.length === 0)
        throw notFound(`snapshot: the repository "${repositoryName}" has no DebVisor backup ${id}`);
    if (found.length > 1)
        throw invalidArgument(`snapshot: ${id} names ${found.length} backups; give more of the id`);
    const [backup] = found;
    const staging = backup.paths.find(p => nodePath.dirname(p) === STAGING_DIR);
    if (!staging || !(backup.tags ?? []).includes(TAG))
        throw invalidArgument(`snapshot: ${id} is not a backup DebVisor made`);
    const manifestText = await area.restic.must(access, ["dump", "--", backup.id, `${staging}/manifest.json`], "reading the backup's manifest");
    let manifest: Manifest;
    try {
        manifest = manifestSchema.parse(JSON.parse(manifestText)) as Manifest;
    } catch (e) {
        throw failed(`snapshot: the backup's manifest cannot be read: ${(e as Error).message}`);
    }
    for (const d of manifest.disks.filter(x => !x.segments))
        if (!backup.paths.includes(d.file))
            throw failed(`snapshot: the backup does not hold disk ${d.target} (${d.file})`);
    const definition = await area.restic.must(access, ["dump", "--", backup.id, `${staging}/domain.xml`], "reading the backup's definition");
    const reaching = HOST_REACHING.find(r => r.test(definition));
    if (reaching)
        throw invalidArgument(`snapshot: the backed-up definition uses ${reaching.source.replace(/\\b|\\s\+|[\\^$]/g, "")}, which a restore does not bring in`);
    for (const d of describeDomain(definition).disks.filter(x => x.Device === "disk"))
        if (!manifest.disks.some(m => m.target === d.Target))
            throw failed(`snapshot: disk ${d.Target} of the backed-up definition is not in the backup`);
    return { access, backup, manifest, definition, staging };
}

/* One disk of the backup into the new file `target` (0600): a whole file as it was backed up, a
 * segmented disk as a new image of `format` (its own unless asked otherwise). */
export async function writeBackedUpDisk(area: BackupsHost, { access, backup, staging }: BackupContents, disk: ManifestDisk, target: string,
    signal: AbortSignal, onBytes: (bytes: number) => void, format = disk.format): Promise<void> {
    if (!disk.segments) {
        await area.restic.dumpToFile(access, backup.id, disk.file, target, signal, onBytes);
        return;
    }
    const layout = disk.segments;
    await area.restic.dumpStream(access, backup.id, segmentsDir(staging, disk.target), signal,
        tar => writeSegmentedImage(layout, target, format === "qcow2" ? "qcow2" : "raw", tar, onBytes));
}
