// The daemon's rules for names and values, checked as the user types; the
// daemon checks them again (helpers/debvisord/validation.ts, cloud-init.ts).
import { hasNameCharacters, MACHINE_NAME_MAX, RESOURCE_NAME_MAX } from "../../helpers/lib/resource-names";
import { format, _ } from "../lib/gettext";

export function checkMachineName(name: string, existing: string[]): string | null {
    if (!name)
        return _("Give the machine a name");
    if (name.length > MACHINE_NAME_MAX)
        return format(_("At most $0 characters"), MACHINE_NAME_MAX);
    if (!hasNameCharacters(name))
        return _("Letters, digits, \".\", \"_\" and \"-\", starting with a letter or digit");
    if (existing.includes(name))
        return format(_("A machine named $0 exists already"), name);
    return null;
}

export function checkPath(path: string): string | null {
    if (!path)
        return _("Give the file's path on the host");
    if (!path.startsWith("/"))
        return _("An absolute path, starting with /");
    if (/[\u0000-\u001f\u007f]/.test(path) || path.split("/").includes(".."))
        return _("No \"..\" and no control characters");
    return null;
}

export function checkUser(user: string): string | null {
    return /^[a-z_][a-z0-9_-]{0,31}$/.test(user) ? null : _("Lower-case letters, digits, \"_\" and \"-\"; at most 32; not starting with a digit or \"-\"");
}

export function checkHostname(name: string): string | null {
    return name.length <= 253 && /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/.test(name)
        ? null : _("Labels of letters, digits and \"-\", separated by dots");
}

export function checkSshKey(key: string): string | null {
    return /^(ssh-(rsa|ed25519|dss)|ecdsa-sha2-nistp(256|384|521)|sk-[a-z0-9-]+@openssh\.com) [A-Za-z0-9+/]+={0,3}( [\x20-\x7e]{0,200})?$/.test(key.trim())
        ? null : _("One OpenSSH public key line: type, key, optional comment");
}

export function checkSnapshotName(name: string, existing: string[]): string | null {
    if (!name)
        return _("Give the snapshot a name");
    if (name.length > RESOURCE_NAME_MAX || !hasNameCharacters(name))
        return format(_("Letters, digits, \".\", \"_\" and \"-\", starting with a letter or digit; at most $0"), RESOURCE_NAME_MAX);
    if (existing.includes(name))
        return format(_("A snapshot named $0 exists already"), name);
    return null;
}

/* "bridge:NAME" or "network:NAME" ("none" too where a machine may go without a NIC); empty means the default. */
export function checkNetwork(value: string, allowNone: boolean): string | null {
    if (value === "" || (allowNone && value === "none"))
        return null;
    return /^(bridge:[A-Za-z0-9][A-Za-z0-9_.-]{0,14}|network:[A-Za-z0-9][A-Za-z0-9_.-]{0,63})$/.test(value)
        ? null : allowNone ? _("bridge:NAME, network:NAME or none") : _("bridge:NAME or network:NAME");
}
