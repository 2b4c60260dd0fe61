// DebVisor → Virtual machines, as a person uses it: create the tiny guest
// from its ISO in the Create dialog (validation as you type), watch it boot
// in the serial console and type into it, see its screen over VNC, write a
// file, revert to a snapshot taken before (the file is gone), shut it down
// over ACPI and delete it with its disk. And a host with hundreds of
// machines: only the rows in view are in the page, all of them reachable.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import QUnit from "qunit";
import { TINY_GUEST_PROMPT, tinyGuestIso } from "../harness/tiny-guest.js";
import { loggedIn, login, openFromMenu, openSession, screenshot } from "../lib/browser.js";
import { uniqueName } from "../lib/images.js";
import { ADMIN } from "../lib/users.js";

const WAIT = { timeout: 30_000 };
const virsh = (...args: string[]) => execFileSync("virsh", ["-c", "qemu:///system", ...args], { encoding: "utf8", stdio: "pipe" });
const domainNames = () => virsh("list", "--all", "--name").split("\n").map(l => l.trim()).filter(Boolean);

QUnit.module("browser: Virtual machines lifecycle", () => {
    QUnit.test("create from an ISO, serial and VNC console, a file gone after a snapshot revert, ACPI shutdown, delete with disks", async assert => {
        const iso = tinyGuestIso();
        const name = uniqueName("webguest");
        const session = await openSession();
        try {
            await login(session.page, ADMIN);
            session.consoleErrors.length = 0;
            const frame = await openFromMenu(session.page, "Virtual machines", "debvisor/machines");
            await frame.locator("button:has-text('Create machine')").click();
            const dialog = frame.locator("[role='dialog']");
            await dialog.locator("#vm-name").fill("bad/name");
            await dialog.locator("text=Letters, digits").waitFor(WAIT);
            assert.true(await dialog.locator("text=Letters, digits").isVisible(), "a bad name is flagged while typing");
            await dialog.locator("#vm-name").fill(name);
            await dialog.locator("#vm-file").fill(iso);
            await dialog.locator("#vm-disk").fill("1");
            await dialog.locator("#vm-memory").fill("256");
            await dialog.locator("#vm-network").fill("none");
            await screenshot(session.page, "machines-create-dialog");
            await dialog.locator("button:has-text('Create')").click();

            // the details of the new machine open at once
            await frame.locator("#machine-title", { hasText: name }).waitFor(WAIT);
            await frame.locator("[data-state='running']").waitFor(WAIT);
            await frame.locator("button[role='tab']:has-text('Console')").click();
            const terminal = frame.locator("[data-console='serial']");
            await terminal.locator(`text=${TINY_GUEST_PROMPT.trim()}`).first().waitFor({ timeout: 120_000 });
            await terminal.click();
            await session.page.keyboard.type("echo browser-$((20+22))\n", { delay: 20 });
            await terminal.locator("text=browser-42").waitFor(WAIT);
            await screenshot(session.page, "machines-serial-console", frame);
            assert.true(await terminal.locator("text=browser-42").isVisible(), "typed into the guest's shell and saw its answer");

            await frame.locator("#console-vnc").click();
            await frame.locator("[data-console='vnc'][data-connected='yes'] canvas").waitFor(WAIT);
            await screenshot(session.page, "machines-vnc-console", frame);
            assert.true(await frame.locator("[data-console='vnc'][data-connected='yes'] canvas").isVisible(), "the graphical console connected through Cockpit's channel");

            await frame.locator("button[role='tab']:has-text('Snapshots')").click();
            await frame.locator("button:has-text('Take snapshot')").click();
            await dialog.locator("#action-field").fill("first");
            await dialog.locator("button:has-text('Take snapshot')").click();
            const snapshot = frame.locator("tr[data-snapshot='first']");
            await snapshot.waitFor(WAIT);

            // a change in the guest after the snapshot …
            await frame.locator("button[role='tab']:has-text('Console')").click();
            await terminal.locator(`text=${TINY_GUEST_PROMPT.trim()}`).first().waitFor(WAIT);
            await terminal.click();
            await session.page.keyboard.type("echo after-snapshot > /root/mark; cat /root/mark\n", { delay: 20 });
            await terminal.locator("text=after-snapshot").nth(1).waitFor(WAIT);

            // … is gone after reverting to it
            await frame.locator("button[role='tab']:has-text('Snapshots')").click();
            await snapshot.locator("button:has-text('Revert…')").click();
            await dialog.locator("text=is lost").waitFor(WAIT);
            await dialog.locator("button:has-text('Revert')").click();
            await dialog.waitFor({ state: "detached", timeout: 60_000 });
            await frame.locator("button[role='tab']:has-text('Console')").click();
            await terminal.locator(`text=${TINY_GUEST_PROMPT.trim()}`).first().waitFor(WAIT);
            await terminal.click();
            await session.page.keyboard.type("cat /root/mark\n", { delay: 20 });
            await terminal.locator("text=No such file").waitFor(WAIT);
            assert.true(await terminal.locator("text=No such file").isVisible(), "the file written after the snapshot is gone after the revert");

            // ACPI shutdown from the page: the guest's acpid powers it off
            const actions = frame.locator("#machine-actions");
            await actions.locator("button:has-text('Shut down')").click();
            await frame.locator("[data-state='shutoff']").waitFor({ timeout: 90_000 });
            await actions.locator("button:has-text('Delete…')").click();
            await dialog.locator("#delete-disks").check();
            await dialog.locator("button:has-text('Delete')").first().click();
            // back on the list, without the machine
            await frame.locator("#machine-count").waitFor(WAIT);
            await frame.locator(`tr[data-machine='${name}']`).waitFor({ state: "detached", timeout: 30_000 });
            assert.false(domainNames().includes(name), "libvirt no longer knows the machine");
            assert.false(virsh("vol-list", "default").includes(`${name}.qcow2`), "its disk is gone");
            assert.deepEqual(session.consoleErrors, [], "no console errors");
        } catch (e) {
            await screenshot(session.page, "machines-lifecycle-failure").catch(() => undefined);
            console.log(`browser console errors:\n${session.consoleErrors.join("\n")}`);
            throw e;
        } finally {
            await session.close();
            if (domainNames().includes(name)) {
                try { virsh("destroy", name) } catch { /* not running */ }
                virsh("undefine", name, "--remove-all-storage", "--snapshots-metadata");
            }
        }
    });

    QUnit.test("hundreds of machines: only the rows in view are rendered, every one reachable by scrolling", async assert => {
        const COUNT = 300;
        const prefix = uniqueName("many");
        const dir = fs.mkdtempSync("/tmp/dv-many-");
        const names = Array.from({ length: COUNT }, (_, i) => `${prefix}-${String(i).padStart(3, "0")}`);
        try {
            for (const n of names) {
                const file = path.join(dir, `${n}.xml`);
                fs.writeFileSync(file, `<domain type='qemu'><name>${n}</name><memory unit='MiB'>16</memory><vcpu>1</vcpu><os><type arch='x86_64' machine='pc'>hvm</type></os></domain>`);
                virsh("define", file);
            }
            await loggedIn(ADMIN, {}, async session => {
                const frame = await openFromMenu(session.page, "Virtual machines", "debvisor/machines");
                await frame.locator("input[aria-label='Filter machines by name']").fill(prefix);
                await frame.locator("#machine-count", { hasText: `${COUNT} of` }).waitFor(WAIT);
                const rendered = await frame.locator("tr[data-machine]").count();
                assert.true(rendered > 0 && rendered < COUNT / 2, `${rendered} of ${COUNT} rows are in the page`);
                await frame.locator(".debvisor-scroll-table").evaluate(el => { el.scrollTop = el.scrollHeight });
                await frame.locator(`tr[data-machine='${names[COUNT - 1]}']`).waitFor(WAIT);
                assert.true(await frame.locator(`tr[data-machine='${names[COUNT - 1]}']`).isVisible(), "the last machine is shown after scrolling to the end");
            });
        } finally {
            for (const n of names) {
                try { virsh("undefine", n) } catch { /* not defined */ }
            }
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
