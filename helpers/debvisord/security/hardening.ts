// Host hardening checks and their fixes: sshd, kernel sysctls, unattended
// upgrades, auditd, SSH MFA and fail2ban. Pure logic over a file tree: every
// path is resolved under `root` ("/" on a host, a temporary directory in the
// unit tests), and the few programs it runs go through an injectable runner.
import fs from "node:fs";
import { writeFileAtomically } from "../../lib/atomic-file.js";
import net from "node:net";
import path from "node:path";

export type Status = "ok" | "warning" | "failed";

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
const PAM_MARK = "# debvisor: SSH MFA";
const PAM_LINE = "auth required pam_google_authenticator.so";
const MAX_INCLUDE_DEPTH = 8;
const MAX_CONFIG_BYTES = 1024 * 1024;

const under = (root: string, p: string) => path.join(root, p);

function readText(root: string, p: string): string | null {
    try {
        const file = under(root, p);
        if (fs.statSync(file).size > MAX_CONFIG_BYTES)
            return null;
        return fs.readFileSync(file, "utf8");
    } catch {
        return null;
    }
}

const exists = (root: string, p: string) => fs.existsSync(under(root, p));

/* Writes a file under `root` atomically (helpers/lib/atomic-file.ts). */
export function writeAtomic(root: string, p: string, content: string, mode = 0o644): void {
    writeFileAtomically(under(root, p), content, mode);
}

// ---------- sshd ----------

