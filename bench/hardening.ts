// The hardening checks through debvisord (Recheck over the bus as an admin:
// sshd's configuration, six sysctls, apt, auditd, passwd for MFA and
// fail2ban-client when installed), against what a person would run for the
// same answers: one `sysctl -n` for the six keys, plus `fail2ban-client
// status` when fail2ban is installed. A dry-run Fix is timed as well (the
// whole audited call pipeline, nothing changed).
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import { callAs } from "../test/lib/call-as.js";
import { ADMIN } from "../test/lib/users.js";
import { median, report, timeMs } from "./lib.js";

const HARDENING = { path: "/org/debvisor/DebVisor1/hardening", iface: "org.debvisor.DebVisor1.Hardening" };
const RUNS = 10;
const KEYS = ["net.ipv4.conf.all.rp_filter", "net.ipv4.conf.all.accept_redirects", "net.ipv4.conf.all.send_redirects",
    "net.ipv4.tcp_syncookies", "kernel.kptr_restrict", "kernel.dmesg_restrict"];

export async function hardeningBench(): Promise<void> {
    const recheck = async () => {
        const r = await callAs(ADMIN.name, { ...HARDENING, method: "Recheck", signature: "a{sv}", body: [{}] });
        if (!r.ok)
            throw new Error(`Recheck: ${r.message}`);
    };
    await recheck();
    const runs: number[] = [];
    for (let i = 0; i < RUNS; i++)
        runs.push(await timeMs(recheck));
    const withF2b = fs.existsSync("/usr/bin/fail2ban-client");
    const floor: number[] = [];
    for (let i = 0; i < RUNS; i++) {
        floor.push(await timeMs(() => {
            execFileSync("sysctl", ["-n", ...KEYS]);
            if (withF2b)
                spawnSync("fail2ban-client", ["status"], { stdio: "ignore" });
        }));
    }
    report("hardening Recheck (all checks, MFA, fail2ban)", `${median(runs).toFixed(1)} ms`,
        withF2b ? "sysctl -n ×6 keys + fail2ban-client status" : "sysctl -n ×6 keys", median(runs) / median(floor), "≤ 1 s");

    const checks = (await callAs(null, { path: HARDENING.path, iface: "org.freedesktop.DBus.Properties", method: "Get", signature: "ss", body: [HARDENING.iface, "Checks"] }));
    const fixable = checks.ok ? (checks.body[0] as Record<string, unknown>[]).find(c => c.Fixable === true) : undefined;
    if (!fixable)
        return;
    const dry: number[] = [];
    for (let i = 0; i < RUNS; i++) {
        dry.push(await timeMs(async () => {
            const r = await callAs(ADMIN.name, { ...HARDENING, method: "Fix", signature: "sa{sv}", body: [fixable.Id, { "dry-run": ["b", true] }] });
            if (!r.ok)
                throw new Error(`Fix: ${r.message}`);
        }));
    }
    report("hardening Fix --dry-run (audited)", `${median(dry).toFixed(1)} ms`, "Recheck", median(dry) / median(runs), "≤ 100 ms");
}
