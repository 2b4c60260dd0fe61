// Work that copies disks with qemu-img, as Jobs with progress and cancel:
// Clone (a full, independent copy of a shut-off machine) and ConvertDisk
// (one disk to another format, the machine switched over to the copy).
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import nodePath from "node:path";
import * as z from "zod/mini";
import { busy, invalidArgument, notFound } from "../../lib/errors.js";
import { contractMethods, method, type MethodTable } from "../bus/call-pipeline.js";
import { convertImage, openSource, TARGET_FORMATS, type SourceImage } from "../images/image-import.js";
import { machineName, optionsSchema } from "../validation.js";
import { xmlEscape } from "./domain-builder.js";
import { describeDomain, type DomainDisk } from "./domain-xml.js";
import { diskTarget } from "./machine-rules.js";
import { requireShutOff, requireFreeName, storedDefinition, type MachineHost } from "./machine-host.js";
import { adoptFile, requireDirectory, vmPool, type VmPool } from "./vm-storage.js";
import { MACHINE_IFACE } from "../../../generated/dbus-contract.js";

/* The file behind a disk: a volume of a pool, or a plain file. */
export async function diskFile(host: MachineHost, disk: DomainDisk): Promise<string> {
    if (disk.Source.startsWith("/"))
        return disk.Source;
    const [pool, volume] = disk.Source.split("/");
    const poolPath = await host.libvirt.poolByName(pool);
    const volumePath = poolPath ? await host.libvirt.volumeByName(poolPath, volume) : null;
    if (!volumePath)
        throw notFound(`the volume ${disk.Source} of disk ${disk.Target} is gone`);
    return host.libvirt.volumePath(volumePath);
}