export interface SshdValue { value: string; file: string; line: number }

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
function parseManaged(text: string | null, separator: RegExp): Map<string, string> {
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

const SSHD_HEADER = "# Written by DebVisor (security hardening). Changes here are kept by DebVisor's next fix.\n";

function sshdDropinContent(root: string, set: Record<string, string | null>): string {
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

function sshdInstalled(root: string): boolean {
    return exists(root, SSHD_CONFIG);
}

function sshdReloadWords(root: string): string {
    const pid = sshdPid(root);
    return pid === null ? "sshd is not running: nothing to reload" : `then reload sshd (SIGHUP to pid ${pid} from ${SSHD_PID})`;
}

function sshdPid(root: string): number | null {
    const text = readText(root, SSHD_PID);
    const pid = Number(text?.trim());
    if (!Number.isInteger(pid) || pid <= 1)
        return null;
    // a stale pid file: the process must be there (and be sshd when /proc says so)
    const comm = readText(root, `/proc/${pid}/comm`);
    return comm !== null && comm.trim() === "sshd" ? pid : null;
}

interface SshdRule { id: string; keyword: string; title: string; want: string; ok: (v: string) => boolean; default: string }

const SSHD_RULES: SshdRule[] = [
    {
        id: "ssh-permit-root-login", keyword: "PermitRootLogin", title: "SSH: no password login as root", want: "no",
        ok: v => ["no", "prohibit-password", "without-password", "forced-commands-only"].includes(v.toLowerCase()), default: "prohibit-password",
    },
    {
        id: "ssh-password-authentication", keyword: "PasswordAuthentication", title: "SSH: keys only, no passwords", want: "no",
        ok: v => v.toLowerCase() === "no", default: "yes",
    },
];

// ---------- sysctl ----------

interface SysctlRule { key: string; want: string; ok: (v: string) => boolean; title: string }

export const SYSCTL_RULES: SysctlRule[] = [
    { key: "net.ipv4.conf.all.rp_filter", want: "1", ok: v => v === "1" || v === "2", title: "Reverse path filtering" },
    { key: "net.ipv4.conf.all.accept_redirects", want: "0", ok: v => v === "0", title: "No ICMP redirects accepted" },
    { key: "net.ipv4.conf.all.send_redirects", want: "0", ok: v => v === "0", title: "No ICMP redirects sent" },
    { key: "net.ipv4.tcp_syncookies", want: "1", ok: v => v === "1", title: "TCP SYN cookies" },
    { key: "kernel.kptr_restrict", want: "1", ok: v => v === "1" || v === "2", title: "Kernel pointers hidden" },
    { key: "kernel.dmesg_restrict", want: "1", ok: v => v === "1", title: "Kernel log for root only" },
];

export const sysctlPath = (key: string) => `/proc/sys/${key.replace(/\./g, "/")}`;

export function readSysctl(root: string, key: string): string | null {
    return readText(root, sysctlPath(key))?.trim() ?? null;
}

function sysctlContent(root: string, set: Record<string, string>): string {
    const current = parseManaged(readText(root, SYSCTL_FILE), /^([A-Za-z0-9_.\-/]+)\s*=\s*(.*)$/);
    for (const [k, v] of Object.entries(set))
        current.set(k, v);
    return "# Written by DebVisor (security hardening).\n" + [...current].map(([k, v]) => `${k} = ${v}\n`).join("");
}

// ---------- the checks ----------

const UNATTENDED_BIN = "/usr/bin/unattended-upgrade";
const AUDITD_BINS = ["/sbin/auditd", "/usr/sbin/auditd"];

export function aptPeriodic(root: string): Map<string, string> {
    const out = new Map<string, string>();
    const text = readText(root, AUTO_UPGRADES) ?? "";
    for (const m of text.matchAll(/^\s*(APT::Periodic::[A-Za-z-]+)\s+"([^"]*)"\s*;/gm))
        out.set(m[1], m[2]);
    return out;
}

const AUTO_UPGRADES_CONTENT = 'APT::Periodic::Update-Package-Lists "1";\nAPT::Periodic::Unattended-Upgrade "1";\n';

export function runChecks(root: string): Check[] {
    const checks: Check[] = [];
    const sshd = sshdSettings(root);
    for (const rule of SSHD_RULES) {
        if (!sshdInstalled(root)) {
            checks.push({ id: rule.id, title: rule.title, status: "ok", detail: `the OpenSSH server is not installed (${SSHD_CONFIG} is missing)`, fixable: false, change: "" });
            continue;
        }
        const found = sshd.get(rule.keyword.toLowerCase());
        const value = found?.value ?? rule.default;
        const where = found ? `${found.file}:${found.line}` : "sshd's default";
        if (rule.ok(value)) {
            checks.push({ id: rule.id, title: rule.title, status: "ok", detail: `${rule.keyword} ${value} (${where})`, fixable: false, change: "" });
            continue;
        }
        const content = sshdDropinContent(root, { [rule.keyword]: rule.want });
        const after = sshdSettings(root, new Map([[SSHD_DROPIN, content]])).get(rule.keyword.toLowerCase());
        const effective = after?.file === SSHD_DROPIN;
        checks.push({
            id: rule.id, title: rule.title, status: "failed", detail: `${rule.keyword} ${value} (${where})`,
            fixable: effective,
            change: effective
                ? `write ${SSHD_DROPIN}:\n${content}${sshdReloadWords(root)}`
                : `${SSHD_DROPIN} would not take effect: ${after ? `${after.file}:${after.line} sets ${rule.keyword} first` : `${SSHD_CONFIG} does not include it`}; change it there`,
        });
    }
    for (const rule of SYSCTL_RULES) {
        const id = `sysctl-${rule.key}`;
        const value = readSysctl(root, rule.key);
        if (value === null) {
            checks.push({ id, title: `${rule.title} (${rule.key})`, status: "warning", detail: `${sysctlPath(rule.key)} cannot be read`, fixable: false, change: "" });
            continue;
        }
        if (rule.ok(value)) {
            checks.push({ id, title: `${rule.title} (${rule.key})`, status: "ok", detail: `${rule.key} = ${value}`, fixable: false, change: "" });
            continue;
        }
        const content = sysctlContent(root, { [rule.key]: rule.want });
        checks.push({
            id, title: `${rule.title} (${rule.key})`, status: "failed", detail: `${rule.key} = ${value}, should be ${rule.want}`, fixable: true,
            change: `write ${SYSCTL_FILE}:\n${content}then apply it: sysctl -p ${SYSCTL_FILE}`,
        });
    }
    const installed = exists(root, UNATTENDED_BIN);
    const periodic = aptPeriodic(root);
    const enabled = periodic.get("APT::Periodic::Unattended-Upgrade") === "1" && (periodic.get("APT::Periodic::Update-Package-Lists") ?? "0") !== "0";
    checks.push(!installed
        ? { id: "unattended-upgrades", title: "Security updates installed automatically", status: "warning", detail: "unattended-upgrades is not installed (apt install unattended-upgrades)", fixable: false, change: "" }
        : enabled
            ? { id: "unattended-upgrades", title: "Security updates installed automatically", status: "ok", detail: `enabled in ${AUTO_UPGRADES}`, fixable: false, change: "" }
            : {
                id: "unattended-upgrades", title: "Security updates installed automatically", status: "warning",
                detail: `installed but not enabled in ${AUTO_UPGRADES}`, fixable: true, change: `write ${AUTO_UPGRADES}:\n${AUTO_UPGRADES_CONTENT}`,
            });
    const auditd = AUDITD_BINS.some(b => exists(root, b));
    checks.push({
        id: "auditd", title: "Kernel audit daemon (auditd)", status: auditd ? "ok" : "warning",
        detail: auditd ? "auditd is installed" : "auditd is not installed (apt install auditd)", fixable: false, change: "",
    });
    return checks;
}

/** What Fix does: the files to write and what to run after. */
export interface FixPlan { change: string; writes: { path: string; content: string }[]; after: "sshd-reload" | "sysctl" | null }

export function planFix(root: string, id: string): FixPlan | { error: string } {
    const check = runChecks(root).find(c => c.id === id);
    if (!check)
        return { error: `check_id: no check "${id}"` };
    if (check.status === "ok")
        return { error: `check_id: ${id} passes already, there is nothing to fix` };
    if (!check.fixable)
        return { error: `check_id: ${id} cannot be fixed by DebVisor: ${check.change || check.detail}` };
    const ssh = SSHD_RULES.find(r => r.id === id);
    if (ssh)
        return { change: check.change, writes: [{ path: SSHD_DROPIN, content: sshdDropinContent(root, { [ssh.keyword]: ssh.want }) }], after: "sshd-reload" };
    const sys = SYSCTL_RULES.find(r => `sysctl-${r.key}` === id);
    if (sys)
        return { change: check.change, writes: [{ path: SYSCTL_FILE, content: sysctlContent(root, { [sys.key]: sys.want }) }], after: "sysctl" };
    return { change: check.change, writes: [{ path: AUTO_UPGRADES, content: AUTO_UPGRADES_CONTENT }], after: null };
}

export async function applyPlan(env: HardeningEnv, plan: FixPlan): Promise<void> {
    for (const w of plan.writes)
        writeAtomic(env.root, w.path, w.content);
    if (plan.after === "sysctl") {
        const r = await env.run("sysctl", ["-p", under(env.root, SYSCTL_FILE)]);
        if (r.code !== 0)
            throw new Error(`sysctl -p ${SYSCTL_FILE} failed: ${(r.stderr || r.stdout).trim()}`);
    } else if (plan.after === "sshd-reload") {
        const pid = sshdPid(env.root);
        if (pid !== null)
            env.signal(pid, "SIGHUP");
    }
}

// ---------- SSH MFA ----------

export interface MfaUser { name: string; uid: number; home: string; enrolled: boolean }
export interface MfaStatus { configured: boolean; pam: boolean; sshd: boolean; users: MfaUser[]; detail: string }

export function localUsers(root: string): MfaUser[] {
    const users: MfaUser[] = [];
    for (const line of (readText(root, "/etc/passwd") ?? "").split("\n")) {
        const f = line.split(":");
        if (f.length < 7)
            continue;
        const uid = Number(f[2]);
        const shell = f[6].trim();
        if (!Number.isInteger(uid) || uid < 1000 || uid === 65534 || shell === "" || /(nologin|\/false)$/.test(shell))
            continue;
        users.push({ name: f[0], uid, home: f[5], enrolled: f[5].startsWith("/") && exists(root, path.posix.join(f[5], ".google_authenticator")) });
    }
    return users;
}

function pamHasOtp(text: string | null): boolean {
    return (text ?? "").split("\n").some(l => !l.trim().startsWith("#") && /\bpam_(google_authenticator|oath)\.so\b/.test(l));
}

export function mfaStatus(root: string): MfaStatus {
    const pam = pamHasOtp(readText(root, PAM_SSHD));
    const s = sshdSettings(root);
    const kbd = (s.get("kbdinteractiveauthentication") ?? s.get("challengeresponseauthentication"))?.value.toLowerCase() ?? "yes";
    const methods = s.get("authenticationmethods")?.value ?? "";
    const sshd = sshdInstalled(root) && kbd === "yes" && methods.includes("keyboard-interactive");
    const missing = [
        ...(sshdInstalled(root) ? [] : [`the OpenSSH server is not installed (${SSHD_CONFIG} is missing)`]),
        ...(pam ? [] : [`${PAM_SSHD} does not use pam_google_authenticator or pam_oath`]),
        ...(kbd === "yes" ? [] : ["sshd has KbdInteractiveAuthentication no"]),
        ...(methods.includes("keyboard-interactive") ? [] : ["sshd's AuthenticationMethods does not ask for keyboard-interactive"]),
    ];
    return { configured: pam && sshd, pam, sshd, users: localUsers(root), detail: missing.join("; ") };
}

const PAM_MODULE_DIRS = ["/lib/security", "/usr/lib/security", "/lib/x86_64-linux-gnu/security", "/usr/lib/x86_64-linux-gnu/security",
    "/lib/aarch64-linux-gnu/security", "/usr/lib/aarch64-linux-gnu/security"];

export function pamModuleInstalled(root: string): boolean {
    return PAM_MODULE_DIRS.some(d => exists(root, `${d}/pam_google_authenticator.so`));
}

export interface MfaPlan { change: string; writes: { path: string; content: string }[] }

/* Enforce: the sshd drop-in asks for a key and a one-time code; PAM's sshd stack checks the code. */
export function planMfa(root: string, enforce: boolean, caller: string): MfaPlan | { error: string } {
    if (enforce) {
        // the caller's own enrolment first: enforcing before it would lock them out
        const me = localUsers(root).find(u => u.name === caller);
        if (!me?.enrolled)
            return { error: `${caller || "the caller"} has not enrolled a one-time code generator (~/.google_authenticator is missing): run google-authenticator as ${caller || "yourself"} first, or SSH would lock you out` };
        if (!sshdInstalled(root))
            return { error: `the OpenSSH server is not installed (${SSHD_CONFIG} is missing)` };
        if (!pamModuleInstalled(root))
            return { error: "pam_google_authenticator is not installed (apt install libpam-google-authenticator)" };
    }
    const dropin = sshdDropinContent(root, enforce
        ? { KbdInteractiveAuthentication: "yes", AuthenticationMethods: "publickey,keyboard-interactive" }
        : { KbdInteractiveAuthentication: null, AuthenticationMethods: null });
    const pamText = readText(root, PAM_SSHD) ?? "";
    const kept = pamText.split("\n").filter(l => l !== PAM_MARK && l !== PAM_LINE);
    const pam = enforce ? [PAM_MARK, PAM_LINE, ...kept].join("\n") : kept.join("\n");
    const currentDropin = readText(root, SSHD_DROPIN);
    const writes: { path: string; content: string }[] = [];
    if (dropin !== (currentDropin ?? SSHD_HEADER))
        writes.push({ path: SSHD_DROPIN, content: dropin });
    if (pam !== pamText)
        writes.push({ path: PAM_SSHD, content: pam });
    if (writes.length === 0)
        return { change: "nothing to change: DebVisor's MFA lines are not there", writes };
    const change = writes.map(w => `write ${w.path}:\n${w.content}${w.content.endsWith("\n") ? "" : "\n"}`).join("") + sshdReloadWords(root);
    return { change, writes };
}

export async function applyMfa(env: HardeningEnv, plan: MfaPlan): Promise<void> {
    if (plan.writes.length > 0)
        await applyPlan(env, { change: plan.change, writes: plan.writes, after: "sshd-reload" });
}

// ---------- fail2ban ----------

export const FAIL2BAN_CLIENT = "/usr/bin/fail2ban-client";

export function parseJailList(text: string): string[] {
    const m = /Jail list:\s*(.*)$/m.exec(text);
    return m ? m[1].split(",").map(s => s.trim()).filter(s => s !== "") : [];
}

export function parseBanned(text: string): string[] {
    const m = /Banned IP list:\s*(.*)$/m.exec(text);
    return m ? m[1].split(/\s+/).filter(s => s !== "") : [];
}

export const jailName = (s: string) => /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(s);
export const isAddress = (s: string) => net.isIP(s) !== 0;

/* fail2ban-client's arguments, with the socket when it is not the default. */
export const fail2banArgs = (env: HardeningEnv, args: string[]) => env.fail2banSocket ? ["-s", env.fail2banSocket, ...args] : args;

export interface Fail2banStatus { installed: boolean; running: boolean; jails: { name: string; banned: string[] }[]; detail: string }

export async function fail2banStatus(env: HardeningEnv): Promise<Fail2banStatus> {
    if (!exists(env.root, FAIL2BAN_CLIENT))
        return { installed: false, running: false, jails: [], detail: "fail2ban is not installed (apt install fail2ban)" };
    const r = await env.run("fail2ban-client", fail2banArgs(env, ["status"]));
    if (r.code !== 0)
        return { installed: true, running: false, jails: [], detail: `fail2ban is not running: ${(r.stderr || r.stdout).trim().split("\n")[0] ?? ""}` };
    const jails = [];
    for (const name of parseJailList(r.stdout).filter(jailName)) {
        const j = await env.run("fail2ban-client", fail2banArgs(env, ["status", name]));
        jails.push({ name, banned: j.code === 0 ? parseBanned(j.stdout) : [] });
    }
    return { installed: true, running: true, jails, detail: "" };
}
