// Manager.CreateMachine: a new domain from an installer ISO, from a disk
// image to import, from a cloud image with a cloud-init seed, or with an
// empty disk. Everything is checked before anything is created; whatever
// was created is removed again when a later step fails, so a failed create
// leaves no volume, seed or half-defined domain behind.
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import * as z from "zod/mini";
import { formatBytes } from "../../lib/bytes.js";
import { busy, failed, invalidArgument } from "../../lib/errors.js";
import { method, type CallContext } from "../bus/call-pipeline.js";
import { convertImage, IMAGE_DIR, openSource, type SourceImage } from "../images/image-import.js";
import type { JobControl } from "../jobs/jobs.js";
import { absolutePath, machineName, optionsSchema } from "../validation.js";
import { clearPassword, cloudInitUser, hostName, sshPublicKey, writeSeedIso } from "./cloud-init.js";
import { domainXml, type DiskSpec, type NicSpec } from "./domain-builder.js";
import { zvolParent } from "../storage/placement.js";
import type { MachineHost } from "./machine-host.js";
import { checkHostMemory, diskBytesSchema, memoryMiBSchema, vcpusSchema } from "./machine-rules.js";
import { nicSourceFor, NETWORK_OPTION } from "./networks.js";
import { createZvolDisk, DISK_KINDS } from "./zvol-disks.js";
import { adoptFile, checkSpace, createVolume, diskFormat, diskSource, requireDirectory, vmPool, volumeName, type Volume } from "./vm-storage.js";

const SOURCES = ["empty", "iso", "image", "cloud-image"] as const;
const GIB = 1024 ** 3;
const DEFAULT_DISK_BYTES = 10 * GIB;

const osId = z.string().check(
    z.maxLength(200, "must be at most 200 characters"),
    z.regex(/^https?:\/\/[A-Za-z0-9.-]+(\/[A-Za-z0-9._-]+)+$/, "must be a libosinfo id such as http://debian.org/debian/12"));

const createOptions = optionsSchema({
    source: z.optional(z.enum(SOURCES, { error: `must be one of ${SOURCES.join(", ")}` })),
    iso: z.optional(absolutePath),
    image: z.optional(absolutePath),
    "disk-size": z.optional(diskBytesSchema),
    "disk-kind": z.optional(z.enum(DISK_KINDS, { error: `must be one of ${DISK_KINDS.join(", ")}` })),
    vcpus: z.optional(vcpusSchema),
    "memory-mib": z.optional(memoryMiBSchema),
    os: z.optional(osId),
    network: z.optional(NETWORK_OPTION),
    start: z.optional(z.boolean()),
    "cloud-init.user": z.optional(cloudInitUser),
    "cloud-init.password": z.optional(clearPassword),
    "cloud-init.ssh-key": z.optional(sshPublicKey),
    "cloud-init.hostname": z.optional(hostName),
});
type CreateOptions = z.infer<typeof createOptions>;

/* What must hold before anything is created; the messages name the option. */
async function checkOptions(o: CreateOptions): Promise<void> {
    const source = o.source ?? "empty";
    const needs = { iso: "iso", image: "image", "cloud-image": "image", empty: null }[source];
    if (needs && !o[needs as "iso" | "image"])
        throw invalidArgument(`options: source "${source}" needs the option "${needs}"`);
    for (const key of ["iso", "image"] as const) {
        if (o[key] && needs !== key)
            throw invalidArgument(`options.${key}: not used with source "${source}"`);
    }
    if (o["disk-kind"] === "zvol" && (source === "image" || source === "cloud-image"))
        throw invalidArgument(`options.disk-kind: source "${source}" imports into a qcow2 file; a zvol disk starts empty (source "empty" or "iso")`);
    const cloudInit = Object.keys(o).filter(k => k.startsWith("cloud-init."));
    if (cloudInit.length > 0 && source !== "cloud-image")
        throw invalidArgument(`options.${cloudInit[0]}: cloud-init settings need source "cloud-image"`);
    if (o["cloud-init.password"] && !o["cloud-init.user"])
        throw invalidArgument("options.cloud-init.password: give the user it belongs to in \"cloud-init.user\"");
    if (o["cloud-init.ssh-key"] && !o["cloud-init.user"])
        throw invalidArgument("options.cloud-init.ssh-key: give the user it belongs to in \"cloud-init.user\"");
    checkHostMemory(o["memory-mib"], "options.memory-mib");
    if (o.iso) {
        const stat = fs.statSync(o.iso, { throwIfNoEntry: false });
        if (!stat?.isFile())
            throw invalidArgument(`options.iso: ${o.iso} is not a file on this host`);
    }
}

