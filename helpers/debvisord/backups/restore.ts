// BackupRepository.Restore: a backup made by Machine.Backup becomes a new
// machine (new name, UUID and MAC addresses), its disks written into the
// storage pool new disks go to. The definition is defined last: a restore that
// fails or is cancelled leaves no machine and removes every disk it wrote.
// What comes out of a repository is checked as an import is: a disk that
// references another file, or a definition that reaches host devices or
// files, is refused.
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import nodePath from "node:path";
import * as z from "zod/mini";
import { failed, invalidArgument, notFound } from "../../lib/errors.js";
import { formatBytes } from "../../lib/bytes.js";
import { method } from "../bus/call-pipeline.js";
import { openSource } from "../images/image-import.js";
import { replaceDiskSource } from "../machines/copies.js";
import { xmlEscape } from "../machines/domain-builder.js";
import { describeDomain } from "../machines/domain-xml.js";
import { requireFreeName } from "../machines/machine-host.js";
import { adoptFile, checkSpace, requireDirectory, vmPool } from "../machines/vm-storage.js";
import { optionsSchema, resourceName } from "../validation.js";
import type { BackupsArea } from "./backups-area.js";
import { STAGING_DIR, type Manifest } from "./machine-backup.js";
import { TAG } from "./tags.js";

const snapshotId = z.string().check(z.regex(/^[0-9a-f]{8,64}$/, "must be a backup's id: 8 to 64 hexadecimal digits (as ListBackups gives it)"));

const manifestSchema = z.object({
    version: z.literal(1),
    name: z.string(),
    uuid: z.string().check(z.regex(/^[0-9a-f-]{36}$/)),
    disks: z.array(z.object({
        target: z.string().check(z.regex(/^(vd|sd|hd)[a-z]{1,2}$/)),
        file: z.string().check(z.regex(/^\/[^\u0000-\u001f]+$/)),
        format: z.enum(["qcow2", "raw"]),
        bytes: z.number().check(z.nonnegative()),
    })).check(z.minLength(1), z.maxLength(64)),
});

/* Elements of a definition that reach the host beyond disks and networks: a restore never brings them in. */
const HOST_REACHING = [
    /<hostdev\b/, /<filesystem\b/, /<kernel>/, /<initrd>/, /<dtb>/, /<qemu:commandline\b/, /<qemu:override\b/,
    /<(serial|parallel|console|channel)\s+type=['"](file|dev|pipe)['"]/, /<smartcard\b[^>]*mode=['"]passthrough/,
    /<interface\s+type=['"](direct|hostdev|ethernet|vhostuser)['"]/,
];

export function restoreMethod(area: BackupsArea, repositoryName: string) {
    const host = area.host;
    return method({
        args: z.tuple([snapshotId, resourceName, optionsSchema({})]),
        run: async (ctx, [id, newName]) => {
            area.requireRestic();
            const { access } = area.repository(repositoryName);
            await requireFreeName(host, newName, "new_name");
            const snapshot = (await area.snapshots(repositoryName)).filter(s => s.id.startsWith(id));
            if (snapshot.length === 0)
                throw notFound(`snapshot: the repository "${repositoryName}" has no DebVisor backup ${id}`);
            if (snapshot.length > 1)
                throw invalidArgument(`snapshot: ${id} names ${snapshot.length} backups; give more of the id`);
            const [backup] = snapshot;
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
            for (const d of manifest.disks)
                if (!backup.paths.includes(d.file))
                    throw failed(`snapshot: the backup does not hold disk ${d.target} (${d.file})`);
            const definition = await area.restic.must(access, ["dump", "--", backup.id, `${staging}/domain.xml`], "reading the backup's definition");
            const reaching = HOST_REACHING.find(r => r.test(definition));
            if (reaching)
                throw invalidArgument(`snapshot: the backed-up definition uses ${reaching.source.replace(/\\b|\\s\+|[\\^$]/g, "")}, which a restore does not bring in`);
            const defined = describeDomain(definition).disks;
            for (const d of defined.filter(x => x.Device === "disk"))
                if (!manifest.disks.some(m => m.target === d.Target))
                    throw failed(`snapshot: disk ${d.Target} of the backed-up definition is not in the backup`);

            const pool = await vmPool(host.libvirt);
            const dir = requireDirectory(pool);
            const plan = manifest.disks.map((d, i) => ({ ...d, volume: `${newName}${i === 0 ? "" : `-${d.target}`}.${d.format}` }));
            for (const p of plan)
                if (fs.existsSync(nodePath.join(dir, p.volume)))
                    throw invalidArgument(`new_name: the volume ${p.volume} exists already in the pool "${pool.name}"`);
            const total = plan.reduce((n, p) => n + p.bytes, 0);
            await checkSpace(host.libvirt, pool, total, "snapshot");

            const uuid = randomUUID();
            const machinePath = host.objectPath(uuid);
            const job = host.jobs.start({
                operation: "machine-restore", description: `Restoring ${manifest.name} from ${repositoryName} as ${newName}`, caller: ctx.caller,
                objects: [area.repositoryPath(repositoryName), machinePath],
            }, control => area.using(repositoryName, async () => {
                const written: string[] = [];
                let done = 0;
                try {
                    let xml = definition.replace(/<name>[^<]*<\/name>/, `<name>${xmlEscape(newName)}</name>`)
                        .replace(/<uuid>[^<]*<\/uuid>/, `<uuid>${uuid}</uuid>`)
                        // libvirt gives the new machine's NICs new addresses
                        .replace(/<mac address=['"][^'"]*['"]\s*\/>/g, "")
                        // an installer ISO or seed of the original may be gone or belong to it: the drives come back empty
                        .replace(/<disk\b[^>]*device=['"](cdrom|floppy)['"][\s\S]*?<\/disk>/g, el => el.replace(/<source\b[^>]*\/>|<source\b[\s\S]*?<\/source>/, ""));
                    for (const p of plan) {
                        const target = nodePath.join(dir, p.volume);
                        written.push(target);
                        await area.restic.dumpToFile(access, backup.id, p.file, target, control.signal,
                            bytes => control.setProgress(total > 0 ? Math.min(0.99, (done + bytes) / total) : 0));
                        done += p.bytes;
                        // what came out of the repository is checked as an imported image is
                        const image = openSource(target, `snapshot: disk ${p.target}`, p.format);
                        image.close();
                        await adoptFile(host.libvirt, pool, p.volume);
                        xml = replaceDiskSource(xml, p.target, pool, p.volume, p.format);
                    }
                    if (control.signal.aborted)
                        throw control.signal.reason;
                    await host.refresh(await host.libvirt.defineDomain(xml));
                    return `Restored ${manifest.name} (backup ${backup.short_id} of ${backup.time}) as ${newName}: ${formatBytes(done)} written`;
                } catch (e) {
                    for (const file of written)
                        fs.rmSync(file, { force: true });
                    await host.libvirt.poolCall(pool.path, "Refresh").catch(() => undefined);
                    throw e;
                }
            }));
            return [machinePath, job.path];
        },
    });
}
