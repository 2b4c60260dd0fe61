// Names the daemon turns into file names and libvirt names (machines,
// snapshots, images), checked alike by the pages as the user types and by the
// daemon on every call.

/* No path separators, no leading dot or dash: safe as a file name and as a tool's argument. */
export const NAME_CHARACTERS = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function hasNameCharacters(name: string): boolean {
    return NAME_CHARACTERS.test(name) && !name.includes("..");
}

/* Snapshots and images. */
export const RESOURCE_NAME_MAX = 64;

/*
 * Machines, whether created, cloned or renamed. Unless told otherwise, the name
 * is also the guest's host name (cloud-init), and a DNS label holds at most 63
 * characters (RFC 1035); libvirt sets no limit of its own, and the disk files
 * derived from the name (NAME.qcow2, NAME-vdb.qcow2) stay far below a file
 * name's 255 bytes.
 */
export const MACHINE_NAME_MAX = 63;
