// Disks of virtual machines as volumes of the libvirt pool that the storage
// profile names (storage/placement.ts); on an rbd pool a machine names its
// image as a network disk (libvirt starts no machine with an rbd volume disk). libvirt's own "default" pool is
// defined here when missing; the profile pools are defined by applying the
// profile, and their absence is an error that says so.
import { failed, invalidArgument } from "../../lib/errors.js";
import { virsh } from "../../lib/virsh.js";
import { child, children, parseXml } from "../../lib/xml-tree.js";
import { ensureDir } from "../host/dirs.js";
import { IMAGE_DIR } from "../images/image-import.js";
import { DEFAULT_VM_POOL, vmDiskPool } from "../storage/placement.js";
import { xmlEscape, type DiskSource } from "./domain-builder.js";
import type { Libvirt } from "./libvirt.js";

export interface VmPool {
    name: string;
    path: string;          // libvirt's object path
    type: string;          // dir, rbd …
    /** where the volumes of a directory pool live; qemu-img writes there directly */
    dir: string | null;
    /** for an rbd pool: its Ceph pool, monitors and cephx user, which a machine's network disks name */
    rbd: { cephPool: string; hosts: string[]; port: string; user: string; secretUuid: string } | null;
}

export interface Volume { pool: string; name: string; file: string; volumePath: string }

export function describePoolXml(name: string, path: string, text: string): VmPool {
    const xml = parseXml(text);
    const type = xml.attrs.type ?? "";
    const dir = type === "dir" || type === "fs" || type === "netfs" ? child(child(xml, "target"), "path")?.text.trim() ?? null : null;
    const source = child(xml, "source");
    const auth = child(source, "auth");
    const hosts = children(source, "host");
    const rbd = type === "rbd" ? {
        cephPool: child(source, "name")?.text.trim() ?? "",
        hosts: hosts.map(h => h.attrs.name ?? "").filter(Boolean),
        port: hosts[0]?.attrs.port ?? "6789",
        user: auth?.attrs.username ?? "",
        secretUuid: child(auth, "secret")?.attrs.uuid ?? "",
    } : null;
    return { name, path, type, dir, rbd };
}

async function describePool(libvirt: Libvirt, name: string, path: string): Promise<VmPool> {
    return describePoolXml(name, path, await libvirt.poolXml(path));
}

/* The format new disks of the pool get: an RBD image holds raw data only. */
export function diskFormat(pool: VmPool): "raw" | "qcow2" {
    return pool.rbd ? "raw" : "qcow2";
}

/* How a machine names a new volume of the pool: a network disk for an RBD image (the same on
 * every node of a cluster: the secret by its usage name), the pool's volume otherwise. */
export async function diskSource(pool: VmPool, volume: string): Promise<DiskSource> {
    if (!pool.rbd)
        return { pool: pool.name, volume };
    const r = pool.rbd;
    const secret = await virsh(["secret-dumpxml", r.secretUuid], `reading the libvirt secret of the pool ${pool.name}`, { allowFailure: true });
    const usage = child(child(parseXml(secret.exitCode === 0 ? secret.stdout : "<secret/>"), "usage"), "name")?.text.trim();
    if (!usage)
        throw failed(`the storage pool "${pool.name}" names a libvirt secret (${r.secretUuid || "none"}) with no Ceph usage name: its disks cannot be reached`);
    return { rbd: { name: `${r.cephPool}/${volume}`, hosts: r.hosts, port: r.port, user: r.user, secretUsage: usage } };
}

/* The pool new disks go to, defined (default pool only) and started if needed. A profile whose pool
 * does not exist (a node without spare disks, or before first boot applied it) leaves new disks in
 * libvirt's default pool, as first boot sets it up, rather than refusing every new machine. */
