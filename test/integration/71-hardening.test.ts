// The Hardening object of the installed daemon on the real bus and polkit:
// roles; Checks against what this test reads itself (/proc/sys, sshd's own
// view with sshd -T when the OpenSSH server is installed, the apt file);
// Fix and EnforceMfa only with dry-run: the change comes back and nothing on
// this machine changes (files and /proc/sys compared before and after);
// EnforceMfa refused for an admin who has not enrolled; bad input refused.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import QUnit from "qunit";
import { callAs, getProperty } from "../lib/call-as.js";
import { testUnless } from "../lib/skip.js";
import { ADMIN, NOBODY, OPERATOR, refusalOf, VIEWER } from "../lib/users.js";

const HARDENING = { path: "/org/debvisor/DebVisor1/hardening", iface: "org.debvisor.DebVisor1.Hardening" };
const INVALID = "org.debvisor.DebVisor1.Error.InvalidArgument";
const AUDIT_LOG = "/var/log/debvisor/audit.jsonl";

type Dict = Record<string, unknown>;
type Options = Record<string, [string, unknown]>;
const DRY: Options = { "dry-run": ["b", true] };

const call = (user: string | null, method: string, signature: string, body: unknown[]) =>
    callAs(user, { ...HARDENING, method, signature, body });
const property = async (name: string) => await getProperty(HARDENING.path, HARDENING.iface, name);
const checks = async () => (await property("Checks")) as Dict[];

const SYSCTLS: Record<string, (v: string) => boolean> = {
    "net.ipv4.conf.all.rp_filter": v => v === "1" || v === "2",
    "net.ipv4.conf.all.accept_redirects": v => v === "0",
    "net.ipv4.conf.all.send_redirects": v => v === "0",
    "net.ipv4.tcp_syncookies": v => v === "1",
    "kernel.kptr_restrict": v => v === "1" || v === "2",
    "kernel.dmesg_restrict": v => v === "1",
};
const readSysctl = (key: string) => fs.readFileSync(`/proc/sys/${key.replace(/\./g, "/")}`, "utf8").trim();

/* What a fix could touch: each file's content and mtime (or absence), and every checked sysctl. */
const WATCHED = [
    "/etc/sysctl.d/90-debvisor-hardening.conf", "/etc/ssh/sshd_config.d/90-debvisor-hardening.conf", "/etc/ssh/sshd_config",
    "/etc/pam.d/sshd", "/etc/apt/apt.conf.d/20auto-upgrades",
];
function snapshot(): string {
    const files = WATCHED.map(f => {
        try {
            const st = fs.statSync(f);
            return `${f} ${st.mtimeMs} ${fs.readFileSync(f, "utf8")}`;
        } catch {
            return `${f} absent`;
        }
    });
    return JSON.stringify([files, Object.keys(SYSCTLS).map(k => `${k}=${readSysctl(k)}`)]);
}

/* sshd's own answer for the effective configuration, or null without the OpenSSH server. */
function sshdEffective(): Map<string, string> | null {
    if (!fs.existsSync("/etc/ssh/sshd_config"))
        return null;
    const r = spawnSync("/usr/sbin/sshd", ["-T"], { encoding: "utf8" });
    if (r.status !== 0)
        return null;
    return new Map(r.stdout.split("\n").map(l => l.split(" ")).filter(p => p.length >= 2).map(([k, ...v]) => [k, v.join(" ")]));
}

function lastAudit(method: string, user: string): Dict | undefined {
    const lines = fs.readFileSync(AUDIT_LOG, "utf8").trim().split("\n").slice(-200).map(l => JSON.parse(l) as Dict);
    return lines.reverse().find(r => r.method === method && r.user === user && r.phase === "end");
}

// a host that passes every fixable check has nothing to dry-run: those tests are skipped there
await call(null, "Recheck", "a{sv}", [{}]);
const nothingToFix = (await checks()).some(c => c.Fixable === true) ? null : "this host passes every fixable check";

