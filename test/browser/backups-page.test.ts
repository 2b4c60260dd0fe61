// DebVisor → Backups on the installed daemon and restic, in a real Cockpit
// login: an admin adds a repository (password given once, with the warning),
// one on a REST server (rclone serve restic on 127.0.0.1), and a schedule for a shut-off machine from the page, runs it now and sees
// it succeed on the schedule and in the history. With the repository moved
// away the next run fails: the failure shows on the page, on the machine's
// Backups tab and on the Overview, and its audit record in the history. The
// admin edits the schedule (the dialog starts from its settings). A
// viewer sees it all in a dark, narrow window with every action disabled;
// the admin removes the schedule and the repository after confirmations
// that name them.
import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import QUnit from "qunit";
import type { Frame } from "playwright-core";
import { COCKPIT_URL, loggedIn, openFromMenu, pageFrame, screenshot } from "../lib/browser.js";
import { defineDiskMachine, domainNames, virsh } from "../lib/backups.js";
import { RCLONE, restServerFiles, startRestServer } from "../lib/backup-remote.js";
import { waitForArea } from "../lib/daemon.js";
import { IMAGE_DIR, tempDir, uniqueName } from "../lib/images.js";
import { testUnless } from "../lib/skip.js";
import { ADMIN, VIEWER } from "../lib/users.js";

const WAIT = { timeout: 30_000 };
// restic reads and stores the whole disk; on a slow, emulated host that takes a while
const JOB_WAIT = { timeout: 300_000 };
const PASSWORD = "correct horse battery staple";
const ctl = (...args: string[]) => execFileSync("debvisorctl", args, { encoding: "utf8", stdio: "pipe", timeout: 120_000 });
const openBackups = (page: Parameters<typeof openFromMenu>[0]) => openFromMenu(page, "DebVisor backups", "debvisor/backups");

/* Whether nothing in the page's document scrolls sideways. */
const fitsWidth = (frame: Frame) => frame.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1);

