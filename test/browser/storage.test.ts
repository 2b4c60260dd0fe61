// DebVisor → Storage → ZFS in a real Cockpit login with Debian's Chromium,
// on the installed package and the real zfs-fuse: the pool with its device
// tree, a dataset created, snapshotted and destroyed from the page (the
// destroy asks for the typed name), the pool exported and imported again
// from the page, each checked with the zfs tools.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import QUnit from "qunit";
import { loggedIn, openFromMenu, screenshot } from "../lib/browser.js";
import { callAs } from "../lib/call-as.js";
import { ADMIN } from "../lib/users.js";
import { waitFor } from "../lib/wait.js";
import { allowFileVdevs, destroyTestPool, sparseFile } from "../lib/zfs.js";

const WAIT = { timeout: 30_000 };
const ZFS = { path: "/org/debvisor/DebVisor1/zfs", iface: "org.debvisor.DebVisor1.ZfsManager" };
const run = (cmd: string, ...args: string[]) => execFileSync(cmd, args, { encoding: "utf8", stdio: "pipe" });
const datasets = () => run("zfs", "list", "-H", "-t", "all", "-o", "name").split("\n");
const pools = () => run("zpool", "list", "-H", "-o", "name").split("\n");

QUnit.module("browser: storage page", hooks => {
    const pool = `dvui${process.pid}`;
    let dir = "";
    let restore = () => undefined as void;
    hooks.before(async () => {
        dir = fs.mkdtempSync("/var/tmp/dv-zfs-ui-");
        const files = [1, 2].map(i => sparseFile(path.join(dir, `disk${i}.img`), 128 * 1024 ** 2));
        restore = allowFileVdevs(dir);
        const reply = await callAs(ADMIN.name, { ...ZFS, method: "CreatePool", signature: "ssasa{sv}", body: [pool, "mirror", files, { mountpoint: ["s", path.join(dir, "mnt")] }] });
        if (!reply.ok)
            throw new Error(reply.message);
        const ds = await callAs(ADMIN.name, { ...ZFS, method: "CreateDataset", signature: "sa{sv}", body: [`${pool}/web`, { compression: ["s", "lzjb"] }] });
        if (!ds.ok)
            throw new Error(ds.message);
    });
    hooks.after(async () => {
        try {
            await destroyTestPool(pool);
        } finally {
            restore();
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    QUnit.test("an admin sees the pool and its devices, and creates, snapshots and destroys a dataset", async assert => {
        await loggedIn(ADMIN, { noConsoleErrors: assert }, async session => {
            const frame = await openFromMenu(session.page, "Storage", "debvisor/storage");
            await frame.getByRole("heading", { name: "Storage" }).waitFor(WAIT);
            const poolBox = frame.locator(`[data-pool='${pool}']`);
            await poolBox.locator("[data-health='ONLINE']").first().waitFor(WAIT);
            await poolBox.getByRole("button", { name: "Devices" }).click();
            await poolBox.locator("tr[data-vdev='mirror-0']").waitFor(WAIT);
            assert.equal(await poolBox.locator("tr[data-vdev$='.img'] [data-health='ONLINE']").count(), 2, "both mirror halves, online");
            await frame.locator(`tr[data-dataset='${pool}/web']`).getByText("lzjb").waitFor(WAIT);
            await screenshot(session.page, "storage-zfs", frame);

            // a new dataset under the pool
            await frame.locator(`tr[data-dataset='${pool}']`).getByRole("button", { name: "New dataset" }).click();
            await frame.getByLabel("Name").fill(`${pool}/from ui`);
            await frame.getByText("letters, digits").waitFor(WAIT);
            await frame.getByLabel("Name").fill(`${pool}/fromui`);
            await frame.getByRole("button", { name: "Create" }).click();
            const row = frame.locator(`tr[data-dataset='${pool}/fromui']`);
            await row.waitFor(WAIT);
            assert.true(datasets().includes(`${pool}/fromui`), "zfs list has it");

            await row.getByRole("button", { name: "Snapshot" }).click();
            await frame.getByLabel("Snapshot name").fill("ui-1");
            await frame.getByRole("button", { name: "Take snapshot" }).click();
            await waitFor("the snapshot", () => datasets().includes(`${pool}/fromui@ui-1`), 15_000);
            await row.getByRole("button", { name: "1", exact: true }).waitFor(WAIT);

            // destroy: the typed name must match
            await row.getByRole("button", { name: "Destroy" }).click();
            await frame.getByText("Its 1 snapshots are destroyed with it.").waitFor(WAIT);
            await frame.getByLabel("Type the dataset's name to confirm").fill("fromui");
            await frame.getByText("The name does not match").waitFor(WAIT);
            assert.true(await frame.getByRole("button", { name: "Destroy", exact: true }).last().isDisabled(), "not with a wrong name");
            await frame.getByLabel("Type the dataset's name to confirm").fill(`${pool}/fromui`);
            await frame.getByRole("dialog").getByRole("button", { name: "Destroy" }).click();
            await row.waitFor({ state: "detached", timeout: 30_000 });
            assert.false(datasets().includes(`${pool}/fromui`), "gone from zfs list");
            assert.false(datasets().includes(`${pool}/fromui@ui-1`), "with its snapshot");

            // the snapshot schedule of the pool's own dataset: set from the dialog (the daemon keeps it), then cleared
            const scheduleOf = () => (JSON.parse(fs.readFileSync("/etc/debvisor/zfs-schedule.json", "utf8")) as { snapshots?: Record<string, Record<string, number>> }).snapshots?.[pool];
            const poolRow = frame.locator(`tr[data-dataset='${pool}']`);
            await poolRow.getByRole("button", { name: "Schedule" }).click();
            await frame.getByLabel("Daily snapshots to keep").fill("3");
            await frame.getByRole("dialog").getByRole("button", { name: "Save" }).click();
            await frame.getByRole("dialog").waitFor({ state: "detached", timeout: 30_000 });
            assert.equal(scheduleOf()?.daily, 3, "the schedule file keeps 3 daily snapshots");
            await poolRow.getByRole("button", { name: "Schedule" }).click();
            assert.equal(await frame.getByLabel("Daily snapshots to keep").inputValue(), "3", "the dialog shows the schedule the daemon publishes");
            await frame.getByLabel("Daily snapshots to keep").fill("0");
            await frame.getByRole("dialog").getByRole("button", { name: "Save" }).click();
            await frame.getByRole("dialog").waitFor({ state: "detached", timeout: 30_000 });
            assert.equal(scheduleOf(), undefined, "cleared");
        });
    });

    QUnit.test("an admin exports the pool and imports it again from the page", async assert => {
        await loggedIn(ADMIN, { noConsoleErrors: assert }, async session => {
            const frame = await openFromMenu(session.page, "Storage", "debvisor/storage");
            const poolBox = frame.locator(`[data-pool='${pool}']`);
            await poolBox.getByRole("button", { name: "Export" }).click();
            await poolBox.waitFor({ state: "detached", timeout: 30_000 });
            assert.false(pools().includes(pool), "zpool no longer lists it");

            await frame.getByRole("button", { name: "Import pool" }).click();
            const dialog = frame.getByRole("dialog");
            await dialog.getByLabel("Search in").fill("/etc");
            await dialog.getByRole("button", { name: "Search" }).click();
            await dialog.getByText("options.directory: must be one of").waitFor(WAIT);
            await dialog.getByLabel("Search in").fill(dir);
            await dialog.getByRole("button", { name: "Search" }).click();
            const row = dialog.locator(`tr[data-importable='${pool}']`);
            await row.locator("[data-health='ONLINE']").waitFor(WAIT);
            await row.getByRole("button", { name: "Import" }).click();
            await dialog.waitFor({ state: "detached", timeout: 30_000 });
            await poolBox.locator("[data-health='ONLINE']").first().waitFor(WAIT);
            assert.true(pools().includes(pool), "zpool lists it again");
            assert.true(datasets().includes(`${pool}/web`), "with its dataset");
        });
    });
});
