// DebVisor → Virtual machines → a machine's Backups tab → Browse files… on
// the installed daemon: an operator opens a backup of a machine whose disk
// has an ext4 and a FAT partition, sees the partitions, opens /etc of the
// ext4 one and downloads a file (a Blob the page makes of ReadFile's
// pieces) that is byte for byte the one in the guest's file system; the FAT
// partition says it cannot be browsed.
import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import QUnit from "qunit";
import { loggedIn, openFromMenu, screenshot } from "../lib/browser.js";
import { defineMachineOn, domainNames, MACHINE, repositoryObjects, virsh, writeGuestDisk } from "../lib/backups.js";
import { waitForArea } from "../lib/daemon.js";
import { IMAGE_DIR, tempDir, uniqueName } from "../lib/images.js";
import { OPERATOR } from "../lib/users.js";
import { waitFor } from "../lib/wait.js";

const WAIT = { timeout: 60_000 };
const ctl = (...args: string[]) => execFileSync("debvisorctl", args, { encoding: "utf8", stdio: "pipe", timeout: 300_000 });

QUnit.module("browser: Backup files of a machine", hooks => {
    const name = uniqueName("webfiles");
    const repoName = uniqueName("webfilesrepo");
    const disk = path.join(IMAGE_DIR, `${name}.qcow2`);
    const content = crypto.randomBytes(1536 * 1024); // two pieces
    let dir = "";

    hooks.before(async () => {
        await waitForArea("backups", "ready", 30_000);
        dir = tempDir("dv-webfiles-");
        const root = path.join(dir, "root");
        fs.mkdirSync(path.join(root, "etc"), { recursive: true });
        fs.writeFileSync(path.join(root, "etc", "app.conf"), content);
        const raw = path.join(dir, "disk.raw");
        writeGuestDisk(raw, root);
        execFileSync("qemu-img", ["convert", "-q", "-f", "raw", "-O", "qcow2", raw, disk]);
        defineMachineOn(name, disk, dir);
        await waitFor("debvisord to know the machine", async () => Object.values(await repositoryObjects()).some(o => o[MACHINE]?.Name === name), 30_000);
        const passwordFile = path.join(dir, "password");
        fs.writeFileSync(passwordFile, crypto.randomBytes(16).toString("hex"), { mode: 0o600 });
        ctl("backup", "repo-add", repoName, path.join(dir, "repo"), "--password-file", passwordFile);
        ctl("backup", "now", name, repoName, "--wait");
    });

    hooks.after(() => {
        if (domainNames().includes(name))
            virsh("undefine", name, "--snapshots-metadata");
        fs.rmSync(disk, { force: true });
        try { ctl("backup", "repo-remove", repoName) } catch { /* not added */ }
        fs.rmSync(dir, { recursive: true, force: true });
    });

    QUnit.test("an operator browses a backup's disk and downloads a file; a FAT partition cannot be browsed", async assert => {
        await loggedIn(OPERATOR, { noConsoleErrors: assert }, async session => {
            const frame = await openFromMenu(session.page, "Virtual machines", "debvisor/machines");
            await frame.locator(`tr[data-machine='${name}'] button:has-text('${name}')`).click();
            await frame.locator("button[role='tab']:has-text('Backups')").click();
            await frame.locator(`tr[data-repository='${repoName}'] .backup-browse-files`).click();
            const dialog = frame.locator("#browse-files");
            await dialog.locator("tr[data-file='1'][data-type='partition']", { hasText: "ext4" }).waitFor(WAIT);
            assert.true((await dialog.locator("tr[data-file='2']").textContent() ?? "").includes("vfat"), "the FAT partition is listed with its file system");

            await dialog.locator("tr[data-file='2']").getByRole("button", { name: "2" }).click();
            await dialog.locator("text=partition 2 cannot be browsed: file system vfat").waitFor(WAIT);
            await dialog.locator("#browse-files-up").click();

            await dialog.locator("tr[data-file='1']").getByRole("button", { name: "1" }).click();
            await dialog.locator("tr[data-file='etc']").getByRole("button", { name: "etc" }).click();
            const row = dialog.locator("tr[data-file='app.conf'][data-type='file']");
            await row.waitFor(WAIT);
            assert.equal(await dialog.locator("#browse-files-path").textContent(), "/1/etc/");
            await screenshot(session.page, "backup-files-browse", frame);
            const [download] = await Promise.all([
                session.page.waitForEvent("download", WAIT),
                row.getByRole("button", { name: "Download" }).click(),
            ]);
            assert.equal(download.suggestedFilename(), "app.conf");
            const saved = path.join(dir, "downloaded");
            await download.saveAs(saved);
            assert.true(fs.readFileSync(saved).equals(content), "the downloaded file is the guest's, byte for byte");
        });
    });
});
