// A page whose area of debvisord is not ready says what is missing and that
// debvisord retries, instead of a spinner; it follows when the area comes up,
// with no reload. The DNS area is made to fail with a state file that cannot
// be read (and put back afterwards).
import fs from "node:fs";
import path from "node:path";
import QUnit from "qunit";
import { loggedIn, openFromMenu, screenshot } from "../lib/browser.js";
import { reactivateDaemon, waitForArea } from "../lib/daemon.js";
import { ADMIN } from "../lib/users.js";

const WAIT = { timeout: 30_000 };
const DNS_STATE = "/etc/debvisor/dns/state.json";

QUnit.module("browser: an area that is not ready", () => {
    QUnit.test("the DNS page says why DNS is not available and that it retries, then shows DNS once it is fixed", async assert => {
        const saved = fs.existsSync(DNS_STATE) ? fs.readFileSync(DNS_STATE) : null;
        try {
            fs.mkdirSync(path.dirname(DNS_STATE), { recursive: true });
            fs.writeFileSync(DNS_STATE, "{ \"zones\": ", { mode: 0o640 });
            await reactivateDaemon();
            await waitForArea("dns", "retrying", 30_000);
            await loggedIn(ADMIN, {}, async session => {
                const frame = await openFromMenu(session.page, "DNS", "debvisor/dns");
                const state = frame.locator("[data-area-state='retrying']");
                await state.waitFor(WAIT);
                const text = await state.innerText();
                assert.true(text.includes(DNS_STATE), `names the file: ${text}`);
                assert.true(/tries again by itself/.test(text), "says that it retries");
                await screenshot(session.page, "area-state-dns-retrying", frame);

                if (saved)
                    fs.writeFileSync(DNS_STATE, saved);
                else
                    fs.rmSync(DNS_STATE);
                await frame.getByRole("button", { name: "Add zone" }).waitFor({ timeout: 90_000 });
                assert.equal(await frame.locator("[data-area-state]").count(), 0, "the state is gone once DNS is ready");
            });
        } finally {
            if (saved)
                fs.writeFileSync(DNS_STATE, saved);
            else
                fs.rmSync(DNS_STATE, { force: true });
        }
    });
});
