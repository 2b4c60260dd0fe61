// Host hardening: the file tree every check reads and every fix writes.
// Pure logic over a file tree: every path is resolved under `root` ("/" on a
// host, a temporary directory in the unit tests), and the few programs it
// runs go through an injectable runner (HardeningEnv).
import fs from "node:fs";
import path from "node:path";
import { writeFileAtomically } from "../../../lib/atomic-file.js";

// Host hardening checks and their fixes: sshd, kernel sysctls, unattended
// upgrades, auditd, SSH MFA and fail2ban. Pure logic over a file tree: every
// path is resolved under `root` ("/" on a host, a temporary directory in the
// unit tests), and the few programs it runs go through an injectable runner.

type Status = "ok" | "warning" | "failed";

export interface Check {
    id: string;
    title: string;
    status: Status;
    detail: string;
    fixable: boolean;
    /** the exact change Fix makes, in words and file contents; empty when there is nothing to fix */
    change: string;
}

export interface RunResult { code: number; stdout: string; stderr: string }

export interface HardeningEnv {
    root: string;
    run(cmd: string, args: string[]): Promise<RunResult>;
    signal(pid: number, signal: NodeJS.Signals): void;
    /** fail2ban's socket when not its default (tests run a fail2ban-server of their own) */
    fail2banSocket?: string;
}

export const SSHD_CONFIG = "/etc/ssh/sshd_config";
export const SSHD_DROPIN = "/etc/ssh/sshd_config.d/90-debvisor-hardening.conf";
export const SSHD_PID = "/run/sshd.pid";
export const SYSCTL_FILE = "/etc/sysctl.d/90-debvisor-hardening.conf";
export const AUTO_UPGRADES = "/etc/apt/apt.conf.d/20auto-upgrades";
export const PAM_SSHD = "/etc/pam.d/sshd";
const MAX_CONFIG_BYTES = 1024 * 1024;

export const under = (root: string, p: string) => path.join(root, p);

export function readText(root: string, p: string): string | null {
    try {
        const file = under(root, p);
        if (fs.statSync(file).size > MAX_CONFIG_BYTES)
            return null;
        return fs.readFileSync(file, "utf8");
    } catch {
        return null;
    }
}

export const exists = (root: string, p: string) => fs.existsSync(under(root, p));

/* Writes a file under `root` atomically (helpers/lib/atomic-file.ts). */
export function writeAtomic(root: string, p: string, content: string, mode = 0o644): void {
    writeFileAtomically(under(root, p), content, mode);
}

export function parseManaged(text: string | null, separator: RegExp): Map<string, string> {
    const out = new Map<string, string>();
    for (const raw of (text ?? "").split("\n")) {
        const line = raw.trim();
        if (line === "" || line.startsWith("#"))
            continue;
        const m = separator.exec(line);
        if (m)
            out.set(m[1], m[2].trim());
    }
    return out;
}
