// Where new virtual machine disks go. The one place that maps the storage
// profile to a libvirt storage pool: the machines area creates every new disk
// as a volume of this pool (libvirt's volume API works the same for a
// directory, a ZFS dataset's directory or an RBD pool), and applying a
// profile is what defines the pool.
import { readProfile, type Profile } from "../host/facts.js";

/* libvirt's own pool (/var/lib/libvirt/images) when no profile is applied. */
export const DEFAULT_VM_POOL = "default";

/* The libvirt pools a profile defines for VM disks. */
export const PROFILE_VM_POOLS: Record<Exclude<Profile, "none">, string> = {
    zfs: "debvisor-zfs",     // dir pool on the dataset tank/vm
    ceph: "debvisor-rbd",    // rbd pool in the local Ceph cluster
    mixed: "debvisor-rbd",   // VM disks on Ceph; ZFS holds the rest
};

export function vmDiskPool(profile: Profile = readProfile()): string {
    return profile === "none" ? DEFAULT_VM_POOL : PROFILE_VM_POOLS[profile];
}

/* The dataset a disk of kind "zvol" becomes a child of: the zfs profile's VM dataset (beside
 * its file pool's qcow2 files, so one dataset holds every VM disk and its compression). The
 * other profiles put VM disks on Ceph or in libvirt's own directory: no zvols there. */
export const PROFILE_ZVOL_PARENTS: Partial<Record<Profile, string>> = {
    zfs: "tank/vm",
};

export function zvolParent(profile: Profile = readProfile()): string | null {
    return PROFILE_ZVOL_PARENTS[profile] ?? null;
}
