// DebVisor → Security's Hardening, SSH MFA and fail2ban cards in a real
// Cockpit login with Debian's Chromium, on the installed package and the
// host's real state. Only dry-runs: the Fix dialog shows exactly the change
// the daemon reports and is cancelled; enforcing MFA is refused for the
// admin, who has not enrolled. No file or sysctl of the host changes.
import fs from "node:fs";
import QUnit from "qunit";
import { loggedIn, openFromMenu, screenshot } from "../lib/browser.js";
import { callAs, getProperty } from "../lib/call-as.js";
import { testUnless } from "../lib/skip.js";
import { ADMIN } from "../lib/users.js";

const WAIT = { timeout: 30_000 };
const HARDENING = { path: "/org/debvisor/DebVisor1/hardening", iface: "org.debvisor.DebVisor1.Hardening" };
type Dict = Record<string, unknown>;

const WATCHED = ["/etc/sysctl.d/90-debvisor-hardening.conf", "/etc/ssh/sshd_config.d/90-debvisor-hardening.conf", "/etc/pam.d/sshd", "/etc/apt/apt.conf.d/20auto-upgrades"];
const SYSCTLS = ["net/ipv4/conf/all/rp_filter", "net/ipv4/conf/all/accept_redirects", "net/ipv4/conf/all/send_redirects", "net/ipv4/tcp_syncookies", "kernel/kptr_restrict", "kernel/dmesg_restrict"];
const snapshot = () => JSON.stringify([
    WATCHED.map(f => fs.existsSync(f) ? `${f} ${fs.statSync(f).mtimeMs} ${fs.readFileSync(f, "utf8")}` : `${f} absent`),
    SYSCTLS.map(k => fs.readFileSync(`/proc/sys/${k}`, "utf8")),
]);

async function currentChecks(): Promise<Dict[]> {
    await callAs(null, { ...HARDENING, method: "Recheck", signature: "a{sv}", body: [{}] });
    return (await getProperty(HARDENING.path, HARDENING.iface, "Checks")) as Dict[];
}

// a host that passes every fixable check has no Fix dialog to show
const nothingToFix = (await currentChecks()).some(c => c.Fixable === true) ? null : "this host passes every fixable check";

QUnit.module("browser: hardening cards", () => {
    testUnless("an admin opens a failed check's Fix dialog: it shows the daemon's exact change, and cancelling changes nothing", nothingToFix, async assert => {
        const fixable = (await currentChecks()).find(c => c.Fixable === true)!;
        const before = snapshot();
        await loggedIn(ADMIN, { noConsoleErrors: assert }, async session => {
            const frame = await openFromMenu(session.page, "Security", "debvisor/security");
            const card = frame.locator("[aria-label='Hardening']").first();
            await card.getByRole("button", { name: `Fix ${String(fixable.Title)}` }).click();
            const dialog = frame.getByRole("dialog");
            const shown = dialog.getByLabel("The change");
            await shown.waitFor(WAIT);
            assert.equal(await shown.textContent(), fixable.Change, "the dialog shows the daemon's change");
            await screenshot(session.page, "hardening-fix-confirm", frame);
            await dialog.getByRole("button", { name: "Cancel" }).click();
            await dialog.waitFor({ state: "detached", ...WAIT });
            assert.equal(snapshot(), before, "no file and no sysctl changed");
        });
    });

    QUnit.test("an admin sees every check, the MFA card refuses enforcing for an admin not enrolled, and the fail2ban card", async assert => {
        const checks = await currentChecks();
        const before = snapshot();
        await loggedIn(ADMIN, { noConsoleErrors: assert }, async session => {
            const frame = await openFromMenu(session.page, "Security", "debvisor/security");
            const card = frame.locator("[aria-label='Hardening']").first();
            await card.getByRole("heading", { name: "Hardening" }).waitFor(WAIT);
            for (const c of checks)
                await card.locator(`tr[data-check='${String(c.Id)}']`).getByText(String(c.Title)).waitFor(WAIT);
            assert.equal(await card.locator("tr[data-check]").count(), checks.length, "one row per check");

            const mfa = frame.locator("[aria-label='SSH MFA']").first();
            await mfa.getByText(`${ADMIN.name}: not enrolled`).waitFor(WAIT);
            await mfa.getByRole("button", { name: "Enforce MFA" }).click();
            const dialog = frame.getByRole("dialog");
            await dialog.getByText(`${ADMIN.name} has not enrolled`, { exact: false }).waitFor(WAIT);
            await dialog.getByRole("button", { name: "Cancel" }).click();
            await dialog.waitFor({ state: "detached", ...WAIT });

            const f2b = frame.locator("[aria-label='fail2ban']").first();
            await f2b.getByRole("heading", { name: "fail2ban" }).waitFor(WAIT);
            if (!fs.existsSync("/usr/bin/fail2ban-client"))
                await f2b.getByText("fail2ban is not installed.").waitFor(WAIT);
            assert.equal(snapshot(), before, "no file and no sysctl changed");
        });
    });
});
