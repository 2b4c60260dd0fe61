// Alerts end to end on the installed daemon and Debian's engines, started by
// the test on loopback ports of its own (Prometheus evaluating every second,
// node-exporter with its textfile, CPU and memory collectors, Alertmanager) with the
// shipped rules and Prometheus configuration: a notification target added on
// the bus reaches Alertmanager's configuration, its test alert reaches a
// webhook run by the test, and a TSIG key made overdue (its creation time set
// two days back in DNS state while debvisord was stopped) raises
// TsigKeyRotationOverdue, whose JSON the webhook gets within 60 s. Then who
// may list and silence; a ZFS mirror on files made degraded raises
// ZfsPoolDegraded, which is gone once the pool is repaired; a DHCP range
// whose lease file (dnsmasq's format) holds leases for all its addresses
// raises DhcpRangeNearlyExhausted, silenced and unsilenced; bad input, and
// that the engines refuse a caller without the secret. E-mail goes the way
// Alertmanager sends it (SMTP to localhost:25, where the test's SMTP receiver
// stands in for the host's MTA): a test and TsigKeyRotationOverdue arrive.
// Every notification attempt is listed as Alertmanager logged it: sent, to a
// webhook nobody listens on and to one that answers 500, retried and failed.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import QUnit from "qunit";
import { callAs, getProperty } from "../lib/call-as.js";
import { tempDir } from "../lib/images.js";
import { engineStatus, enginesMissing, MetricsEngines } from "../lib/metrics-engines.js";
import { moduleUnless, testUnless } from "../lib/skip.js";
import { mailText, SmtpReceiver, type ReceivedMail } from "../lib/smtp-receiver.js";
import { ADMIN, NOBODY, refusalOf, VIEWER } from "../lib/users.js";
import { waitFor } from "../lib/wait.js";
import { degradedMirror, destroyTestPool, zfsMissing } from "../lib/zfs.js";

const ALERTS = { path: "/org/debvisor/DebVisor1/alerts", iface: "org.debvisor.DebVisor1.Alerts" };
const DNS = { path: "/org/debvisor/DebVisor1/dns", iface: "org.debvisor.DebVisor1.Dns" };
const DNS_STATE = "/etc/debvisor/dns/state.json";
const KEY = `e2e-overdue-${Math.random().toString(36).slice(2, 7)}`;
const HOOK_TARGET = "e2e-hook";
const MAIL_TARGET = "e2e-mail";
const MAIL_TO = "ops@example.org";
/* Alertmanager sends e-mail to localhost:25: the test's SMTP receiver takes that port, unless an MTA has it. */
const port25Taken = (() => {
    try {
        return execFileSync("ss", ["-Hltn", "sport = :25"], { encoding: "utf8" }).trim() ? "something listens on port 25 already (an MTA): the test's SMTP receiver cannot" : null;
    } catch {
        return "ss (iproute2) is missing: cannot tell whether port 25 is free";
    }
})();
const DAY_MS = 24 * 3600 * 1000;
const LEASE_FILE = "/var/lib/misc/dnsmasq.leases";
const DHCP_RANGE = "e2e-full";

const alerts = (user: string | null, method: string, signature: string, body: unknown[]) => callAs(user, { ...ALERTS, method, signature, body });
const dns = (user: string | null, method: string, signature: string, body: unknown[]) => callAs(user, { ...DNS, method, signature, body });

interface Notification { receiver: string; status: string; alerts: Array<{ status: string; labels: Record<string, string> }> }
interface Attempt { Time: bigint; Target: string; Kind: string; Alerts: string[]; Outcome: string; Error: string; Attempts: number }

