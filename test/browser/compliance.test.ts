// DebVisor → Compliance in a real Cockpit login with Debian's Chromium, on the
// installed package: the chain status and the host key, events filtered by
// user and paged, an export that ends in a downloadable bundle which the
// installed debvisorctl verifies, retention settings saved through the
// daemon, and a viewer who can search but not export.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import QUnit from "qunit";
import { loggedIn, openFromMenu, screenshot } from "../lib/browser.js";
import { callAs, getProperty } from "../lib/call-as.js";
import { ADMIN, OPERATOR, VIEWER } from "../lib/users.js";

const WAIT = { timeout: 30_000 };
const AUDIT = { path: "/org/debvisor/DebVisor1/audit", iface: "org.debvisor.DebVisor1.Audit" };
const MANAGER = { path: "/org/debvisor/DebVisor1/manager", iface: "org.debvisor.DebVisor1.Manager" };

QUnit.module("browser: compliance page", () => {
    QUnit.test("an admin sees the chain status, filters events, exports and downloads a bundle, and sets retention", async assert => {
        // events of a user the filter will look for: refused imports of the operator
        for (let i = 0; i < 3; i++)
            await callAs(OPERATOR.name, { ...MANAGER, method: "ImportImage", signature: "ssa{sv}", body: [`/nonexistent/browser-${i}.raw`, `browser${i}`, {}] });
        const retentionBefore = await getProperty(AUDIT.path, AUDIT.iface, "RetentionDays");
        const downloads = fs.mkdtempSync(path.join(os.tmpdir(), "dv-download-"));
        try {
            await loggedIn(ADMIN, { noConsoleErrors: assert }, async session => {
                const frame = await openFromMenu(session.page, "Compliance", "debvisor/compliance");
                await frame.getByRole("heading", { name: "Compliance" }).waitFor(WAIT);

                // the daemon verifies the log after it starts; the page shows how far
                const status = frame.locator("[aria-label='Chain status']");
                await status.getByText(/Verified up to record \d+ at/).waitFor({ timeout: 60_000 });
                const fingerprint = String(await getProperty(AUDIT.path, AUDIT.iface, "SigningKeyFingerprint"));
                assert.equal(await frame.locator("[aria-label='Key fingerprint']").textContent(), fingerprint, "the host key is shown");

                const events = frame.locator("table[aria-label='Audit events']");
                await events.waitFor(WAIT);
                await frame.getByLabel("User", { exact: true }).fill(OPERATOR.name);
                await frame.getByLabel("Result", { exact: true }).selectOption("denied");
                await frame.waitForFunction(user => {
                    const rows = [...document.querySelectorAll("table[aria-label='Audit events'] tbody tr")];
                    return rows.length >= 3 && rows.every(r => r.querySelector("[data-label='User']")?.textContent?.includes(user) &&
                        r.textContent?.includes("Refused"));
                }, OPERATOR.name, WAIT);
                const shown = await frame.locator("[aria-label='Shown events']").textContent() ?? "";
                assert.true(/^1–\d+ of \d+$/.test(shown), shown);
                await screenshot(session.page, "compliance-filtered", frame);

                // all events: more than a page, so there is an older page
                // (wait for the unfiltered total: the filtered events alone may fill a page too)
                const filteredTotal = Number(/of (\d+)$/.exec(shown)?.[1]);
                await frame.getByRole("button", { name: "Clear filters" }).click();
                await frame.waitForFunction(total => {
                    const m = /^1–50 of (\d+)$/.exec(document.querySelector("[aria-label='Shown events']")?.textContent ?? "");
                    return m !== null && Number(m[1]) > total;
                }, filteredTotal, WAIT);
                await frame.getByRole("button", { name: "Older" }).click();
                await frame.waitForFunction(() => /^51–\d+ of \d+$/.test(document.querySelector("[aria-label='Shown events']")?.textContent ?? ""), undefined, WAIT);
                await frame.getByRole("button", { name: "Newer" }).click();

                // export the last week (the form's default) and download it
                await frame.locator("[aria-label='Evidence export']").getByRole("button", { name: "Export" }).click();
                await frame.locator("[aria-label='Export result']").getByText(/^Exported records \d+ to \d+/).waitFor({ timeout: 120_000 });
                const [download] = await Promise.all([
                    session.page.waitForEvent("download", { timeout: 60_000 }),
                    frame.getByRole("button", { name: "Download bundle" }).click(),
                ]);
                const saved = path.join(downloads, download.suggestedFilename());
                await download.saveAs(saved);
                const check = spawnSync("debvisorctl", ["audit", "verify-bundle", "--key", "/etc/debvisor/audit-signing.key.pub", saved], { encoding: "utf8", timeout: 60_000 });
                assert.equal(check.status, 0, check.stderr);
                assert.true(check.stdout.includes(`signed by the trusted key ${fingerprint}`), check.stdout);
                await screenshot(session.page, "compliance-exported", frame);

                // retention: saved through the daemon, shown as its property
                const retention = frame.locator("[aria-label='Retention']");
                await retention.getByLabel("Keep sealed segments for (days)").fill("400");
                await retention.getByRole("button", { name: "Save" }).click();
                await retention.getByText("Saved.").waitFor(WAIT);
                assert.equal(await getProperty(AUDIT.path, AUDIT.iface, "RetentionDays"), 400);
                assert.true(await retention.locator("table[aria-label='Segments'] tbody tr").count() >= 1, "the segments are listed");
            });
        } finally {
            await callAs(ADMIN.name, { ...AUDIT, method: "Configure", signature: "a{sv}a{sv}", body: [{ "retention-days": ["u", retentionBefore] }, {}] });
            fs.rmSync(downloads, { recursive: true, force: true });
        }
    });

    QUnit.test("a viewer searches the events but is refused an export, with the reason", async assert => {
        await loggedIn(VIEWER, {}, async session => {
            const frame = await openFromMenu(session.page, "Compliance", "debvisor/compliance");
            await frame.locator("table[aria-label='Audit events'] tbody tr").first().waitFor(WAIT);
            await frame.locator("[aria-label='Evidence export']").getByRole("button", { name: "Export" }).click();
            const refusal = frame.locator("[aria-label='Evidence export']").getByText(/not authorized to call Audit\.Export/);
            await refusal.waitFor(WAIT);
            assert.true(await refusal.isVisible(), "the refusal is shown where the viewer clicked");
            // the refused call is in the log, and the viewer can find it
            await frame.getByLabel("Action", { exact: true }).fill("Audit.Export");
            await frame.waitForFunction(user => [...document.querySelectorAll("table[aria-label='Audit events'] tbody tr")]
                .some(r => r.textContent?.includes(user) && r.textContent?.includes("Refused")), VIEWER.name, WAIT);
            await screenshot(session.page, "compliance-viewer", frame);
            // a refused export shows in the console as the failed call it is; nothing else may
            assert.deepEqual(session.consoleErrors.filter(e => !/NotAuthorized|not authorized/.test(e)), [], "no other console errors");
        });
    });
});
