// DebVisor → Overview's Roles card in a real Cockpit login with Debian's
// Chromium: each role's members listed live, an admin adds a user to a role
// (a bad name refused as it is typed, nothing sent) and removes them after
// confirming; a viewer sees the card with its buttons disabled.
import { execFileSync } from "node:child_process";
import QUnit from "qunit";
import { loggedIn, openFromMenu, screenshot } from "../lib/browser.js";
import { ADMIN, makeSpareUser, removeSpareUser, VIEWER } from "../lib/users.js";
import { waitFor } from "../lib/wait.js";

const WAIT = { timeout: 30_000 };
const USER = "dvbrowserrole";
const viewers = () => execFileSync("getent", ["group", "debvisor-viewer"], { encoding: "utf8" }).trim().split(":")[3].split(",");

QUnit.module("browser: Overview roles", hooks => {
    hooks.before(() => makeSpareUser(USER));
    hooks.after(() => removeSpareUser(USER));

    QUnit.test("an admin adds a user to a role and removes them again, confirming first", async assert => {
        await loggedIn(ADMIN, { noConsoleErrors: assert }, async session => {
            const frame = await openFromMenu(session.page, "DebVisor", "debvisor/overview");
            const card = frame.locator("#roles");
            await card.locator(`tr[data-role='admin'] [data-member='${ADMIN.name}']`).waitFor(WAIT);

            await card.getByRole("button", { name: "Add a user to debvisor-viewer" }).click();
            const dialog = frame.getByRole("dialog");
            await dialog.getByLabel("User", { exact: true }).fill("-bad name");
            await dialog.getByText(/Lower-case letters, digits/).waitFor(WAIT);
            assert.true(await dialog.getByRole("button", { name: "Add" }).isDisabled(), "Add is disabled while the name is wrong");
            await dialog.getByLabel("User", { exact: true }).fill("nosuchuser-dv");
            await dialog.getByRole("button", { name: "Add" }).click();
            await dialog.getByText(/there is no user nosuchuser-dv/).waitFor(WAIT);
            await dialog.getByLabel("User", { exact: true }).fill(USER);
            await dialog.getByRole("button", { name: "Add" }).click();
            const label = card.locator(`tr[data-role='viewer'] [data-member='${USER}']`);
            await label.waitFor(WAIT);
            assert.true(viewers().includes(USER), "in debvisor-viewer");
            await screenshot(session.page, "overview-roles", frame);

            await label.getByRole("button", { name: `Remove ${USER} from debvisor-viewer?` }).click();
            await dialog.getByText(`Remove ${USER} from debvisor-viewer?`).waitFor(WAIT);
            assert.true(viewers().includes(USER), "nothing removed before it is confirmed");
            await dialog.getByRole("button", { name: "Remove" }).click();
            await label.waitFor({ state: "detached", ...WAIT });
            await waitFor("the group file", () => !viewers().includes(USER));
        });
    });

    QUnit.test("a viewer sees who holds which role, without the buttons to change it", async assert => {
        await loggedIn(VIEWER, {}, async session => {
            const frame = await openFromMenu(session.page, "DebVisor", "debvisor/overview");
            const card = frame.locator("#roles");
            await card.locator(`tr[data-role='viewer'] [data-member='${VIEWER.name}']`).waitFor(WAIT);
            // disabled once the page knows the role (cockpit.user())
            await card.locator("button[aria-label='Add a user to debvisor-admin'][aria-disabled='true']").waitFor(WAIT);
            assert.equal(await card.getByRole("button", { name: /^Remove / }).count(), 0, "no remove buttons");
        });
    });
});
