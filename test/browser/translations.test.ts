// The pages in the user's language, the way Cockpit does it: the language a
// person chose (Cockpit's CockpitLang cookie) makes Cockpit answer the pages'
// po.js with the package's po.de.js; without one the pages stay English. Both
// load the package's one stylesheet, and Red Hat's fonts from Cockpit.
import QUnit from "qunit";
import type { Frame, Page } from "playwright-core";
import { COCKPIT_URL, loggedIn, openFromMenu, screenshot, type Session } from "../lib/browser.js";
import { ADMIN } from "../lib/users.js";

const WAIT = { timeout: 30_000 };

/* Records in `failed` the responses of the package that failed (its scripts, chunks, stylesheet, fonts it asks Cockpit for). */
function recordFailedRequests(page: Page, failed: string[]): void {
    page.on("response", response => {
        if (response.status() >= 400 && /\/(debvisor|static)\//.test(response.url()))
            failed.push(`${response.status()} ${response.url()}`);
    });
}

/* German chosen, as Cockpit's login page stores the choice. */
const chooseGerman = (session: Session) => session.context.addCookies([{ name: "CockpitLang", value: "de-de", url: COCKPIT_URL }]);

/* The document's language without its region: Cockpit reports the one chosen, e.g. "de-de" or "en-us". */
const documentLanguage = (frame: Frame) => frame.evaluate(() => document.documentElement.lang.split("-")[0]);

QUnit.module("browser: German pages", () => {
    QUnit.test("with German chosen, Overview and Machines show German headings and buttons", async assert => {
        const failed: string[] = [];
        await loggedIn(ADMIN, { noConsoleErrors: assert, beforeLogin: async session => {
            await chooseGerman(session);
            recordFailedRequests(session.page, failed);
        } }, async session => {
            const overview = await openFromMenu(session.page, "DebVisor", "debvisor/overview");
            await overview.getByRole("heading", { name: "DebVisor-Übersicht" }).waitFor(WAIT);
            await overview.getByRole("heading", { name: "Aufträge" }).waitFor(WAIT);
            assert.equal(await documentLanguage(overview), "de", "the document says its language");
            await screenshot(session.page, "overview-german", overview);

            // the shell translates the menu's labels with every package's po.js
            const menuEntry = session.page.locator("#host-apps a[href='/debvisor/machines']");
            assert.equal((await menuEntry.textContent())?.trim(), "DebVisor-Maschinen", "the menu entry is German");
            const machines = await openFromMenu(session.page, "DebVisor machines", "debvisor/machines");
            await machines.getByRole("heading", { name: "Virtuelle Maschinen" }).waitFor(WAIT);
            await machines.getByRole("button", { name: "Maschine erstellen" }).waitFor(WAIT);
            assert.equal(await machines.getByRole("heading", { name: "Virtual machines" }).count(), 0, "no English heading is left");
            // Cockpit's own strings come from its po.js: a page's dialog buttons use ours
            await machines.getByRole("button", { name: "Maschine erstellen" }).click();
            const dialog = machines.locator("[role='dialog']");
            await dialog.getByRole("button", { name: "Abbrechen" }).waitFor(WAIT);
            await screenshot(session.page, "machines-create-german", machines);
            await dialog.getByRole("button", { name: "Abbrechen" }).click();
        });
        assert.deepEqual(failed, [], "every file the pages ask for is there");
    });

    QUnit.test("without a chosen language the pages stay English, on the shared stylesheet and Cockpit's fonts", async assert => {
        const failed: string[] = [];
        await loggedIn(ADMIN, { noConsoleErrors: assert, beforeLogin: session => recordFailedRequests(session.page, failed) }, async session => {
            const frame = await openFromMenu(session.page, "DebVisor storage", "debvisor/storage");
            await frame.getByRole("heading", { name: "Storage" }).first().waitFor(WAIT);
            assert.equal(await documentLanguage(frame), "en");
            const styles = await frame.evaluate(() => ({
                sheets: [...document.styleSheets].map(s => (s.href ?? "").split("/").pop()),
                font: getComputedStyle(document.body).fontFamily,
            }));
            assert.deepEqual(styles.sheets, ["debvisor.css"], "one stylesheet for the package");
            assert.true(styles.font.includes("Red Hat Text"), `PatternFly's font: ${styles.font}`);
            // the fonts a page uses load from Cockpit's static files
            await frame.evaluate(() => document.fonts.ready);
            const fonts = await frame.evaluate(() => [...document.fonts].filter(f => f.status === "loaded").map(f => f.family));
            assert.true(fonts.some(f => f.includes("Red Hat Text")), `loaded fonts: ${fonts.join(", ")}`);
        });
        assert.deepEqual(failed, [], "every file the page asks for is there");
    });
});
