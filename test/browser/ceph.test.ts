// DebVisor → Storage → Ceph in a real Cockpit login with Debian's Chromium,
// on the installed package and a real single-node Ceph cluster (one monitor,
// one manager, three OSDs on files, an MDS with a CephFS): the health banner
// shows the cluster's health; maintenance (noout) shows the OSDMAP_FLAGS
// check with its explanation and clears it; a pool is created (a bad name is
// refused as it is typed) and its replication changed; an RBD image of
// 64 MiB is created, grown, shrunk (only with the checkbox) and snapshotted,
// rolled back to its snapshot (the content checked with rbd export) and the
// snapshot deleted, each with the snapshot's name typed; image and pool are
// deleted with their names typed; deleting a CephFS pool
// shows the daemon's refusal; an OSD is marked out and in; the CephFS is
// mounted at /srv/cephfs and unmounted. A stopped monitor shows the
// unreachable alert with its reason, a missing configuration the empty
// state; a viewer's and an operator's buttons are disabled. Every change is
// checked with the ceph and rbd tools. The cluster is stopped (by the PIDs it
// started) when the module ends, passed or failed. A second module makes a
// cluster of this host's own with Bootstrap on a test file (where the host
// has none) and adds an OSD on another test file with the Add OSD dialog.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import QUnit from "qunit";
import type { Frame, Page } from "playwright-core";
import { loggedIn, openFromMenu, screenshot, type Session } from "../lib/browser.js";
import { closeWatchBus, watchJobs } from "../lib/bus-watch.js";
import { callAs } from "../lib/call-as.js";
import { pointDebvisorAt, rbdContent, rbdWrite, startCephCluster, type CephCluster } from "../lib/ceph-cluster.js";
import { cephLibDirs, removeCluster } from "../lib/ceph-host-cluster.js";
import { moduleUnless } from "../lib/skip.js";
import { ADMIN, OPERATOR, VIEWER } from "../lib/users.js";
import { withTimeout } from "../lib/wait.js";
import { sparseFile } from "../lib/zfs.js";

const WAIT = { timeout: 60_000 };
const MiB = 1024 ** 2;

interface OsdDump { flags: string; flags_set?: string[] }
interface RbdInfo { size: number }

async function openCephTab(page: Page): Promise<Frame> {
    const frame = await openFromMenu(page, "Storage", "debvisor/storage");
    await frame.getByRole("heading", { name: "Storage" }).waitFor(WAIT);
    await frame.getByRole("tab", { name: "Ceph" }).click();
    return frame;
}

/* Runs a step; when it fails, saves a screenshot named after it first. */
async function step<T>(session: Session, frame: Frame | null, name: string, body: () => Promise<T>): Promise<T> {
    try {
        return await body();
    } catch (e) {
        await screenshot(session.page, `ceph-failed-${name}`, frame ?? undefined).catch(() => undefined);
        throw e;
    }
}

const CEPHFS_MOUNTPOINT = "/srv/cephfs";
const FSTAB = "/etc/fstab";
const mountedFs = () => fs.readFileSync("/proc/mounts", "utf8").split("\n").some(l => l.split(" ")[1] === CEPHFS_MOUNTPOINT);
const fstabHasFs = () => fs.readFileSync(FSTAB, "utf8").split("\n").some(l => !l.trim().startsWith("#") && l.trim().split(/\s+/)[1] === CEPHFS_MOUNTPOINT);

