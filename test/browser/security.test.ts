// DebVisor → Security in a real Cockpit login with Debian's Chromium, on the
// installed package, with a debvisord this test starts on a table and state
// file of its own: an entry checked as it is typed, a block that lands in
// nftables, a block of loopback refused with its reason and applied only
// when typed again, the management set, an import whose report is shown
// before anything is applied, removal, and the quarantine switch with its
// confirmation, on and off.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import QUnit from "qunit";
import { busNameOwnerPid } from "../harness/harness.js";
import { loggedIn, openFromMenu, screenshot } from "../lib/browser.js";
import { callAs, getProperty } from "../lib/call-as.js";
import { nftTableState } from "../lib/nft-table.js";
import { ADMIN } from "../lib/users.js";
import { waitFor } from "../lib/wait.js";

const WAIT = { timeout: 30_000 };
const BUS_NAME = "org.debvisor.DebVisor1";
const FIREWALL = { path: "/org/debvisor/DebVisor1/firewall", iface: "org.debvisor.DebVisor1.Firewall" };
const TABLE = `dvtest_fwb${process.pid % 100000}`;

const nftJson = () => nftTableState(TABLE);
const nftText = () => spawnSync("nft", ["list", "table", "inet", TABLE], { encoding: "utf8" }).stdout ?? "";

