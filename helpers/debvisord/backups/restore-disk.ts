// BackupRepository.RestoreDisk: one disk of a backup becomes a new volume in
// the pool new disks go to, optionally attached to the machine it was backed
// up from. It is written under a staged name and renamed into the pool only
// when complete and checked; a failure or cancel leaves no volume.
import fs from "node:fs";
import nodePath from "node:path";
import * as z from "zod/mini";
import { invalidArgument, notFound } from "../../lib/errors.js";
import { formatBytes } from "../../lib/bytes.js";
import { method } from "../bus/call-pipeline.js";
import { nextTarget } from "../machines/configuration.js";
import { diskXml } from "../machines/domain-builder.js";
import { describeDomain } from "../machines/domain-xml.js";
import { AFFECT_CONFIG, AFFECT_LIVE } from "../machines/libvirt.js";
import { storedDefinition } from "../machines/machine-host.js";
import { diskTarget } from "../machines/machine-rules.js";
import { requireDirectory, vmPool } from "../machines/vm-storage.js";
import { optionsSchema, resourceName } from "../validation.js";
import { readBackup, snapshotId } from "./backup-contents.js";
import type { BackupsHost } from "./backups-host.js";
import { checkRoomBeside, removeStaged, restoreBeside, swapIn, type RestorePlanDisk } from "./restore-original.js";

export function restoreDiskMethod(area: BackupsHost, repositoryName: string) {
    const host = area.host;
    return method({
        args: z.tuple([snapshotId, diskTarget, optionsSchema({ name: z.optional(resourceName), attach: z.optional(z.boolean()) })]),
        run: async (ctx, [id, target, options]) => {
            const contents = await readBackup(area, repositoryName, id);
            const { backup, manifest } = contents;
            const disk = manifest.disks.find(d => d.target === target);
            if (!disk)
                throw invalidArgument(`disk: backup ${backup.short_id} has no disk ${target} (it has ${manifest.disks.map(d => d.target).join(", ")})`);
            const machinePath = host.objectPath(manifest.uuid);
            if (options.attach) {
                // attaching changes the machine: the machines' own right, besides restoring
                await ctx.authorize("org.debvisor.machines.manage");
                if (!host.list().some(m => m.path === machinePath))
                    throw notFound(`options.attach: the machine ${manifest.name} of backup ${backup.short_id} no longer exists`);
            }
            const pool = await vmPool(host.libvirt);
            const volume = `${options.name ?? `${manifest.name}-${target}-${backup.short_id}`}.${disk.format}`;
            const file = nodePath.join(requireDirectory(pool), volume);
            if (fs.existsSync(file) || await host.libvirt.volumeByName(pool.path, volume))
                throw invalidArgument(`options.name: the volume ${volume} exists already in the pool "${pool.name}"`);
            const plan: RestorePlanDisk[] = [{ target, from: disk, format: disk.format, bytes: disk.bytes, file, replaces: false, pool, volume }];
            checkRoomBeside(plan);
            const when = backup.time.replace(/\.\d+/, "");
            const job = host.jobs.start({
                operation: "machine-restore", description: `Restoring disk ${target} of ${manifest.name} (backup ${backup.short_id} of ${when}) as ${pool.name}/${volume}`,
                caller: ctx.caller, objects: [area.repositoryPath(repositoryName), ...options.attach ? [machinePath] : []],
            }, control => area.using(repositoryName, async () => {
                await restoreBeside(area, contents, plan, control);
                if (control.signal.aborted) {
                    removeStaged(plan);
                    throw control.signal.reason;
                }
                let attachedAs = "";
                await swapIn(host.libvirt, plan, async () => {
                    if (!options.attach)
                        return;
                    const used = describeDomain(await storedDefinition(host, machinePath)).disks.map(d => d.Target);
                    attachedAs = nextTarget(used);
                    const live = ["running", "paused"].includes(host.state(machinePath));
                    await host.libvirt.domainCall(host.domainOf(machinePath), "AttachDevice", "su", [diskXml({
                        source: { pool: pool.name, volume }, target: attachedAs, device: "disk", format: disk.format, bus: "virtio",
                    }), AFFECT_CONFIG | (live ? AFFECT_LIVE : 0)]);
                }, async () => undefined);
                if (options.attach)
                    await host.refresh(host.domainOf(machinePath));
                return `Restored disk ${target} of ${manifest.name} (backup ${backup.short_id} of ${when}) as ${pool.name}/${volume} (${formatBytes(disk.bytes)})` +
                    (attachedAs ? `, attached to ${host.name(machinePath)} as ${attachedAs}` : "");
            }));
            return [`${pool.name}/${volume}`, job.path];
        },
    });
}