QUnit.module("browser: Backups page", hooks => {
    const machine = uniqueName("pgbk");
    const repoName = uniqueName("pgrepo");
    const schedule = uniqueName("pgsched");
    const disk = path.join(IMAGE_DIR, `${machine}.qcow2`);
    let dir = "";
    let repoDir = "";

    hooks.before(async () => {
        await waitForArea("backups", "ready", 30_000);
        dir = tempDir("dv-webbackups-page-");
        repoDir = path.join(dir, "repo");
        defineDiskMachine(machine, disk, dir, 16, 2);
    });

    hooks.after(() => {
        try { ctl("backup", "schedule", "remove", schedule) } catch { /* removed by the test, or never added */ }
        try { ctl("backup", "repo-remove", repoName) } catch { /* removed by the test, or never added */ }
        if (domainNames().includes(machine))
            virsh("undefine", machine, "--snapshots-metadata");
        fs.rmSync(disk, { force: true });
        fs.rmSync(dir, { recursive: true, force: true });
    });

    QUnit.test("an admin adds a repository and a schedule from the page, runs it and sees it succeed", async assert => {
        await loggedIn(ADMIN, { noConsoleErrors: assert }, async session => {
            const frame = await openBackups(session.page);
            await frame.locator("h1", { hasText: "Backups" }).waitFor(WAIT);

            await frame.locator("#add-repository").click();
            const dialog = frame.locator("[role='dialog']");
            await dialog.locator("text=A lost password cannot be recovered").waitFor(WAIT);
            await dialog.locator("#repository-name").fill(repoName);
            await dialog.locator("#repository-location").fill(repoDir);
            await dialog.locator("#repository-password").fill(PASSWORD);
            await dialog.locator("#repository-password-again").fill(`${PASSWORD}!`);
            await dialog.locator("text=The passwords differ.").waitFor(WAIT);
            assert.true(await dialog.locator("button:has-text('Add')").isDisabled(), "different passwords are refused as typed");
            await dialog.locator("#repository-password-again").fill(PASSWORD);
            await screenshot(session.page, "backups-page-add-repository");
            await dialog.locator("button:has-text('Add')").click();
            await dialog.waitFor({ state: "detached", ...WAIT });
            await frame.locator(`tr[data-repository='${repoName}']`).waitFor(WAIT);
            await frame.locator("#repository-notice").waitFor(WAIT);
            assert.true(fs.existsSync(path.join(repoDir, "config")), "restic made the repository at the location");

            await frame.locator("#add-schedule").click();
            await dialog.locator("#schedule-name").fill(schedule);
            await dialog.locator("#schedule-repository").selectOption(repoName);
            await dialog.locator("#schedule-machine").selectOption({ label: machine });
            await dialog.locator("#schedule-frequency").selectOption("weekly");
            await dialog.locator("#schedule-weekday").selectOption("3");
            await dialog.locator("#schedule-time").fill("03:15");
            await dialog.locator("#schedule-keep-last").fill("3");
            await dialog.locator("#schedule-verify").fill("10");
            await dialog.locator("button:has-text('Add')").click();
            await dialog.waitFor({ state: "detached", ...WAIT });
            const row = frame.locator(`tr[data-schedule='${schedule}']`);
            await row.waitFor(WAIT);
            const text = await row.textContent() ?? "";
            for (const part of [machine, repoName, "Weekly on Wednesday at 03:15", "last 3", "daily 7", "weekly 4", "10 % of the data", "Never"])
                assert.true(text.includes(part), `the schedule's row says "${part}"`);

            await row.getByRole("button", { name: "Run now" }).click();
            await frame.locator(`tr[data-schedule='${schedule}'][data-last-result='succeeded']`).waitFor(JOB_WAIT);
            assert.true((await row.textContent() ?? "").includes("Succeeded"), "the last run's result");
            const history = frame.locator(`table[aria-label='Recent history'] tr[data-history-kind='schedule']`, { hasText: `Schedule ${schedule}` });
            await history.first().waitFor(WAIT);
            assert.equal(await history.first().getAttribute("data-history-result"), "succeeded");
            assert.true((await history.first().textContent() ?? "").includes(`Verified ${repoName}`), "the run verified the repository");
            await screenshot(session.page, "backups-page-run", frame);
        });
    });

    testUnless("an admin adds a repository on a REST server: the kind's own fields, the secret as a password; listed without the login",
        fs.existsSync(RCLONE) ? null : "rclone is not installed (scripts/deps.sh installs it)", async assert => {
            const restDir = tempDir("dv-webbackups-rest-");
            const restRepo = uniqueName("pgrest");
            const user = `pguser${process.pid}`;
            const userPassword = `pg-${crypto.randomBytes(8).toString("hex")}`;
            restServerFiles(restDir, user, userPassword);
            const server = await startRestServer(restDir, false);
            try {
                await loggedIn(ADMIN, { noConsoleErrors: assert }, async session => {
                    const frame = await openBackups(session.page);
                    await frame.locator("#add-repository").click();
                    const dialog = frame.locator("[role='dialog']");
                    await dialog.locator("#repository-name").fill(restRepo);
                    await dialog.locator("#repository-kind").selectOption("rest");
                    assert.equal(await dialog.locator("#repository-secret").getAttribute("type"), "password", "the user's password is a password field");
                    await dialog.locator("#repository-location").fill(repoDir);
                    await dialog.locator("text=Written as rest:https://").waitFor(WAIT);
                    const location = `rest:http://127.0.0.1:${server.port}/page`;
                    await dialog.locator("#repository-location").fill(location);
                    await dialog.locator("#repository-user").fill(user);
                    await dialog.locator("text=A user and a password, or neither.").waitFor(WAIT);
                    await dialog.locator("#repository-secret").fill(userPassword);
                    await dialog.locator("#repository-password").fill(PASSWORD);
                    await dialog.locator("#repository-password-again").fill(PASSWORD);
                    await screenshot(session.page, "backups-page-add-rest-repository");
                    await dialog.locator("button:has-text('Add')").click();
                    await dialog.waitFor({ state: "detached", ...WAIT });
                    const row = frame.locator(`tr[data-repository='${restRepo}']`);
                    await row.waitFor(WAIT);
                    const text = await row.textContent() ?? "";
                    assert.true(text.includes("REST server") && text.includes(location), text);
                    assert.false(text.includes(user), "the login is not shown");
                    assert.true(fs.existsSync(path.join(restDir, "data", "page", "config")), "restic made the repository on the server");
                });
            } finally {
                try { ctl("backup", "repo-remove", restRepo) } catch { /* never added */ }
                await server.stop();
                fs.rmSync(restDir, { recursive: true, force: true });
            }
        });

    QUnit.test("a run that fails shows on the page, on the machine's Backups tab and on the Overview", async assert => {
        // the repository gone from where it was added: restic cannot open it
        fs.renameSync(repoDir, `${repoDir}.moved`);
        try {
            await loggedIn(ADMIN, { noConsoleErrors: assert }, async session => {
                let frame = await openBackups(session.page);
                const row = frame.locator(`tr[data-schedule='${schedule}']`);
                await row.getByRole("button", { name: "Run now" }).click();
                await frame.locator(`tr[data-schedule='${schedule}'][data-last-result='failed']`).waitFor(JOB_WAIT);
                const alert = frame.locator(`[data-failed-schedule='${schedule}']`);
                await alert.waitFor(WAIT);
                const history = frame.locator("table[aria-label='Recent history'] tr[data-history-result='failed']", { hasText: `Schedule ${schedule}` });
                await history.first().waitFor(WAIT);
                assert.true((await history.first().textContent() ?? "").includes("nothing was pruned"), "the audit record says why, and that nothing was pruned");
                await screenshot(session.page, "backups-page-failed", frame);

                frame = await openFromMenu(session.page, "Virtual machines", "debvisor/machines");
                await frame.locator(`tr[data-machine='${machine}'] button:has-text('${machine}')`).click();
                await frame.locator("button[role='tab']:has-text('Backups')").click();
                const onTab = frame.locator(`[data-failed-schedule='${schedule}']`);
                await onTab.waitFor(WAIT);
                const tabText = await onTab.textContent() ?? "";
                assert.true(tabText.includes(`Backup schedule ${schedule} failed at`), `the tab names the run and its time: ${tabText}`);
                assert.true(tabText.includes(machine), "and the error, which names the machine");
                await screenshot(session.page, "backups-page-failed-machine-tab", frame);

                frame = await openFromMenu(session.page, "DebVisor", "debvisor/overview");
                const onOverview = frame.locator(`[data-failed-schedule='${schedule}']`);
                await onOverview.waitFor(WAIT);
                assert.equal(await onOverview.textContent(), tabText, "the Overview shows the same failure");
                await screenshot(session.page, "backups-page-failed-overview", frame);
            });
        } finally {
            fs.renameSync(`${repoDir}.moved`, repoDir);
        }
    });

    QUnit.test("an admin edits the schedule: the dialog holds its settings, a bad time is refused as typed, cleared counts are cleared", async assert => {
        await loggedIn(ADMIN, { noConsoleErrors: assert }, async session => {
            const frame = await openBackups(session.page);
            const row = frame.locator(`tr[data-schedule='${schedule}']`);
            await row.getByRole("button", { name: "Edit…" }).click();
            const dialog = frame.locator("[role='dialog']");
            await dialog.locator(`text=Edit schedule ${schedule}`).waitFor(WAIT);
            assert.equal(await dialog.locator("#schedule-name").inputValue(), schedule, "the name is shown");
            assert.true(await dialog.locator("#schedule-name").evaluate(e => (e as HTMLInputElement).readOnly), "and cannot be changed");
            assert.equal(await dialog.locator("#schedule-frequency").inputValue(), "weekly", "the dialog holds the schedule's settings");
            assert.equal(await dialog.locator("#schedule-weekday").inputValue(), "3");
            assert.equal(await dialog.locator("#schedule-time").inputValue(), "03:15");
            assert.equal(await dialog.locator("#schedule-keep-last").inputValue(), "3");
            assert.equal(await dialog.locator("#schedule-verify").inputValue(), "10");

            await dialog.locator("#schedule-time").fill("25:00");
            await dialog.locator("text=The time is HH:MM, from 00:00 to 23:59.").waitFor(WAIT);
            assert.true(await dialog.locator("button:has-text('Save')").isDisabled(), "a bad time is refused as typed");
            await dialog.locator("#schedule-frequency").selectOption("daily");
            await dialog.locator("#schedule-time").fill("04:30");
            await dialog.locator("#schedule-keep-last").fill("");
            await dialog.locator("#schedule-keep-daily").fill("2");
            await dialog.locator("#schedule-verify").fill("");
            await screenshot(session.page, "backups-page-edit-schedule");
            await dialog.locator("button:has-text('Save')").click();
            await dialog.waitFor({ state: "detached", ...WAIT });
            await row.locator("text=Daily at 04:30").waitFor(WAIT);
            const text = await row.textContent() ?? "";
            for (const part of ["daily 2", "weekly 4", machine, repoName])
                assert.true(text.includes(part), `the row says "${part}"`);
            assert.false(text.includes("last 3"), "the cleared count is gone");
            assert.false(text.includes("% of the data"), "and so is the verify share");
            const shown = JSON.parse(ctl("backup", "schedule", "list", "--json")) as Array<Record<string, unknown>>;
            const saved = shown.find(s => s.Name === schedule);
            assert.deepEqual([saved?.Frequency, saved?.Time, saved?.Keep, Number(saved?.VerifyPercent)], ["daily", "04:30", { daily: 2, weekly: 4 }, 0],
                "the daemon has the new settings");
        });
    });

    QUnit.test("a viewer sees repositories, schedules and history with every action disabled (dark, narrow)", async assert => {
        await loggedIn(VIEWER, { colorScheme: "dark", width: 480, noConsoleErrors: assert }, async session => {
            await session.page.goto(`${COCKPIT_URL}/debvisor/backups`);
            const frame = await pageFrame(session.page, "debvisor/backups");
            const row = frame.locator(`tr[data-schedule='${schedule}']`);
            await row.waitFor(WAIT);
            await frame.locator(`tr[data-repository='${repoName}']`).waitFor(WAIT);
            await frame.locator("table[aria-label='Recent history'] tr[data-history-kind='schedule']").first().waitFor(WAIT);
            for (const button of [frame.locator("#add-repository"), frame.locator("#add-schedule"), row.getByRole("button", { name: "Run now" }),
                row.getByRole("button", { name: "Edit…" }), row.getByRole("button", { name: "Remove…" }), frame.locator(`tr[data-repository='${repoName}']`).getByRole("button", { name: "Remove…" })])
                assert.equal(await button.getAttribute("aria-disabled"), "true", `${await button.textContent()} is disabled`);
            await frame.locator("text=Only members of debvisor-admin may change this.").first().waitFor(WAIT);
            assert.true(await frame.evaluate(() => document.documentElement.classList.contains("pf-v6-theme-dark")), "the page follows the browser's dark preference");
            assert.true(await fitsWidth(frame), "nothing scrolls sideways in a narrow window");
            await screenshot(session.page, "backups-page-viewer-dark-narrow", frame);
        });
    });

    QUnit.test("an admin removes the schedule and the repository after confirmations that name them; the backups stay", async assert => {
        await loggedIn(ADMIN, { noConsoleErrors: assert }, async session => {
            const frame = await openBackups(session.page);
            const dialog = frame.locator("[role='dialog']");
            await frame.locator(`tr[data-schedule='${schedule}']`).getByRole("button", { name: "Remove…" }).click();
            await dialog.locator(`text=Remove schedule ${schedule}?`).waitFor(WAIT);
            await dialog.getByRole("button", { name: "Remove", exact: true }).click();
            await frame.locator(`tr[data-schedule='${schedule}']`).waitFor({ state: "detached", ...WAIT });

            await frame.locator(`tr[data-repository='${repoName}']`).getByRole("button", { name: "Remove…" }).click();
            await dialog.locator(`text=Remove repository ${repoName}?`).waitFor(WAIT);
            assert.true((await dialog.textContent() ?? "").includes(repoDir), "the confirmation says where the backups stay");
            await dialog.getByRole("button", { name: "Remove", exact: true }).click();
            await frame.locator(`tr[data-repository='${repoName}']`).waitFor({ state: "detached", ...WAIT });
            assert.true(fs.existsSync(path.join(repoDir, "config")), "the repository itself is left where it is");
        });
    });
});