QUnit.module("hardening: the Hardening object", () => {
    QUnit.test("roles: viewers read and recheck, only admins fix; nobody is refused", async assert => {
        assert.true((await call(VIEWER.name, "Recheck", "a{sv}", [{}])).ok, "viewer rechecks");
        assert.true((await call(ADMIN.name, "Recheck", "a{sv}", [{}])).ok, "admin rechecks");
        const nobody = await call(NOBODY.name, "Recheck", "a{sv}", [{}]);
        assert.equal(nobody.ok ? "" : nobody.errorName, refusalOf(NOBODY.name));
        for (const user of [VIEWER.name, OPERATOR.name, NOBODY.name]) {
            const r = await call(user, "Fix", "sa{sv}", ["sysctl-kernel.kptr_restrict", DRY]);
            assert.equal(r.ok ? "" : r.errorName, refusalOf(user), `${user} cannot fix`);
            const m = await call(user, "EnforceMfa", "a{sv}", [DRY]);
            assert.equal(m.ok ? "" : m.errorName, refusalOf(user), `${user} cannot enforce MFA`);
            const u = await call(user, "Unban", "ssa{sv}", ["sshd", "192.0.2.1", DRY]);
            assert.equal(u.ok ? "" : u.errorName, refusalOf(user), `${user} cannot unban`);
        }
    });

    QUnit.test("Checks match the sysctls, sshd and apt as this test reads them", async assert => {
        assert.true((await call(null, "Recheck", "a{sv}", [{}])).ok);
        const list = await checks();
        const byId = new Map(list.map(c => [String(c.Id), c]));
        for (const [key, ok] of Object.entries(SYSCTLS)) {
            const c = byId.get(`sysctl-${key}`);
            const value = readSysctl(key);
            assert.equal(c?.Status, ok(value) ? "ok" : "failed", `${key} = ${value}`);
            assert.true(String(c?.Detail).startsWith(`${key} = ${value}`), String(c?.Detail));
            assert.equal(c?.Fixable, !ok(value));
            if (!ok(value))
                assert.true(String(c?.Change).includes("/etc/sysctl.d/90-debvisor-hardening.conf"));
        }
        const sshd = sshdEffective();
        for (const [id, keyword, ok] of [
            ["ssh-permit-root-login", "permitrootlogin", (v: string) => v !== "yes"],
            ["ssh-password-authentication", "passwordauthentication", (v: string) => v === "no"],
        ] as const) {
            const c = byId.get(id)!;
            if (!fs.existsSync("/etc/ssh/sshd_config")) {
                assert.equal(c.Status, "ok");
                assert.true(String(c.Detail).includes("not installed"), String(c.Detail));
            } else if (sshd) {
                assert.equal(c.Status, ok(sshd.get(keyword)!) ? "ok" : "failed", `${keyword} ${sshd.get(keyword)}`);
            }
        }
        const periodic = fs.existsSync("/etc/apt/apt.conf.d/20auto-upgrades") ? fs.readFileSync("/etc/apt/apt.conf.d/20auto-upgrades", "utf8") : "";
        const uu = byId.get("unattended-upgrades")!;
        if (!fs.existsSync("/usr/bin/unattended-upgrade"))
            assert.true(String(uu.Detail).includes("not installed"));
        else
            assert.equal(uu.Status, /Unattended-Upgrade\s+"1"/.test(periodic) ? "ok" : "warning");
        assert.equal(byId.get("auditd")?.Status, fs.existsSync("/sbin/auditd") || fs.existsSync("/usr/sbin/auditd") ? "ok" : "warning");
    });

    testUnless("dry-run Fix returns the exact change and changes nothing; it is audited", nothingToFix, async assert => {
        await call(null, "Recheck", "a{sv}", [{}]);
        const fixable = (await checks()).filter(c => c.Fixable === true);
        const before = snapshot();
        for (const c of fixable) {
            const r = await call(ADMIN.name, "Fix", "sa{sv}", [c.Id, DRY]);
            assert.true(r.ok, `${String(c.Id)}: ${r.ok ? "" : r.message}`);
            if (r.ok)
                assert.equal(r.body[0], c.Change, `${String(c.Id)}: the change is the one the check shows`);
        }
        assert.equal(snapshot(), before, "no file and no sysctl changed");
        await call(null, "Recheck", "a{sv}", [{}]);
        assert.deepEqual((await checks()).filter(c => c.Fixable === true).map(c => c.Id), fixable.map(c => c.Id), "the same checks still fail");
        const record = lastAudit("Hardening.Fix", ADMIN.name);
        assert.equal(record?.result, "ok", "the dry-run Fix is in the audit log");
    });

    QUnit.test("bad input to Fix and Unban is refused and changes nothing", async assert => {
        const before = snapshot();
        await call(null, "Recheck", "a{sv}", [{}]);
        const passing = (await checks()).find(c => c.Status === "ok" && String(c.Id).startsWith("sysctl-"));
        for (const id of ["no-such-check", "sysctl-kernel.kptr_restrict\nx", "../../etc/passwd", "-rf", "x".repeat(10_000), ""]) {
            const r = await call(ADMIN.name, "Fix", "sa{sv}", [id, {}]);
            assert.equal(r.ok ? "" : r.errorName, INVALID, JSON.stringify(id.slice(0, 40)));
        }
        if (passing) {
            const r = await call(ADMIN.name, "Fix", "sa{sv}", [passing.Id, {}]);
            assert.true(!r.ok && r.errorName === INVALID && r.message.includes("passes already"), r.ok ? "" : r.message);
        }
        const unknownOption = await call(ADMIN.name, "Fix", "sa{sv}", ["auditd", { force: ["b", true] }]);
        assert.equal(unknownOption.ok ? "" : unknownOption.errorName, INVALID);
        for (const [jail, address] of [["sshd", "not-an-address"], ["-sshd", "192.0.2.1"], ["ss\nhd", "192.0.2.1"], ["sshd", "192.0.2.1; rm"]]) {
            const r = await call(ADMIN.name, "Unban", "ssa{sv}", [jail, address, {}]);
            assert.equal(r.ok ? "" : r.errorName, INVALID, `${jail} ${address}`);
        }
        assert.equal(snapshot(), before);
    });

    QUnit.test("EnforceMfa is refused for an admin who has not enrolled; RelaxMfa dry-run changes nothing", async assert => {
        const secret = `/home/${ADMIN.name}/.google_authenticator`;
        assert.false(fs.existsSync(secret), "the test admin has not enrolled");
        const before = snapshot();
        for (const options of [DRY, {}]) {
            const r = await call(ADMIN.name, "EnforceMfa", "a{sv}", [options]);
            assert.equal(r.ok ? "" : r.errorName, INVALID);
            assert.true(!r.ok && r.message.includes(`${ADMIN.name} has not enrolled`), r.ok ? "" : r.message);
        }
        const relax = await call(ADMIN.name, "RelaxMfa", "a{sv}", [DRY]);
        assert.true(relax.ok, relax.ok ? "" : relax.message);
        assert.equal(snapshot(), before);
        const mfa = (await property("MfaStatus")) as Dict;
        const users = mfa.Users as Dict[];
        assert.deepEqual(users.find(u => u.Name === ADMIN.name), { Name: ADMIN.name, Enrolled: false });
        const pam = fs.existsSync("/etc/pam.d/sshd") ? fs.readFileSync("/etc/pam.d/sshd", "utf8") : "";
        if (!/^[^#]*pam_(google_authenticator|oath)\.so/m.test(pam))
            assert.false(mfa.Configured, "no OTP module in /etc/pam.d/sshd: not configured");
    });

    QUnit.test("fail2ban: the property says what the host has", async assert => {
        const f2b = (await property("Fail2ban")) as Dict;
        const installed = fs.existsSync("/usr/bin/fail2ban-client");
        assert.equal(f2b.Installed, installed);
        if (!installed) {
            assert.false(f2b.Running);
            assert.true(String(f2b.Detail).includes("not installed"));
            const r = await call(ADMIN.name, "Unban", "ssa{sv}", ["sshd", "192.0.2.1", DRY]);
            assert.true(!r.ok && r.errorName === INVALID && r.message.includes("not running"), r.ok ? "" : r.message);
        }
    });
});

QUnit.module("hardening: debvisorctl security", () => {
    const ctl = (user: string, args: string[]) =>
        spawnSync("setpriv", ["--reuid", user, "--regid", user, "--init-groups", "--reset-env", "/usr/bin/debvisorctl", ...args, "--no-ask"], { encoding: "utf8" });

    QUnit.test("security checks --json lists the checks, and exits non-zero when one failed", async assert => {
        const listed = ctl(VIEWER.name, ["security", "checks", "--json"]);
        const parsed = JSON.parse(listed.stdout) as Dict[];
        assert.deepEqual(parsed.map(c => c.Id), (await checks()).map(c => c.Id));
        assert.equal(listed.status, parsed.some(c => c.Status === "failed") ? 1 : 0, listed.stderr);
    });

    testUnless("security fix --dry-run prints the change and changes nothing; a viewer cannot fix", nothingToFix, async assert => {
        const fixable = (await checks()).find(c => c.Fixable === true)!;
        const before = snapshot();
        const refused = ctl(VIEWER.name, ["security", "fix", String(fixable.Id), "--dry-run"]);
        assert.notEqual(refused.status, 0, "a viewer cannot fix");
        const dry = ctl(ADMIN.name, ["security", "fix", String(fixable.Id), "--dry-run"]);
        assert.equal(dry.status, 0, dry.stderr);
        assert.equal(dry.stdout, `dry run: would ${String(fixable.Change)}\n`);
        assert.equal(snapshot(), before);
    });
});
