// DebVisor → Overview in a real Cockpit login with Debian's Chromium: the
// disks table, a job started from busctl appearing live and finishing, and
// the audit table catching up, with no console errors on the way.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import QUnit from "qunit";
import { login, openSession, pageFrame, screenshot, type Session } from "../lib/browser.js";
import { randomImage, removeImage, tempDir, uniqueName } from "../lib/images.js";
import { ADMIN, VIEWER } from "../lib/users.js";

const WAIT = { timeout: 30_000 };

async function openOverview(session: Session) {
    // the login page's own probe of /cockpit/login answers 401 by design: count errors from here on
    session.consoleErrors.length = 0;
    await session.page.click("#host-apps a:has-text('DebVisor')");
    return pageFrame(session.page, "debvisor/overview");
}

QUnit.module("browser: Overview", hooks => {
    let dir = "";
    hooks.before(() => { dir = tempDir("dv-browser-") });
    hooks.after(() => fs.rmSync(dir, { recursive: true, force: true }));

    QUnit.test("an admin sees the disks, a job started from busctl live, and the audit record", async assert => {
        const session = await openSession();
        const name = uniqueName("browser");
        try {
            await login(session.page, ADMIN);
            const frame = await openOverview(session);
            const disks = frame.locator("table[aria-label='Disks']");
            await disks.waitFor(WAIT);
            const osRow = disks.locator("tbody tr", { hasText: "OS disk" });
            assert.equal(await osRow.count(), 1, "the OS disk has a row");
            // jobs of earlier tests may still be listed: they stay a minute after they end
            await frame.locator("h2", { hasText: "Jobs" }).waitFor(WAIT);
            await screenshot(session.page, "overview-admin");

            const source = randomImage(dir, "browser.raw", 24);
            const out = execFileSync("busctl", ["--system", "call", "org.debvisor.DebVisor1", "/org/debvisor/DebVisor1/Manager",
                "org.debvisor.DebVisor1.Manager", "ImportImage", "ssa{sv}", source, name, "1", "rate-limit", "t", String(6 << 20)], { encoding: "utf8" });
            assert.true(out.includes("/org/debvisor/DebVisor1/jobs/"), out);

            const row = frame.locator("[aria-label='Jobs'] li", { hasText: `as ${name}.qcow2` });
            await row.waitFor(WAIT);
            await row.locator("text=Running").waitFor(WAIT);
            const progress = row.locator("[role='progressbar']");
            await progress.waitFor(WAIT);
            await frame.waitForFunction(n => {
                const bar = [...document.querySelectorAll("[aria-label='Jobs'] li")].find(li => li.textContent?.includes(`as ${n}.qcow2`))
                    ?.querySelector("[role='progressbar']");
                const value = Number(bar?.getAttribute("aria-valuenow") ?? 0);
                return value > 0 && value < 100;
            }, name, WAIT);
            await screenshot(session.page, "overview-job-running");
            await row.locator("text=Completed").waitFor({ timeout: 60_000 });
            assert.equal(await progress.getAttribute("aria-valuenow"), "100");

            const audit = frame.locator("table[aria-label='Recent audit events']");
            await audit.locator("tbody tr", { hasText: "Job.image-import" }).first().waitFor(WAIT);
            assert.true(await audit.locator("tbody tr", { hasText: "Manager.ImportImage" }).count() >= 1, "the import call is in the audit table");
            await screenshot(session.page, "overview-job-done");
            assert.deepEqual(session.consoleErrors, [], "no console errors");
        } finally {
            await session.close();
            removeImage(`${name}.qcow2`);
        }
    });

    QUnit.test("a viewer sees the page in the dark theme, narrow", async assert => {
        const session = await openSession({ colorScheme: "dark", width: 480 });
        try {
            await login(session.page, VIEWER);
            await session.page.goto("http://127.0.0.1:9090/debvisor/overview");
            session.consoleErrors.length = 0;
            const frame = await pageFrame(session.page, "debvisor/overview");
            await frame.locator("table[aria-label='Disks']").waitFor(WAIT);
            const dark = await frame.evaluate(() => document.documentElement.classList.contains("pf-v6-theme-dark"));
            assert.true(dark, "the page follows the dark theme");
            await screenshot(session.page, "overview-viewer-dark-narrow");
            assert.deepEqual(session.consoleErrors, [], "no console errors");
        } finally {
            await session.close();
        }
    });
});