QUnit.module("browser: ceph tab", hooks => {
    let fstabBefore = "";
    let mountpointExisted = false;
    let cluster: CephCluster | null = null;
    const pool = `dvui${process.pid}`;
    const image = "disk-1";
    const flags = async () => {
        const d = await (cluster as CephCluster).json<OsdDump>("osd", "dump");
        return d.flags_set ?? d.flags.split(",");
    };
    const poolNames = async () => (await (cluster as CephCluster).json<Array<{ poolname: string }>>("osd", "lspools")).map(p => p.poolname);
    const imageSize = async () => (JSON.parse(await (cluster as CephCluster).run(["info", `${pool}/${image}`, "--format", "json"], "rbd")) as RbdInfo).size;
    const images = async () => JSON.parse(await (cluster as CephCluster).run(["ls", pool, "--format", "json"], "rbd")) as string[];

    hooks.before(async assert => {
        assert.timeout(400_000);
        cluster = await startCephCluster();
    });
    hooks.before(() => {
        fstabBefore = fs.readFileSync(FSTAB, "utf8");
        mountpointExisted = fs.existsSync(CEPHFS_MOUNTPOINT);
    });
    hooks.after(async assert => {
        assert.timeout(120_000);
        try {
            // a mount the test left behind would hang once the cluster is gone
            if (mountedFs())
                execFileSync("umount", ["-l", CEPHFS_MOUNTPOINT], { stdio: "pipe" });
            if (fstabHasFs() && !fstabBefore.split("\n").some(l => l.split(/\s+/)[1] === CEPHFS_MOUNTPOINT))
                fs.writeFileSync(FSTAB, fs.readFileSync(FSTAB, "utf8").split("\n").filter(l => l.split(/\s+/)[1] !== CEPHFS_MOUNTPOINT).join("\n"));
            if (!mountpointExisted && fs.existsSync(CEPHFS_MOUNTPOINT))
                fs.rmdirSync(CEPHFS_MOUNTPOINT);
        } finally {
            await cluster?.stop();
            cluster = null;
        }
    });

    QUnit.test("an admin sees the cluster's health, toggles maintenance, and manages a pool and an RBD image", async assert => {
        assert.timeout(400_000);
        const c = cluster as CephCluster;
        await loggedIn(ADMIN, { noConsoleErrors: assert }, async session => {
            const f = await openCephTab(session.page);

            // the health banner says what `ceph health` says
            await step(session, f, "health", async () => {
                const health = (await c.json<{ status: string }>("health")).status;
                await f.locator(`[data-ceph-health='${health}']`).waitFor(WAIT);
                await f.locator("[data-ceph-state='reachable']").waitFor(WAIT);
                await f.locator("tr[data-osd='2']").waitFor(WAIT);
                await f.locator(`[data-cephfs='${c.fs}']`).waitFor(WAIT);
                assert.true(await f.locator(`[data-ceph-health='${health}']`).isVisible(), `the banner shows ${health}`);
            });
            await screenshot(session.page, "storage-ceph", f);

            // maintenance: noout set, the health check with its explanation, then cleared
            await step(session, f, "maintenance", async () => {
                await f.locator("label[for='ceph-maintenance']").click();
                const dialog = f.getByRole("dialog");
                await dialog.getByText("Sets the cluster flag noout").waitFor(WAIT);
                await dialog.getByRole("button", { name: "Turn on" }).click();
                const check = f.locator("[data-check='OSDMAP_FLAGS']");
                await check.waitFor(WAIT);
                await check.getByText("noout").first().waitFor(WAIT);
                const explanation = (await check.locator("[data-explanation]").textContent()) ?? "";
                assert.true(explanation.length > 20, `the check is explained in words: ${explanation}`);
                await f.locator("[data-ceph-health='HEALTH_WARN']").waitFor(WAIT);
                assert.true((await flags()).includes("noout"), "ceph osd dump has noout");
                assert.true(await f.getByRole("switch", { name: "Maintenance (noout)" }).isChecked(), "the switch is on");
                await screenshot(session.page, "storage-ceph-maintenance", f);

                await f.locator("label[for='ceph-maintenance']").click();
                await f.getByRole("dialog").getByRole("button", { name: "Turn off" }).click();
                await check.waitFor({ state: "detached", timeout: 60_000 });
                assert.false((await flags()).includes("noout"), "noout is cleared");
            });

            // a pool: a bad name is refused as it is typed
            await step(session, f, "create-pool", async () => {
                await f.getByRole("button", { name: "Create pool" }).click();
                const dialog = f.getByRole("dialog");
                const name = dialog.getByLabel("Name");
                const create = dialog.getByRole("button", { name: "Create", exact: true });
                for (const [bad, says] of [["bad name", "letters, digits"], ["-dash", "must start with a letter or digit"], ["x".repeat(101), "longer than 100"]]) {
                    await name.fill(bad);
                    await dialog.getByText(says).waitFor(WAIT);
                    assert.true(await create.isDisabled(), `Create is disabled for ${JSON.stringify(bad.slice(0, 12))}`);
                }
                await name.fill(pool);
                assert.false(await create.isDisabled(), "Create is enabled for a good name");
                await create.click();
                await f.locator(`tr[data-ceph-pool='${pool}']`).waitFor(WAIT);
                await dialog.waitFor({ state: "detached", timeout: 30_000 });
                assert.true((await poolNames()).includes(pool), "ceph osd lspools has it");
            });

            // its replication changed: 2 copies, writes with 1
            await step(session, f, "set-size", async () => {
                const poolRow = f.locator(`tr[data-ceph-pool='${pool}']`);
                await poolRow.getByRole("button", { name: "Set size" }).click();
                const dialog = f.getByRole("dialog");
                await dialog.getByLabel("Replicas (size)").selectOption("2");
                await dialog.getByLabel("Replicas needed for writes (min_size)").selectOption("1");
                await dialog.getByText("a second failure then loses them").waitFor(WAIT);
                await dialog.getByRole("button", { name: "Save" }).click();
                await poolRow.getByText("2 (min 1)").waitFor(WAIT);
                const size = await c.json<{ size: number }>("osd", "pool", "get", pool, "size");
                const minSize = await c.json<{ min_size: number }>("osd", "pool", "get", pool, "min_size");
                assert.deepEqual([size.size, minSize.min_size], [2, 1], "ceph osd pool get: size 2, min_size 1");
            });

            // an image of 64 MiB, grown to 128 MiB, shrunk to 96 MiB only with the checkbox
            const row = f.locator(`tr[data-image='${pool}/${image}']`);
            await step(session, f, "image", async () => {
                await f.locator(`[data-image-pool='${pool}']`).getByRole("button", { name: "Create image" }).click();
                let dialog = f.getByRole("dialog");
                await dialog.getByLabel("Name").fill(image);
                await dialog.getByLabel("Size").fill("64");
                await dialog.getByLabel("Unit").selectOption("MiB");
                await dialog.getByRole("button", { name: "Create", exact: true }).click();
                await row.locator(`[data-size='${64 * MiB}']`).waitFor(WAIT);
                assert.equal(await imageSize(), 64 * MiB, "rbd info: 64 MiB");

                await row.getByRole("button", { name: "Resize" }).click();
                dialog = f.getByRole("dialog");
                await dialog.getByLabel("Size").fill("128");
                await dialog.getByRole("button", { name: "Resize" }).click();
                await row.locator(`[data-size='${128 * MiB}']`).waitFor(WAIT);
                assert.equal(await imageSize(), 128 * MiB, "rbd info: grown to 128 MiB");

                await row.getByRole("button", { name: "Resize" }).click();
                dialog = f.getByRole("dialog");
                await dialog.getByLabel("Size").fill("96");
                await dialog.getByText("Shrink by 32.0 MiB").waitFor(WAIT);
                assert.true(await dialog.getByRole("button", { name: "Resize" }).isDisabled(), "no shrinking without the checkbox");
                await dialog.getByRole("checkbox").check();
                await dialog.getByRole("button", { name: "Resize" }).click();
                await row.locator(`[data-size='${96 * MiB}']`).waitFor(WAIT);
                assert.equal(await imageSize(), 96 * MiB, "rbd info: shrunk to 96 MiB");
            });

            // a snapshot, listed under the image
            await step(session, f, "snapshot", async () => {
                await row.getByRole("button", { name: "Snapshot" }).click();
                const dialog = f.getByRole("dialog");
                await dialog.getByLabel("Snapshot name").fill("before update");
                await dialog.getByText("letters, digits").waitFor(WAIT);
                await dialog.getByLabel("Snapshot name").fill("before-update");
                await dialog.getByRole("button", { name: "Take snapshot" }).click();
                await row.getByRole("button", { name: "1", exact: true }).click();
                await f.locator(`tr[data-image-snapshot='${pool}/${image}@before-update']`).waitFor(WAIT);
                const snaps = JSON.parse(await c.run(["snap", "ls", `${pool}/${image}`, "--format", "json"], "rbd")) as Array<{ name: string }>;
                assert.deepEqual(snaps.map(x => x.name), ["before-update"], "rbd snap ls has it");
            });

            // roll back to the snapshot, then delete it, each with the snapshot's name typed
            await step(session, f, "snapshot-rollback-delete", async () => {
                const spec = `${pool}/${image}`;
                const atSnapshot = rbdContent(c, spec);
                rbdWrite(c, spec, 4 * MiB, MiB, 0x5a);
                assert.notEqual(rbdContent(c, spec), atSnapshot, "written after the snapshot");
                const snapRow = f.locator(`tr[data-image-snapshot='${spec}@before-update']`);
                await snapRow.getByRole("button", { name: "Roll back" }).click();
                let dialog = f.getByRole("dialog");
                await dialog.getByText("Everything written to it since is lost").waitFor(WAIT);
                const field = dialog.getByLabel("Type the snapshot's name to confirm");
                await field.fill("before-updat");
                await dialog.getByText("The name does not match").waitFor(WAIT);
                assert.true(await dialog.getByRole("button", { name: "Roll back" }).isDisabled(), "not with a wrong name");
                await field.fill("before-update");
                await dialog.getByRole("button", { name: "Roll back" }).click();
                await dialog.waitFor({ state: "detached", timeout: 60_000 });
                assert.equal(rbdContent(c, spec), atSnapshot, "rbd export: the content of the snapshot is back");

                // a second snapshot, so that the first can go and the image keeps one
                await row.getByRole("button", { name: "Snapshot" }).click();
                dialog = f.getByRole("dialog");
                await dialog.getByLabel("Snapshot name").fill("after-rollback");
                await dialog.getByRole("button", { name: "Take snapshot" }).click();
                await f.locator(`tr[data-image-snapshot='${spec}@after-rollback']`).waitFor(WAIT);
                await snapRow.getByRole("button", { name: "Delete" }).click();
                dialog = f.getByRole("dialog");
                await dialog.getByText("the image itself is not changed").waitFor(WAIT);
                // an empty name is refused when the button is pressed
                await dialog.getByRole("button", { name: "Delete" }).click();
                await dialog.getByText("The name does not match").waitFor(WAIT);
                assert.true(await dialog.getByRole("button", { name: "Delete" }).isDisabled(), "not without the name");
                await dialog.getByLabel("Type the snapshot's name to confirm").fill("before-update");
                await dialog.getByRole("button", { name: "Delete" }).click();
                await snapRow.waitFor({ state: "detached", timeout: 60_000 });
                const snaps = JSON.parse(await c.run(["snap", "ls", spec, "--format", "json"], "rbd")) as Array<{ name: string }>;
                assert.deepEqual(snaps.map(x => x.name), ["after-rollback"], "rbd snap ls: only the new one is left");
            });

            // delete the image, then the pool, each with its name typed
            await step(session, f, "delete", async () => {
                await row.getByRole("button", { name: "Delete" }).click();
                let dialog = f.getByRole("dialog");
                await dialog.getByText("Its 1 snapshots are deleted with it.").waitFor(WAIT);
                await dialog.getByLabel("Type the image's name to confirm").fill("disk");
                await dialog.getByText("The name does not match").waitFor(WAIT);
                assert.true(await dialog.getByRole("button", { name: "Delete" }).isDisabled(), "not with a wrong name");
                await dialog.getByLabel("Type the image's name to confirm").fill(image);
                await dialog.getByRole("button", { name: "Delete" }).click();
                await row.waitFor({ state: "detached", timeout: 60_000 });
                assert.deepEqual(await images(), [], "rbd ls: gone");

                await f.locator(`tr[data-ceph-pool='${pool}']`).getByRole("button", { name: "Delete" }).click();
                dialog = f.getByRole("dialog");
                await dialog.getByLabel("Type the pool's name to confirm").fill(pool);
                await dialog.getByRole("button", { name: "Delete" }).click();
                await f.locator(`tr[data-ceph-pool='${pool}']`).waitFor({ state: "detached", timeout: 60_000 });
                assert.false((await poolNames()).includes(pool), "ceph osd lspools: gone");
            });

            // a pool of the CephFS: debvisord refuses, the dialog says why, the pool stays
            await step(session, f, "cephfs-pool", async () => {
                const fsPool = (await c.json<Array<{ name: string; data_pools: string[] }>>("fs", "ls")).find(x => x.name === c.fs)?.data_pools[0] ?? "";
                assert.notEqual(fsPool, "", "the CephFS has a data pool");
                await f.locator(`tr[data-ceph-pool='${fsPool}']`).getByRole("button", { name: "Delete" }).click();
                const dialog = f.getByRole("dialog");
                await dialog.getByText("The CephFS").waitFor(WAIT);
                await dialog.getByLabel("Type the pool's name to confirm").fill(fsPool);
                await dialog.getByRole("button", { name: "Delete" }).click();
                await dialog.getByText("That did not work").waitFor(WAIT);
                const refusal = (await dialog.locator(".pf-v6-c-alert").first().textContent()) ?? "";
                assert.true(/cephfs/i.test(refusal), `the daemon's refusal is shown: ${refusal}`);
                await dialog.getByRole("button", { name: "Cancel" }).click();
                assert.true((await poolNames()).includes(fsPool), "the CephFS pool is still there");
            });
            // mark an OSD out (after a confirmation that says data moves), then in again
            await step(session, f, "mark-out", async () => {
                const osdIn = async () => (await c.json<{ osds: Array<{ osd: number; in: number }> }>("osd", "dump")).osds.find(o => o.osd === 2)?.in;
                const osd = f.locator("tr[data-osd='2']");
                await osd.getByRole("button", { name: "Mark out" }).click();
                const dialog = f.getByRole("dialog");
                await dialog.getByText("move to the other OSDs").waitFor(WAIT);
                await dialog.getByRole("button", { name: "Mark out" }).click();
                await osd.locator("[data-in='false']").waitFor(WAIT);
                assert.equal(await osdIn(), 0, "ceph osd dump: osd.2 is out");
                await osd.getByRole("button", { name: "Mark in" }).click();
                await osd.locator("[data-in='true']").waitFor(WAIT);
                assert.equal(await osdIn(), 1, "ceph osd dump: osd.2 is in again");
            });
        });
    });

    QUnit.test("the CephFS is mounted at /srv/cephfs and unmounted", async assert => {
        assert.false(mountedFs(), "nothing is mounted at /srv/cephfs before");
        await loggedIn(ADMIN, {}, async session => {
            const f = await openCephTab(session.page);
            await step(session, f, "mount", async () => {
                const card = f.locator("[aria-label='CephFS']");
                await card.getByRole("button", { name: "Mount" }).click();
                await f.locator("[data-cephfs][data-mounted='true']").waitFor(WAIT);
                assert.true(mountedFs(), "/proc/mounts has /srv/cephfs");
                assert.true(fstabHasFs(), "/etc/fstab has its line");
                await card.getByText("mounted at").waitFor(WAIT);
                await card.getByRole("button", { name: "Unmount" }).click();
                const dialog = f.getByRole("dialog");
                await dialog.getByText("removed from /etc/fstab").waitFor(WAIT);
                await dialog.getByRole("button", { name: "Unmount" }).click();
                await f.locator("[data-cephfs][data-mounted='false']").waitFor(WAIT);
                assert.false(mountedFs(), "unmounted");
                assert.false(fstabHasFs(), "its fstab line is gone");
            });
        });
    });

    QUnit.test("a cluster that does not answer is a danger alert with the reason; no cluster is an empty state", async assert => {
        assert.timeout(300_000);
        const c = cluster as CephCluster;
        const mon = c.pid("mon.a");
        assert.notEqual(mon, null, "the monitor's PID");
        let stopped = false;
        try {
            await loggedIn(ADMIN, {}, async session => {
                const f = await openCephTab(session.page);
                await f.locator("[data-ceph-state='reachable']").waitFor(WAIT);
                await step(session, f, "unreachable", async () => {
                    process.kill(mon as number, "SIGSTOP");
                    stopped = true;
                    const alert = f.locator("[data-ceph-unreachable]");
                    await alert.waitFor({ timeout: 90_000 });
                    const reason = (await alert.locator(".debvisor-error-detail").textContent()) ?? "";
                    assert.true(reason.length > 10, `LastError is shown: ${reason}`);
                    assert.true(await f.getByRole("button", { name: "Create pool" }).isDisabled(), "no changes while it does not answer");
                    await screenshot(session.page, "storage-ceph-unreachable", f);
                    process.kill(mon as number, "SIGCONT");
                    stopped = false;
                    await f.locator("[data-ceph-state='reachable']").waitFor({ timeout: 90_000 });
                    assert.true(await f.locator("[data-ceph-state='reachable']").isVisible(), "reachable again once the monitor runs");
                });
                await step(session, f, "none", async () => {
                    const restore = pointDebvisorAt("/nonexistent/ceph.conf", "/nonexistent/ceph.client.admin.keyring");
                    try {
                        await f.getByRole("heading", { name: "No Ceph cluster on this host" }).waitFor({ timeout: 60_000 });
                        await f.getByText("storage profile is applied on the Profile tab").waitFor(WAIT);
                    } finally {
                        restore();
                    }
                    await f.locator("[data-ceph-state='reachable']").waitFor({ timeout: 60_000 });
                });
            });
        } finally {
            if (stopped)
                process.kill(mon as number, "SIGCONT");
        }
    });

    QUnit.test("a viewer sees the cluster, with the changes disabled (dark theme, narrow window)", async assert => {
        await loggedIn(VIEWER, { colorScheme: "dark", width: 800 }, async session => {
            const f = await openCephTab(session.page);
            await step(session, f, "viewer", async () => {
                await f.locator("[data-ceph-state='reachable'] [data-ceph-health]").first().waitFor(WAIT);
                await f.locator("tr[data-ceph-pool='rbd']").waitFor(WAIT);
                assert.true(await f.getByRole("button", { name: "Create pool" }).isDisabled(), "Create pool is disabled");
                assert.true(await f.getByRole("switch", { name: "Maintenance (noout)" }).isDisabled(), "the maintenance switch is disabled");
                assert.true(await f.locator("tr[data-ceph-pool='rbd']").getByRole("button", { name: "Delete" }).isDisabled(), "Delete is disabled");
                assert.true(await f.getByRole("button", { name: "Add OSD" }).isDisabled(), "Add OSD is disabled");
                await screenshot(session.page, "storage-ceph-viewer-dark-narrow", f);
            });
        });
    });
});