QUnit.module("browser: security page", hooks => {
    let daemon: ChildProcess | null = null;
    let dir = "";

    hooks.before(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "dv-security-"));
        const old = busNameOwnerPid(BUS_NAME);
        if (old !== null) {
            process.kill(old, "SIGTERM");
            await waitFor("the running debvisord to exit", () => busNameOwnerPid(BUS_NAME) === null);
        }
        daemon = spawn("/usr/libexec/debvisord", [], {
            env: { ...process.env, DEBVISOR_NFT_TABLE: TABLE, DEBVISOR_FIREWALL_STATE: path.join(dir, "firewall.json") }, stdio: ["ignore", "ignore", "inherit"],
        });
        await waitFor("the test's debvisord", () => busNameOwnerPid(BUS_NAME) === daemon!.pid);
    });

    hooks.after(async () => {
        if (daemon) {
            const pid = daemon.pid;
            daemon.kill("SIGTERM");
            await waitFor("the test's debvisord to exit", () => busNameOwnerPid(BUS_NAME) !== pid);
        }
        spawnSync("nft", ["delete", "table", "inet", TABLE], { stdio: "ignore" });
        fs.rmSync(dir, { recursive: true, force: true });
    });

    QUnit.test("an admin blocks with checks as typed, imports after the report, removes, and quarantines with a confirmation", async assert => {
        try {
            await loggedIn(ADMIN, { noConsoleErrors: assert }, async session => {
                const frame = await openFromMenu(session.page, "Security", "debvisor/security");
                await frame.getByRole("heading", { name: "Security" }).waitFor(WAIT);
                const blocked = frame.locator("[aria-label='Blocked']").first();
                await blocked.getByText("Nothing is blocked.").waitFor(WAIT);

                // checked as typed: host bits set, then a documentation range's warning
                await blocked.getByRole("button", { name: "Block", exact: true }).click();
                const dialog = frame.getByRole("dialog");
                const entries = dialog.getByLabel("Addresses, prefixes or ranges");
                await entries.fill("10.0.0.1/24");
                await dialog.getByText("10.0.0.1/24: \"10.0.0.1/24\" has host bits set: did you mean 10.0.0.0/24?").waitFor(WAIT);
                assert.true(await dialog.getByRole("button", { name: "Block", exact: true }).isDisabled(), "nothing to submit while an entry is wrong");
                await entries.fill("198.51.100.0/24");
                await dialog.getByText(/198\.51\.100\.0\/24: is in the documentation \(TEST-NET-2\) range/).waitFor(WAIT);
                await dialog.getByLabel("Why").fill("browser test scanner");
                await screenshot(session.page, "security-block-dialog", frame);
                await dialog.getByRole("button", { name: "Block", exact: true }).click();
                await blocked.locator("tr[data-cidr='198.51.100.0/24']").getByText("browser test scanner").waitFor(WAIT);
                assert.true(nftText().includes("198.51.100.0/24"), "the element is in the table");

                // import: the report first; with the error left out, the rest is added
                await blocked.getByRole("button", { name: "Import list" }).click();
                await dialog.getByLabel("Entries").fill("# list\n203.0.113.0/25\n203.0.113.7 # inside the first\n198.51.100.0/24\n");
                await dialog.getByRole("button", { name: "Check" }).click();
                const report = dialog.locator("[aria-label='Validation report']");
                await report.getByText("1 entries would be added.").waitFor(WAIT);
                await report.getByText("Errors: 1").waitFor(WAIT);
                assert.true((await report.locator("[aria-label='Errors']").textContent() ?? "").includes("203.0.113.7: is inside 203.0.113.0/25"));
                assert.true(await dialog.getByRole("button", { name: "Add 1 entries" }).isDisabled(), "errors stop the import until they are left out");
                await screenshot(session.page, "security-import-report", frame);
                await dialog.getByLabel("Leave out the entries with errors and add the others").check();
                await dialog.getByRole("button", { name: "Add 1 entries" }).click();
                await blocked.locator("tr[data-cidr='203.0.113.0/25']").waitFor(WAIT);

                // a block that would cut the host off: refused with the reason, applied only once typed again, loopback unharmed
                const beforeLoopback = nftJson();
                await blocked.getByRole("button", { name: "Block", exact: true }).click();
                await dialog.getByLabel("Addresses, prefixes or ranges").fill("127.0.0.1");
                await dialog.getByRole("button", { name: "Block", exact: true }).click();
                await dialog.getByText("127.0.0.1 covers loopback (127.0.0.0/8)").waitFor(WAIT);
                assert.equal(nftJson(), beforeLoopback, "refused: the table is unchanged");
                const anyway = dialog.getByRole("button", { name: "Block anyway" });
                assert.true(await anyway.isDisabled(), "not until the entry is typed again");
                await dialog.getByRole("textbox", { name: "Type 127.0.0.1 to go ahead anyway" }).fill("127.0.0.2");
                assert.true(await anyway.isDisabled(), "another entry does not confirm it");
                await screenshot(session.page, "security-block-refused", frame);
                await dialog.getByRole("textbox", { name: "Type 127.0.0.1 to go ahead anyway" }).fill("127.0.0.1");
                await anyway.click();
                await blocked.locator("tr[data-cidr='127.0.0.1']").waitFor(WAIT);
                assert.true(nftText().includes("127.0.0.1"), "forced: the element is in the table");
                await frame.getByRole("heading", { name: "Security" }).waitFor(WAIT);
                await blocked.getByRole("button", { name: "Remove 127.0.0.1" }).click();
                await dialog.getByRole("button", { name: "Remove" }).click();
                await blocked.locator("tr[data-cidr='127.0.0.1']").waitFor({ state: "detached", ...WAIT });

                // the management set: added on the page, its last entry removed only once typed again
                const management = frame.locator("[aria-label='Management']").first();
                await management.getByText("The management set is empty: nothing is let in before the block list.").waitFor(WAIT);
                await management.getByRole("button", { name: "Add", exact: true }).click();
                await dialog.getByLabel("Addresses, prefixes or ranges").fill("198.51.100.0/24");
                await dialog.getByRole("button", { name: "Add", exact: true }).click();
                await management.locator("tr[data-cidr='198.51.100.0/24']").waitFor(WAIT);
                assert.true(nftText().includes("management4"), "the management set is in the table");
                await management.getByRole("button", { name: "Remove 198.51.100.0/24" }).click();
                await dialog.getByRole("button", { name: "Remove", exact: true }).click();
                await dialog.getByText("198.51.100.0/24 would leave the management set empty").waitFor(WAIT);
                await dialog.getByRole("textbox", { name: "Type 198.51.100.0/24 to go ahead anyway" }).fill("198.51.100.0/24");
                await dialog.getByRole("button", { name: "Remove anyway" }).click();
                await management.locator("tr[data-cidr='198.51.100.0/24']").waitFor({ state: "detached", ...WAIT });

                // remove
                await blocked.getByRole("button", { name: "Remove 203.0.113.0/25" }).click();
                await dialog.getByRole("button", { name: "Remove" }).click();
                await blocked.locator("tr[data-cidr='203.0.113.0/25']").waitFor({ state: "detached", ...WAIT });
                assert.false(nftText().includes("203.0.113.0/25"), "gone from the table");
                await dialog.waitFor({ state: "detached", ...WAIT });

                // quarantine: the confirmation says what will happen. The switch's
                // visible label is clicked, not its hidden input with force: a forced
                // click lands on whatever is on top, such as a dialog still closing.
                const before = nftJson();
                const quarantineSwitch = frame.locator("label[for='fw-quarantine']");
                await quarantineSwitch.click();
                const happen = dialog.locator("[aria-label='What will happen']");
                await happen.getByText("The allow list is empty: nobody can open a new connection to the host or its machines.").waitFor(WAIT);
                await happen.getByText(/Connections already open/).waitFor(WAIT);
                await dialog.getByLabel("Reason (for the audit log)").fill("browser test");
                await screenshot(session.page, "security-quarantine-confirm", frame);
                await dialog.getByRole("button", { name: "Quarantine" }).click();
                await frame.locator("[aria-label='Quarantine status']").getByText(/by dvadmin\. browser test\. Allowed in: nobody\./).waitFor(WAIT);
                assert.equal(await getProperty(FIREWALL.path, FIREWALL.iface, "Quarantined"), true);
                await screenshot(session.page, "security-quarantined", frame);
                await dialog.waitFor({ state: "detached", ...WAIT });
                await quarantineSwitch.click();
                await dialog.getByRole("button", { name: "End quarantine" }).click();
                await frame.getByText("For an incident: cut the host off from everyone but the allow list.").waitFor(WAIT);
                assert.equal(nftJson(), before, "released: the table is as before");
            });
        } finally {
            await callAs(null, { ...FIREWALL, method: "Unblock", signature: "asa{sv}", body: [["198.51.100.0/24"], {}] });
        }
    });
});
