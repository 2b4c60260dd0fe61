// The storage profile in tests: PlanProfile and ApplyProfile on the bus, and
// a sandbox for the zfs profile on test files that the ZFS area's test
// directory lets count as spare disks, which puts the host back as it was
// (tank, the libvirt pool debvisor-zfs, the /srv mount points and
// /etc/debvisor-profile).
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { callAs, MANAGER } from "./call-as.js";
import { ADMIN } from "./users.js";
import { allowFileVdevs, destroyTestPool, sparseFile } from "./zfs.js";

export const PROFILE_FILE = "/etc/debvisor-profile";
export const ZFS_MOUNTS = ["/srv/vm", "/srv/docker", "/srv/k8s"];
const VIRSH = ["-c", "qemu:///system"];

export interface PlanReply {
    Steps: Array<{ Id: string; Kind: string; Exists: boolean; Devices: string[]; Settings: Record<string, string> }>;
    Wipes: Array<{ Id: string; Path: string; Size: number; Step: string }>;
    Kept: string[];
    Refused: Array<{ Id: string; Path: string; Reason: string }>;
    Problems: string[];
    Token: string;
}
export type ProfileOptions = Record<string, [string, unknown]>;

export const planProfile = (user: string | null, profile: string, options: ProfileOptions = {}) =>
    callAs(user, { ...MANAGER, method: "PlanProfile", signature: "sa{sv}", body: [profile, options] });
export const applyProfile = (user: string | null, profile: string, options: ProfileOptions) =>
    callAs(user, { ...MANAGER, method: "ApplyProfile", signature: "sa{sv}", body: [profile, { "auth.no_user_interaction": ["b", true], ...options }] });

/* The admin's plan; a refusal is an error. */
export async function planOf(profile: string, options: ProfileOptions = {}): Promise<PlanReply> {
    const reply = await planProfile(ADMIN.name, profile, options);
    if (!reply.ok)
        throw new Error(reply.message);
    return reply.body[0] as PlanReply;
}

/* A command's output, "" when it fails (for looking around and cleaning up). */
export function tryRun(cmd: string, ...args: string[]): string {
    try {
        return execFileSync(cmd, args, { encoding: "utf8", stdio: "pipe", timeout: 120_000 });
    } catch {
        return "";
    }
}

export const zpools = () => tryRun("zpool", "list", "-H", "-o", "name").split("\n").filter(Boolean);
export const libvirtPools = () => tryRun("virsh", ...VIRSH, "-q", "pool-list", "--all", "--name").split("\n").map(s => s.trim()).filter(Boolean);

export function removeLibvirtPool(name: string): void {
    tryRun("virsh", ...VIRSH, "pool-destroy", name);
    tryRun("virsh", ...VIRSH, "pool-undefine", name);
}

/* The profile file back as it was: null when there was none. */
export function restoreProfileFile(saved: string | null): void {
    if (saved === null)
        fs.rmSync(PROFILE_FILE, { force: true });
    else
        fs.writeFileSync(PROFILE_FILE, saved);
}

export interface ZfsProfileSandbox {
    dir: string;
    files: string[];
    /** this host had a pool tank already: the tests that would make it do not run */
    tankBefore: boolean;
    savedProfile: string | null;
    restore(): Promise<void>;
}

/* `count` test files of `bytes` each in a new directory under /var/tmp, allowed as ZFS disks until restore(). */
export function zfsProfileSandbox(prefix: string, count: number, bytes: number): ZfsProfileSandbox {
    const tankBefore = zpools().includes("tank");
    const libvirtBefore = libvirtPools().includes("debvisor-zfs");
    const existedMounts = new Set(ZFS_MOUNTS.filter(m => fs.existsSync(m)));
    const dir = fs.mkdtempSync(path.join("/var/tmp", prefix));
    const files = Array.from({ length: count }, (_, i) => sparseFile(path.join(dir, `disk${i + 1}.img`), bytes));
    const savedProfile = fs.existsSync(PROFILE_FILE) ? fs.readFileSync(PROFILE_FILE, "utf8") : null;
    const disallow = allowFileVdevs(dir);
    return {
        dir, files, tankBefore, savedProfile,
        async restore() {
            try {
                if (!libvirtBefore && libvirtPools().includes("debvisor-zfs"))
                    removeLibvirtPool("debvisor-zfs");
                if (!tankBefore)
                    await destroyTestPool("tank");
            } finally {
                disallow();
                restoreProfileFile(savedProfile);
                for (const m of ZFS_MOUNTS) {
                    if (!existedMounts.has(m))
                        try { fs.rmdirSync(m) } catch { /* not there, or not empty: left alone */ }
                }
                fs.rmSync(dir, { recursive: true, force: true });
            }
        },
    };
}
