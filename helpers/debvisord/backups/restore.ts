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
import { invalidArgument } from "../../lib/errors.js";
import { formatBytes } from "../../lib/bytes.js";
import { method } from "../bus/call-pipeline.js";
import { openSource } from "../images/image-import.js";
import { replaceDiskSource } from "../machines/copies.js";
import { xmlEscape } from "../machines/domain-builder.js";
import { requireFreeName } from "../machines/machine-host.js";
import { adoptFile, checkSpace, requireDirectory, vmPool } from "../machines/vm-storage.js";
import { optionsSchema, resourceName } from "../validation.js";
import type { BackupsHost } from "./backups-host.js";
import { readBackup, snapshotId, writeBackedUpDisk } from "./backup-contents.js";

export function restoreMethod(area: BackupsHost, repositoryName: string) {
    const host = area.host;
    return method({
        args: z.tuple([snapshotId, resourceName, optionsSchema({})]),
        run: async (ctx, [id, newName]) => {
            await requireFreeName(host, newName, "new_name");
            const contents = await readBackup(area, repositoryName, id);
            const { backup, manifest, definition } = contents;

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
                        await writeBackedUpDisk(area, contents, p, target, control.signal,
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