export function createMachineMethod(host: MachineHost) {
    const creating = new Set<string>();

    return method({
        args: z.tuple([machineName, createOptions]),
        run: async (ctx: CallContext, [name, o]) => {
            await checkOptions(o);
            if (creating.has(name) || await host.libvirt.domainByName(name))
                throw busy(`name: a machine named ${name} exists already`);
            // reserve the name before the next await: a second call for it sees it
            creating.add(name);
            let probe: SourceImage | null = null;
            try {
                const uuid = randomUUID();
                const machinePath = host.objectPath(uuid);
                const source = o.source ?? "empty";
                const pool = await vmPool(host.libvirt);
                const nic = o.network === "none" ? null : await nicSourceFor(host.libvirt, o.network);
                probe = o.image ? openSource(o.image, "options.image") : null;
                const image = probe;
                const diskBytes = Math.max(o["disk-size"] ?? (probe ? 0 : DEFAULT_DISK_BYTES), probe?.virtualSize ?? 0);
                const zvol = o["disk-kind"] === "zvol";
                if (!zvol)
                    await checkSpace(host.libvirt, pool, diskBytes, "options.disk-size");
                const kvm = await host.kvmAvailable();
                const build = async (control: JobControl | null, cleanup: Array<() => Promise<unknown>>) => {
                    const format = image ? "qcow2" : zvol ? "raw" : diskFormat(pool);
                    const diskName = volumeName(name, "", format);
                    let disk: Volume | null = null;
                    let systemDisk: DiskSpec["source"] | undefined;
                    if (zvol) {
                        const made = await createZvolDisk(host.zfsTools, `${name}-vda`, diskBytes, { kind: "options.disk-kind", size: "options.disk-size" });
                        cleanup.push(() => host.zfsTools.destroy(made.dataset, false));
                        systemDisk = { device: made.device };
                    } else if (image) {
                        const dir = requireDirectory(pool);
                        await convertImage({
                            source: image, target: path.join(dir, diskName), format: "qcow2",
                            signal: control!.signal, onProgress: f => control!.setProgress(f * 0.95),
                        });
                        cleanup.push(() => fs.promises.rm(path.join(dir, diskName), { force: true }));
                        disk = await adoptFile(host.libvirt, pool, diskName);
                        if (diskBytes > image.virtualSize)
                            await host.libvirt.call(disk.volumePath, "org.libvirt.StorageVol", "Resize", "tu", [diskBytes, 0]);
                    } else {
                        const made = await createVolume(host.libvirt, pool, diskName, diskBytes, format);
                        cleanup.push(() => host.libvirt.deleteVolume(made.volumePath));
                        disk = made;
                    }
                    systemDisk ??= await diskSource(pool, disk!.name);
                    const disks: DiskSpec[] = [{ source: systemDisk, target: "vda", device: "disk", format, bus: "virtio" }];
                    if (o.iso)
                        disks.push({ source: { file: o.iso }, target: "sda", device: "cdrom", format: "raw", bus: "sata" });
                    if (source === "cloud-image") {
                        const seed = path.join(IMAGE_DIR, `${name}-cidata.iso`);
                        if (fs.existsSync(seed))
                            throw busy(`name: ${seed} exists already`);
                        await writeSeedIso({
                            instanceId: uuid, hostname: o["cloud-init.hostname"] ?? name, user: o["cloud-init.user"],
                            password: o["cloud-init.password"], sshKey: o["cloud-init.ssh-key"],
                        }, seed);
                        cleanup.push(() => fs.promises.rm(seed, { force: true }));
                        disks.push({ source: { file: seed }, target: "sda", device: "cdrom", format: "raw", bus: "sata" });
                    }
                    const nics: NicSpec[] = nic ? [{ source: nic, model: "virtio" }] : [];
                    const domainPath = await host.libvirt.defineDomain(domainXml({
                        name, uuid, kvm, vcpus: o.vcpus ?? 1, memoryMiB: o["memory-mib"] ?? 1024, osId: o.os,
                        // who the bus says called; a login uid is only a claim (bus/caller.ts)
                        createdBy: { user: ctx.caller.user, uid: ctx.caller.uid, time: new Date().toISOString() },
                        bootFromCdrom: Boolean(o.iso), disks, nics,
                    }));
                    cleanup.push(() => host.libvirt.domainCall(domainPath, "Undefine", "u", [0]));
                    await host.refresh(domainPath);
                    // the machine is complete: a failed start no longer undoes it
                    cleanup.length = 0;
                    if (o.start) {
                        try {
                            await host.libvirt.domainCall(domainPath, "Create");
                        } catch (e) {
                            throw failed(`${name} was created but did not start: ${(e as Error).message}`);
                        }
                        // running (and its display) shown when the reply arrives, not only when libvirt's event does
                        await host.refresh(domainPath);
                    }
                    return `Created ${name}${o.start ? " and started it" : ""} (${formatBytes(diskBytes)} disk ${zvol ? `on the zvol ${zvolParent()}/${name}-vda` : `in the pool "${pool.name}"`})`;
                };
                // undo in reverse order; report the first failure, not a cleanup error
                const withCleanup = async (control: JobControl | null) => {
                    const cleanup: Array<() => Promise<unknown>> = [];
                    try {
                        return await build(control, cleanup);
                    } catch (e) {
                        for (const undo of cleanup.reverse())
                            await undo().catch(() => undefined);
                        throw e;
                    } finally {
                        image?.close();
                        creating.delete(name);
                    }
                };
                if (!probe) {
                    await withCleanup(null);
                    return [machinePath, "/"];
                }
                const job = host.jobs.start({
                    operation: "machine-create", description: `Creating ${name} from ${path.basename(o.image!)}`,
                    caller: ctx.caller, objects: [machinePath],
                }, control => withCleanup(control));
                return [machinePath, job.path];
            } catch (e) {
                probe?.close();
                creating.delete(name);
                throw e;
            }
        },
    });
}