/* Replaces the <source …/> of the disk with the given target in a definition. */
export function replaceDiskSource(xml: string, target: string, pool: VmPool, volume: string, format?: string): string {
    return xml.replace(/<disk\b[\s\S]*?<\/disk>/g, element => {
        if (!new RegExp(`<target dev=['"]${target}['"]`).test(element))
            return element;
        let out = element.replace(/^<disk type=['"]\w+['"]/, "<disk type='volume'")
            .replace(/<source\b[^>]*\/>|<source\b[\s\S]*?<\/source>/, `<source pool='${xmlEscape(pool.name)}' volume='${xmlEscape(volume)}'/>`);
        if (format)
            out = out.replace(/(<driver\b[^>]*type=)['"]\w+['"]/, `$1'${format}'`);
        return out;
    });
}

/*
 * The format the definition gives a disk: qemu-img is told it rather than
 * probing, so a raw disk whose guest wrote an image header stays raw.
 */
function diskFormat(disk: DomainDisk): string | undefined {
    return disk.Format || undefined;
}

const inFlight = new Set<string>();

/* Runs `work` with `key` reserved, so the same target is never written twice at once. */
async function reserved<T>(key: string, work: () => Promise<T>): Promise<T> {
    if (inFlight.has(key))
        throw busy(`${key} is being written already`);
    inFlight.add(key);
    try {
        return await work();
    } finally {
        inFlight.delete(key);
    }
}

export function copyMethods(host: MachineHost, path: string): MethodTable {
    const libvirt = host.libvirt;
    const storedXml = () => storedDefinition(host, path);

    return contractMethods(MACHINE_IFACE, {
        Clone: method({
            args: z.tuple([machineName, optionsSchema({})]),
            run: async (ctx, [newName]) => {
                requireShutOff(host, path, "cloning it");
                await requireFreeName(host, newName, "new_name");
                const xml = await storedXml();
                const disks = describeDomain(xml).disks.filter(d => d.Device === "disk");
                const pool = await vmPool(libvirt);
                const dir = requireDirectory(pool);
                const files = await Promise.all(disks.map(async (d, i) => {
                    const volume = `${newName}${i === 0 ? "" : `-${d.Target}`}.qcow2`;
                    if (fs.existsSync(nodePath.join(dir, volume)))
                        throw invalidArgument(`new_name: the volume ${volume} exists already in the pool "${pool.name}"`);
                    return { disk: d, file: await diskFile(host, d), volume };
                }));
                const plan: Array<{ disk: DomainDisk; volume: string; info: SourceImage }> = [];
                const closeAll = () => plan.forEach(p => p.info.close());
                try {
                    for (const f of files)
                        plan.push({ disk: f.disk, volume: f.volume, info: openSource(f.file, `disk ${f.disk.Target}`, diskFormat(f.disk)) });
                } catch (e) {
                    closeAll();
                    throw e;
                }
                const uuid = randomUUID();
                const machinePath = host.objectPath(uuid);
                const job = host.jobs.start({
                    operation: "machine-clone", description: `Cloning ${host.name(path)} as ${newName}`, caller: ctx.caller, objects: [path, machinePath],
                }, control => reserved(`clone ${newName}`, async () => {
                    const total = plan.reduce((n, p) => n + p.info.virtualSize, 0) || 1;
                    let done = 0;
                    const written: string[] = [];
                    try {
                        let copy = xml.replace(/<name>[^<]*<\/name>/, `<name>${xmlEscape(newName)}</name>`)
                            .replace(/<uuid>[^<]*<\/uuid>/, `<uuid>${uuid}</uuid>`)
                            // libvirt gives the copy's NICs new addresses
                            .replace(/<mac address=['"][^'"]*['"]\/>/g, "");
                        for (const p of plan) {
                            const target = nodePath.join(dir, p.volume);
                            await convertImage({
                                source: p.info, target, format: "qcow2", signal: control.signal,
                                onProgress: f => control.setProgress((done + f * p.info.virtualSize) / total),
                            });
                            written.push(target);
                            done += p.info.virtualSize;
                            await adoptFile(libvirt, pool, p.volume);
                            copy = replaceDiskSource(copy, p.disk.Target, pool, p.volume, "qcow2");
                        }
                        await host.refresh(await libvirt.defineDomain(copy));
                        return `Cloned ${host.name(path)} as ${newName}`;
                    } catch (e) {
                        for (const file of written)
                            fs.rmSync(file, { force: true });
                        await libvirt.poolCall(pool.path, "Refresh").catch(() => undefined);
                        throw e;
                    } finally {
                        closeAll();
                    }
                }).finally(closeAll));
                return [machinePath, job.path];
            },
        }),
        ConvertDisk: method({
            args: z.tuple([
                diskTarget,
                z.enum(TARGET_FORMATS, { error: `must be one of ${TARGET_FORMATS.join(", ")}` }),
                optionsSchema({ "keep-original": z.optional(z.boolean()) }),
            ]),
            run: async (ctx, [target, format, options]) => {
                requireShutOff(host, path, "converting its disks");
                const disk = describeDomain(await storedXml()).disks.find(d => d.Target === target && d.Device === "disk");
                if (!disk)
                    throw notFound(`target: ${host.name(path)} has no disk ${target}`);
                const source = await diskFile(host, disk);
                const pool = await vmPool(libvirt);
                const dir = requireDirectory(pool);
                const volume = `${nodePath.basename(source).replace(/\.(qcow2|raw|img|vmdk|vdi)$/, "")}.${format}`;
                const info = openSource(source, `disk ${target}`, diskFormat(disk));
                try {
                    if (info.format === format)
                        throw invalidArgument(`format: disk ${target} is ${format} already`);
                    if (fs.existsSync(nodePath.join(dir, volume)))
                        throw invalidArgument(`format: ${volume} exists already in the pool "${pool.name}"`);
                } catch (e) {
                    info.close();
                    throw e;
                }
                const job = host.jobs.start({
                    operation: "disk-convert", description: `Converting disk ${target} of ${host.name(path)} to ${format}`, caller: ctx.caller, objects: [path],
                }, control => reserved(nodePath.join(dir, volume), async () => {
                    const written = nodePath.join(dir, volume);
                    try {
                        await convertImage({ source: info, target: written, format, signal: control.signal, onProgress: f => control.setProgress(f) });
                    } finally {
                        info.close();
                    }
                    try {
                        await adoptFile(libvirt, pool, volume);
                        await libvirt.defineDomain(replaceDiskSource(await storedXml(), target, pool, volume, format));
                    } catch (e) {
                        fs.rmSync(written, { force: true });
                        throw e;
                    }
                    // a disk outside the pool may belong to someone else: it is kept
                    const removeOriginal = !options["keep-original"] && nodePath.dirname(source) === dir;
                    if (removeOriginal) {
                        fs.rmSync(source, { force: true });
                        await libvirt.poolCall(pool.path, "Refresh").catch(() => undefined);
                    }
                    await host.refresh(host.domainOf(path));
                    return `Disk ${target} of ${host.name(path)} is now ${format} (${volume})${removeOriginal ? "" : `; the original ${source} was kept`}`;
                }).finally(() => info.close()));
                return [job.path];
            },
        }),
    });
}
