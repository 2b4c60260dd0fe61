// DebVisor → Overview's first-boot card in a real Cockpit login, on the
// installed packages: hidden on a host where first boot never ran, then
// following the state file that debvisor-firstboot writes (here written by
// the test, in the program's format) live through the Manager's FirstBoot
// property: a failed step with its error, then "First boot finished at …".
// The state file is restored afterwards.
import fs from "node:fs";
import QUnit from "qunit";
import { loggedIn, openFromMenu, screenshot } from "../lib/browser.js";
import { ADMIN, VIEWER } from "../lib/users.js";

const WAIT = { timeout: 30_000 };
const STATE_FILE = "/var/lib/debvisor/firstboot.json";

const STEPS = [
    ["bridge", "Bridge br0 on the primary network interface, keeping its address"],
    ["storage", "Storage profile applied through debvisord"],
    ["libvirt", "libvirt storage pool for VM disks and the NAT network"],
    ["firewall", "nftables baseline: SSH, Cockpit and what the storage profile needs; the rest dropped"],
    ["cockpit", "Cockpit enabled"],
    ["finish", "First boot marked done; its service disabled"],
];

function writeState(state: string, done: number, failure?: string): void {
    const now = new Date().toISOString();
    fs.writeFileSync(`${STATE_FILE}.test`, JSON.stringify({
        state,
        finished: state === "done" ? now : "",
        steps: STEPS.map(([id, description], i) => ({
            id, description, log: [],
            state: i < done ? "done" : i === done && failure ? "failed" : "pending",
            message: i < done ? (id === "storage" ? "warning: no spare disk for the ZFS pool tank" : `${id} ok`) : i === done && failure ? failure : "",
            started: i <= done ? now : "", finished: i <= done ? now : "",
        })),
    }));
    // replaced by rename, as debvisor-firstboot does
    fs.renameSync(`${STATE_FILE}.test`, STATE_FILE);
}

QUnit.module("browser: Overview first boot card (firstboot)", hooks => {
    let saved: string | null = null;
    hooks.before(() => {
        saved = fs.existsSync(STATE_FILE) ? fs.readFileSync(STATE_FILE, "utf8") : null;
        fs.rmSync(STATE_FILE, { force: true });
    });
    hooks.after(() => {
        if (saved === null) fs.rmSync(STATE_FILE, { force: true }); else fs.writeFileSync(STATE_FILE, saved);
    });

    QUnit.test("hidden when first boot never ran; a failed step with its error; then finished, live", async assert => {
        await loggedIn(VIEWER, { noConsoleErrors: assert }, async session => {
            const frame = await openFromMenu(session.page, "DebVisor", "debvisor/overview");
            await frame.locator("[aria-label='Host facts']").waitFor(WAIT);
            assert.equal(await frame.locator("#debvisor-firstboot").count(), 0, "no card where first boot never ran");

            writeState("failed", 1, "/etc/debvisor-profile names no storage profile (\"bogus\"): it must say zfs, ceph or mixed");
            const card = frame.locator("#debvisor-firstboot[data-state='failed']");
            await card.waitFor(WAIT);
            assert.true((await card.getByText("First boot failed: Storage profile applied through debvisord").count()) === 1, "the failed step is named");
            assert.equal(await card.locator(".debvisor-firstboot-error").textContent(),
                "/etc/debvisor-profile names no storage profile (\"bogus\"): it must say zfs, ceph or mixed", "with its error");
            assert.equal(await card.locator("tr[data-step='bridge'][data-state='done']").getByText("Done", { exact: true }).count(), 1);
            assert.equal(await card.locator("tr[data-step='storage']").getByText("Failed", { exact: true }).count(), 1);
            assert.equal(await card.locator("tr[data-step='libvirt']").getByText("Waiting", { exact: true }).count(), 1);
            await screenshot(session.page, "overview-firstboot-failed", frame);

            writeState("done", STEPS.length);
            const done = frame.locator("#debvisor-firstboot[data-state='done']");
            await done.waitFor(WAIT);
            assert.true(/^First boot finished at .+\.$/.test(await done.locator("#debvisor-firstboot-finished").textContent() ?? ""), "when it finished");
            assert.equal(await done.locator("tbody tr").count(), STEPS.length);
            assert.equal(await done.locator("tr[data-step='storage']").getByText("Done, with a warning", { exact: true }).count(), 1, "a warning shows");
            assert.equal(await done.getByText("First boot failed").count(), 0, "the failure is gone");
            await screenshot(session.page, "overview-firstboot-done", frame);
        });
        // an admin sees the same card
        await loggedIn(ADMIN, {}, async admin => {
            const frame = await openFromMenu(admin.page, "DebVisor", "debvisor/overview");
            await frame.locator("[aria-label='Host facts']").waitFor(WAIT);
            await frame.locator("#debvisor-firstboot[data-state='done']").waitFor(WAIT);
            assert.equal(await frame.locator("#debvisor-firstboot tbody tr").count(), STEPS.length, "shown to an admin too");
        });
    });
});
