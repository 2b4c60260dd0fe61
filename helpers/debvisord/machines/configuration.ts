// Changing a machine's definition: name, vCPUs and memory, disks and NICs.
// Device changes apply to the stored definition and, when the machine runs,
// to the running guest as well (hot-plug); resource changes to a running
// machine apply at its next boot, and the reply says so.
import * as z from "zod/mini";
import { invalidArgument, notFound } from "../../lib/errors.js";
import { contractMethods, method, type MethodTable } from "../bus/call-pipeline.js";
import { machineName, optionsSchema } from "../validation.js";
import { diskXml, nicXml } from "./domain-builder.js";
import { describeDomain } from "./domain-xml.js";
import { AFFECT_CONFIG, AFFECT_LIVE } from "./libvirt.js";
import { requireShutOff, requireFreeName, storedDefinition, type MachineHost } from "./machine-host.js";
import { checkHostMemory, diskBytesSchema, diskTarget, memoryMiBSchema, vcpusSchema } from "./machine-rules.js";
import { NETWORK_OPTION, nicSourceFor } from "./networks.js";
import { checkSpace, createVolume, deleteDiskVolume, diskFormat, diskSource, vmPool, volumeName } from "./vm-storage.js";
import { createZvolDisk, deleteZvolDisk, DISK_KINDS } from "./zvol-disks.js";
import { MACHINE_IFACE } from "../../../generated/dbus-contract.js";

const MAC = z.string().check(z.regex(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/, "must be a MAC address such as 52:54:00:12:34:56"));

/* Sets the text of a top-level element of libvirt's formatted definition. */
function setElement(xml: string, element: string, value: string): string {
    const pattern = new RegExp(`<${element}\\b[^>]*>[^<]*</${element}>`);
    if (!pattern.test(xml))
        throw invalidArgument(`the definition has no <${element}> to change`);
    return xml.replace(pattern, `<${element}${element === "vcpu" ? " placement='static'" : " unit='MiB'"}>${value}</${element}>`);
}

/* The next free virtio disk name: vda, vdb … */
export function nextTarget(used: string[]): string {
    for (let i = 0; i < 26; i++) {
        const target = `vd${String.fromCharCode(97 + i)}`;
        if (!used.includes(target))
            return target;
    }
    throw invalidArgument("the machine has 26 virtio disks already");
}

