// DebVisor → Virtual machines → a machine's Backups tab on the installed
// daemon and restic: an admin backs up a shut-off machine into a local
// repository (added as root with debvisorctl), sees the backup listed,
// restores it as a new machine from the tab, and the new machine is listed;
// then restores it over itself, the dialog listing what is lost and asking
// for the machine's name; a viewer sees the backup with the actions disabled.
import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import QUnit from "qunit";
import type { Page } from "playwright-core";
import { loggedIn, openFromMenu, screenshot } from "../lib/browser.js";
import { defineDiskMachine, domainNames, virsh } from "../lib/backups.js";
import { waitForArea } from "../lib/daemon.js";
import { IMAGE_DIR, tempDir, uniqueName } from "../lib/images.js";
import { ADMIN, VIEWER } from "../lib/users.js";

const WAIT = { timeout: 30_000 };
// restic reads and stores the whole disk; on a slow, emulated host that takes a while
const JOB_WAIT = { timeout: 300_000 };
const ctl = (...args: string[]) => execFileSync("debvisorctl", args, { encoding: "utf8", stdio: "pipe", timeout: 300_000 });

QUnit.module("browser: Backups of a machine", hooks => {
    const name = uniqueName("webbk");
    const restored = `${name}-restored`;
    const repoName = uniqueName("webrepo");
    const disk = path.join(IMAGE_DIR, `${name}.qcow2`);
    let dir = "";

    hooks.before(async () => {
        await waitForArea("backups", "ready", 30_000);
        dir = tempDir("dv-webbackup-");
        const passwordFile = path.join(dir, "password");
        fs.writeFileSync(passwordFile, crypto.randomBytes(16).toString("hex"), { mode: 0o600 });
        ctl("backup", "repo-add", repoName, path.join(dir, "repo"), "--password-file", passwordFile);
        // a few MiB of data, so that the backup has something to store
        defineDiskMachine(name, disk, dir, 32, 4);
    });

    hooks.after(() => {
        for (const machine of [name, restored].filter(n => domainNames().includes(n))) {
            try { virsh("destroy", machine) } catch { /* not running */ }
            // the restored machine's disks are volumes of a pool: libvirt removes them with it
            virsh("undefine", machine, "--remove-all-storage", "--snapshots-metadata");
        }
        fs.rmSync(disk, { force: true });
        try { ctl("backup", "repo-remove", repoName) } catch { /* not added */ }
        fs.rmSync(dir, { recursive: true, force: true });
    });

    /* The machine's Backups tab, opened from the menu. */
    async function openBackupsTab(page: Page) {
        const frame = await openFromMenu(page, "Virtual machines", "debvisor/machines");
        await frame.locator(`tr[data-machine='${name}'] button:has-text('${name}')`).click();
        await frame.locator("button[role='tab']:has-text('Backups')").click();
        return frame;
    }

    QUnit.test("an admin backs up a shut-off machine from its Backups tab and restores it as a new machine", async assert => {
        await loggedIn(ADMIN, { noConsoleErrors: assert }, async session => {
            const frame = await openFromMenu(session.page, "Virtual machines", "debvisor/machines");
            await frame.locator(`tr[data-machine='${name}'] button:has-text('${name}')`).click();
            await frame.locator("#machine-title", { hasText: name }).waitFor(WAIT);
            await frame.locator("button[role='tab']:has-text('Backups')").click();
            await frame.locator("text=No backups of this machine yet.").waitFor(WAIT);

            await frame.locator("#backup-now").click();
            const dialog = frame.locator("[role='dialog']");
            await dialog.locator("#backup-repository").selectOption(repoName);
            await screenshot(session.page, "backups-back-up-dialog");
            await dialog.locator("button:has-text('Back up')").click();
            await dialog.waitFor({ state: "detached", ...WAIT });

            const job = frame.locator("[aria-label='Jobs'] li", { hasText: `Backing up ${name} to ${repoName}` });
            await job.waitFor(WAIT);
            const row = frame.locator(`tr[data-repository='${repoName}']`);
            await row.waitFor(JOB_WAIT);
            await job.getByText("Completed", { exact: true }).waitFor(WAIT);
            assert.equal(await row.count(), 1, "the backup is listed");
            assert.true((await row.textContent() ?? "").includes("Shut off"), "a shut-off machine's backup says so");
            await screenshot(session.page, "backups-listed", frame);

            await row.locator("button:has-text('Restore as a new machine…')").click();
            await dialog.locator("#action-field").fill(name);
            await dialog.locator(`text=A machine named ${name} exists already`).waitFor(WAIT);
            assert.true(await dialog.locator("button:has-text('Restore')").isDisabled(), "a taken name is refused as typed");
            await dialog.locator("#action-field").fill(restored);
            await dialog.locator("button:has-text('Restore')").click();
            await dialog.waitFor({ state: "detached", ...WAIT });

            const restoreJob = frame.locator("[aria-label='Jobs'] li", { hasText: `as ${restored}` });
            await restoreJob.getByText("Completed", { exact: true }).waitFor(JOB_WAIT);
            await frame.locator("a:has-text('Virtual machines')").click();
            const newRow = frame.locator(`tr[data-machine='${restored}']`);
            await newRow.locator("text=Shut off").waitFor(WAIT);
            await screenshot(session.page, "backups-restored", frame);
            assert.true(domainNames().includes(restored), "libvirt knows the restored machine");
            assert.notEqual(virsh("domuuid", restored).trim(), virsh("domuuid", name).trim(), "the restored machine has a new UUID");
        });
    });

    QUnit.test("an admin restores the machine over itself: the dialog lists what is lost and wants the machine's name", async assert => {
        // written after the backup: what the restore takes back
        execFileSync("qemu-io", ["-f", "qcow2", "-c", "write -P 0x77 1M 4M", disk], { stdio: "pipe" });
        await loggedIn(ADMIN, { noConsoleErrors: assert }, async session => {
            const frame = await openBackupsTab(session.page);
            const row = frame.locator(`tr[data-repository='${repoName}']`).first();
            await row.waitFor(WAIT);
            await row.locator("button:has-text('Restore over this machine…')").click();
            const dialog = frame.locator("[role='dialog']");
            const lost = dialog.locator("#restore-over-lost");
            await lost.locator("li", { hasText: "disk vda" }).waitFor(WAIT);
            assert.true((await lost.textContent() ?? "").includes("everything written to it since the backup"), "the disk's later writes are named as lost");
            const confirm = dialog.locator("button:has-text('Restore over this machine')");
            await dialog.locator("#action-field").fill(`${name}x`);
            await dialog.locator("text=The name does not match").waitFor(WAIT);
            assert.true(await confirm.isDisabled(), "another name does not confirm");
            await screenshot(session.page, "backups-restore-over-dialog", frame);
            await dialog.locator("#action-field").fill(name);
            await confirm.click();
            await dialog.waitFor({ state: "detached", ...WAIT });
            const job = frame.locator("[aria-label='Jobs'] li", { hasText: "over the machine" });
            await job.getByText("Completed", { exact: true }).waitFor(JOB_WAIT);
            const read = execFileSync("qemu-io", ["-r", "-f", "qcow2", "-c", "read -P 0x5a 1M 4M", disk], { encoding: "utf8", stdio: "pipe" });
            assert.false(/Pattern verification failed/.test(read), "the disk holds the backed-up data again");
        });
    });

    QUnit.test("a viewer sees the machine's backups, with backing up and restoring disabled", async assert => {
        await loggedIn(VIEWER, { noConsoleErrors: assert }, async session => {
            const frame = await openBackupsTab(session.page);
            const row = frame.locator(`tr[data-repository='${repoName}']`);
            await row.waitFor(WAIT);
            assert.equal(await frame.locator("#backup-now").getAttribute("aria-disabled"), "true", "Back up now is disabled");
            assert.equal(await row.locator("button:has-text('Restore as a new machine…')").getAttribute("aria-disabled"), "true", "Restore is disabled");
            assert.equal(await row.locator("button:has-text('Restore over this machine…')").getAttribute("aria-disabled"), "true", "so is restoring over it");
            await frame.locator("text=Only operators and admins may back up and restore.").waitFor(WAIT);
            await screenshot(session.page, "backups-viewer", frame);
        });
    });
});
