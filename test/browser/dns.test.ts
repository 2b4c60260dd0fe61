// DebVisor → DNS in a real Cockpit login with Debian's Chromium, against the
// harness's real named: an admin adds a local zone, adds a record through
// the dialog (a bad name is refused as it is typed), edits and bulk-deletes
// records (each change checked with dig), and rotates the zone's key,
// watching its steps finish; and adds, edits and removes a DHCP range (bad
// input refused as it is typed, removal confirmed; the bus's DhcpRanges and
// dnsmasq's file checked).
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import QUnit from "qunit";
import { NAMED_PORT } from "../harness/named.js";
import { loggedIn, openFromMenu, screenshot } from "../lib/browser.js";
import { callAs, getProperty } from "../lib/call-as.js";
import { waitFor } from "../lib/wait.js";
import { ADMIN } from "../lib/users.js";

const WAIT = { timeout: 30_000 };
const DNS = { path: "/org/debvisor/DebVisor1/dns", iface: "org.debvisor.DebVisor1.Dns" };
const ZONE = `b${Math.random().toString(36).slice(2, 7)}.debvisor.test`;
const KEY = `${ZONE.replace(/\./g, "-")}-zone`;

const dig = (...args: string[]) =>
    execFileSync("dig", ["@127.0.0.1", "-p", String(NAMED_PORT), "+short", "+time=2", "+tries=1", ...args], { encoding: "utf8" }).trim();

