// The hardening checks (sshd, sysctl, unattended upgrades, auditd) and
// their fixes: the exact change planned first, then applied.
import { AUTO_UPGRADES, type Check, exists, type HardeningEnv, readText, SSHD_CONFIG, SSHD_DROPIN, SYSCTL_FILE, under, writeAtomic } from "./host-files.js";
import { SSHD_RULES, sshdDropinContent, sshdInstalled, sshdPid, sshdReloadWords, sshdSettings } from "./sshd.js";
import { readSysctl, SYSCTL_RULES, sysctlContent, sysctlPath } from "./sysctl.js";

const UNATTENDED_BIN = "/usr/bin/unattended-upgrade";
const AUDITD_BINS = ["/sbin/auditd", "/usr/sbin/auditd"];

function aptPeriodic(root: string): Map<string, string> {
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
interface FixPlan { change: string; writes: { path: string; content: string }[]; after: "sshd-reload" | "sysctl" | null }

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
