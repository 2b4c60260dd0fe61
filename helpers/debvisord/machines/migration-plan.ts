// What moving a running machine to another node takes, read from its
// definition: which disks libvirt copies (volumes of a storage pool, files in
// the image directory), which stay where they are because every node reaches
// them (RBD; the other node needs the Ceph secret they log in with), which cannot move at all (and why), and what the other node
// must have already: the files it boots from, its networks.
import nodePath from "node:path";
import { child, children, parseXml } from "../../lib/xml-tree.js";
import { IMAGE_DIR } from "../images/image-import.js";
import { describeDomain } from "./domain-xml.js";

/** A disk libvirt copies while the machine runs: a volume of a pool (the same pool on the other node), or a file of the image directory. */
export interface CopiedDisk { target: string; pool: string; volume: string; file: string }

interface MigrationPlan {
    name: string;
    uuid: string;
    copied: CopiedDisk[];
    /** disks on storage every node reaches, by target */
    shared: string[];
    /** the libvirt secrets (by usage name) its RBD disks log in with: the other node needs them too */
    cephSecrets: string[];
    /** why a disk cannot move, one line each; nothing moves while there is one */
    refused: string[];
    /** files the other node must have at the same path: kernel, initrd, an inserted ISO */
    files: string[];
    /** libvirt networks and host bridges the machine's interfaces use */
    networks: string[];
    bridges: string[];
}

export function migrationPlan(xml: string): MigrationPlan {
    const domain = describeDomain(xml);
    const plan: MigrationPlan = {
        name: domain.name, uuid: domain.uuid, copied: [], shared: [], cephSecrets: [], refused: [], files: [], networks: [], bridges: [],
    };
    for (const disk of domain.disks) {
        const readOnly = disk.Device === "cdrom" || disk.Device === "floppy";
        if (disk.Type === "network") {
            plan.shared.push(disk.Target);
        } else if (readOnly) {
            // an inserted ISO is read where it is: the other node needs the same file
            if (disk.Source)
                plan.files.push(disk.Source);
        } else if (disk.Type === "volume") {
            const [pool, volume] = disk.Source.split("/");
            plan.copied.push({ target: disk.Target, pool, volume, file: "" });
        } else if (disk.Type === "file" && disk.Source.startsWith("/") && nodePath.dirname(disk.Source) === IMAGE_DIR) {
            plan.copied.push({ target: disk.Target, pool: "", volume: nodePath.basename(disk.Source), file: disk.Source });
        } else if (disk.Type === "block") {
            plan.refused.push(`disk ${disk.Target} is a block device of this node (${disk.Source}): no other node has it; move it to a storage pool or to RBD first`);
        } else {
            plan.refused.push(`disk ${disk.Target} is a file outside the storage pools (${disk.Source || "no source"}): move it into a storage pool first`);
        }
    }
    const os = child(parseXml(xml), "os");
    for (const tag of ["kernel", "initrd", "dtb"]) {
        const file = child(os, tag)?.text.trim();
        if (file)
            plan.files.push(file);
    }
    for (const nic of domain.nics) {
        if (nic.Type === "network")
            plan.networks.push(nic.Source);
        else if (nic.Type === "bridge")
            plan.bridges.push(nic.Source);
    }
    // a pty console moves with the machine; a host device does not
    const devices = child(parseXml(xml), "devices");
    for (const disk of children(devices, "disk")) {
        const secret = child(child(disk, "auth"), "secret") ?? child(child(child(disk, "source"), "auth"), "secret");
        const usage = secret?.attrs.type === "ceph" ? secret.attrs.usage : undefined;
        if (usage && !plan.cephSecrets.includes(usage))
            plan.cephSecrets.push(usage);
    }
    for (const hostdev of children(devices, "hostdev"))
        plan.refused.push(`it uses a device of this host (${hostdev.attrs.type ?? "hostdev"}): detach it first`);
    return plan;
}
