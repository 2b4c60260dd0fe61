// DebVisor → a Ceph alert end to end in a real Cockpit login: a real
// single-node Ceph cluster, Debian's engines started by the test, and
// debvisord turning ceph-mgr's prometheus module on by itself (nothing here
// enables it). `ceph osd set noout` makes the cluster HEALTH_WARN → ceph-mgr's
// ceph_health_status is 1 → Prometheus's CephHealthWarning fires → it shows
// on the Storage page's Ceph tab and in the Overview's card; `ceph osd unset
// noout` → it leaves both. The shipped rule holds 5 minutes before it fires:
// the test's Prometheus evaluates a copy of the shipped rules with every hold
// time cut to 5 s (the shipped hold times are checked by promtool in the unit
// tests); everything else is as shipped.
import fs from "node:fs";
import QUnit from "qunit";
import type { Frame, Page } from "playwright-core";
import { loggedIn, openFromMenu, screenshot } from "../lib/browser.js";
import { callAs } from "../lib/call-as.js";
import { startCephCluster, type CephCluster } from "../lib/ceph-cluster.js";
import { tempDir } from "../lib/images.js";
import { enginesMissing, MetricsEngines } from "../lib/metrics-engines.js";
import { moduleUnless } from "../lib/skip.js";
import { VIEWER } from "../lib/users.js";
import { waitFor } from "../lib/wait.js";

const WAIT = { timeout: 30_000 };
const ALERTS = { path: "/org/debvisor/DebVisor1/alerts", iface: "org.debvisor.DebVisor1.Alerts" };
const ALERT = "CephHealthWarning";
/** the pages read the alerts every 15 s */
const PAGE_READS_WITHIN_MS = 30_000;

const cephMissing = () => fs.existsSync("/usr/bin/ceph-mon") && fs.existsSync("/usr/bin/ceph-mgr") ? null : "Ceph is not installed (scripts/deps.sh installs it)";

/* Whether the alert is active in Alertmanager, as a viewer lists it. */
async function alerted(name: string): Promise<boolean> {
    const r = await callAs(VIEWER.name, { ...ALERTS, method: "ListAlerts", signature: "a{sv}", body: [{}] });
    return r.ok && (r.body[0] as Array<Record<string, unknown>>).some(a => a.Name === name);
}

/* The latest value of an expression in the test's Prometheus, or null while it has none. */
async function latest(engines: MetricsEngines, expr: string): Promise<number | null> {
    const url = `http://127.0.0.1:${engines.ports.prometheus}/api/v1/query?query=${encodeURIComponent(expr)}`;
    const r = await fetch(url, { headers: { authorization: `Basic ${Buffer.from(`debvisor:${engines.secret()}`).toString("base64")}` } }).catch(() => null);
    const body = r?.ok ? await r.json() as { data?: { result?: Array<{ value: [number, string] }> } } : null;
    const value = body?.data?.result?.[0]?.value[1];
    return value === undefined ? null : Number(value);
}

async function openCephTab(page: Page): Promise<Frame> {
    const frame = await openFromMenu(page, "Storage", "debvisor/storage");
    await frame.getByRole("heading", { name: "Storage" }).waitFor(WAIT);
    await frame.getByRole("tab", { name: "Ceph" }).click();
    await frame.locator("[data-ceph-state='reachable']").waitFor(WAIT);
    return frame;
}

moduleUnless("browser: a Ceph alert end to end", enginesMissing() ?? cephMissing(), hooks => {
    const dir = tempDir("dv-browser-ceph-alerts-");
    const engines = new MetricsEngines(dir);
    let cluster: CephCluster | null = null;
    hooks.before(async assert => {
        assert.timeout(400_000);
        cluster = await startCephCluster();
        await engines.start({ holdFor: "5s" });
    });
    hooks.after(async assert => {
        assert.timeout(120_000);
        try {
            await engines.stop();
        } finally {
            await cluster?.stop();
            cluster = null;
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    QUnit.test("noout set: CephHealthWarning on the Ceph tab and the Overview; gone from both once it is unset", async assert => {
        assert.timeout(400_000);
        const c = cluster as CephCluster;
        // the figures come only once debvisord has turned the module on and Prometheus has scraped it
        await waitFor("ceph_health_status 0 in Prometheus (HEALTH_OK)", async () => await latest(engines, "ceph_health_status") === 0, 120_000, 1000);
        assert.false(await alerted(ALERT), "no alert while the cluster is healthy");
        try {
            await loggedIn(VIEWER, { noConsoleErrors: assert }, async session => {
                let frame = await openCephTab(session.page);
                assert.equal(await frame.locator(`li[data-alert='${ALERT}']`).count(), 0, "none on the Ceph tab yet");

                await c.run(["osd", "set", "noout"]);
                await waitFor(`${ALERT} in Alertmanager`, () => alerted(ALERT), 90_000, 1000);
                // the open tab reads the alerts again within its 15 s
                const onTab = frame.locator(`li[data-alert='${ALERT}']`);
                await onTab.waitFor({ timeout: PAGE_READS_WITHIN_MS });
                assert.true((await onTab.textContent() ?? "").includes("Ceph reports HEALTH_WARN"), "the alert's summary on the Ceph tab");
                await screenshot(session.page, "storage-ceph-alert", frame);

                frame = await openFromMenu(session.page, "DebVisor", "debvisor/overview");
                const onOverview = frame.getByTestId("alerts-card").locator(`li[data-alert='${ALERT}']`);
                await onOverview.waitFor(WAIT);
                assert.true((await onOverview.textContent() ?? "").includes("Ceph reports HEALTH_WARN"), "and in the Overview's card");

                await c.run(["osd", "unset", "noout"]);
                await waitFor(`${ALERT} gone from Alertmanager once the cluster is healthy`, async () => !await alerted(ALERT), 90_000, 1000);
                await onOverview.waitFor({ state: "detached", timeout: PAGE_READS_WITHIN_MS });
                // the Storage page stayed open in the background: it reads the alerts again as it is shown, not at its next reading
                frame = await openCephTab(session.page);
                await frame.locator(`li[data-alert='${ALERT}']`).waitFor({ state: "detached", timeout: 5_000 });
                assert.equal(await frame.locator(`li[data-alert='${ALERT}']`).count(), 0, "nor on the Ceph tab, shown again");
            });
        } finally {
            await c.run(["osd", "unset", "noout"]).catch(() => "");
        }
    });
});
