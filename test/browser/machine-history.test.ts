// DebVisor → Virtual machines → a machine's History tab in a real Cockpit
// login: a real tiny guest runs, debvisord collects libvirt's statistics, and
// the CPU graph draws real points Prometheus scraped; on a narrow screen in
// the dark theme the graphs fit, with no console errors.
import fs from "node:fs";
import QUnit from "qunit";
import type { Frame, Page } from "playwright-core";
import { callAs } from "../lib/call-as.js";
import { COCKPIT_URL, loggedIn, pageFrame, screenshot, type Session } from "../lib/browser.js";
import { tempDir, uniqueName } from "../lib/images.js";
import { enginesMissing, MetricsEngines } from "../lib/metrics-engines.js";
import { removeGuest, startTinyGuest } from "../lib/running-guest.js";
import { moduleUnless } from "../lib/skip.js";
import { VIEWER } from "../lib/users.js";
import { waitFor } from "../lib/wait.js";

const WAIT = { timeout: 30_000 };
/** how long the page opened at a History address holds its watch for the graphs' answers (MachinesPage.tsx) */
const HOLD_MS = 1000;
/** the frames' times are taken in this process, as Playwright reports them */
const TIMING_SLACK_MS = 100;

/* Records in `asked` the History calls the page sends over Cockpit's WebSocket, with the range (seconds) each asks for, in order. */
const recordHistoryCalls = (asked: number[]) => (session: Session) => {
    session.page.on("websocket", ws => ws.on("framesent", f => {
        const m = /"History",\s*\[\s*"[\w-]+",\s*(\d+)/.exec(String(f.payload));
        if (m)
            asked.push(Number(m[1]));
    }));
};

const pointsOf = (frame: Frame, title: string) =>
    frame.locator(`[data-testid='machine-history'] figure[aria-label='${title}'] svg`).getAttribute("data-points").then(Number);

moduleUnless("browser: a machine's history graphs", enginesMissing(), hooks => {
    const dir = tempDir("dv-browser-machine-history-");
    const engines = new MetricsEngines(dir);
    const name = uniqueName("dvgraph");

    hooks.before(async () => {
        await engines.start();
        const guest = await startTinyGuest(name);
        // the test's debvisord reads libvirt every 2 s; the hour's graph has a point every 15 s: wait for two
        await waitFor("two points of the guest's CPU history", async () => {
            const r = await callAs(VIEWER.name, { path: "/org/debvisor/DebVisor1/metrics", iface: "org.debvisor.DebVisor1.Metrics",
                                                  method: "History", signature: "sua{sv}", body: ["machine-cpu", 3600, { machine: ["s", guest.uuid] }] });
            return r.ok && (r.body[1] as unknown[]).length >= 2;
        }, 120_000, 1000);
    });
    hooks.after(async () => {
        removeGuest(name);
        await engines.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    async function openHistory(page: Page): Promise<Frame> {
        await page.goto(`${COCKPIT_URL}/debvisor/machines#/machine/${name}`);
        const frame = await pageFrame(page, "debvisor/machines");
        await frame.getByRole("tab", { name: "History" }).click();
        await frame.locator("[data-testid='machine-history'] figure[aria-label='CPU'] svg").waitFor(WAIT);
        return frame;
    }

    QUnit.test("a viewer sees the running guest's CPU, memory, disk and network graphs with real points", async assert => {
        await loggedIn(VIEWER, { noConsoleErrors: assert }, async session => {
            const frame = await openHistory(session.page);
            assert.true(await pointsOf(frame, "CPU") >= 2, `CPU: ${await pointsOf(frame, "CPU")} points`);
            assert.true(await pointsOf(frame, "Memory") >= 1, `Memory: ${await pointsOf(frame, "Memory")} points`);
            for (const title of ["Disk I/O", "Network"])
                assert.equal(await frame.locator(`[data-testid='machine-history'] figure[aria-label='${title}']`).count(), 1, `${title} graph`);
            assert.true(/\d+ %/.test(await frame.locator("[data-testid='machine-history'] figure[aria-label='CPU'] figcaption").textContent() ?? ""),
                "the latest CPU use in percent");
            await screenshot(session.page, "machine-history", frame);
        });
    });

    QUnit.test("the tab and range are in the page's address: the History tab at Day comes back on reload, drawn with no click", async assert => {
        await loggedIn(VIEWER, { noConsoleErrors: assert }, async session => {
            const frame = await openHistory(session.page);
            assert.true(session.page.url().endsWith(`#/machine/${name}/history`), session.page.url());
            await frame.getByRole("button", { name: "Day" }).click();
            await frame.locator("[data-testid='machine-history'] figure[data-range='day']").first().waitFor(WAIT);
            assert.true(session.page.url().endsWith(`#/machine/${name}/history?range=day`), session.page.url());
            await session.page.reload();
            const again = await pageFrame(session.page, "debvisor/machines");
            await again.locator("[data-testid='machine-history'] figure[data-range='day'][aria-label='CPU'] svg").waitFor(WAIT);
            assert.equal(await again.getByRole("button", { name: "Day" }).getAttribute("aria-pressed"), "true", "Day chosen");
            assert.true(await pointsOf(again, "CPU") >= 1, `the day's CPU: ${await pointsOf(again, "CPU")} points`);
            // back to the overview tab: its address again
            await again.getByRole("tab", { name: "Overview" }).click();
            await waitFor("the overview's address", () => session.page.url().endsWith(`#/machine/${name}`), 10_000, 100);
        });
    });

    QUnit.test("the other ranges are read once the hour is drawn: Day is drawn with no History call after its click", async assert => {
        const asked: number[] = [];
        await loggedIn(VIEWER, { noConsoleErrors: assert, beforeLogin: recordHistoryCalls(asked) }, async session => {
            const frame = await openHistory(session.page);
            await waitFor("the day's and the week's History asked", () => asked.includes(86400) && asked.includes(7 * 86400), 10_000, 100);
            const before = asked.length;
            await frame.getByRole("button", { name: "Day" }).click();
            await frame.locator("[data-testid='machine-history'] figure[data-range='day'][aria-label='CPU'] svg").waitFor(WAIT);
            assert.true(await pointsOf(frame, "CPU") >= 1, `the day's CPU: ${await pointsOf(frame, "CPU")} points`);
            assert.deepEqual(asked.slice(before).filter(seconds => seconds === 86400), [], "no History of the day asked after the click");
        });
    });

    QUnit.test("opened from the list, the hour and then the day are read as the machine's page opens: History, Day and Hour again are drawn with no History call after their clicks", async assert => {
        const asked: number[] = [];
        await loggedIn(VIEWER, { noConsoleErrors: assert, beforeLogin: recordHistoryCalls(asked) }, async session => {
            await session.page.goto(`${COCKPIT_URL}/debvisor/machines`);
            const frame = await pageFrame(session.page, "debvisor/machines");
            await frame.locator(`tr[data-machine="${name}"] button`, { hasText: name }).click();
            await frame.getByRole("tab", { name: "History" }).waitFor(WAIT);
            await waitFor("the hour's and the day's History asked", () => asked.filter(s => s === 3600).length >= 6 && asked.filter(s => s === 86400).length >= 6, 10_000, 50);
            assert.deepEqual(asked.slice(0, 6), Array(6).fill(3600), "the hour's six series first");
            assert.deepEqual(asked.slice(6, 12), Array(6).fill(86400), "then the day's");
            // the reads are answered before the History tab is chosen: its clicks need none of their own
            await new Promise(r => setTimeout(r, 2000));
            const before = asked.length;
            await frame.getByRole("tab", { name: "History" }).click();
            await frame.locator("[data-testid='machine-history'] figure[data-range='hour'][aria-label='CPU'] svg").waitFor(WAIT);
            await frame.getByRole("button", { name: "Day" }).click();
            await frame.locator("[data-testid='machine-history'] figure[data-range='day'][aria-label='CPU'] svg").waitFor(WAIT);
            assert.true(await pointsOf(frame, "CPU") >= 1, `the day's CPU: ${await pointsOf(frame, "CPU")} points`);
            await frame.getByRole("button", { name: "Hour" }).click();
            await frame.locator("[data-testid='machine-history'] figure[data-range='hour'][aria-label='CPU'] svg").waitFor(WAIT);
            assert.deepEqual(asked.slice(before).filter(seconds => seconds !== 7 * 86400), [], "after the clicks only the week was asked");
        });
    });

    QUnit.test("opened at the History tab's address, the graphs are read on a channel with no watch: not held back until every object is read", async assert => {
        // Cockpit's WebSocket frames are "CHANNEL\n{message}": the channels that carry a watch, and those that carry History calls
        const watching = new Set<string>();
        const historyOn = new Set<string>();
        const listen = (session: Session) => session.page.on("websocket", ws => ws.on("framesent", f => {
            const text = String(f.payload);
            const channel = text.slice(0, text.indexOf("\n"));
            if (/"watch":/.test(text))
                watching.add(channel);
            if (/"call":\s*\[\s*"[^"]*",\s*"org\.debvisor\.DebVisor1\.Metrics",\s*"History"/.test(text))
                historyOn.add(channel);
        }));
        await loggedIn(VIEWER, { noConsoleErrors: assert, beforeLogin: listen }, async session => {
            await session.page.goto(`${COCKPIT_URL}/debvisor/machines#/machine/${name}/history?range=day`);
            const frame = await pageFrame(session.page, "debvisor/machines");
            await frame.locator("[data-testid='machine-history'] figure[data-range='day'][aria-label='CPU'] svg").waitFor(WAIT);
            assert.true(await pointsOf(frame, "CPU") >= 1, `the day's CPU: ${await pointsOf(frame, "CPU")} points`);
            assert.true(watching.size > 0, "the page watches debvisord's objects");
            assert.true(historyOn.size > 0, "the graphs called History");
            assert.deepEqual([...historyOn].filter(c => watching.has(c)), [], "no History call on a channel with a watch");
            // the rest of the page follows once the objects are read
            await frame.locator("#machine-actions button").first().waitFor(WAIT);
        });
    });

    QUnit.test("opened at the History tab's address, the objects are read once the graphs' History is answered: the graphs go first", async assert => {
        // Cockpit's WebSocket frames in the order they went: the day's History calls (channel and id), their
        // answers, and the page's watch of debvisord's objects
        const frames: Array<{ sent: boolean; channel: string; text: string; at: number }> = [];
        const listen = (session: Session) => session.page.on("websocket", ws => {
            const keep = (sent: boolean) => (f: { payload: string | Buffer }) => {
                const text = String(f.payload);
                frames.push({ sent, channel: text.slice(0, Math.max(0, text.indexOf("\n"))), text, at: Date.now() });
            };
            ws.on("framesent", keep(true));
            ws.on("framereceived", keep(false));
        });
        const idOf = (text: string) => /"id":\s*"([^"]+)"/.exec(text)?.[1];
        await loggedIn(VIEWER, { noConsoleErrors: assert, beforeLogin: listen }, async session => {
            frames.length = 0;
            await session.page.goto(`${COCKPIT_URL}/debvisor/machines#/machine/${name}/history?range=day`);
            const frame = await pageFrame(session.page, "debvisor/machines");
            await frame.locator("[data-testid='machine-history'] figure[data-range='day'][aria-label='CPU'] svg").waitFor(WAIT);
            assert.true(await pointsOf(frame, "CPU") >= 1, `the day's CPU: ${await pointsOf(frame, "CPU")} points`);
            // the rest of the page follows once the objects are read
            await frame.locator("#machine-actions button").first().waitFor(WAIT);
            const calls = frames.flatMap((f, i) => f.sent && /"History",\s*\[\s*"[\w-]+",\s*86400\b/.test(f.text) ? [{ i, channel: f.channel, id: idOf(f.text) }] : []);
            assert.equal(calls.length, 6, "the day's six series asked");
            const answered = calls.map(c => frames.findIndex(f => !f.sent && f.channel === c.channel && c.id !== undefined && idOf(f.text) === c.id));
            assert.true(answered.every(i => i >= 0), "each answered");
            const watch = frames.findIndex(f => f.sent && /"watch":/.test(f.text) && /org\/debvisor\/DebVisor1/.test(f.text));
            assert.true(watch >= 0, "the page watches debvisord's objects");
            // the page waits for the answers at most HOLD_MS (a loaded host answers later): then the watch goes anyway
            const waited = frames[watch].at - frames[calls[0].i].at;
            assert.true(watch > Math.max(...answered) || waited >= HOLD_MS - TIMING_SLACK_MS,
                `the watch (frame ${watch}) after the last History answer (frame ${Math.max(...answered)}), or ${HOLD_MS} ms after the first call (${waited} ms)`);
        });
    });

    QUnit.test("narrow and dark: the graphs fit the screen", async assert => {
        await loggedIn(VIEWER, { colorScheme: "dark", width: 420, noConsoleErrors: assert }, async session => {
            const frame = await openHistory(session.page);
            const tab = frame.getByTestId("machine-history");
            assert.true(await tab.evaluate(el => el.scrollWidth <= el.clientWidth + 1), "no sideways scrolling in the tab");
            const stroke = await tab.locator(".debvisor-graph-line").first().evaluate(el => getComputedStyle(el).stroke);
            assert.notEqual(stroke, "none", `the line is drawn (${stroke})`);
            await screenshot(session.page, "machine-history-narrow-dark", frame);
        });
    });
});