moduleUnless("alerts: a TSIG key overdue reaches a webhook through Prometheus and Alertmanager", enginesMissing(), hooks => {
    const dir = tempDir("dv-alerts-");
    const engines = new MetricsEngines(dir);
    const metricsDir = engines.metricsDir;
    const heard: Notification[] = [];
    let hook: http.Server | null = null;
    let hookPort = 0;
    let failedHookCalls = 0;
    const smtp = new SmtpReceiver();

    hooks.before(async () => {
        // /fail answers 500, as a receiver that is broken
        hook = http.createServer((req, res) => {
            const chunks: Buffer[] = [];
            req.on("data", (c: Buffer) => chunks.push(c));
            req.on("end", () => {
                if (req.url?.startsWith("/fail")) {
                    failedHookCalls++;
                    res.statusCode = 500;
                    res.end("the receiver is broken");
                    return;
                }
                heard.push(JSON.parse(Buffer.concat(chunks).toString("utf8")) as Notification);
                res.end();
            });
        });
        await new Promise<void>(resolve => hook!.listen(0, "127.0.0.1", resolve));
        hookPort = (hook.address() as AddressInfo).port;
        if (!port25Taken)
            await smtp.listen(25);
        await engines.start();
    });

    hooks.after(async () => {
        await dns(null, "DeleteKey", "sa{sv}", [KEY, {}]).catch(() => undefined);
        await engines.stop();
        await new Promise(resolve => hook?.close(resolve));
        await smtp.close();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    QUnit.test("a target added on the bus gets its test alert, and only it", async assert => {
        const add = await alerts(ADMIN.name, "AddNotificationTarget", "ssssa{sv}", [HOOK_TARGET, "webhook", `http://127.0.0.1:${hookPort}/alerts?token=t0k3n`, "warning", {}]);
        assert.true(add.ok, add.ok ? "added" : add.message);
        const targets = await getProperty(ALERTS.path, ALERTS.iface, "NotificationTargets") as Array<Record<string, unknown>>;
        assert.deepEqual(targets.map(t => [t.Name, t.Kind, t.Address, t.MinSeverity]), [[HOOK_TARGET, "webhook", `http://127.0.0.1:${hookPort}`, "warning"]],
            "the webhook shown by its origin only");
        // debvisord wrote Alertmanager's configuration with the test's grouping times (MetricsEngines.startDaemon)
        const written = JSON.parse(fs.readFileSync(path.join(metricsDir, "alertmanager.yml"), "utf8").replace(/^#.*\n/, "")) as { route: Record<string, unknown> };
        assert.deepEqual([written.route.group_wait, written.route.group_interval], ["1s", "5s"], "the test's group_wait and group_interval");
        const test = await alerts(ADMIN.name, "TestNotificationTarget", "sa{sv}", [HOOK_TARGET, {}]);
        assert.true(test.ok, test.ok ? "sent" : test.message);
        await waitFor("the test notification", () => heard.some(n => n.alerts.some(a => a.labels.alertname === "DebVisorTestNotification")), 30_000, 200);
        assert.equal(heard[0].receiver, `target-${HOOK_TARGET}`);
    });

    testUnless("e-mail: a target gets its test through SMTP on localhost:25, as Alertmanager sends to the host's MTA", port25Taken, async assert => {
        const add = await alerts(ADMIN.name, "AddNotificationTarget", "ssssa{sv}", [MAIL_TARGET, "email", MAIL_TO, "warning", {}]);
        assert.true(add.ok, add.ok ? "added" : add.message);
        const test = await alerts(ADMIN.name, "TestNotificationTarget", "sa{sv}", [MAIL_TARGET, {}]);
        assert.true(test.ok, test.ok ? "sent" : test.message);
        const isTest = (m: ReceivedMail) => mailText(m).includes("DebVisorTestNotification");
        await waitFor("the test e-mail", () => smtp.mails.some(m => m.to.includes(MAIL_TO) && isTest(m)), 30_000, 200);
        const mail = smtp.mails.find(m => m.to.includes(MAIL_TO) && isTest(m))!;
        assert.true(/^debvisor@/.test(mail.from), `from ${mail.from}`);
        assert.true(mailText(mail).includes(`A test notification for "${MAIL_TARGET}"`) || mailText(mail).includes(`A test notification for &#34;${MAIL_TARGET}&#34;`),
            "the body has the test's summary");
        assert.equal(smtp.mails.filter(m => isTest(m) && !m.to.includes(MAIL_TO)).length, 0, "no other address got it");
    });

    QUnit.test("every notification attempt is listed as Alertmanager logged it: sent, nobody listening, HTTP 500", async assert => {
        const closed = await new Promise<number>(resolve => {
            const probe = http.createServer().listen(0, "127.0.0.1", () => {
                const port = (probe.address() as AddressInfo).port;
                probe.close(() => resolve(port));
            });
        });
        for (const [name, url] of [["e2e-down", `http://127.0.0.1:${closed}/hook?token=d0wn-t0k3n`], ["e2e-500", `http://127.0.0.1:${hookPort}/fail?token=f41l-t0k3n`]]) {
            const add = await alerts(ADMIN.name, "AddNotificationTarget", "ssssa{sv}", [name, "webhook", url, "critical", {}]);
            assert.true(add.ok, add.ok ? `${name} added` : add.message);
            const test = await alerts(ADMIN.name, "TestNotificationTarget", "sa{sv}", [name, {}]);
            assert.true(test.ok, test.ok ? `${name} tested` : test.message);
        }
        let attempts: Attempt[] = [];
        const read = async () => {
            const r = await alerts(VIEWER.name, "ListNotifications", "a{sv}", [{}]);
            attempts = r.ok ? r.body[0] as Attempt[] : [];
            return r;
        };
        const of = (target: string, outcome: string) => attempts.find(a => a.Target === target && a.Outcome === outcome);
        await waitFor("the failed attempts in Alertmanager's log", async () => {
            await read();
            return of("e2e-down", "retrying") !== undefined && of("e2e-500", "retrying") !== undefined;
        }, 45_000, 500);
        // a target's notification lists all its alerts: its test, and any other of its severity firing on this host
        const testSent = (target: string) => attempts.find(a => a.Target === target && a.Outcome === "sent" && a.Alerts.includes("DebVisorTestNotification"));
        const sent = testSent(HOOK_TARGET);
        assert.deepEqual(sent && [sent.Kind, sent.Error, sent.Attempts], ["webhook", "", 1], "the webhook that answered: sent, with its alert");
        if (!port25Taken) {
            const mailed = testSent(MAIL_TARGET);
            assert.deepEqual(mailed && [mailed.Kind, mailed.Error], ["email", ""], "the e-mail: sent, with its alert");
        }
        const down = of("e2e-down", "retrying")!;
        assert.true(/connection refused/.test(down.Error) && down.Alerts.includes("DebVisorTestNotification"), `nobody listening: ${down.Error}`);
        const broken = of("e2e-500", "retrying")!;
        assert.true(/500/.test(broken.Error) && failedHookCalls > 0, `HTTP 500: ${broken.Error}`);
        assert.true(attempts.every(a => Number(a.Time) > 0 && !/t0k3n/.test(a.Error)), "each has its time; no webhook token is shown");
        assert.true(attempts.every((a, i) => i === 0 || a.Time <= attempts[i - 1].Time), "newest first");

        // Alertmanager gives up when the group's next turn comes (group_interval, a minute on a node; here 5 s,
        // and never sooner than its least, 10 s)
        await waitFor("Alertmanager to give up on the webhook nobody listens on", async () => {
            await read();
            return of("e2e-down", "failed") !== undefined;
        }, 120_000, 1000);
        const gaveUp = of("e2e-down", "failed")!;
        assert.true(/connection refused/.test(gaveUp.Error) && gaveUp.Attempts > 1, `failed after ${gaveUp.Attempts} attempts: ${gaveUp.Error}`);

        const nobody = await alerts(NOBODY.name, "ListNotifications", "a{sv}", [{}]);
        assert.equal(nobody.ok ? "" : nobody.errorName, refusalOf(NOBODY.name), "a user without a role learns nothing");
        const table = execFileSync("/usr/bin/debvisorctl", ["alerts", "notifications"], { encoding: "utf8" });
        assert.true(/e2e-down\s+webhook\s+failed/.test(table) && new RegExp(`${HOOK_TARGET}\\s+webhook\\s+sent`).test(table), table);
        for (const name of ["e2e-down", "e2e-500"]) {
            const removed = await alerts(ADMIN.name, "RemoveNotificationTarget", "sa{sv}", [name, {}]);
            assert.true(removed.ok, removed.ok ? `${name} removed` : removed.message);
        }
    });

    QUnit.test("a TSIG key overdue for rotation: the alert's JSON reaches the webhook within 60 s", async assert => {
        const made = await dns(ADMIN.name, "GenerateKey", "sa{sv}", [KEY, { "rotation-days": ["u", 1] }]);
        assert.true(made.ok, made.ok ? "key made" : made.message);
        // the injected time: the key's secret made two days ago, while the daemon is stopped
        await engines.stopDaemon();
        const state = JSON.parse(fs.readFileSync(DNS_STATE, "utf8")) as { keys: Record<string, { created: number }> };
        state.keys[KEY].created = Date.now() - 2 * DAY_MS;
        fs.writeFileSync(DNS_STATE, JSON.stringify(state, null, 2));
        await engines.startDaemon();
        const since = Date.now();
        const overdue = () => heard.find(n => n.status === "firing" && n.alerts.some(a => a.labels.alertname === "TsigKeyRotationOverdue" && a.labels.key === KEY));
        await waitFor("TsigKeyRotationOverdue at the webhook", () => overdue() !== undefined, 60_000, 200);
        const alert = overdue()!.alerts.find(a => a.labels.key === KEY)!;
        assert.deepEqual([alert.status, alert.labels.severity], ["firing", "warning"]);
        assert.true(Date.now() - since < 60_000, `${Date.now() - since} ms`);
        if (!port25Taken) {
            const mailed = () => smtp.mails.find(m => m.to.includes(MAIL_TO) && mailText(m).includes("TsigKeyRotationOverdue"));
            await waitFor("TsigKeyRotationOverdue by e-mail", () => mailed() !== undefined, 30_000, 200);
            assert.true(mailText(mailed()!).includes(KEY), "the e-mail names the key");
        }

        // viewers see it; only admins silence it
        const listed = await alerts(VIEWER.name, "ListAlerts", "a{sv}", [{}]);
        assert.true(listed.ok && (listed.body[0] as Array<Record<string, unknown>>).some(a => a.Name === "TsigKeyRotationOverdue"), "listed for a viewer");
        const denied = await alerts(VIEWER.name, "Silence", "a{ss}usa{sv}", [{ alertname: "TsigKeyRotationOverdue" }, 3600, "", {}]);
        assert.equal(denied.ok ? "" : denied.errorName, "org.debvisor.DebVisor1.Error.NotAuthorized");
        const silenced = await alerts(ADMIN.name, "Silence", "a{ss}usa{sv}", [{ alertname: "TsigKeyRotationOverdue", key: KEY }, 3600, "rotating tonight", {}]);
        assert.true(silenced.ok && /^[0-9a-f-]{36}$/.test(String(silenced.body[0])), silenced.ok ? String(silenced.body[0]) : silenced.message);
        await waitFor("the alert to be suppressed", async () => {
            const r = await alerts(ADMIN.name, "ListAlerts", "a{sv}", [{}]);
            return r.ok && (r.body[0] as Array<Record<string, unknown>>).some(a => a.Name === "TsigKeyRotationOverdue" && a.State === "suppressed");
        }, 20_000, 250);
    });

    testUnless("a ZFS mirror on files made degraded: ZfsPoolDegraded reaches the webhook; repaired, the alert is gone",
        zfsMissing(), async assert => {
            const pool = `dvalert${Math.random().toString(36).slice(2, 7)}`;
            try {
                const files = degradedMirror(pool, dir);
                const degraded = () => heard.find(n => n.status === "firing" && n.alerts.some(a => a.labels.alertname === "ZfsPoolDegraded" && a.labels.pool === pool));
                await waitFor("ZfsPoolDegraded at the webhook", () => degraded() !== undefined, 60_000, 200);
                assert.equal(degraded()!.alerts.find(a => a.labels.pool === pool)!.labels.severity, "critical");
                // whether the pool's alert is listed (null: the list could not be read)
                const listed = async () => {
                    const r = await alerts(VIEWER.name, "ListAlerts", "a{sv}", [{}]);
                    return r.ok ? (r.body[0] as Array<Record<string, unknown>>).some(a => a.Name === "ZfsPoolDegraded" &&
                        (a.Labels as Record<string, string>).pool === pool) : null;
                };
                assert.equal(await listed(), true, "listed while degraded");
                // the pool's capacity trend, as the Storage page reads it
                const trend = await callAs(VIEWER.name, { path: "/org/debvisor/DebVisor1/metrics", iface: "org.debvisor.DebVisor1.Metrics",
                                                          method: "History", signature: "sua{sv}", body: ["zfs-pool-used", 300, { pool: ["s", pool] }] });
                const fill = trend.ok ? trend.body[1] as Array<[bigint, number]> : [];
                assert.true(fill.length > 0 && fill.every(([, v]) => v >= 0 && v < 1), `zfs-pool-used: ${trend.ok ? `${fill.length} points, last ${fill.at(-1)?.[1]}` : trend.message}`);
                execFileSync("zpool", ["online", pool, files[1]], { stdio: "pipe" });
                await waitFor("the alert to be gone once the pool is ONLINE again", async () => await listed() === false, 60_000, 500);
            } finally {
                await destroyTestPool(pool);
            }
        });

    QUnit.test("a DHCP range over 90 % leased (a real lease file) fires; a silence hides it, unsilencing brings it back", async assert => {
        const saved = await getProperty(DNS.path, DNS.iface, "DhcpRanges") as Array<Record<string, unknown>>;
        const leasesBefore = fs.existsSync(LEASE_FILE) ? fs.readFileSync(LEASE_FILE, "utf8") : null;
        const range = { Name: ["s", DHCP_RANGE], Interface: ["s", "br0"], Start: ["s", "10.254.99.10"], End: ["s", "10.254.99.19"],
                        Netmask: ["s", "255.255.255.0"], LeaseSeconds: ["t", 3600], DnsServer: ["s", ""] };
        const asRanges = (list: Array<Record<string, unknown>>) =>
            list.map(r => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, [k === "LeaseSeconds" ? "t" : "s", v]])));
        // whether the range's alert is listed, and its state and silences (null: not listed)
        const listed = async () => {
            const r = await alerts(ADMIN.name, "ListAlerts", "a{sv}", [{}]);
            const a = r.ok ? (r.body[0] as Array<Record<string, unknown>>).find(x => x.Name === "DhcpRangeNearlyExhausted" &&
                (x.Labels as Record<string, string>).range === DHCP_RANGE) : undefined;
            return a ? { state: String(a.State), silencedBy: a.SilencedBy as string[] } : null;
        };
        try {
            const set = await dns(ADMIN.name, "SetDhcpRanges", "aa{sv}a{sv}", [[...asRanges(saved.filter(r => r.Name !== DHCP_RANGE)), range], {}]);
            assert.true(set.ok, set.ok ? "range set" : set.message);
            // 10 addresses, 10 leases in force (dnsmasq's format: expiry MAC address hostname client-id), one expired beside them
            const expiry = Math.floor(Date.now() / 1000) + 3600;
            const lines = Array.from({ length: 10 }, (_, i) => `${expiry} 52:54:00:00:99:${String(10 + i).padStart(2, "0")} 10.254.99.${10 + i} guest${i} *`);
            lines.push(`${expiry - 7200} 52:54:00:00:98:01 10.254.99.10 old *`);
            fs.mkdirSync(path.dirname(LEASE_FILE), { recursive: true });
            fs.writeFileSync(LEASE_FILE, `${lines.join("\n")}\n`);
            await waitFor("DhcpRangeNearlyExhausted", async () => (await listed())?.state === "active", 90_000, 500);
            assert.deepEqual(await listed(), { state: "active", silencedBy: [] }, "fired, silenced by nothing");

            const silenced = await alerts(ADMIN.name, "Silence", "a{ss}usa{sv}", [{ alertname: "DhcpRangeNearlyExhausted", range: DHCP_RANGE }, 3600, "more addresses tomorrow", {}]);
            assert.true(silenced.ok, silenced.ok ? "silenced" : silenced.message);
            const id = silenced.ok ? String(silenced.body[0]) : "";
            await waitFor("the alert to be suppressed", async () => (await listed())?.state === "suppressed", 20_000, 250);
            assert.deepEqual((await listed())?.silencedBy, [id], "SilencedBy names the silence");

            const viewer = await alerts(VIEWER.name, "Unsilence", "sa{sv}", [id, {}]);
            assert.equal(viewer.ok ? "" : viewer.errorName, "org.debvisor.DebVisor1.Error.NotAuthorized", "a viewer cannot unsilence");
            const bad = await alerts(ADMIN.name, "Unsilence", "sa{sv}", ["not-an-id", {}]);
            assert.true(!bad.ok && bad.errorName.endsWith("InvalidArgument"), bad.ok ? "accepted" : bad.message);
            const unknown = await alerts(ADMIN.name, "Unsilence", "sa{sv}", ["00000000-0000-4000-8000-000000000000", {}]);
            assert.true(!unknown.ok && unknown.errorName.endsWith("NotFound"), unknown.ok ? "accepted" : unknown.message);
            assert.equal((await listed())?.state, "suppressed", "still silenced after the refused calls");

            const unsilenced = await alerts(ADMIN.name, "Unsilence", "sa{sv}", [id, {}]);
            assert.true(unsilenced.ok, unsilenced.ok ? "unsilenced" : unsilenced.message);
            await waitFor("the alert to be active again", async () => (await listed())?.state === "active", 20_000, 250);
            const again = await alerts(ADMIN.name, "Unsilence", "sa{sv}", [id, {}]);
            assert.true(!again.ok && again.errorName.endsWith("NotFound"), "an ended silence cannot be ended twice");
            const tail = await callAs(null, { path: "/org/debvisor/DebVisor1/manager", iface: "org.debvisor.DebVisor1.Manager", method: "AuditTail", signature: "ua{sv}", body: [100, {}] });
            const records = (tail.ok ? tail.body[0] : []) as Array<Record<string, unknown>>;
            assert.true(records.some(r => r.Method === "Alerts.Unsilence" && r.User === ADMIN.name && r.Phase === "end" && r.Result === "ok"), "the audit log holds the unsilence");
        } finally {
            if (leasesBefore === null)
                fs.rmSync(LEASE_FILE, { force: true });
            else
                fs.writeFileSync(LEASE_FILE, leasesBefore);
            await dns(ADMIN.name, "SetDhcpRanges", "aa{sv}a{sv}", [asRanges(saved), {}]);
        }
    });

    QUnit.test("how long history is kept: admins change it (checked, audited), Prometheus starts with it through the shipped drop-in", async assert => {
        const METRICS = { path: "/org/debvisor/DebVisor1/metrics", iface: "org.debvisor.DebVisor1.Metrics" };
        const envFile = path.join(metricsDir, "prometheus.env");
        const set = (user: string, days: number) => callAs(user, { ...METRICS, method: "SetHistoryRetention", signature: "ua{sv}", body: [days, {}] });
        const flags = async () => {
            const r = await new Promise<string>((resolve, reject) => http.get(`http://127.0.0.1:${engines.ports.prometheus}/api/v1/status/flags`,
                { headers: { authorization: `Basic ${Buffer.from(`debvisor:${engines.secret()}`).toString("base64")}` } }, res => {
                    let body = "";
                    res.on("data", (c: Buffer) => { body += c.toString() });
                    res.on("end", () => resolve(body));
                }).on("error", reject));
            return (JSON.parse(r) as { data: Record<string, string> }).data["storage.tsdb.retention.time"];
        };
        assert.equal(await getProperty(METRICS.path, METRICS.iface, "HistoryRetentionDays"), 30, "30 days by default");
        assert.equal(await flags(), "30d", "Prometheus runs with the drop-in's default");

        const viewer = await set(VIEWER.name, 90);
        assert.equal(viewer.ok ? "" : viewer.errorName, "org.debvisor.DebVisor1.Error.NotAuthorized", "a viewer cannot change it");
        for (const days of [0, 3651]) {
            const bad = await set(ADMIN.name, days);
            assert.true(!bad.ok && bad.errorName.endsWith("InvalidArgument") && /days/.test(bad.message), `${days}: ${bad.ok ? "accepted" : bad.message}`);
        }
        assert.false(fs.existsSync(envFile), "nothing written for refused calls");

        const ok = await set(ADMIN.name, 90);
        assert.true(ok.ok, ok.ok ? "set" : ok.message);
        assert.equal(await getProperty(METRICS.path, METRICS.iface, "HistoryRetentionDays"), 90);
        assert.true(/^DEBVISOR_RETENTION=90d$/m.test(fs.readFileSync(envFile, "utf8")), "the drop-in's environment file");
        assert.equal(execFileSync("/usr/bin/debvisorctl", ["history-retention"], { encoding: "utf8" }).trim(), "90 days", "debvisorctl shows it");
        // the test host has no systemd to restart prometheus.service: the harness restarts it as the drop-in says
        await engines.restartPrometheus();
        assert.equal(await flags(), "90d", "Prometheus runs with 90 days");
        const tail = await callAs(null, { path: "/org/debvisor/DebVisor1/manager", iface: "org.debvisor.DebVisor1.Manager", method: "AuditTail", signature: "ua{sv}", body: [100, {}] });
        const records = (tail.ok ? tail.body[0] : []) as Array<Record<string, unknown>>;
        assert.true(records.some(r => r.Method === "Metrics.SetHistoryRetention" && r.User === ADMIN.name && r.Phase === "end" && r.Result === "ok"), "audited");
        assert.true(records.some(r => r.Method === "Metrics.SetHistoryRetention" && r.User === VIEWER.name && r.Phase === "denied"), "the refusal is audited too");
        const back = await set(ADMIN.name, 30);
        assert.true(back.ok, back.ok ? "back to 30" : back.message);
    });

    QUnit.test("the node's CPU and memory history, read through debvisord by a viewer", async assert => {
        const METRICS = { path: "/org/debvisor/DebVisor1/metrics", iface: "org.debvisor.DebVisor1.Metrics" };
        const history = (user: string, series: string, range: number) => callAs(user, { ...METRICS, method: "History", signature: "sua{sv}", body: [series, range, {}] });
        for (const series of ["node-cpu", "node-memory"]) {
            let points: Array<[bigint | number, number]> = [];
            await waitFor(`${series} to have points`, async () => {
                const r = await history(VIEWER.name, series, 300);
                points = r.ok ? r.body[1] as Array<[number, number]> : [];
                return points.length >= 2;
            }, 30_000, 500);
            assert.true(points.every(([t, v]) => Number(t) > 0 && v >= 0 && v <= 1), `${series}: ${points.length} points from 0 to 1`);
        }
        const bad = await history(VIEWER.name, "rm -rf", 300);
        assert.true(!bad.ok && /must be one of node-cpu, node-memory/.test(bad.message), "only named series");
        const tooLong = await history(VIEWER.name, "node-cpu", 400 * 86400);
        assert.true(!tooLong.ok && /at most/.test(tooLong.message), "the range is bounded");
    });

    QUnit.test("bad input changes nothing; the engines refuse a caller without the secret", async assert => {
        const before = fs.readFileSync(path.join(metricsDir, "alertmanager.yml"), "utf8");
        for (const [args, pattern] of [
            [["x", "webhook", "ftp://127.0.0.1/", "warning"], /address: must be an http/],
            [["x", "webhook", "http://user:pw@127.0.0.1/", "warning"], /user name or password/],
            [["x", "email", "not an address", "warning"], /e-mail address/],
            [["x", "sms", "123", "warning"], /kind/],
            [["x", "email", "a@b.org", "loud"], /min_severity/],
            [[HOOK_TARGET, "email", "a@b.org", "info"], /exists already/],
            [["../x", "email", "a@b.org", "info"], /name/],
        ] as Array<[string[], RegExp]>) {
            const r = await alerts(ADMIN.name, "AddNotificationTarget", "ssssa{sv}", [...args, {}]);
            assert.true(!r.ok && r.errorName.endsWith("InvalidArgument") && pattern.test(r.message), `${args.join(" ")}: ${r.ok ? "accepted" : r.message}`);
        }
        const none = await alerts(ADMIN.name, "Silence", "a{ss}usa{sv}", [{}, 3600, "", {}]);
        assert.true(!none.ok && /at least one label/.test(none.message), "a silence of everything is refused");
        assert.equal(fs.readFileSync(path.join(metricsDir, "alertmanager.yml"), "utf8"), before, "Alertmanager's configuration unchanged");
        for (const url of [`http://127.0.0.1:${engines.ports.prometheus}/api/v1/query?query=up`, `http://127.0.0.1:${engines.ports.alertmanager}/api/v2/alerts`, `http://127.0.0.1:${engines.ports.node}/metrics`])
            assert.equal(await engineStatus(url), 401, `${url} without the secret`);
        const removed = await alerts(ADMIN.name, "RemoveNotificationTarget", "sa{sv}", [HOOK_TARGET, {}]);
        assert.true(removed.ok, removed.ok ? "removed" : removed.message);
    });
});
