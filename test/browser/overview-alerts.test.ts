// DebVisor → Overview's Alerts and history card in a real Cockpit login, on
// the installed package with Debian's engines started by the test: an alert
// Alertmanager holds (posted to its API the way Prometheus posts one) shows
// with its severity, and the CPU and memory graphs draw real points that
// Prometheus scraped from node-exporter, for the hour and the day; an admin
// silences it with the card's Silence… and ends the silence (a viewer is
// offered neither); a viewer sees in the Notifications card a real attempt
// Alertmanager logged (a test notification to a webhook the test runs); an
// admin changes how long history is kept on the page (a bad value refused,
// nothing changed; a viewer is not offered it); a backup schedule's real failed run raises
// BackupScheduleFailed through the shipped rules and the card shows it; an
// alert about a machine shows on that machine's page and one about a TSIG key
// on the DNS page, each only there; a ZFS mirror on files made degraded shows
// ZfsPoolDegraded, raised by the shipped rules, on its pool's card of the
// Storage page until it is repaired; on a narrow screen in the dark theme the
// card fits, with no console errors.
import { execFileSync, spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import QUnit from "qunit";
import type { Frame, Page } from "playwright-core";
import { callAs, getProperty } from "../lib/call-as.js";
import { COCKPIT_URL, loggedIn, openFromMenu, pageFrame, screenshot } from "../lib/browser.js";
import { defineDiskMachine, virsh } from "../lib/backups.js";
import { tempDir, uniqueName } from "../lib/images.js";
import { waitForArea } from "../lib/daemon.js";
import { enginesMissing, MetricsEngines } from "../lib/metrics-engines.js";
import { moduleUnless, testUnless } from "../lib/skip.js";
import { ADMIN, VIEWER } from "../lib/users.js";
import { waitFor } from "../lib/wait.js";
import { degradedMirror, destroyTestPool, zfsMissing } from "../lib/zfs.js";

const WAIT = { timeout: 30_000 };
const ALERT = "BrowserTestDiskFailing";
const ALERTS = { path: "/org/debvisor/DebVisor1/alerts", iface: "org.debvisor.DebVisor1.Alerts" };
const METRICS = { path: "/org/debvisor/DebVisor1/metrics", iface: "org.debvisor.DebVisor1.Metrics" };

/* Posts an alert to Alertmanager with the engines' secret; it ends by itself after ten minutes. */
function postAlert(engines: MetricsEngines, labels: Record<string, string> = { alertname: ALERT, severity: "critical" },
                   summary = "A disk of the browser test is failing"): Promise<number> {
    const body = JSON.stringify([{
        labels,
        annotations: { summary, description: "Posted by the browser test." },
        endsAt: new Date(Date.now() + 600_000).toISOString(),
    }]);
    return new Promise((resolve, reject) => {
        const req = http.request(`http://127.0.0.1:${engines.ports.alertmanager}/api/v2/alerts`, {
            method: "POST", timeout: 5000,
            headers: { "content-type": "application/json", authorization: `Basic ${Buffer.from(`debvisor:${engines.secret()}`).toString("base64")}` },
        }, res => { res.resume(); resolve(res.statusCode ?? 0) });
        req.on("error", reject);
        req.end(body);
    });
}

/* Whether ZfsPoolDegraded about this pool is active in Alertmanager (as a viewer lists it). */
async function poolAlerted(pool: string): Promise<boolean> {
    const r = await callAs(VIEWER.name, { ...ALERTS, method: "ListAlerts", signature: "a{sv}", body: [{}] });
    return r.ok && (r.body[0] as Array<Record<string, unknown>>).some(a => a.Name === "ZfsPoolDegraded" && (a.Labels as Record<string, string>).pool === pool);
}

/* Opens the Overview at its address. */
async function openOverview(page: Page): Promise<Frame> {
    await page.goto(`${COCKPIT_URL}/debvisor/overview`);
    return pageFrame(page, "debvisor/overview");
}

const pointsOf = (frame: Frame, title: string) =>
    frame.locator(`figure[aria-label='${title}'] svg`).getAttribute("data-points").then(Number);

moduleUnless("browser: Overview's alerts and history", enginesMissing(), hooks => {
    const dir = tempDir("dv-browser-alerts-");
    const engines = new MetricsEngines(dir);
    hooks.before(async () => {
        await engines.start();
        if (await postAlert(engines) !== 200)
            throw new Error("Alertmanager did not take the test's alert");
        // Prometheus scrapes every second; the hour's graph has a point every 15 s: wait for two
        await waitFor("two points of the hour's CPU history", async () => {
            const r = await callAs(VIEWER.name, { path: "/org/debvisor/DebVisor1/metrics", iface: "org.debvisor.DebVisor1.Metrics",
                                                  method: "History", signature: "sua{sv}", body: ["node-cpu", 3600, {}] });
            return r.ok && (r.body[1] as unknown[]).length >= 2;
        }, 60_000, 1000);
    });
    hooks.after(async () => {
        await engines.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    QUnit.test("a viewer sees the alert and graphs with real points, for the hour and the day", async assert => {
        await loggedIn(VIEWER, { noConsoleErrors: assert }, async session => {
            const frame = await openFromMenu(session.page, "DebVisor", "debvisor/overview");
            const card = frame.getByTestId("alerts-card");
            await card.locator(`li[data-alert='${ALERT}']`).waitFor(WAIT);
            assert.true((await card.locator(`li[data-alert='${ALERT}']`).textContent() ?? "").includes("A disk of the browser test is failing"), "the alert's summary");
            await card.locator("figure[aria-label='CPU'] svg").waitFor(WAIT);
            for (const title of ["CPU", "Memory"])
                assert.true(await pointsOf(frame, title) >= 2, `${title}: ${await pointsOf(frame, title)} points`);
            assert.true(/\d+ %/.test(await card.locator("figure[aria-label='Memory'] figcaption").textContent() ?? ""), "the latest memory use in percent");
            await card.getByRole("button", { name: "Day" }).click();
            // a Prometheus a minute old has one point a day's graph shows (one every 6 minutes)
            await waitFor("the day's graph", async () => await card.getByRole("button", { name: "Day" }).getAttribute("aria-pressed") === "true" && await pointsOf(frame, "CPU") >= 1, 30_000, 200);
            await screenshot(session.page, "overview-alerts", frame);
        });
    });

    QUnit.test("a viewer sees a real notification attempt in the Notifications card, as Alertmanager logged it", async assert => {
        const target = uniqueName("browserhook");
        let heard = false;
        const hook = http.createServer((req, res) => {
            const chunks: Buffer[] = [];
            req.on("data", (c: Buffer) => chunks.push(c));
            req.on("end", () => {
                heard ||= Buffer.concat(chunks).toString("utf8").includes("DebVisorTestNotification");
                res.end();
            });
        });
        await new Promise<void>(resolve => hook.listen(0, "127.0.0.1", resolve));
        try {
            const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
            const added = await callAs(ADMIN.name, { ...ALERTS, method: "AddNotificationTarget", signature: "ssssa{sv}", body: [target, "webhook", url, "warning", {}] });
            assert.true(added.ok, added.ok ? "target added" : added.message);
            const sent = await callAs(ADMIN.name, { ...ALERTS, method: "TestNotificationTarget", signature: "sa{sv}", body: [target, {}] });
            assert.true(sent.ok, sent.ok ? "test sent" : sent.message);
            // Alertmanager waits group_wait (the test's 1 s) before it sends, then logs the outcome
            await waitFor("the test notification at the webhook", () => heard, 30_000, 200);
            await waitFor("the attempt in Alertmanager's log", async () => {
                const r = await callAs(VIEWER.name, { ...ALERTS, method: "ListNotifications", signature: "a{sv}", body: [{}] });
                return r.ok && (r.body[0] as Array<Record<string, unknown>>).some(a => a.Target === target && a.Outcome === "sent");
            }, 15_000, 200);
            await loggedIn(VIEWER, { noConsoleErrors: assert }, async session => {
                const frame = await openOverview(session.page);
                const card = frame.getByTestId("notifications-card");
                const attempt = card.locator(`tr[data-attempt='${target}'][data-outcome='sent']`).first();
                await attempt.waitFor(WAIT);
                const text = await attempt.textContent() ?? "";
                assert.true(text.includes("DebVisorTestNotification") && text.includes("Sent"), `the attempt names its alert and outcome: ${text}`);
                const row = card.locator(`tr[data-target='${target}']`);
                assert.true((await row.textContent() ?? "").includes(new URL(url).origin), "the target, shown by its origin");
                const sendTest = row.getByRole("button", { name: `Send a test to ${target}` });
                await waitFor("the viewer's role known to the page", async () => await sendTest.getAttribute("aria-disabled") === "true", 30_000, 200);
                assert.equal(await sendTest.getAttribute("title"), "Only members of debvisor-admin may change this.", "Send a test is not offered to a viewer, and it says why");
                await screenshot(session.page, "overview-notifications", frame);
            });
        } finally {
            await callAs(ADMIN.name, { ...ALERTS, method: "RemoveNotificationTarget", signature: "sa{sv}", body: [target, {}] });
            await new Promise(resolve => hook.close(resolve));
        }
    });

    QUnit.test("how long history is kept: an admin changes it on the page and the bus follows; a bad value is refused; a viewer is not offered it", async assert => {
        const retention = () => getProperty(METRICS.path, METRICS.iface, "HistoryRetentionDays");
        assert.equal(await retention(), 30, "30 days to start with");
        try {
            await loggedIn(ADMIN, { noConsoleErrors: assert }, async session => {
                const frame = await openOverview(session.page);
                const setting = frame.getByTestId("history-retention");
                await setting.getByText("History is kept for 30 days.").waitFor(WAIT);
                await setting.getByRole("button", { name: "Change…" }).click();
                const dialog = frame.getByRole("dialog");
                const keep = dialog.getByRole("button", { name: "Keep", exact: true });
                for (const bad of ["0", "3651", "ten", "-5"]) {
                    await dialog.locator("#action-field").fill(bad);
                    await dialog.getByText("A whole number of days from 1 to 3650").waitFor(WAIT);
                    assert.true(await keep.isDisabled(), `${bad}: refused with its reason, Keep disabled`);
                }
                await keep.click({ force: true });
                assert.equal(await retention(), 30, "nothing changed on the bus");
                await dialog.locator("#action-field").fill("45");
                assert.false(await keep.isDisabled(), "45 days is taken");
                await keep.click();
                await dialog.waitFor({ state: "detached", ...WAIT });
                await setting.getByText("History is kept for 45 days.").waitFor(WAIT);
                assert.equal(await retention(), 45, "the bus property follows");
            });
        } finally {
            await callAs(ADMIN.name, { ...METRICS, method: "SetHistoryRetention", signature: "ua{sv}", body: [30, {}] });
        }
        await loggedIn(VIEWER, {}, async viewer => {
            const frame = await openOverview(viewer.page);
            const setting = frame.getByTestId("history-retention");
            await setting.getByText("History is kept for 30 days.").waitFor(WAIT);
            const change = setting.locator("button[aria-disabled='true']", { hasText: "Change…" });
            await change.waitFor(WAIT);
            assert.equal(await change.getAttribute("title"), "Only members of debvisor-admin may change this.", "it says why");
            await change.click({ force: true });
            assert.equal(await frame.getByRole("dialog").count(), 0, "no dialog for a viewer");
            assert.equal(await retention(), 30);
        });
    });

    QUnit.test("a backup schedule's failed run raises BackupScheduleFailed, and the card shows it", async assert => {
        const repository = uniqueName("alertrepo");
        const schedule = uniqueName("alertsched");
        const passwordFile = path.join(dir, "backup-password");
        fs.writeFileSync(passwordFile, crypto.randomBytes(16).toString("hex"), { mode: 0o600 });
        const ctl = (...args: string[]) => execFileSync("debvisorctl", args, { encoding: "utf8", stdio: "pipe", timeout: 120_000 });
        try {
            await waitForArea("backups", "ready", 30_000);
            ctl("backup", "repo-add", repository, path.join(dir, "backup-repo"), "--password-file", passwordFile);
            // a tag no machine has: the run fails at once, as a real run of the daemon's
            ctl("backup", "schedule", "add", schedule, repository, "--tag", `${schedule}-nothing`);
            const run = spawnSync("debvisorctl", ["backup", "schedule", "run", schedule, "--wait"], { encoding: "utf8", timeout: 120_000 });
            assert.notEqual(run.status, 0, "the run failed");
            const firing = async () => {
                const r = await callAs(VIEWER.name, { path: "/org/debvisor/DebVisor1/alerts", iface: "org.debvisor.DebVisor1.Alerts",
                                                      method: "ListAlerts", signature: "a{sv}", body: [{}] });
                return r.ok && (r.body[0] as Array<Record<string, unknown>>).some(a => a.Name === "BackupScheduleFailed" &&
                    (a.Labels as Record<string, string>).schedule === schedule);
            };
            // the test's debvisord writes its metrics every 2 s, Prometheus evaluates every second
            await waitFor("BackupScheduleFailed in Alertmanager", firing, 90_000, 1000);
            await loggedIn(VIEWER, { noConsoleErrors: assert }, async session => {
                const frame = await openFromMenu(session.page, "DebVisor", "debvisor/overview");
                const alert = frame.getByTestId("alerts-card").locator("li[data-alert='BackupScheduleFailed']", { hasText: `Backup schedule ${schedule} failed` });
                await alert.waitFor(WAIT);
                assert.true((await alert.textContent() ?? "").includes(repository), "the alert names the repository");
            });
        } finally {
            spawnSync("debvisorctl", ["backup", "schedule", "remove", schedule]);
            spawnSync("debvisorctl", ["backup", "repo-remove", repository]);
        }
    });

    QUnit.test("an alert about a machine shows on its page, one about a TSIG key on the DNS page, each only there", async assert => {
        const machine = uniqueName("dvalerted");
        defineDiskMachine(machine, path.join(dir, `${machine}.qcow2`), dir, 8, 1);
        const uuid = virsh("domuuid", machine).trim();
        const key = uniqueName("alertkey");
        // as Prometheus posts them when the shipped rules fire (MachineCrashed, TsigKeyRotationOverdue)
        assert.equal(await postAlert(engines, { alertname: "MachineCrashed", severity: "critical", uuid, name: machine, state: "crashed" },
                                     `Machine ${machine} crashed`), 200, "Alertmanager took the machine's alert");
        assert.equal(await postAlert(engines, { alertname: "TsigKeyRotationOverdue", severity: "warning", key },
                                     `TSIG key ${key} is overdue for rotation`), 200, "Alertmanager took the key's alert");
        try {
            await loggedIn(VIEWER, { noConsoleErrors: assert }, async session => {
                await session.page.goto(`${COCKPIT_URL}/debvisor/machines#/machine/${machine}`);
                let frame = await pageFrame(session.page, "debvisor/machines");
                const onMachine = frame.getByTestId("thing-alerts");
                await onMachine.locator("li[data-alert='MachineCrashed']", { hasText: `Machine ${machine} crashed` }).waitFor(WAIT);
                assert.true((await onMachine.textContent() ?? "").includes(`1 alert about ${machine}`), "the machine's one alert, counted");
                assert.equal(await onMachine.locator("li[data-alert='TsigKeyRotationOverdue'], li[data-alert='BrowserTestDiskFailing']").count(), 0,
                    "no alert about other things on the machine's page");
                assert.equal(await onMachine.getByRole("button").count(), 0, "no Silence… for a viewer");
                await screenshot(session.page, "machine-alerts", frame);

                await session.page.goto(`${COCKPIT_URL}/debvisor/dns`);
                frame = await pageFrame(session.page, "debvisor/dns");
                const onDns = frame.getByTestId("thing-alerts");
                await onDns.locator("li[data-alert='TsigKeyRotationOverdue']", { hasText: key }).waitFor(WAIT);
                assert.equal(await onDns.locator("li[data-alert='MachineCrashed']").count(), 0, "the machine's alert is not on the DNS page");
            });
        } finally {
            spawnSync("virsh", ["-c", "qemu:///system", "undefine", machine]);
        }
    });

    testUnless("a ZFS mirror on files made degraded: its pool on the Storage page shows ZfsPoolDegraded, and not once it is repaired",
        zfsMissing(), async assert => {
            const pool = uniqueName("dvpoolalert");
            try {
                const files = degradedMirror(pool, dir);
                // the test's debvisord reads the pool's health into its metrics every 2 s, Prometheus evaluates every second
                await waitFor("ZfsPoolDegraded in Alertmanager", async () => await poolAlerted(pool), 90_000, 1000);
                await loggedIn(VIEWER, { noConsoleErrors: assert }, async session => {
                    const frame = await openFromMenu(session.page, "Storage", "debvisor/storage");
                    const alert = frame.locator(`[data-pool='${pool}'] li[data-alert='ZfsPoolDegraded']`);
                    await alert.waitFor(WAIT);
                    assert.true((await alert.textContent() ?? "").includes(`ZFS pool ${pool} is DEGRADED`), "the alert's summary on the pool's card");
                    assert.equal(await frame.locator(`[data-pool]:not([data-pool='${pool}']) li[data-alert='ZfsPoolDegraded']`).count(), 0,
                        "on no other pool");
                    await screenshot(session.page, "storage-zfs-alert", frame);
                    execFileSync("zpool", ["online", pool, files[1]], { stdio: "pipe" });
                    await waitFor("the alert gone in Alertmanager once the pool is ONLINE", async () => !await poolAlerted(pool), 90_000, 1000);
                    // the page reads the alerts again within its 15 s
                    await alert.waitFor({ state: "detached", timeout: 30_000 });
                });
            } finally {
                await destroyTestPool(pool);
            }
        });

    QUnit.test("an admin silences the alert from the card and ends the silence; a viewer is offered neither", async assert => {
        await loggedIn(ADMIN, { noConsoleErrors: assert }, async session => {
            const frame = await openOverview(session.page);
            const item = frame.getByTestId("alerts-card").locator(`li[data-alert='${ALERT}']`);
            await item.getByRole("button", { name: "Silence…" }).click(WAIT);
            const dialog = frame.getByRole("dialog");
            await dialog.locator("#silence-duration").selectOption(String(4 * 3600));
            await dialog.locator("#action-field").fill("replacing the disk");
            await dialog.getByRole("button", { name: "Silence", exact: true }).click();
            await item.getByText("Silenced").waitFor(WAIT);
            const listed = await callAs(ADMIN.name, { ...ALERTS, method: "ListAlerts", signature: "a{sv}", body: [{}] });
            const ours = listed.ok ? (listed.body[0] as Array<Record<string, unknown>>).find(a => a.Name === ALERT) : undefined;
            assert.equal((ours?.SilencedBy as string[] | undefined)?.length, 1, "one silence on it in Alertmanager");
            await screenshot(session.page, "overview-alerts-silenced", frame);
            await item.getByRole("button", { name: "Unsilence" }).click();
            await item.getByRole("button", { name: "Silence…" }).waitFor(WAIT);
            assert.equal(await item.getByText("Silenced").count(), 0, "no longer silenced");
        });
        await loggedIn(VIEWER, {}, async viewer => {
            const frame = await openOverview(viewer.page);
            const item = frame.getByTestId("alerts-card").locator(`li[data-alert='${ALERT}']`);
            await item.waitFor(WAIT);
            assert.equal(await item.getByRole("button").count(), 0, "no Silence… for a viewer");
        });
    });

    QUnit.test("narrow and dark: the card fits the screen", async assert => {
        await loggedIn(VIEWER, { colorScheme: "dark", width: 420, noConsoleErrors: assert }, async session => {
            const frame = await openOverview(session.page);
            const card = frame.getByTestId("alerts-card");
            await card.locator("figure[aria-label='CPU'] svg").waitFor(WAIT);
            const fits = await card.evaluate(el => el.scrollWidth <= el.clientWidth + 1);
            assert.true(fits, "no sideways scrolling inside the card");
            const stroke = await card.locator(".debvisor-graph-line").first().evaluate(el => getComputedStyle(el).stroke);
            assert.notEqual(stroke, "none", `the line is drawn (${stroke})`);
            await screenshot(session.page, "overview-alerts-narrow-dark", frame);
        });
    });
});
