// Snapshots of a machine: libvirt's internal qcow2 snapshots, of the disks
// and, for a running machine, of its memory too, so reverting returns to
// the very moment it was taken.
import * as z from "zod/mini";
import { notSupported } from "../../lib/errors.js";
import { child, parseXml } from "../../lib/xml-tree.js";
import { contractMethods, method, type MethodTable } from "../bus/call-pipeline.js";
import { optionsSchema, resourceName } from "../validation.js";
import { xmlEscape } from "./domain-builder.js";
import { describeDomain, type DomainDisk } from "./domain-xml.js";
import type { Libvirt } from "./libvirt.js";
import type { MachineHost } from "./machine-host.js";
import { MACHINE_IFACE } from "../../../generated/dbus-contract.js";

interface SnapshotInfo { Name: string; Description: string; CreationTime: number; State: string; Current: boolean }

const description = z.string().check(
    z.maxLength(1000, "must be at most 1000 characters"),
    z.refine(d => !/[\u0000-\u0008\u000b-\u001f\u007f]/.test(d), "must not contain control characters other than newlines and tabs"));

/* Internal snapshots live inside qcow2 files: a machine with a disk of another format (a zvol's raw
 * block device, a raw RBD image) is refused before libvirt starts, never left with a snapshot of
 * some disks only. */
export function snapshotRefusal(machine: string, disks: DomainDisk[]): string | null {
    const other = disks.find(d => d.Device === "disk" && d.Format !== "qcow2");
    if (!other)
        return null;
    return `${machine} cannot take a snapshot: its disk ${other.Target} (${other.Source}) is ${other.Format || "of unknown format"}, ` +
        "and machine snapshots are kept inside qcow2 disks" + (other.Type === "block" && other.Source.startsWith("/dev/zvol/")
        ? `; snapshot the zvol ${other.Source.slice("/dev/zvol/".length)} on the Storage page's ZFS tab instead` : "");
}

export async function readSnapshots(libvirt: Libvirt, domainPath: string): Promise<SnapshotInfo[]> {
    const paths = await libvirt.listSnapshots(domainPath);
    if (paths.length === 0)
        return [];
    const current = await libvirt.call(domainPath, "org.libvirt.Domain", "SnapshotCurrent", "u", [0])
        .then(([p]) => p as string, () => "");
    const snapshots = await Promise.all(paths.map(async p => {
        const xml = parseXml(await libvirt.snapshotXml(p));
        return {
            Name: child(xml, "name")?.text.trim() ?? "",
            Description: child(xml, "description")?.text ?? "",
            CreationTime: Number(child(xml, "creationTime")?.text.trim() ?? 0),
            State: child(xml, "state")?.text.trim() ?? "",
            Current: p === current,
        };
    }));
    return snapshots.sort((a, b) => a.CreationTime - b.CreationTime);
}

export function snapshotsToBus(snapshots: SnapshotInfo[]) {
    // libvirt says seconds; the contract's times are microseconds
    return snapshots.map(s => ({ ...s, CreationTime: BigInt(s.CreationTime) * 1_000_000n }));
}

export function snapshotMethods(host: MachineHost, path: string): MethodTable {
    const done = async () => {
        await host.refresh(host.domainOf(path));
        return [];
    };
    const byName = (member: "Revert" | "Delete") => method({
        args: z.tuple([resourceName, optionsSchema({})]),
        run: async (_ctx, [name]) => {
            await host.libvirt.snapshotCall(await host.libvirt.snapshotByName(host.domainOf(path), name), member);
            return done();
        },
    });
    return contractMethods(MACHINE_IFACE, {
        CreateSnapshot: method({
            args: z.tuple([resourceName, optionsSchema({ description: z.optional(description) })]),
            run: async (_ctx, [name, options]) => {
                const refusal = snapshotRefusal(host.name(path), describeDomain(await host.libvirt.domainXml(host.domainOf(path))).disks);
                if (refusal)
                    throw notSupported(refusal);
                await host.libvirt.call(host.domainOf(path), "org.libvirt.Domain", "SnapshotCreateXML", "su", [
                    `<domainsnapshot><name>${xmlEscape(name)}</name><description>${xmlEscape(options.description ?? "")}</description></domainsnapshot>`, 0]);
                return done();
            },
        }),
        RevertSnapshot: byName("Revert"),
        DeleteSnapshot: byName("Delete"),
    });
}
