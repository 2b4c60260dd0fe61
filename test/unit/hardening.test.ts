// The hardening checks and fixes against a file tree in a temporary directory
// (sshd configuration, /proc/sys, apt, PAM, passwd): what each check reads,
// and exactly what each fix writes. Nothing of this machine is read or changed.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import QUnit from "qunit";
import { applyPlan, planFix, runChecks } from "../../helpers/debvisord/security/hardening/checks.js";
import { fail2banStatus, parseBanned, parseJailList } from "../../helpers/debvisord/security/hardening/fail2ban.js";
import { AUTO_UPGRADES, type HardeningEnv, PAM_SSHD, type RunResult, SSHD_DROPIN, SYSCTL_FILE } from "../../helpers/debvisord/security/hardening/host-files.js";
import { applyMfa, mfaStatus, planMfa } from "../../helpers/debvisord/security/hardening/ssh-mfa.js";
import { sshdSettings } from "../../helpers/debvisord/security/hardening/sshd.js";

function put(root: string, p: string, content: string): void {
    fs.mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
    fs.writeFileSync(path.join(root, p), content);
}
const read = (root: string, p: string) => fs.readFileSync(path.join(root, p), "utf8");

const SYSCTLS: Record<string, string> = {
    "net/ipv4/conf/all/rp_filter": "2", "net/ipv4/conf/all/accept_redirects": "0", "net/ipv4/conf/all/send_redirects": "1",
    "net/ipv4/tcp_syncookies": "1", "kernel/kptr_restrict": "0", "kernel/dmesg_restrict": "1",
};

/* A host: sshd with a drop-in directory, sysctls, apt, passwd. */
function host(): string {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "dv-harden-"));
    put(root, "/etc/ssh/sshd_config", "# comment\nInclude /etc/ssh/sshd_config.d/*.conf\nPermitRootLogin yes\nPasswordAuthentication yes\nMatch User bob\n  PasswordAuthentication no\n");
    put(root, "/etc/ssh/sshd_config.d/10-local.conf", "passwordauthentication = no\n");
    for (const [k, v] of Object.entries(SYSCTLS))
        put(root, `/proc/sys/${k}`, `${v}\n`);
    put(root, "/usr/bin/unattended-upgrade", "");
    put(root, AUTO_UPGRADES, 'APT::Periodic::Update-Package-Lists "1";\nAPT::Periodic::Unattended-Upgrade "0";\n');
    put(root, "/etc/passwd", "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\nbob:x:1001:1001::/home/bob:/bin/bash\n" +
        "svc:x:1002:1002::/srv:/usr/sbin/nologin\nnobody:x:65534:65534::/nonexistent:/bin/sh\n");
    put(root, "/home/alice/.google_authenticator", "SECRET\n");
    put(root, PAM_SSHD, "@include common-auth\naccount required pam_nologin.so\n");
    return root;
}

function env(root: string, results: Record<string, RunResult> = {}): HardeningEnv & { calls: string[][]; signals: [number, string][] } {
    const calls: string[][] = [];
    const signals: [number, string][] = [];
    return {
        root, calls, signals,
        run: async (cmd, args) => {
            calls.push([cmd, ...args]);
            return results[[cmd, ...args].join(" ")] ?? { code: 0, stdout: "", stderr: "" };
        },
        signal: (pid, sig) => signals.push([pid, sig]),
    };
}

const byId = (root: string, id: string) => runChecks(root).find(c => c.id === id)!;

