// DebVisor → Overview in a real Cockpit login with Debian's Chromium, on the
// installed package: the disks table, a job started from busctl appearing
// live and finishing, the audit table catching up, cancelling from the Jobs
// panel, a user without a role told how to get one, and the page following
// Cockpit's dark style, with no console errors on the way.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import QUnit from "qunit";
import type { Frame } from "playwright-core";
import { COCKPIT_URL, loggedIn, openFromMenu, pageFrame, screenshot } from "../lib/browser.js";
import { IMAGE_DIR, randomImage, removeImage, tempDir, uniqueName } from "../lib/images.js";
import { ADMIN, NOBODY, VIEWER } from "../lib/users.js";

const WAIT = { timeout: 30_000 };
const DARK = "pf-v6-theme-dark";

const isDark = (frame: Frame) => frame.evaluate(cls => document.documentElement.classList.contains(cls), DARK);

/* The value of the progress bar in the job row that names the image. */
function jobProgress(frame: Frame, image: string): Promise<number> {
    return frame.evaluate(text => {
        const row = [...document.querySelectorAll("[aria-label='Jobs'] li")].find(li => li.textContent?.includes(text));
        return Number(row?.querySelector("[role='progressbar']")?.getAttribute("aria-valuenow") ?? -1);
    }, image);
}

/* How many refused AuditTail calls by USER the newest audit records hold. */
/* Audit records of calls by `user` that reached debvisord (refused or not). */
function recordsBy(user: string): number {
    const out = execFileSync("busctl", ["--system", "--json=short", "call", "org.debvisor.DebVisor1", "/org/debvisor/DebVisor1/manager",
        "org.debvisor.DebVisor1.Manager", "AuditTail", "ua{sv}", "1000", "0"], { encoding: "utf8", timeout: 30_000 });
    const records = (JSON.parse(out) as { data: [Array<Record<string, { data: unknown }>>] }).data[0];
    return records.filter(r => r.User.data === user).length;
}