export function configurationMethods(host: MachineHost, path: string): MethodTable {
    const libvirt = host.libvirt;
    const flags = () => AFFECT_CONFIG | (host.state(path) === "running" || host.state(path) === "paused" ? AFFECT_LIVE : 0);
    const storedXml = () => storedDefinition(host, path);
    const refreshed = async <T extends unknown[]>(reply: T) => {
        await host.refresh(host.domainOf(path));
        return reply;
    };

    return contractMethods(MACHINE_IFACE, {
        Rename: method({
            args: z.tuple([machineName, optionsSchema({})]),
            run: async (_ctx, [name]) => {
                requireShutOff(host, path, "renaming it");
                await requireFreeName(host, name, "new_name");
                await libvirt.domainCall(host.domainOf(path), "Rename", "su", [name, 0]);
                return refreshed([]);
            },
        }),
        SetResources: method({
            args: z.tuple([optionsSchema({ vcpus: z.optional(vcpusSchema), "memory-mib": z.optional(memoryMiBSchema) })]),
            run: async (_ctx, [options]) => {
                if (options.vcpus === undefined && options["memory-mib"] === undefined)
                    throw invalidArgument("options: give \"vcpus\", \"memory-mib\" or both");
                checkHostMemory(options["memory-mib"], "options.memory-mib");
                let xml = await storedXml();
                if (options.vcpus !== undefined)
                    xml = setElement(xml, "vcpu", String(options.vcpus));
                if (options["memory-mib"] !== undefined) {
                    xml = setElement(xml, "memory", String(options["memory-mib"]));
                    xml = setElement(xml, "currentMemory", String(options["memory-mib"]));
                }
                await libvirt.defineDomain(xml);
                // a running guest keeps what it booted with until it restarts
                return refreshed([host.state(path) !== "shutoff"]);
            },
        }),
        AttachDisk: method({
            args: z.tuple([diskBytesSchema, optionsSchema({ kind: z.optional(z.enum(DISK_KINDS, { error: `must be one of ${DISK_KINDS.join(", ")}` })) })]),
            run: async (_ctx, [bytes, options]) => {
                const d = describeDomain(await storedXml());
                const target = nextTarget(d.disks.map(x => x.Target));
                if (options.kind === "zvol") {
                    const zvol = await createZvolDisk(host.zfsTools, `${host.name(path)}-${target}`, bytes);
                    try {
                        await libvirt.domainCall(host.domainOf(path), "AttachDevice", "su", [diskXml({
                            source: { device: zvol.device }, target, device: "disk", format: "raw", bus: "virtio",
                        }), flags()]);
                    } catch (e) {
                        await host.zfsTools.destroy(zvol.dataset, false).catch(() => undefined);
                        throw e;
                    }
                    return refreshed([target]);
                }
                const pool = await vmPool(libvirt);
                await checkSpace(libvirt, pool, bytes, "size");
                const format = diskFormat(pool);
                const volume = await createVolume(libvirt, pool, volumeName(host.name(path), `-${target}`, format), bytes, format);
                try {
                    await libvirt.domainCall(host.domainOf(path), "AttachDevice", "su", [diskXml({
                        source: await diskSource(pool, volume.name), target, device: "disk", format, bus: "virtio",
                    }), flags()]);
                } catch (e) {
                    await libvirt.deleteVolume(volume.volumePath).catch(() => undefined);
                    throw e;
                }
                return refreshed([target]);
            },
        }),
        DetachDisk: method({
            args: z.tuple([diskTarget, optionsSchema({ "delete-volume": z.optional(z.boolean()) })]),
            run: async (_ctx, [target, options]) => {
                const xml = await storedXml();
                const disk = describeDomain(xml).disks.find(x => x.Target === target);
                if (!disk)
                    throw notFound(`target: ${host.name(path)} has no disk ${target}`);
                const element = /<disk\b[\s\S]*?<\/disk>/g;
                const definition = [...xml.matchAll(element)].map(m => m[0]).find(e => new RegExp(`<target dev=['"]${target}['"]`).test(e))!;
                await libvirt.domainCall(host.domainOf(path), "DetachDevice", "su", [definition, flags()]);
                if (options["delete-volume"] && !await deleteZvolDisk(host.zfsTools, disk))
                    await deleteDiskVolume(libvirt, disk);
                return refreshed([]);
            },
        }),
        AttachNic: method({
            args: z.tuple([optionsSchema({ network: z.optional(NETWORK_OPTION), model: z.optional(z.enum(["virtio", "e1000", "rtl8139"])) })]),
            run: async (_ctx, [options]) => {
                if (options.network === "none")
                    throw invalidArgument("options.network: \"none\" attaches nothing");
                const before = new Set(describeDomain(await storedXml()).nics.map(n => n.Mac));
                const source = await nicSourceFor(libvirt, options.network);
                await libvirt.domainCall(host.domainOf(path), "AttachDevice", "su", [nicXml({ source, model: options.model ?? "virtio" }), flags()]);
                const added = describeDomain(await storedXml()).nics.find(n => !before.has(n.Mac));
                return refreshed([added?.Mac ?? ""]);
            },
        }),
        DetachNic: method({
            args: z.tuple([MAC, optionsSchema({})]),
            run: async (_ctx, [mac]) => {
                const xml = await storedXml();
                const definition = [...xml.matchAll(/<interface\b[\s\S]*?<\/interface>/g)].map(m => m[0])
                    .find(e => e.toLowerCase().includes(`address='${mac}'`) || e.toLowerCase().includes(`address="${mac}"`));
                if (!definition)
                    throw notFound(`mac: ${host.name(path)} has no network interface ${mac}`);
                await libvirt.domainCall(host.domainOf(path), "DetachDevice", "su", [definition, flags()]);
                return refreshed([]);
            },
        }),
    });
}