QUnit.module("browser: DNS page", hooks => {
    hooks.after(async () => {
        await callAs(null, { ...DNS, method: "RemoveZone", signature: "sa{sv}", body: [ZONE, { "delete-data": ["b", true] }] });
        for (const key of [KEY, `${ZONE.replace(/\./g, "-")}-transfer`])
            await callAs(null, { ...DNS, method: "DeleteKey", signature: "sa{sv}", body: [key, {}] });
    });

    QUnit.test("an admin adds, edits and removes a DHCP range; bad input is refused as it is typed", async assert => {
        const saved = await getProperty(DNS.path, DNS.iface, "DhcpRanges") as Array<Record<string, unknown>>;
        const conf = "/etc/dnsmasq.d/debvisor.conf";
        const before = fs.existsSync(conf) ? fs.readFileSync(conf, "utf8") : null;
        const names = async () => (await getProperty(DNS.path, DNS.iface, "DhcpRanges") as Array<Record<string, unknown>>).map(r => `${String(r.Name)} ${String(r.End)}`);
        try {
            await loggedIn(ADMIN, { noConsoleErrors: assert }, async session => {
                const frame = await openFromMenu(session.page, "DNS", "debvisor/dns");
                await frame.getByRole("button", { name: "Add DHCP range" }).click();
                const dialog = frame.getByRole("dialog");
                await dialog.getByLabel("Name", { exact: true }).fill("browser-lab");
                await dialog.getByLabel("First address", { exact: true }).fill("10.254.20.300");
                await dialog.getByText("An IPv4 address.").waitFor(WAIT);
                assert.true(await dialog.getByRole("button", { name: "Add" }).isDisabled(), "Add is disabled while an address is wrong");
                await dialog.getByLabel("First address", { exact: true }).fill("10.254.20.100");
                await dialog.getByLabel("Last address", { exact: true }).fill("10.254.21.10");
                await dialog.getByText(/not in the same \/24 network/).waitFor(WAIT);
                await dialog.getByLabel("Last address", { exact: true }).fill("10.254.20.200");
                await dialog.getByRole("button", { name: "Add" }).click();
                const row = frame.locator("tr[data-range='browser-lab']");
                await row.getByText("0 of 101").waitFor(WAIT);
                assert.true((await names()).includes("browser-lab 10.254.20.200"), "on the bus");
                assert.true(fs.readFileSync(conf, "utf8").includes("dhcp-range=set:browser-lab,10.254.20.100,10.254.20.200,255.255.255.0,43200"), "in dnsmasq's file");

                await row.getByRole("button", { name: "Edit" }).click();
                await dialog.getByLabel("Last address", { exact: true }).fill("10.254.20.150");
                await dialog.getByRole("button", { name: "Save" }).click();
                await row.getByText("0 of 51").waitFor(WAIT);
                await screenshot(session.page, "dns-dhcp", frame);

                await row.getByRole("button", { name: "Remove" }).click();
                await dialog.getByText("Remove browser-lab?").waitFor(WAIT);
                assert.true((await names()).includes("browser-lab 10.254.20.150"), "nothing removed before it is confirmed");
                await dialog.getByRole("button", { name: "Remove" }).click();
                await row.waitFor({ state: "detached", ...WAIT });
                assert.false((await names()).some(n => n.startsWith("browser-lab ")), "gone from the bus");
            });
        } finally {
            await callAs(null, { ...DNS, method: "SetDhcpRanges", signature: "aa{sv}a{sv}", body: [saved.map(r => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, [k === "LeaseSeconds" ? "t" : "s", v]]))), {}] });
            if (before === null && saved.length === 0)
                fs.rmSync(conf, { force: true });
        }
    });

    QUnit.test("an admin adds a zone and records, edits and deletes them, and rotates the zone's key", async assert => {
        await loggedIn(ADMIN, { noConsoleErrors: assert }, async session => {
            const frame = await openFromMenu(session.page, "DNS", "debvisor/dns");
            await frame.getByRole("heading", { name: "DNS", exact: true }).waitFor(WAIT);

            // a local zone on this node's named
            await frame.getByRole("button", { name: "Add zone" }).click();
            await frame.getByLabel("Zone name", { exact: true }).fill(ZONE);
            await frame.getByLabel("Port", { exact: true }).fill(String(NAMED_PORT));
            await frame.getByRole("button", { name: "Add", exact: true }).click();
            await frame.locator(`tr[data-zone='${ZONE}']`).waitFor(WAIT);
            await frame.locator(`tr[data-zone='${ZONE}']`).click();
            assert.true(Number(dig(ZONE, "SOA").split(" ")[2]) >= 1, "named serves the new zone");

            // a record through the dialog: a bad name is refused as it is typed, nothing is sent
            await frame.getByRole("button", { name: "Add record" }).click();
            await frame.getByLabel("Name", { exact: true }).fill("bad;name");
            await frame.getByLabel("Data", { exact: true }).fill("10.254.6.1");
            await frame.locator("#record-problem").getByText(/may contain only letters/).waitFor(WAIT);
            assert.true(await frame.getByRole("button", { name: "Save" }).isDisabled(), "Save is disabled while the name is wrong");
            await frame.getByLabel("Name", { exact: true }).fill("web");
            await frame.getByRole("button", { name: "Save" }).click();
            await frame.locator(`tr[data-record='web.${ZONE} A']`).waitFor(WAIT);
            assert.equal(dig(`web.${ZONE}`, "A"), "10.254.6.1");

            // a second address joins the set; editing one keeps the other
            await frame.getByRole("button", { name: "Add record" }).click();
            await frame.getByLabel("Name", { exact: true }).fill("web");
            await frame.getByLabel("Data", { exact: true }).fill("10.254.6.2");
            await frame.getByRole("button", { name: "Save" }).click();
            await waitFor("two addresses", () => dig(`web.${ZONE}`, "A").split("\n").length === 2);
            await frame.locator(`tr[data-record='web.${ZONE} A']`).filter({ hasText: "10.254.6.1" }).getByRole("button", { name: "Edit" }).click();
            await frame.getByLabel("Data", { exact: true }).fill("10.254.6.3");
            await frame.getByRole("button", { name: "Save" }).click();
            const addresses = () => dig(`web.${ZONE}`, "A").split("\n").sort().join(" ");
            await waitFor("the edit", () => addresses() === "10.254.6.2 10.254.6.3").catch(() => undefined);
            assert.equal(addresses(), "10.254.6.2 10.254.6.3", "edited in place, the other record kept");

            // bulk delete both, with confirmation
            await frame.locator(`tr[data-record='web.${ZONE} A']`).filter({ hasText: "10.254.6.3" }).waitFor(WAIT);
            for (const row of await frame.locator(`tr[data-record='web.${ZONE} A']`).all())
                await row.locator("input[type=checkbox]").check();
            await frame.getByRole("button", { name: "Delete 2" }).click();
            await frame.getByRole("dialog").getByRole("button", { name: "Delete" }).click();
            await waitFor("the records gone", () => dig(`web.${ZONE}`, "A") === "");
            await screenshot(session.page, "dns-records", frame);

            // rotate the zone's key, watching its steps
            const keyPath = `${DNS.path}/keys/${KEY.replace(/-/g, "_2d")}`;
            await frame.locator(`tr[data-key='${KEY}']`).getByRole("button", { name: "Rotate" }).click();
            await frame.getByLabel("Seconds both keys stay valid after the switch").fill("0");
            await frame.getByRole("dialog").getByRole("button", { name: "Rotate" }).click();
            await frame.locator(`[data-rotation='${KEY}']`).getByText(`now ${KEY}.g2`).waitFor(WAIT);
            await waitFor("the rotation to finish", async () => await getProperty(keyPath, "org.debvisor.DebVisor1.DnsKey", "Rotation") === "", 30_000);
            await frame.locator(`tr[data-key='${KEY}']`).getByText(`${KEY}.g2`).waitFor(WAIT);
            await screenshot(session.page, "dns-rotated", frame);
        });
    });
});
