// DebVisor → Storage → Profile in a real Cockpit login: the disks, the plan
// of the zfs profile on test files (the ZFS area's test directory lets them
// count as spare disks; the plan must wipe nothing else, or the test stops),
// Apply after typing the profile's name, the job, and the plan afterwards
// with nothing to do. tank, the libvirt pool and the profile file are
// restored afterwards.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import QUnit from "qunit";
import { login, openFromMenu, openSession, screenshot } from "../lib/browser.js";
import { ADMIN } from "../lib/users.js";
import { waitFor } from "../lib/wait.js";
import { allowFileVdevs, destroyTestPool, sparseFile } from "../lib/zfs.js";

const WAIT = { timeout: 30_000 };
const PROFILE_FILE = "/etc/debvisor-profile";
const MOUNTS = ["/srv/vm", "/srv/docker", "/srv/k8s"];
const tryRun = (cmd: string, ...args: string[]) => {
    try {
        return execFileSync(cmd, args, { encoding: "utf8", stdio: "pipe" });
    } catch {
        return "";
    }
};
const pools = () => tryRun("zpool", "list", "-H", "-o", "name").split("\n");
const libvirtPools = () => tryRun("virsh", "-c", "qemu:///system", "-q", "pool-list", "--all", "--name").split("\n").map(s => s.trim());

QUnit.module("browser: storage profile", hooks => {
    let dir = "";
    let files: string[] = [];
    let restore = () => undefined as void;
    let savedProfile: string | null = null;
    const existed = new Set<string>();
    let tankBefore = false, libvirtBefore = false;
    hooks.before(() => {
        tankBefore = pools().includes("tank");
        libvirtBefore = libvirtPools().includes("debvisor-zfs");
        for (const m of MOUNTS)
            if (fs.existsSync(m)) existed.add(m);
        dir = fs.mkdtempSync("/var/tmp/dv-profile-ui-");
        files = [1, 2].map(i => sparseFile(path.join(dir, `disk${i}.img`), 128 * 1024 ** 2));
        savedProfile = fs.existsSync(PROFILE_FILE) ? fs.readFileSync(PROFILE_FILE, "utf8") : null;
        restore = allowFileVdevs(dir);
    });
    hooks.after(async () => {
        try {
            if (!libvirtBefore && libvirtPools().includes("debvisor-zfs")) {
                tryRun("virsh", "-c", "qemu:///system", "pool-destroy", "debvisor-zfs");
                tryRun("virsh", "-c", "qemu:///system", "pool-undefine", "debvisor-zfs");
            }
            if (!tankBefore)
                await destroyTestPool("tank");
        } finally {
            restore();
            if (savedProfile === null) fs.rmSync(PROFILE_FILE, { force: true }); else fs.writeFileSync(PROFILE_FILE, savedProfile);
            for (const m of MOUNTS) {
                if (!existed.has(m))
                    try { fs.rmdirSync(m) } catch { /* not there, or not empty */ }
            }
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    QUnit.test("an admin sees the plan, types the profile's name and applies it; then nothing is left to do", async assert => {
        if (tankBefore) {
            assert.true(true, "this host has a pool named tank; not run here");
            return;
        }
        const session = await openSession();
        try {
            await login(session.page, ADMIN);
            session.consoleErrors.length = 0;
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
            assert.deepEqual(session.consoleErrors, [], "no console errors");
        } finally {
            await session.close();
        }
    });
});
