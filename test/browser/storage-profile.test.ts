// DebVisor → Storage → Profile in a real Cockpit login: the disks, the plan
// of the zfs profile on test files (the ZFS area's test directory lets them
// count as spare disks; the plan must wipe nothing else, or the test stops),
// Apply after typing the profile's name, the job, and the plan afterwards
// with nothing to do. tank, the libvirt pool and the profile file are
// restored afterwards.
import fs from "node:fs";
import QUnit from "qunit";
import { loggedIn, openFromMenu, screenshot } from "../lib/browser.js";
import { libvirtPools, PROFILE_FILE, zfsProfileSandbox, zpools as pools, type ZfsProfileSandbox } from "../lib/storage-profile.js";
import { moduleUnless } from "../lib/skip.js";
import { ADMIN } from "../lib/users.js";
import { waitFor } from "../lib/wait.js";

const WAIT = { timeout: 30_000 };

// the test makes and destroys a pool named tank: a host with its own is left alone
moduleUnless("browser: storage profile", pools().includes("tank") ? "this host has a pool named tank" : null, hooks => {
    let sandbox: ZfsProfileSandbox;
    let files: string[] = [];
    hooks.before(() => {
        sandbox = zfsProfileSandbox("dv-profile-ui-", 2, 128 * 1024 ** 2);
        ({ files } = sandbox);
    });
    hooks.after(() => sandbox.restore());

    QUnit.test("an admin sees the plan, types the profile's name and applies it; then nothing is left to do", async assert => {
        await loggedIn(ADMIN, {}, async session => {
            const frame = await openFromMenu(session.page, "Storage", "debvisor/storage");
            await frame.getByRole("tab", { name: "Profile" }).click();
            await frame.locator("tr[data-step='zfs-pool']").waitFor(WAIT);
            const wiped = await frame.locator("tr[data-wipe]").evaluateAll(rows => rows.map(r => r.getAttribute("data-wipe")));
            assert.deepEqual(wiped, files, "only the test files are to be wiped");
            // the guard against this host's disks
            if (JSON.stringify(wiped) !== JSON.stringify(files))
                return;
            assert.true(await frame.locator("tr[data-refused]").count() >= 1, "the OS disk is listed as not used");
            await frame.locator("tr[data-step='zfs-pool']").getByText("mirror").waitFor(WAIT);
            await screenshot(session.page, "storage-profile-plan", frame);

            await frame.getByRole("button", { name: "Apply", exact: true }).click();
            const dialog = frame.getByRole("dialog");
            await dialog.getByLabel("Type zfs to confirm").fill("zf");
            await dialog.locator(".pf-m-error").first().waitFor(WAIT);
            assert.true(await dialog.getByRole("button", { name: "Apply" }).isDisabled(), "not with the wrong word");
            await dialog.getByLabel("Type zfs to confirm").fill("zfs");
            await dialog.getByRole("button", { name: "Apply" }).click();
            await dialog.waitFor({ state: "detached", timeout: 30_000 });
            await waitFor("the pool tank", () => pools().includes("tank"), 60_000);
            await frame.getByText("The profile zfs is applied: nothing to do.").waitFor({ timeout: 90_000 });
            await frame.locator("[data-profile='zfs']").waitFor(WAIT);
            assert.equal(fs.readFileSync(PROFILE_FILE, "utf8").trim(), "zfs");
            assert.true(libvirtPools().includes("debvisor-zfs"));
            // checked here, not by loggedIn: the guard above returns early
            assert.deepEqual(session.consoleErrors, [], "no console errors");
        });
    });
});
