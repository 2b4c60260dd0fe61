// DebVisor → Virtual machines on the real libvirt: a machine defined with
// virsh appears, starts from its row, follows a virsh suspend live, is
// forced off and deleted (with its disk) through the confirmation dialogs.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import QUnit from "qunit";
import { loggedIn, pageFrame, screenshot } from "../lib/browser.js";
import { IMAGE_DIR, uniqueName } from "../lib/images.js";
import { ADMIN } from "../lib/users.js";

const WAIT = { timeout: 30_000 };
const virsh = (...args: string[]) => execFileSync("virsh", ["-c", "qemu:///system", ...args], { encoding: "utf8", stdio: "pipe" });

QUnit.module("browser: Virtual machines", () => {
    QUnit.test("an admin starts, watches, forces off and deletes a machine", async assert => {
        const name = uniqueName("webvm");
        const disk = path.join(IMAGE_DIR, `${name}.qcow2`);
        execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", disk, "32M"]);
        const xmlFile = path.join(fs.mkdtempSync("/tmp/dv-webvm-"), "domain.xml");
        fs.writeFileSync(xmlFile, `<domain type='qemu'><name>${name}</name><memory unit='MiB'>32</memory><vcpu>1</vcpu>
            <os><type arch='x86_64' machine='pc'>hvm</type></os>
            <devices><disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='${disk}'/><target dev='vda' bus='virtio'/></disk></devices></domain>`);
        virsh("define", xmlFile);
        try {
            await loggedIn(ADMIN, { noConsoleErrors: assert }, async session => {
                await session.page.click("#host-apps a[href=\"/debvisor/machines\"]");
                const frame = await pageFrame(session.page, "debvisor/machines");
                const row = frame.locator(`tr[data-machine='${name}']`);
                await row.locator("text=Shut off").waitFor(WAIT);
                await frame.locator("text=Machines run under emulation on this host").waitFor(WAIT);

                await row.locator("button[aria-label='Kebab toggle']").click();
                await frame.locator("[role='menuitem']:has-text('Start')").click();
                await row.locator("text=Running").waitFor(WAIT);

                virsh("suspend", name);
                await row.locator("text=Paused").waitFor(WAIT);
                await screenshot(session.page, "machines-paused");

                await row.locator("button[aria-label='Kebab toggle']").click();
                await frame.locator("button:has-text('Force off…')").click();
                const dialog = frame.locator("[role='dialog']");
                await dialog.locator(`text=Force off ${name}?`).waitFor(WAIT);
                assert.true((await dialog.textContent() ?? "").includes("is lost"), "the dialog says what is lost");
                await dialog.locator("button:has-text('Force off')").click();
                await row.locator("text=Shut off").waitFor(WAIT);
                assert.equal(virsh("domstate", name).trim(), "shut off");

                await row.locator("button[aria-label='Kebab toggle']").click();
                await frame.locator("button:has-text('Delete…')").click();
                await dialog.getByText(disk).waitFor(WAIT);
                await screenshot(session.page, "machines-delete-dialog");
                await dialog.locator("#delete-disks").check();
                await dialog.locator("button:has-text('Delete')").first().click();
                await row.waitFor({ state: "detached", timeout: 30_000 });
                assert.false(fs.existsSync(disk), "the disk image was deleted");
                assert.throws(() => virsh("dominfo", name), "libvirt no longer knows the machine");
            });
        } finally {
            try { virsh("destroy", name) } catch { /* not running */ }
            try { virsh("undefine", name) } catch { /* gone */ }
            fs.rmSync(disk, { force: true });
        }
    });
});
