// Facts about the host for the Manager object: its storage profile and
// which backends are usable here.
import fs from "node:fs";
import path from "node:path";

export const PROFILE_FILE = "/etc/debvisor-profile";
const PROFILES = ["ceph", "zfs", "mixed"] as const;
export type Profile = typeof PROFILES[number] | "none";

/* The profile file holds one word, or PROFILE=word as the installer writes it. */
export function parseProfile(text: string): Profile {
    for (const raw of text.split("\n")) {
        const line = raw.trim();
        if (line === "" || line.startsWith("#"))
            continue;
        const value = line.replace(/^(DEBVISOR_)?PROFILE\s*=\s*/i, "").replace(/^["']|["']$/g, "").toLowerCase();
        return (PROFILES as readonly string[]).includes(value) ? value as Profile : "none";
    }
    return "none";
}

export function readProfile(file = PROFILE_FILE): Profile {
    try {
        return parseProfile(fs.readFileSync(file, "utf8"));
    } catch {
        return "none";
    }
}

/* Backend → a program whose presence makes it usable. */
const FEATURE_PROGRAMS: Array<[string, string]> = [
    ["libvirt", "virsh"],
    ["qemu-img", "qemu-img"],
    ["zfs", "zpool"],
    ["ceph", "ceph"],
    ["bind", "named"],
    ["nsupdate", "nsupdate"],
    ["nft", "nft"],
];

function onPath(program: string, searchPath: string): boolean {
    return searchPath.split(":").some(dir => {
        try {
            fs.accessSync(path.join(dir, program), fs.constants.X_OK);
            return true;
        } catch {
            return false;
        }
    });
}

export function detectFeatures(searchPath = process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin"): string[] {
    const dirs = [...new Set([...searchPath.split(":"), "/usr/sbin", "/usr/bin", "/sbin", "/bin"])].join(":");
    return FEATURE_PROGRAMS.filter(([, program]) => onPath(program, dirs)).map(([feature]) => feature);
}