QUnit.module("hardening checks (temporary root)", () => {
    QUnit.test("sshd: Include files in order, first value wins, Match ends the global part, keywords any case", assert => {
        const root = host();
        const s = sshdSettings(root);
        assert.equal(s.get("permitrootlogin")?.value, "yes");
        assert.deepEqual(s.get("passwordauthentication"), { value: "no", file: "/etc/ssh/sshd_config.d/10-local.conf", line: 1 });
        assert.equal(byId(root, "ssh-permit-root-login").status, "failed");
        assert.equal(byId(root, "ssh-password-authentication").status, "ok");
        assert.true(byId(root, "ssh-password-authentication").detail.includes("10-local.conf:1"));
    });

    QUnit.test("sshd fix: the drop-in with the line, written atomically; reload only a running sshd", async assert => {
        const root = host();
        const plan = planFix(root, "ssh-permit-root-login");
        assert.false("error" in plan);
        if ("error" in plan) return;
        assert.true(plan.change.includes(`write ${SSHD_DROPIN}:`));
        assert.true(plan.change.includes("PermitRootLogin no\n"));
        assert.true(plan.change.includes("sshd is not running"));
        const e = env(root);
        await applyPlan(e, plan);
        assert.true(read(root, SSHD_DROPIN).endsWith("PermitRootLogin no\n"));
        assert.equal((fs.statSync(path.join(root, SSHD_DROPIN)).mode & 0o777), 0o644);
        assert.deepEqual(e.signals, [], "no pid file: no signal");
        assert.deepEqual(fs.readdirSync(path.join(root, "/etc/ssh/sshd_config.d")).sort(), ["10-local.conf", "90-debvisor-hardening.conf"], "no temporary file left");
        assert.equal(byId(root, "ssh-permit-root-login").status, "ok");
        // a running sshd is reloaded; a stale pid file is not signalled
        put(root, "/run/sshd.pid", "4242\n");
        put(root, "/proc/4242/comm", "sshd\n");
        fs.rmSync(path.join(root, "/etc/ssh/sshd_config.d/10-local.conf"));
        const plan2 = planFix(root, "ssh-password-authentication");
        if ("error" in plan2) { assert.true(false, plan2.error); return; }
        assert.true(plan2.change.includes("SIGHUP to pid 4242"));
        await applyPlan(e, plan2);
        assert.deepEqual(e.signals, [[4242, "SIGHUP"]]);
        assert.true(read(root, SSHD_DROPIN).includes("PermitRootLogin no\nPasswordAuthentication no\n"), "the earlier fix is kept");
        put(root, "/proc/4242/comm", "bash\n");
        assert.true(runChecks(root).every(c => !c.change.includes("SIGHUP")), "a pid that is not sshd's is not signalled");
    });

    QUnit.test("sshd fix that would not take effect is not offered", assert => {
        const root = host();
        put(root, "/etc/ssh/sshd_config", "PermitRootLogin yes\n");
        const c = byId(root, "ssh-permit-root-login");
        assert.false(c.fixable);
        assert.true(c.change.includes("/etc/ssh/sshd_config:1 sets PermitRootLogin first"), c.change);
        const plan = planFix(root, "ssh-permit-root-login");
        assert.true("error" in plan && plan.error.includes("cannot be fixed"));
    });

    QUnit.test("sysctls: values from /proc/sys; the fix writes the file and runs sysctl -p", async assert => {
        const root = host();
        assert.equal(byId(root, "sysctl-net.ipv4.conf.all.rp_filter").status, "ok", "2 (loose) passes");
        assert.equal(byId(root, "sysctl-net.ipv4.conf.all.send_redirects").status, "failed");
        assert.equal(byId(root, "sysctl-kernel.kptr_restrict").detail, "kernel.kptr_restrict = 0, should be 1");
        const e = env(root);
        for (const id of ["sysctl-net.ipv4.conf.all.send_redirects", "sysctl-kernel.kptr_restrict"]) {
            const plan = planFix(root, id);
            if ("error" in plan) { assert.true(false, plan.error); return; }
            await applyPlan(e, plan);
        }
        assert.equal(read(root, SYSCTL_FILE), "# Written by DebVisor (security hardening).\nnet.ipv4.conf.all.send_redirects = 0\nkernel.kptr_restrict = 1\n");
        assert.deepEqual(e.calls, [["sysctl", "-p", path.join(root, SYSCTL_FILE)], ["sysctl", "-p", path.join(root, SYSCTL_FILE)]]);
        fs.rmSync(path.join(root, "/proc/sys/kernel/dmesg_restrict"));
        assert.equal(byId(root, "sysctl-kernel.dmesg_restrict").status, "warning");
        const failing = env(root, { [`sysctl -p ${path.join(root, SYSCTL_FILE)}`]: { code: 255, stdout: "", stderr: "permission denied" } });
        const plan = planFix(root, "sysctl-net.ipv4.conf.all.send_redirects");
        if ("error" in plan) { assert.true(false); return; }
        await assert.rejects(applyPlan(failing, plan), /permission denied/);
    });

    QUnit.test("passing, unknown and unfixable checks are refused", assert => {
        const root = host();
        const err = (id: string) => { const p = planFix(root, id); return "error" in p ? p.error : ""; };
        assert.true(err("sysctl-net.ipv4.tcp_syncookies").includes("passes already"));
        assert.true(err("no-such\ncheck").includes("no check"));
        assert.true(err("auditd").includes("cannot be fixed"));
        assert.true(err("../../etc/passwd").includes("no check"));
    });

    QUnit.test("unattended-upgrades and auditd", async assert => {
        const root = host();
        assert.equal(byId(root, "unattended-upgrades").status, "warning");
        assert.true(byId(root, "unattended-upgrades").fixable);
        assert.equal(byId(root, "auditd").status, "warning");
        put(root, "/usr/sbin/auditd", "");
        assert.equal(byId(root, "auditd").status, "ok");
        const plan = planFix(root, "unattended-upgrades");
        if ("error" in plan) { assert.true(false); return; }
        await applyPlan(env(root), plan);
        assert.equal(read(root, AUTO_UPGRADES), 'APT::Periodic::Update-Package-Lists "1";\nAPT::Periodic::Unattended-Upgrade "1";\n');
        assert.equal(byId(root, "unattended-upgrades").status, "ok");
        fs.rmSync(path.join(root, "/usr/bin/unattended-upgrade"));
        assert.false(byId(root, "unattended-upgrades").fixable, "not installed: nothing DebVisor installs");
    });

    QUnit.test("no sshd: its checks say so and offer nothing", assert => {
        const root = host();
        fs.rmSync(path.join(root, "/etc/ssh"), { recursive: true });
        const c = byId(root, "ssh-permit-root-login");
        assert.equal(c.status, "ok");
        assert.false(c.fixable);
        assert.true(c.detail.includes("not installed"));
    });
});

