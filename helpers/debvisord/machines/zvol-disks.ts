// Machine disks of kind "zvol": a ZFS volume under the profile's VM dataset
// (storage/placement.ts decides which), named in the machine's definition as
// its block device /dev/zvol/<dataset>. Made with `zfs create -V` through the
// ZFS area's tools rather than through a libvirt storage pool of type zfs:
// those tools already know whether this ZFS can make volumes at all (zfs-fuse
// cannot), and libvirt's zfs pool driver is a package of its own that a host
// may lack.
import fs from "node:fs";
import { failed, invalidArgument, notSupported } from "../../lib/errors.js";
import { readProfile, type Profile } from "../host/facts.js";
import { PROFILE_ZVOL_PARENTS, zvolParent } from "../storage/placement.js";
import type { ZfsFlavor } from "../zfs/parse.js";
import type { ZfsTools } from "../zfs/tools.js";

export const DISK_KINDS = ["file", "zvol"] as const;

const ZVOL_DEVICE_DIR = "/dev/zvol";
/* volsize must be a multiple of volblocksize (8 KiB before OpenZFS 2.2, 16 KiB since, at most 128 KiB by default) */
const ZVOL_BLOCK = 1024 ** 2;
/* udev makes /dev/zvol/… a moment after `zfs create -V` returns */
const DEVICE_WAIT_MS = 30_000, DEVICE_POLL_MS = 200;

/* Why this host cannot give a machine a zvol disk, in words a user can act on; null when it can. */
export function zvolRefusal(profile: Profile, flavor: ZfsFlavor | null): string | null {
    if (!flavor)
        return "zvol disks need OpenZFS, and ZFS is not installed on this host";
    if (!flavor.volumes)
        return "zvol disks need OpenZFS: this host runs zfs-fuse, which cannot make volumes (zvols) because it runs in user space without block devices";
    if (!zvolParent(profile))
        return `zvol disks need the storage profile "zfs", which keeps VM disks on ZFS; this host's profile is "${profile}"`;
    return null;
}

/* The zvol behind a machine's disk when it is one DebVisor makes (a direct child of a profile's
 * zvol dataset, named as its /dev/zvol device); null for any other disk, which is left alone. */
export function zvolOfDisk(disk: { Type: string; Source: string }): string | null {
    if (disk.Type !== "block" || !disk.Source.startsWith(`${ZVOL_DEVICE_DIR}/`))
        return null;
    const dataset = disk.Source.slice(ZVOL_DEVICE_DIR.length + 1);
    const parent = Object.values(PROFILE_ZVOL_PARENTS).find(p => dataset.startsWith(`${p}/`));
    const child = parent ? dataset.slice(parent.length + 1) : "";
    return /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(child) && !child.includes("..") ? dataset : null;
}

async function waitForDevice(device: string): Promise<void> {
    const deadline = Date.now() + DEVICE_WAIT_MS;
    while (!fs.existsSync(device)) {
        if (Date.now() > deadline)
            throw failed(`the zvol was made but its block device ${device} did not appear within ${DEVICE_WAIT_MS / 1000} s (is udev running?)`);
        await new Promise(resolve => setTimeout(resolve, DEVICE_POLL_MS));
    }
}

/* The arguments a refusal names: the method's option that asked for a zvol, and its size. */
interface ZvolArguments { kind: string; size: string }

/* Makes the zvol NAME under the profile's zvol dataset and waits for its block device; on any
 * failure after `zfs create`, the zvol is destroyed again. */
export async function createZvolDisk(tools: ZfsTools, name: string, bytes: number, args: ZvolArguments = { kind: "options.kind", size: "size" },
    profile: Profile = readProfile()): Promise<{ dataset: string; device: string }> {
    const refusal = zvolRefusal(profile, await tools.flavor());
    if (refusal)
        throw notSupported(`${args.kind}: ${refusal}`);
    if (bytes % ZVOL_BLOCK !== 0)
        throw invalidArgument(`${args.size}: a zvol's size must be a whole number of MiB (a multiple of ${ZVOL_BLOCK} bytes)`);
    const dataset = `${zvolParent(profile)!}/${name}`;
    await tools.createVolume(dataset, BigInt(bytes), {});
    const device = `${ZVOL_DEVICE_DIR}/${dataset}`;
    try {
        await waitForDevice(device);
    } catch (e) {
        await tools.destroy(dataset, false).catch(() => undefined);
        throw e;
    }
    return { dataset, device };
}

/* Destroys the zvol behind a disk, when it is one of DebVisor's; whether it did. */
export async function deleteZvolDisk(tools: ZfsTools, disk: { Type: string; Source: string }): Promise<boolean> {
    const dataset = zvolOfDisk(disk);
    if (!dataset)
        return false;
    await tools.destroy(dataset, false);
    return true;
}
