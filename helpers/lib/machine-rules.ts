// The grammar of machine settings that the page checks as the user types and
// the daemon checks again on every call: names that become file names and
// libvirt names (machines, snapshots, images), where a NIC plugs in, and
// cloud-init's user, host name and SSH key.

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

/* "bridge:NAME" (a host bridge: an interface name, at most 15 characters), "network:NAME" (a libvirt network) or "none". */
export const NETWORK_CHOICE = /^(none|bridge:[A-Za-z0-9][A-Za-z0-9_.-]{0,14}|network:[A-Za-z0-9][A-Za-z0-9_.-]{0,63})$/;

export const CLOUD_INIT_USER = /^[a-z_][a-z0-9_-]{0,31}$/;

/* Labels of letters, digits and "-" separated by dots; at most 253 characters in all. */
export const HOST_NAME = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
export const HOST_NAME_MAX = 253;

export const SSH_PUBLIC_KEY = /^(ssh-(rsa|ed25519|dss)|ecdsa-sha2-nistp(256|384|521)|sk-[a-z0-9-]+@openssh\.com) [A-Za-z0-9+/]+={0,3}( [\x20-\x7e]{0,200})?$/;