/* Why this host cannot have a test cluster bootstrapped on it, or null. */
function hostClusterInTheWay(cephJson: string): string | null {
    if (fs.existsSync("/etc/ceph/ceph.conf") || [...cephLibDirs()].some(d => d.startsWith("osd/") || d.startsWith("mon/")))
        return "this host has a Ceph cluster of its own";
    if (fs.existsSync(cephJson) && "conf" in (JSON.parse(fs.readFileSync(cephJson, "utf8")) as object))
        return `${cephJson} points debvisord at another cluster`;
    return null;
}

const ADD_OSD_CEPH_JSON = "/etc/debvisor/ceph.json";
moduleUnless("browser: ceph Add OSD", hostClusterInTheWay(ADD_OSD_CEPH_JSON), hooks => {
    const CEPH_JSON = ADD_OSD_CEPH_JSON;
    const GIB = 1024 ** 3;
    let dir = "";
    let files: string[] = [];
    let savedJson: string | null = null;
    let libDirsBefore = new Set<string>();
    const osdStat = () => JSON.parse(execFileSync("ceph", ["--connect-timeout", "20", "osd", "stat", "--format", "json"], { encoding: "utf8", stdio: "pipe" })) as
        { num_osds: number; num_up_osds: number };

    hooks.before(async assert => {
        assert.timeout(500_000);
        savedJson = fs.existsSync(CEPH_JSON) ? fs.readFileSync(CEPH_JSON, "utf8") : null;
        libDirsBefore = cephLibDirs();
        // the daemons run as the user ceph: it must reach the files
        dir = fs.realpathSync(fs.mkdtempSync("/var/tmp/dv-ceph-addosd-"));
        fs.chmodSync(dir, 0o755);
        files = [1, 2].map(i => sparseFile(`${dir}/disk${i}.img`, 4 * GIB));
        fs.mkdirSync("/etc/debvisor", { recursive: true });
        fs.writeFileSync(CEPH_JSON, JSON.stringify({ "test-file-osd-directory": dir }));
        // one OSD, no CephFS: the smallest cluster that Add OSD can grow
        const watch = await watchJobs();
        const r = await callAs(ADMIN.name, {
            path: "/org/debvisor/DebVisor1/ceph", iface: "org.debvisor.DebVisor1.CephManager", method: "Bootstrap", signature: "asa{sv}",
            body: [[files[0]], { cephfs: ["s", ""], mount: ["b", false], "auth.no_user_interaction": ["b", true] }],
        });
        if (!r.ok)
            throw new Error(`Bootstrap: ${r.message}`);
        const [ok, message] = await withTimeout(watch(String(r.body[0])).completed, 400_000, "Bootstrap");
        if (!ok)
            throw new Error(`Bootstrap: ${message}`);
    });
    hooks.after(async assert => {
        assert.timeout(120_000);
        try {
            await removeCluster(libDirsBefore);
        } finally {
            if (savedJson === null)
                fs.rmSync(CEPH_JSON, { force: true });
            else
                fs.writeFileSync(CEPH_JSON, savedJson);
            if (dir)
                fs.rmSync(dir, { recursive: true, force: true });
            closeWatchBus();
        }
    });

    QUnit.test("an admin adds an OSD on a spare test file: the wipe said plainly, its name typed, the job followed, the OSD listed", async assert => {
        assert.timeout(400_000);
        await loggedIn(ADMIN, { noConsoleErrors: assert }, async session => {
            const f = await openCephTab(session.page);
            await step(session, f, "add-osd", async () => {
                await f.locator("tr[data-osd='0'] [data-up='true']").waitFor(WAIT);
                assert.equal(await f.locator("tr[data-osd='1']").count(), 0, "one OSD before");
                await f.getByRole("button", { name: "Add OSD" }).click();
                const dialog = f.getByRole("dialog");
                const spare = dialog.locator(`input[data-disk='${files[1]}']`);
                await spare.waitFor(WAIT);
                assert.equal(await dialog.locator(`input[data-disk='${files[0]}']`).count(), 0, "the file that is osd.0 is not offered");
                const add = dialog.getByRole("button", { name: "Wipe and add" });
                assert.true(await add.isDisabled(), "nothing chosen yet");
                await spare.check();
                await dialog.getByText(`Everything on ${files[1]} is wiped`).waitFor(WAIT);
                const confirm = dialog.getByLabel("Type the disk's name, disk2.img, to confirm");
                await confirm.fill("disk2");
                await dialog.getByText("The name does not match").waitFor(WAIT);
                assert.true(await add.isDisabled(), "not with a wrong name");
                await confirm.fill("disk2.img");
                await add.click();
                await dialog.locator("[data-add-osd-state='succeeded']").waitFor({ timeout: 240_000 });
                await screenshot(session.page, "storage-ceph-add-osd", f);
                await dialog.getByRole("contentinfo").getByRole("button", { name: "Close" }).click();
                await f.locator("tr[data-osd='1'] [data-up='true']").waitFor(WAIT);
                const stat = osdStat();
                assert.deepEqual([stat.num_osds, stat.num_up_osds], [2, 2], "ceph osd stat: two OSDs, both up");
            });
        });
    });

    QUnit.test("an operator's Add OSD is disabled, the reason as its tooltip", async assert => {
        await loggedIn(OPERATOR, {}, async session => {
            const f = await openCephTab(session.page);
            await step(session, f, "operator", async () => {
                const add = f.getByRole("button", { name: "Add OSD" });
                await add.waitFor(WAIT);
                assert.true(await add.isDisabled(), "disabled");
                await add.locator("..").hover();
                const why = f.getByRole("tooltip").getByText("Only members of debvisor-admin may change this.");
                await why.waitFor(WAIT);
                assert.true(await why.isVisible(), "the tooltip says why");
            });
        });
    });
});
