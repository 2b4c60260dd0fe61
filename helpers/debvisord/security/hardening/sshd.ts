// sshd's effective settings (its config, the drop-ins it includes, Match
// blocks left out) and DebVisor's own drop-in.
import fs from "node:fs";
import path from "node:path";
import { exists, parseManaged, readText, SSHD_CONFIG, SSHD_DROPIN, SSHD_PID, under } from "./host-files.js";

const MAX_INCLUDE_DEPTH = 8;

interface SshdValue { value: string; file: string; line: number }

/* A glob of one "*"-style pattern in the last path element (what sshd's Include takes in practice). */
function globFiles(root: string, pattern: string): string[] {
    const dir = path.posix.dirname(pattern);
    const base = path.posix.basename(pattern);
    if (!base.includes("*") && !base.includes("?"))
        return exists(root, pattern) ? [pattern] : [];
    const re = new RegExp(`^${base.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`);
    let names: string[] = [];
    try {
        names = fs.readdirSync(under(root, dir));
    } catch {
        return [];
    }
    return names.filter(n => re.test(n)).sort().map(n => path.posix.join(dir, n));
}

/**
 * The effective global sshd settings: sshd_config with its Include files in
 * place, keywords lower-cased, the first value wins (as sshd does); a Match
 * block ends the global part of the file it is in. `overlay` replaces the
 * content of files (to see what a planned change would give).
 */
export function sshdSettings(root: string, overlay: Map<string, string> = new Map()): Map<string, SshdValue> {
    const settings = new Map<string, SshdValue>();
    const visit = (file: string, depth: number) => {
        if (depth > MAX_INCLUDE_DEPTH)
            return;
        const text = overlay.get(file) ?? readText(root, file);
        if (text === null)
            return;
        const lines = text.split("\n");
        for (let i = 0; i < lines.length; i++) {
            const line = lines[i].trim();
            if (line === "" || line.startsWith("#"))
                continue;
            const m = /^(\S+?)(?:\s*=\s*|\s+)(.*)$/.exec(line);
            if (!m)
                continue;
            const key = m[1].toLowerCase();
            const value = m[2].trim().replace(/^"(.*)"$/, "$1");
            if (key === "match")
                return;
            if (key === "include") {
                for (const pattern of value.split(/\s+/)) {
                    const abs = pattern.startsWith("/") ? pattern : path.posix.join("/etc/ssh", pattern);
                    const files = globFiles(root, abs);
                    for (const o of overlay.keys())
                        if (!files.includes(o) && matchesPattern(abs, o))
                            files.push(o);
                    files.sort();
                    for (const f of files)
                        visit(f, depth + 1);
                }
                continue;
            }
            if (!settings.has(key))
                settings.set(key, { value, file, line: i + 1 });
        }
    };
    visit(SSHD_CONFIG, 0);
    return settings;
}

function matchesPattern(pattern: string, file: string): boolean {
    if (path.posix.dirname(pattern) !== path.posix.dirname(file))
        return false;
    const base = path.posix.basename(pattern);
    const re = new RegExp(`^${base.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`);
    return re.test(path.posix.basename(file));
}

/* The key-value lines of one of DebVisor's own files ("Key value" or "key = value"), in order. */

export const SSHD_HEADER = "# Written by DebVisor (security hardening). Changes here are kept by DebVisor's next fix.\n";

export function sshdDropinContent(root: string, set: Record<string, string | null>): string {
    const current = parseManaged(readText(root, SSHD_DROPIN), /^(\S+)\s+(.+)$/);
    for (const [k, v] of Object.entries(set)) {
        const existing = [...current.keys()].find(c => c.toLowerCase() === k.toLowerCase());
        if (existing)
            current.delete(existing);
        if (v !== null)
            current.set(k, v);
    }
    return SSHD_HEADER + [...current].map(([k, v]) => `${k} ${v}\n`).join("");
}

export function sshdInstalled(root: string): boolean {
    return exists(root, SSHD_CONFIG);
}

export function sshdReloadWords(root: string): string {
    const pid = sshdPid(root);
    return pid === null ? "sshd is not running: nothing to reload" : `then reload sshd (SIGHUP to pid ${pid} from ${SSHD_PID})`;
}

export function sshdPid(root: string): number | null {
    const text = readText(root, SSHD_PID);
    const pid = Number(text?.trim());
    if (!Number.isInteger(pid) || pid <= 1)
        return null;
    // a stale pid file: the process must be there (and be sshd when /proc says so)
    const comm = readText(root, `/proc/${pid}/comm`);
    return comm !== null && comm.trim() === "sshd" ? pid : null;
}

interface SshdRule { id: string; keyword: string; title: string; want: string; ok: (v: string) => boolean; default: string }

export const SSHD_RULES: SshdRule[] = [
    {
        id: "ssh-permit-root-login", keyword: "PermitRootLogin", title: "SSH: no password login as root", want: "no",
        ok: v => ["no", "prohibit-password", "without-password", "forced-commands-only"].includes(v.toLowerCase()), default: "prohibit-password",
    },
    {
        id: "ssh-password-authentication", keyword: "PasswordAuthentication", title: "SSH: keys only, no passwords", want: "no",
        ok: v => v.toLowerCase() === "no", default: "yes",
    },
];