export async function vmPool(libvirt: Libvirt, wanted = vmDiskPool()): Promise<VmPool> {
    let name = wanted;
    let path = await libvirt.poolByName(name);
    if (!path && name !== DEFAULT_VM_POOL) {
        name = DEFAULT_VM_POOL;
        path = await libvirt.poolByName(name);
    }
    if (!path) {
        ensureDir(IMAGE_DIR, 0o711);
        path = await libvirt.definePool(`<pool type="dir"><name>${DEFAULT_VM_POOL}</name><target><path>${IMAGE_DIR}</path></target></pool>`);
        await libvirt.setAutostart(path, true, "org.libvirt.StoragePool");
    }
    if (!await libvirt.poolActive(path))
        await libvirt.poolCall(path, "Create");
    return describePool(libvirt, name, path);
}

export function volumeName(machine: string, suffix: string, format: string): string {
    return `${machine}${suffix}.${format}`;
}

/* Refuses a size the pool cannot hold, before anything is created. */
export async function checkSpace(libvirt: Libvirt, pool: VmPool, bytes: number, argument: string): Promise<void> {
    const { available } = await libvirt.poolInfo(pool.path);
    if (bytes > available)
        throw invalidArgument(`${argument}: ${bytes} bytes do not fit in the storage pool "${pool.name}" (${available} bytes free)`);
}

export async function createVolume(libvirt: Libvirt, pool: VmPool, name: string, bytes: number, format: string): Promise<Volume> {
    if (await libvirt.volumeByName(pool.path, name))
        throw invalidArgument(`a volume named ${name} exists already in the storage pool "${pool.name}"`);
    // allocation 0: thin; qcow2 grows as the guest writes
    const volumePath = await libvirt.createVolume(pool.path,
        `<volume><name>${xmlEscape(name)}</name><capacity unit="bytes">${bytes}</capacity><allocation>0</allocation>` +
        `<target><format type="${xmlEscape(format)}"/></target></volume>`);
    return { pool: pool.name, name, file: await libvirt.volumePath(volumePath), volumePath };
}

/* After qemu-img wrote a file into a directory pool: make libvirt see it. */
export async function adoptFile(libvirt: Libvirt, pool: VmPool, name: string): Promise<Volume> {
    await libvirt.poolCall(pool.path, "Refresh");
    const volumePath = await libvirt.volumeByName(pool.path, name);
    if (!volumePath)
        throw failed(`${name} was written to the pool "${pool.name}" but libvirt does not list it`);
    return { pool: pool.name, name, file: await libvirt.volumePath(volumePath), volumePath };
}

export function requireDirectory(pool: VmPool): string {
    if (!pool.dir)
        throw failed(`the storage pool "${pool.name}" (${pool.type}) takes no image files; this needs a directory pool`);
    return pool.dir;
}

/* Deletes the volume behind a machine's disk: a pool's volume (pool/volume), or an RBD image
 * through the rbd pool on its Ceph pool; a disk outside the pools is left alone. */
export async function deleteDiskVolume(libvirt: Libvirt, disk: { Type: string; Protocol: string; Source: string }): Promise<boolean> {
    if (disk.Source.startsWith("/") || !disk.Source.includes("/"))
        return false;
    const [pool, volume] = disk.Source.split("/");
    if (disk.Type !== "network")
        return deleteVolumeByName(libvirt, pool, volume);
    if (disk.Protocol !== "rbd")
        return false;
    for (const path of await libvirt.listPools()) {
        const p = describePoolXml("", path, await libvirt.poolXml(path));
        if (p.rbd?.cephPool !== pool)
            continue;
        // the image may have been made on another node since this pool last listed its images
        await libvirt.poolCall(path, "Refresh");
        const volumePath = await libvirt.volumeByName(path, volume);
        if (volumePath) {
            await libvirt.deleteVolume(volumePath);
            return true;
        }
    }
    return false;
}

/* Deletes a volume named pool/volume; a disk outside the pools is left alone. */
export async function deleteVolumeByName(libvirt: Libvirt, pool: string, volume: string): Promise<boolean> {
    const poolPath = await libvirt.poolByName(pool);
    const volumePath = poolPath ? await libvirt.volumeByName(poolPath, volume) : null;
    if (!volumePath)
        return false;
    await libvirt.deleteVolume(volumePath);
    return true;
}
