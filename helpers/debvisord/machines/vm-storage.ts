// Disks of virtual machines as volumes of the libvirt pool that the storage
// profile names (storage/placement.ts). libvirt's own "default" pool is
// defined here when missing; the profile pools are defined by applying the
// profile, and their absence is an error that says so.
import { failed, invalidArgument } from "../../lib/errors.js";
import { child, parseXml } from "../../lib/xml-tree.js";
import { ensureDir } from "../host/dirs.js";
import { IMAGE_DIR } from "../images/image-import.js";
import { DEFAULT_VM_POOL, vmDiskPool } from "../storage/placement.js";
import { xmlEscape } from "./domain-builder.js";
import type { Libvirt } from "./libvirt.js";

export interface VmPool {
    name: string;
    path: string;          // libvirt's object path
    type: string;          // dir, rbd …
    /** where the volumes of a directory pool live; qemu-img writes there directly */
    dir: string | null;
}

export interface Volume { pool: string; name: string; file: string; volumePath: string }

async function describePool(libvirt: Libvirt, name: string, path: string): Promise<VmPool> {
    const xml = parseXml(await libvirt.poolXml(path));
    const type = xml.attrs.type ?? "";
    const dir = type === "dir" || type === "fs" || type === "netfs" ? child(child(xml, "target"), "path")?.text.trim() ?? null : null;
    return { name, path, type, dir };
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

/* Deletes a volume named pool/volume; a disk outside the pools is left alone. */
export async function deleteVolumeByName(libvirt: Libvirt, pool: string, volume: string): Promise<boolean> {
    const poolPath = await libvirt.poolByName(pool);
    const volumePath = poolPath ? await libvirt.volumeByName(poolPath, volume) : null;
    if (!volumePath)
        return false;
    await libvirt.deleteVolume(volumePath);
    return true;
}