QUnit.module("SSH MFA (temporary root)", () => {
    QUnit.test("status: users with a login shell and uid >= 1000, enrolment, configuration", assert => {
        const root = host();
        const s = mfaStatus(root);
        assert.deepEqual(s.users.map(u => [u.name, u.enrolled]), [["alice", true], ["bob", false]]);
        assert.false(s.configured);
        put(root, PAM_SSHD, "auth required pam_google_authenticator.so\n@include common-auth\n");
        put(root, SSHD_DROPIN, "KbdInteractiveAuthentication yes\nAuthenticationMethods publickey,keyboard-interactive\n");
        assert.true(mfaStatus(root).configured);
        put(root, PAM_SSHD, "# auth required pam_google_authenticator.so\n");
        assert.false(mfaStatus(root).configured, "a comment does not count");
    });

    QUnit.test("enforce: refused for a user who has not enrolled; for one who has, writes the drop-in and PAM; relax undoes it", async assert => {
        const root = host();
        put(root, "/usr/lib/x86_64-linux-gnu/security/pam_google_authenticator.so", "");
        const refused = planMfa(root, true, "bob");
        assert.true("error" in refused && refused.error.includes("bob has not enrolled"));
        const plan = planMfa(root, true, "alice");
        if ("error" in plan) { assert.true(false, plan.error); return; }
        assert.true(plan.change.includes("AuthenticationMethods publickey,keyboard-interactive"));
        const pamBefore = read(root, PAM_SSHD);
        await applyMfa(env(root), plan);
        assert.true(read(root, SSHD_DROPIN).includes("KbdInteractiveAuthentication yes\nAuthenticationMethods publickey,keyboard-interactive\n"));
        assert.equal(read(root, PAM_SSHD), `# debvisor: SSH MFA\nauth required pam_google_authenticator.so\n${pamBefore}`);
        assert.true(mfaStatus(root).configured);
        const relax = planMfa(root, false, "alice");
        if ("error" in relax) { assert.true(false); return; }
        await applyMfa(env(root), relax);
        assert.equal(read(root, PAM_SSHD), pamBefore);
        assert.false(read(root, SSHD_DROPIN).includes("AuthenticationMethods"));
        assert.false(mfaStatus(root).configured);
        const again = planMfa(root, false, "alice");
        assert.deepEqual(again, { change: "nothing to change: DebVisor's MFA lines are not there", writes: [] }, "relaxing twice changes nothing");
    });

    QUnit.test("relax on a host without DebVisor's lines writes nothing", assert => {
        const root = host();
        const p = planMfa(root, false, "bob");
        assert.true(!("error" in p) && p.writes.length === 0);
        assert.false(fs.existsSync(path.join(root, SSHD_DROPIN)));
    });

    QUnit.test("enforce needs the PAM module", assert => {
        const root = host();
        const p = planMfa(root, true, "alice");
        assert.true("error" in p && p.error.includes("libpam-google-authenticator"));
    });
});

QUnit.module("fail2ban (temporary root, fake fail2ban-client output)", () => {
    QUnit.test("parses jail lists and banned addresses", assert => {
        assert.deepEqual(parseJailList("Status\n|- Number of jail:\t2\n`- Jail list:\tsshd, recidive\n"), ["sshd", "recidive"]);
        assert.deepEqual(parseJailList("Status\n|- Number of jail:\t0\n`- Jail list:\t\n"), []);
        assert.deepEqual(parseBanned("   `- Banned IP list:\t192.0.2.1 2001:db8::1\n"), ["192.0.2.1", "2001:db8::1"]);
    });

    QUnit.test("not installed, not running, running", async assert => {
        const root = host();
        assert.deepEqual((await fail2banStatus(env(root))).installed, false);
        put(root, "/usr/bin/fail2ban-client", "");
        const down = await fail2banStatus(env(root, { "fail2ban-client status": { code: 255, stdout: "", stderr: "Failed to access socket path" } }));
        assert.deepEqual([down.installed, down.running], [true, false]);
        const up = await fail2banStatus(env(root, {
            "fail2ban-client status": { code: 0, stdout: "`- Jail list:\tsshd\n", stderr: "" },
            "fail2ban-client status sshd": { code: 0, stdout: "   `- Banned IP list:\t192.0.2.7\n", stderr: "" },
        }));
        assert.deepEqual(up.jails, [{ name: "sshd", banned: ["192.0.2.7"] }]);
        const own = env(root);
        own.fail2banSocket = "/tmp/own.sock";
        await fail2banStatus(own);
        assert.deepEqual(own.calls, [["fail2ban-client", "-s", "/tmp/own.sock", "status"]], "a socket of its own is passed on");
    });
});
