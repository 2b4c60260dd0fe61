// What a node that leaves the cluster uses of its Ceph on its own side: the
// CephFS mount and libvirt's rbd pool (both made by the ceph storage
// profile). They go before the node's Ceph configuration does: a mount or a
// pool whose cluster is gone only hangs or fails.
import { virsh } from "../../lib/virsh.js";
import { CEPHFS_MOUNTPOINT, cephFsMounted, unmount, updateFstab } from "../ceph/cephfs-mount.js";
import { findSecret } from "../ceph/provision/libvirt-rbd.js";
import { LIBVIRT_RBD_POOL } from "../storage/profile-plan.js";
import type { LocalCephUse } from "./node-plan.js";

export async function localCephUse(): Promise<LocalCephUse> {
    const xml = await virsh(["pool-dumpxml", "--", LIBVIRT_RBD_POOL], `reading the libvirt pool ${LIBVIRT_RBD_POOL}`, { allowFailure: true });
    return { cephfsMounted: cephFsMounted(), libvirtRbdPool: xml.exitCode === 0 && /^<pool type=['"]rbd['"]/.test(xml.stdout) ? LIBVIRT_RBD_POOL : "" };
}

export async function unmountCephFs(): Promise<void> {
    if (cephFsMounted())
        await unmount(CEPHFS_MOUNTPOINT);
    updateFstab(null);
}

/* Stops and undefines the pool, then the secret that held client.libvirt's key. */
export async function removeLibvirtRbdPool(name: string): Promise<void> {
    await virsh(["pool-destroy", "--", name], `stopping the libvirt pool ${name}`, { allowFailure: true });
    await virsh(["pool-undefine", "--", name], `removing the libvirt pool ${name}`);
    const uuid = findSecret((await virsh(["secret-list"], "listing the libvirt secrets")).stdout);
    if (uuid)
        await virsh(["secret-undefine", uuid], "removing the libvirt secret of client.libvirt");
}