QUnit.module("browser: Overview", hooks => {
    let dir = "";
    hooks.before(() => { dir = tempDir("dv-browser-") });
    hooks.after(() => fs.rmSync(dir, { recursive: true, force: true }));

    QUnit.test("an admin sees the disks, a job started from busctl live, and its audit records", async assert => {
        const name = uniqueName("browser");
        const image = `${name}.qcow2`;
        try {
            await loggedIn(ADMIN, { noConsoleErrors: assert }, async session => {
                const frame = await openFromMenu(session.page, "DebVisor", "debvisor/overview");

                await frame.getByRole("heading", { name: "DebVisor overview" }).waitFor(WAIT);
                const disks = frame.locator("table[aria-label='Disks']");
                await disks.waitFor(WAIT);
                assert.equal(await disks.locator("tbody tr", { hasText: "OS disk" }).count(), 1, "exactly one disk is the OS disk");
                const host = frame.locator("[aria-label='Host facts']");
                assert.true((await host.textContent() ?? "").includes("DebVisor version"), "host facts are shown");
                // jobs of earlier tests may still be listed: they stay a minute after they end
                await frame.getByRole("heading", { name: "Jobs" }).waitFor(WAIT);
                await screenshot(session.page, "overview-admin", frame);

                // ~48 MiB of random data at 8 MiB/s: a job that runs for about six seconds
                const source = randomImage(dir, `${name}.raw`, 48);
                const out = execFileSync("busctl", ["--system", "call", "org.debvisor.DebVisor1", "/org/debvisor/DebVisor1/manager",
                    "org.debvisor.DebVisor1.Manager", "ImportImage", "ssa{sv}", source, name, "1", "rate-limit", "t", String(8 << 20)],
                { encoding: "utf8", timeout: 30_000 });
                const jobPath = /"(\/org\/debvisor\/DebVisor1\/jobs\/\d+)"/.exec(out)?.[1];
                assert.ok(jobPath, `busctl answered with a job: ${out.trim()}`);
                const jobShort = (jobPath ?? "").replace("/org/debvisor/DebVisor1/", "");

                const row = frame.locator("[aria-label='Jobs'] li", { hasText: `as ${image}` });
                await row.waitFor(WAIT);
                await row.getByText("Running", { exact: true }).waitFor(WAIT);
                await frame.waitForFunction(text => {
                    const li = [...document.querySelectorAll("[aria-label='Jobs'] li")].find(l => l.textContent?.includes(text));
                    const value = Number(li?.querySelector("[role='progressbar']")?.getAttribute("aria-valuenow") ?? 0);
                    return value > 0 && value < 100;
                }, `as ${image}`, WAIT);
                assert.true(await row.getByRole("button", { name: "Cancel" }).isVisible(), "a running import can be cancelled");
                await screenshot(session.page, "overview-job-running", frame);

                await row.getByText("Completed", { exact: true }).waitFor({ timeout: 60_000 });
                assert.equal(await jobProgress(frame, `as ${image}`), 100, "the finished job shows 100 %");
                assert.true(fs.existsSync(`${IMAGE_DIR}/${image}`), "the image was imported");

                // the new audit records arrive with the Manager's AuditRecordCount change
                const audit = frame.locator("table[aria-label='Recent audit events']");
                const call = audit.locator("tbody tr", { hasText: "Manager.ImportImage" }).filter({ hasText: name });
                await call.first().waitFor(WAIT);
                assert.equal(await call.count(), 1, "the ImportImage call is listed with its arguments");
                const done = audit.locator("tbody tr", { hasText: "Job.image-import" }).filter({ hasText: jobShort });
                await done.first().waitFor(WAIT);
                assert.true((await done.first().textContent() ?? "").includes("Done"), "the job's outcome is in the audit table");
                await screenshot(session.page, "overview-job-done", frame);

                // Session → Style → Dark in the shell: the page follows
                assert.false(await isDark(frame), "light by default in a light browser");
                await session.page.click("#toggle-menu");
                await session.page.click("button#dark");
                await frame.waitForFunction(cls => document.documentElement.classList.contains(cls), DARK, WAIT);
                await session.page.keyboard.press("Escape");
                await screenshot(session.page, "overview-admin-dark", frame);
            });
        } finally {
            removeImage(image);
        }
    });

    QUnit.test("an admin cancels a running import from the Jobs panel", async assert => {
        const name = uniqueName("browser-cancel");
        const image = `${name}.qcow2`;
        try {
            await loggedIn(ADMIN, { noConsoleErrors: assert }, async session => {
                const frame = await openFromMenu(session.page, "DebVisor", "debvisor/overview");
                await frame.getByRole("heading", { name: "Jobs" }).waitFor(WAIT);

                // slow enough (about 24 s) that it is still running when the button is pressed
                const source = randomImage(dir, `${name}.raw`, 48);
                execFileSync("busctl", ["--system", "call", "org.debvisor.DebVisor1", "/org/debvisor/DebVisor1/manager",
                    "org.debvisor.DebVisor1.Manager", "ImportImage", "ssa{sv}", source, name, "1", "rate-limit", "t", String(2 << 20)],
                { encoding: "utf8", timeout: 30_000 });

                const row = frame.locator("[aria-label='Jobs'] li", { hasText: `as ${image}` });
                await row.getByText("Running", { exact: true }).waitFor(WAIT);
                await row.getByRole("button", { name: "Cancel" }).click();
                await row.getByText("Cancelled", { exact: true }).waitFor(WAIT);
                assert.false(await row.getByRole("button", { name: "Cancel" }).isVisible(), "a cancelled job offers no Cancel");
                assert.false(fs.existsSync(`${IMAGE_DIR}/${image}`), "a cancelled import leaves no image");
                await screenshot(session.page, "overview-job-cancelled", frame);
            });
        } finally {
            removeImage(image);
        }
    });

    QUnit.test("a user without a DebVisor group is refused by the bus and told which groups give access", async assert => {
        const before = recordsBy(NOBODY.name);
        await loggedIn(NOBODY, { noConsoleErrors: assert }, async session => {
            await session.page.goto(`${COCKPIT_URL}/debvisor/overview`);
            const frame = await pageFrame(session.page, "debvisor/overview");
            // the first empty state that is not the spinner's says what the page concluded
            const heading = frame.locator(".pf-v6-c-empty-state__title-text").filter({ hasNotText: "Connecting to DebVisor" }).first();
            await heading.waitFor(WAIT);
            if ((await heading.textContent()) !== "You are not in a DebVisor group")
                await screenshot(session.page, "overview-not-authorized-failed", frame);
            assert.equal(await heading.textContent(), "You are not in a DebVisor group");
            const text = await frame.locator("body").textContent() ?? "";
            for (const group of ["debvisor-admin", "debvisor-operator", "debvisor-viewer"])
                assert.true(text.includes(group), `the page names ${group}`);
            assert.false(/Rejected send message|matched rules/.test(text), "not the bus's raw refusal");
            assert.equal(await frame.locator("[aria-label='Host facts']").count(), 0, "no host facts either: properties are refused too");
            assert.equal(recordsBy(NOBODY.name), before, "no call of theirs reached debvisord");
            await screenshot(session.page, "overview-not-authorized", frame);
        });
    });

    QUnit.test("a viewer sees the page in a dark browser, narrow", async assert => {
        await loggedIn(VIEWER, { colorScheme: "dark", width: 480, noConsoleErrors: assert }, async session => {
            await session.page.goto(`${COCKPIT_URL}/debvisor/overview`);
            const frame = await pageFrame(session.page, "debvisor/overview");
            await frame.locator("table[aria-label='Disks']").waitFor(WAIT);
            await frame.locator("table[aria-label='Recent audit events']").waitFor(WAIT);
            assert.true(await isDark(frame), "the page follows the browser's dark preference");
            await screenshot(session.page, "overview-viewer-dark-narrow", frame);
        });
    });
});
