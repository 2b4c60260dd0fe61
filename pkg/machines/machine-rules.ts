// The daemon's rules for names and values (helpers/lib/machine-rules.ts),
// checked as the user types, in the page's words; the daemon checks them again.
import {
    CLOUD_INIT_USER, HOST_NAME, HOST_NAME_MAX, hasNameCharacters, MACHINE_NAME_MAX, NETWORK_CHOICE, RESOURCE_NAME_MAX, SSH_PUBLIC_KEY,
} from "../../helpers/lib/machine-rules";
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
    return CLOUD_INIT_USER.test(user) ? null : _("Lower-case letters, digits, \"_\" and \"-\"; at most 32; not starting with a digit or \"-\"");
}

export function checkHostname(name: string): string | null {
    return name.length <= HOST_NAME_MAX && HOST_NAME.test(name)
        ? null : _("Labels of letters, digits and \"-\", separated by dots");
}

export function checkSshKey(key: string): string | null {
    return SSH_PUBLIC_KEY.test(key.trim())
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
    return value !== "none" && NETWORK_CHOICE.test(value)
        ? null : allowNone ? _("bridge:NAME, network:NAME or none") : _("bridge:NAME or network:NAME");
}
