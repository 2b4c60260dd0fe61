// The metrics and alerting pieces without a bus: the exposition format
// node-exporter reads, the gauges made from the areas' objects, Alertmanager's
// configuration made from notification targets (checked by Alertmanager's own
// amtool), the shipped alert rules (checked by promtool), and the engines'
// bcrypt hash (checked against the C library's crypt).
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import QUnit from "qunit";
import { exposition } from "../../helpers/debvisord/metrics/exposition.js";
import { objectFamilies } from "../../helpers/debvisord/metrics/object-metrics.js";
import { alertmanagerConfig, groupTimes, shownAddress, type NotificationTarget } from "../../helpers/debvisord/metrics/notification-targets.js";
import { parseNotificationLog, redactUrls } from "../../helpers/debvisord/metrics/notification-log.js";
import { readRetentionDays, writeRetentionDays } from "../../helpers/debvisord/metrics/retention.js";
import { bcryptHash, ensureEngineSecret, enginePaths } from "../../helpers/debvisord/metrics/engine-setup.js";
import { MetricsTextfile, writeInterval } from "../../helpers/debvisord/metrics/textfile.js";
import { DaemonMetrics } from "../../helpers/debvisord/metrics/daemon-metrics.js";
import { notAuthorized } from "../../helpers/lib/errors.js";
import { bytesPerSecond, graphPath, percent, rateScale } from "../../pkg/lib/history-graph.js";
import { machineFamilies, machineSample, MachineStats } from "../../helpers/debvisord/metrics/machine-stats.js";
import { seriesQuery } from "../../helpers/debvisord/metrics/history.js";
import { rangeUsage } from "../../helpers/lib/dhcp-ranges.js";
import { flattenVdevs } from "../../helpers/debvisord/zfs/bus-values.js";
import type { Vdev } from "../../helpers/debvisord/zfs/parse.js";
import { testUnless } from "../lib/skip.js";

const vdev = (name: string, checksum: number) => ({ name, type: "file", section: "data", state: "ONLINE", read: 0, write: 0, checksum, note: "", children: [] }) as Vdev;
const RULES = path.resolve("monitoring/rules/debvisor.rules.yml");
const has = (tool: string) => spawnSync("sh", ["-c", `command -v ${tool}`]).status === 0;
const target = (t: Partial<NotificationTarget>): NotificationTarget =>
    ({ name: "ops", kind: "webhook", address: "http://127.0.0.1:1/hook", minSeverity: "warning", added: 0, addedByUid: 0, ...t });

QUnit.module("metrics: exposition format", () => {
    QUnit.test("label values are escaped, families without samples left out, special values spelled as Prometheus reads them", assert => {
        const text = exposition([
            { name: "debvisor_x", type: "gauge", help: "an x", samples: [{ labels: { name: "a\"b\\c\nd" }, value: 1.5 }, { value: Number.POSITIVE_INFINITY }] },
            { name: "debvisor_empty", type: "counter", help: "none", samples: [] },
        ]);
        assert.equal(text, "# HELP debvisor_x an x\n# TYPE debvisor_x gauge\ndebvisor_x{name=\"a\\\"b\\\\c\\nd\"} 1.5\ndebvisor_x +Inf\n");
    });

    QUnit.test("a bad metric or label name is refused rather than written", assert => {
        assert.throws(() => exposition([{ name: "debvisor-x", type: "gauge", help: "", samples: [{ value: 1 }] }]), /not a metric name/);
        assert.throws(() => exposition([{ name: "debvisor_x", type: "gauge", help: "", samples: [{ labels: { "a-b": "1" }, value: 1 }] }]), /not a label name/);
    });
});

QUnit.module("metrics: what the areas' objects say", () => {
    const objects: Record<string, Array<Record<string, unknown>>> = {
        "org.debvisor.DebVisor1.DnsKey": [
            { Name: "k1", Created: 1_000_000_000n, RotationDue: 2_000_000_000n },
            { Name: "never", Created: 1_000_000_000n, RotationDue: 0n },
        ],
        "org.debvisor.DebVisor1.ZfsPool": [{
            Name: "tank", Health: "DEGRADED", Size: 100n, Allocated: 85n,
            Vdevs: flattenVdevs([{ name: "mirror-0", checksum: 3, children: [vdev("a", 1), vdev("b", 2)] } as Vdev, vdev("c", 4)]),
        }],
        "org.debvisor.DebVisor1.ZfsDataset": [{ Name: "tank/a", Pool: "tank", Type: "filesystem", Used: 9n, Available: 1n }, { Name: "tank/a@s", Type: "snapshot", Used: 1n }],
        "org.debvisor.DebVisor1.Machine": [{ UUID: "u1", Name: "web", State: "crashed" }],
        "org.debvisor.DebVisor1.BackupSchedule": [
            { Name: "nightly", Repository: "nas", LastResult: "failed" },
            { Name: "weekly", Repository: "nas", LastResult: "succeeded" },
            { Name: "new", Repository: "usb", LastResult: "" },
        ],
    };
    const text = exposition(objectFamilies({ objectsWith: iface => (objects[iface] ?? []).map(props => ({ path: "/x", props })) }));

    QUnit.test("TSIG keys: created and due in seconds; a key never due has no due time", assert => {
        assert.true(text.includes("debvisor_tsig_key_created_timestamp_seconds{key=\"k1\"} 1000\n"));
        assert.true(text.includes("debvisor_tsig_key_rotation_due_timestamp_seconds{key=\"k1\"} 2000\n"));
        assert.false(text.includes("debvisor_tsig_key_rotation_due_timestamp_seconds{key=\"never\"}"));
    });

    QUnit.test("ZFS: an unhealthy pool, its fill, checksum errors of the leaf devices only, datasets but not snapshots", assert => {
        assert.true(text.includes("debvisor_zfs_pool_healthy{pool=\"tank\",health=\"DEGRADED\"} 0\n"));
        assert.true(text.includes("debvisor_zfs_pool_used_ratio{pool=\"tank\"} 0.85\n"));
        assert.true(text.includes("debvisor_zfs_pool_checksum_errors{pool=\"tank\"} 7\n"));
        assert.true(text.includes("debvisor_zfs_dataset_used_ratio{dataset=\"tank/a\",pool=\"tank\"} 0.9\n"));
        assert.false(text.includes("tank/a@s"));
    });

    QUnit.test("machines: 1 for the state each is in", assert => {
        assert.true(text.includes("debvisor_machine_state{uuid=\"u1\",name=\"web\",state=\"crashed\"} 1\n"));
        assert.true(text.includes("debvisor_machine_state{uuid=\"u1\",name=\"web\",state=\"running\"} 0\n"));
    });

    QUnit.test("backup schedules: 1 while the last run failed, 0 after a success or before any run", assert => {
        assert.true(text.includes("debvisor_backup_schedule_last_run_failed{schedule=\"nightly\",repository=\"nas\"} 1\n"));
        assert.true(text.includes("debvisor_backup_schedule_last_run_failed{schedule=\"weekly\",repository=\"nas\"} 0\n"));
        assert.true(text.includes("debvisor_backup_schedule_last_run_failed{schedule=\"new\",repository=\"usb\"} 0\n"));
    });
});

QUnit.module("metrics: cluster members seen from this node", () => {
    QUnit.test("the other members that answer are 1, those that do not 0; this node, one in maintenance and one not tried yet are left out", assert => {
        const nodes = [
            { Name: "self", Self: true, Health: "up", Maintenance: false }, { Name: "b", Self: false, Health: "up", Maintenance: false },
            { Name: "c", Self: false, Health: "down", Maintenance: false }, { Name: "d", Self: false, Health: "down", Maintenance: true },
            { Name: "e", Self: false, Health: "unknown", Maintenance: false },
        ];
        const text = exposition(objectFamilies({ objectsWith: iface => iface === "org.debvisor.DebVisor1.Cluster" ? [{ path: "/c", props: { Nodes: nodes } }] : [] }));
        assert.deepEqual(text.split("\n").filter(l => l.startsWith("debvisor_cluster_member_up")),
            ["debvisor_cluster_member_up{node=\"b\"} 1", "debvisor_cluster_member_up{node=\"c\"} 0"]);
    });

    testUnless("promtool test rules: ClusterMemberDown after a minute without an answer, gone when the member answers again",
        has("promtool") ? null : "promtool (prometheus) is not installed", assert => {
            promtoolTestRules(assert, `    input_series:
      - series: 'debvisor_cluster_member_up{node="b"}'
        values: '1 1 0 0 0 1 1'
      - series: 'debvisor_cluster_member_up{node="c"}'
        values: '1x6'
    alert_rule_test:
      - eval_time: 2m
        alertname: ClusterMemberDown
        exp_alerts: []
      - eval_time: 3m
        alertname: ClusterMemberDown
        exp_alerts:
          - exp_labels: { severity: critical, node: b }
            exp_annotations:
              summary: "Cluster member b does not answer"
              description: "This node's debvisord has had no answer from b for a minute or more: the member is down, its debvisord is, or the cluster's network is. A member put in maintenance is not alerted about."
      - eval_time: 5m
        alertname: ClusterMemberDown
        exp_alerts: []
`);
        });
});

QUnit.module("metrics: the daemon's own counts and the textfile", () => {
    QUnit.test("calls are counted by outcome; a denial is told apart from a failure", async assert => {
        const metrics = new DaemonMetrics();
        const call = { iface: "org.debvisor.DebVisor1.Alerts", method: { name: "Silence" } } as never;
        await metrics.instrument(async () => [])(call);
        await metrics.instrument(async () => { throw notAuthorized("no") })(call).catch(() => undefined);
        await metrics.instrument(async () => { throw new Error("boom") })(call).catch(() => undefined);
        metrics.jobFinished("machine-backup", "failed", 2.5);
        const text = exposition(metrics.families());
        for (const outcome of ["ok", "denied", "failed"])
            assert.true(text.includes(`debvisor_calls_total{area="Alerts",method="Silence",outcome="${outcome}"} 1\n`), outcome);
        assert.true(text.includes("debvisor_jobs_finished_total{operation=\"machine-backup\",state=\"failed\"} 1\n"));
        const fresh = exposition(new DaemonMetrics().families());
        assert.true(fresh.includes("debvisor_jobs_finished_total{operation=\"machine-backup\",state=\"failed\"} 0\n"),
            "a failed backup's series is there at 0 before any job ended, so that its first failure is an increase");
        assert.true(text.includes("debvisor_job_duration_seconds_total{operation=\"machine-backup\",state=\"failed\"} 2.5\n"));
    });

    QUnit.test("the file is replaced whole and not written where node-exporter's directory is missing", assert => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dv-textfile-"));
        try {
            const file = path.join(dir, "debvisor.prom");
            const writer = new MetricsTextfile([() => []], file, () => 42_000);
            assert.equal(writer.write(), "");
            assert.equal(fs.readFileSync(file, "utf8"), "# HELP debvisor_metrics_written_timestamp_seconds When debvisord last wrote this file.\n" +
                "# TYPE debvisor_metrics_written_timestamp_seconds gauge\ndebvisor_metrics_written_timestamp_seconds 42\n");
            assert.deepEqual(fs.readdirSync(dir), ["debvisor.prom"], "no temporary file left");
            assert.true(/does not exist/.test(new MetricsTextfile([], path.join(dir, "none", "x.prom")).write()));
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    QUnit.test("debvisord writes its metrics every 15 s on a node, as often as a test's DEBVISOR_METRICS_INTERVAL_MS says", assert => {
        assert.equal(writeInterval({}), 15_000);
        assert.equal(writeInterval({ DEBVISOR_METRICS_INTERVAL_MS: "2000" }), 2000);
        for (const bad of ["0", "999", "3600001", "2s", "1e4", " 2000"])
            assert.throws(() => writeInterval({ DEBVISOR_METRICS_INTERVAL_MS: bad }), /DEBVISOR_METRICS_INTERVAL_MS must be/, bad);
    });
});

QUnit.module("metrics: Alertmanager's configuration from the notification targets", () => {
    const targets = [target({}), target({ name: "mail", kind: "email", address: "root@example.org", minSeverity: "critical" })];
    const config = alertmanagerConfig(targets, "node1", groupTimes({})) as { route: { routes: Array<{ receiver: string; matchers: string[]; continue?: boolean }> } };

    QUnit.test("each target takes its severity and worse and its own test alert, in one group", assert => {
        assert.deepEqual(config.route.routes.map(r => [r.receiver, r.matchers, r.continue]), [
            ["target-ops", ["severity=~\"warning|critical\"", "debvisor_test_target=~\"|ops\""], true],
            ["target-mail", ["severity=~\"critical\"", "debvisor_test_target=~\"|mail\""], true],
        ]);
        assert.deepEqual((config.route as unknown as { group_by: string[] }).group_by, [], "one group per route: the log's flush names the target");
        const dotted = alertmanagerConfig([target({ name: "a.b" })], "node1") as typeof config;
        assert.equal(dotted.route.routes[0].matchers[1], "debvisor_test_target=~\"|a\\.b\"", "a name is quoted as a regular expression");
    });

    testUnless("amtool check-config accepts it", has("amtool") ? null : "amtool (prometheus-alertmanager) is not installed", assert => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dv-am-"));
        try {
            fs.writeFileSync(path.join(dir, "alertmanager.yml"), JSON.stringify(config));
            const r = spawnSync("amtool", ["check-config", path.join(dir, "alertmanager.yml")], { encoding: "utf8" });
            assert.equal(r.status, 0, r.stdout + r.stderr);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    QUnit.test("a node groups for 10 s and notifies a group again after a minute; a test's debvisord shortens both, a bad value is refused", assert => {
        const route = (times = groupTimes({})) => (alertmanagerConfig(targets, "node1", times) as { route: Record<string, unknown> }).route;
        assert.deepEqual([route().group_wait, route().group_interval, route().repeat_interval], ["10s", "1m", "4h"], "a node's times");
        const shortened = groupTimes({ DEBVISOR_ALERTMANAGER_GROUP_WAIT: "1s", DEBVISOR_ALERTMANAGER_GROUP_INTERVAL: "5s" });
        assert.deepEqual([route(shortened).group_wait, route(shortened).group_interval], ["1s", "5s"], "a test's");
        assert.deepEqual(groupTimes({ DEBVISOR_ALERTMANAGER_GROUP_WAIT: "" }), groupTimes({}), "empty is unset");
        for (const bad of ["0s", "5", "1m30s", "-1s", "10s; rm"])
            assert.throws(() => groupTimes({ DEBVISOR_ALERTMANAGER_GROUP_INTERVAL: bad }), /DEBVISOR_ALERTMANAGER_GROUP_INTERVAL must be a duration/, bad);
    });

    QUnit.test("a webhook's URL is shown by its origin only (it may hold a token)", assert => {
        assert.equal(shownAddress(target({ address: "https://hooks.example.org:8443/T0/secret?token=x" })), "https://hooks.example.org:8443");
        assert.equal(shownAddress(target({ kind: "email", address: "a@b.org" })), "a@b.org");
    });
});

// Lines as Alertmanager 0.25 (Debian 12) wrote them with --log.level=debug --log.format=json, for a webhook that
// answered, one that refused the connection, one that answered 500 and an e-mail target without an MTA.
const AM_LOG = [
    '{"aggrGroup":"{}/{severity=~\\"warning|critical\\",debvisor_test_target=~\\"|ok\\"}:{}","alerts":"[TsigKeyRotationOverdue[085c6e3][active] ZfsPoolDegraded[1a2b3c4][resolved]]","caller":"dispatch.go:515","component":"dispatcher","level":"debug","msg":"flushing","ts":"2026-12-06T00:01:35.096Z"}',
    '{"alert":"TsigKeyRotationOverdue[085c6e3][active]","caller":"dispatch.go:163","component":"dispatcher","level":"debug","msg":"Received alert","ts":"2026-12-06T00:01:35.097Z"}',
    '{"attempts":1,"caller":"notify.go:743","component":"dispatcher","integration":"webhook[0]","level":"debug","msg":"Notify success","receiver":"target-ok","ts":"2026-12-06T00:01:35.103Z"}',
    '{"aggrGroup":"{}/{severity=~\\"warning|critical\\",debvisor_test_target=~\\"|down\\\\\\\\.hook\\"}:{}","alerts":"[DebVisorTestNotification[6da20c4][active]]","caller":"dispatch.go:515","component":"dispatcher","level":"debug","msg":"flushing","ts":"2026-12-06T00:01:35.161Z"}',
    '{"attempts":1,"caller":"notify.go:732","component":"dispatcher","err":"Post \\"http://127.0.0.1:1/x?token=secret2\\": dial tcp 127.0.0.1:1: connect: connection refused","integration":"webhook[0]","level":"warn","msg":"Notify attempt failed, will retry later","receiver":"target-down.hook","ts":"2026-12-06T00:01:35.164Z"}',
    '{"attempts":1,"caller":"notify.go:732","component":"dispatcher","err":"unexpected status code 500: https://hooks.example.org/500?token=secret3: boom","integration":"webhook[0]","level":"warn","msg":"Notify attempt failed, will retry later","receiver":"target-e500","ts":"2026-12-06T00:01:35.243Z"}',
    'not JSON at all: Notify',
    '{"caller":"dispatch.go:352","component":"dispatcher","err":"target-down.hook/webhook[0]: notify retry canceled after 7 attempts: Post \\"http://127.0.0.1:1/x?token=secret2\\": dial tcp 127.0.0.1:1: connect: connection refused","level":"error","msg":"Notify for alerts failed","num_alerts":1,"ts":"2026-12-06T00:01:45.163Z"}',
    '{"caller":"dispatch.go:352","component":"dispatcher","err":"target-mail/email[0]: notify retry canceled after 7 attempts: establish connection to server: dial tcp 127.0.0.1:25: connect: connection refused","level":"error","msg":"Notify for alerts failed","num_alerts":1,"ts":"2026-12-06T00:01:45.288Z"}',
];

// Lines as Alertmanager 0.28.1 (Debian 13's prometheus-alertmanager 0.28.1+ds-1) wrote them with the shipped drop-in's
// --log.level=debug --log.format=json, for the same four kinds of target and one alert (group_interval cut to 15 s):
// slog's keys; a flush's group is written as {} (its route is not named there), and a success names its alerts itself.
const AM_028_LOG = [
    "{\"time\":\"2026-12-06T04:04:00.623273845Z\",\"level\":\"DEBUG\",\"source\":\"dispatch.go:530\",\"msg\":\"flushing\",\"component\":\"dispatcher\",\"aggrGroup\":{},\"alerts\":\"[TsigKeyRotationOverdue[eeffe77][active]]\"}",
    "{\"time\":\"2026-12-06T04:04:00.62679441Z\",\"level\":\"DEBUG\",\"source\":\"dispatch.go:530\",\"msg\":\"flushing\",\"component\":\"dispatcher\",\"aggrGroup\":{},\"alerts\":\"[TsigKeyRotationOverdue[eeffe77][active]]\"}",
    "{\"time\":\"2026-12-06T04:04:00.627140207Z\",\"level\":\"DEBUG\",\"source\":\"dispatch.go:530\",\"msg\":\"flushing\",\"component\":\"dispatcher\",\"aggrGroup\":{},\"alerts\":\"[TsigKeyRotationOverdue[eeffe77][active]]\"}",
    "{\"time\":\"2026-12-06T04:04:00.627468751Z\",\"level\":\"DEBUG\",\"source\":\"dispatch.go:530\",\"msg\":\"flushing\",\"component\":\"dispatcher\",\"aggrGroup\":{},\"alerts\":\"[TsigKeyRotationOverdue[eeffe77][active]]\"}",
    "{\"time\":\"2026-12-06T04:04:00.637263031Z\",\"level\":\"WARN\",\"source\":\"notify.go:865\",\"msg\":\"Notify attempt failed, will retry later\",\"component\":\"dispatcher\",\"receiver\":\"target-down.hook\",\"integration\":\"webhook[0]\",\"aggrGroup\":\"{}/{debvisor_test_target=~\\\"|down\\\\\\\\.hook\\\",severity=~\\\"warning|critical\\\"}:{}\",\"attempts\":1,\"err\":\"Post \\\"<redacted>\\\": dial tcp 127.0.0.1:1: connect: connection refused\"}",
    "{\"time\":\"2026-12-06T04:04:00.637352411Z\",\"level\":\"WARN\",\"source\":\"notify.go:865\",\"msg\":\"Notify attempt failed, will retry later\",\"component\":\"dispatcher\",\"receiver\":\"target-mail\",\"integration\":\"email[0]\",\"aggrGroup\":\"{}/{debvisor_test_target=~\\\"|mail\\\",severity=~\\\"warning|critical\\\"}:{}\",\"attempts\":1,\"err\":\"establish connection to server: dial tcp 127.0.0.1:2: connect: connection refused\"}",
    "{\"time\":\"2026-12-06T04:04:00.65114817Z\",\"level\":\"DEBUG\",\"source\":\"notify.go:875\",\"msg\":\"Notify success\",\"component\":\"dispatcher\",\"receiver\":\"target-ok\",\"integration\":\"webhook[0]\",\"aggrGroup\":\"{}/{debvisor_test_target=~\\\"|ok\\\",severity=~\\\"warning|critical\\\"}:{}\",\"attempts\":1,\"duration\":27583201,\"alerts\":\"[TsigKeyRotationOverdue[eeffe77][active]]\"}",
    "{\"time\":\"2026-12-06T04:04:00.658958662Z\",\"level\":\"WARN\",\"source\":\"notify.go:865\",\"msg\":\"Notify attempt failed, will retry later\",\"component\":\"dispatcher\",\"receiver\":\"target-e500\",\"integration\":\"webhook[0]\",\"aggrGroup\":\"{}/{debvisor_test_target=~\\\"|e500\\\",severity=~\\\"warning|critical\\\"}:{}\",\"attempts\":1,\"err\":\"unexpected status code 500: boom\"}",
    "{\"time\":\"2026-12-06T04:04:15.624476852Z\",\"level\":\"DEBUG\",\"source\":\"dispatch.go:530\",\"msg\":\"flushing\",\"component\":\"dispatcher\",\"aggrGroup\":{},\"alerts\":\"[TsigKeyRotationOverdue[eeffe77][active]]\"}",
    "{\"time\":\"2026-12-06T04:04:15.626944879Z\",\"level\":\"ERROR\",\"source\":\"dispatch.go:360\",\"msg\":\"Notify for alerts failed\",\"component\":\"dispatcher\",\"num_alerts\":1,\"err\":\"target-mail/email[0]: notify retry canceled after 8 attempts: establish connection to server: dial tcp 127.0.0.1:2: connect: connection refused\"}",
    "{\"time\":\"2026-12-06T04:04:15.627007507Z\",\"level\":\"DEBUG\",\"source\":\"dispatch.go:530\",\"msg\":\"flushing\",\"component\":\"dispatcher\",\"aggrGroup\":{},\"alerts\":\"[TsigKeyRotationOverdue[eeffe77][active]]\"}",
    "{\"time\":\"2026-12-06T04:04:15.627279575Z\",\"level\":\"ERROR\",\"source\":\"dispatch.go:360\",\"msg\":\"Notify for alerts failed\",\"component\":\"dispatcher\",\"num_alerts\":1,\"err\":\"target-down.hook/webhook[0]: notify retry canceled after 9 attempts: Post \\\"<redacted>\\\": dial tcp 127.0.0.1:1: connect: connection refused\"}",
    "{\"time\":\"2026-12-06T04:04:15.627296136Z\",\"level\":\"DEBUG\",\"source\":\"dispatch.go:530\",\"msg\":\"flushing\",\"component\":\"dispatcher\",\"aggrGroup\":{},\"alerts\":\"[TsigKeyRotationOverdue[eeffe77][active]]\"}",
    "{\"time\":\"2026-12-06T04:04:15.62744578Z\",\"level\":\"ERROR\",\"source\":\"dispatch.go:360\",\"msg\":\"Notify for alerts failed\",\"component\":\"dispatcher\",\"num_alerts\":1,\"err\":\"target-e500/webhook[0]: notify retry canceled after 8 attempts: unexpected status code 500: boom\"}",
    "{\"time\":\"2026-12-06T04:04:15.62747188Z\",\"level\":\"DEBUG\",\"source\":\"dispatch.go:530\",\"msg\":\"flushing\",\"component\":\"dispatcher\",\"aggrGroup\":{},\"alerts\":\"[TsigKeyRotationOverdue[eeffe77][active]]\"}",
];

const outline = (a: ReturnType<typeof parseNotificationLog>[number]) => [a.target, a.kind, a.outcome, a.attempts, a.alerts.join(",")];

QUnit.module("metrics: notification attempts from Alertmanager's log", () => {
    QUnit.test("each sent, retried and failed notification with its target, its alerts and its error", assert => {
        const attempts = parseNotificationLog(AM_LOG);
        assert.deepEqual(attempts.map(outline), [
            ["ok", "webhook", "sent", 1, "TsigKeyRotationOverdue,ZfsPoolDegraded"],
            ["down.hook", "webhook", "retrying", 1, "DebVisorTestNotification"],
            ["e500", "webhook", "retrying", 1, ""],
            ["down.hook", "webhook", "failed", 7, "DebVisorTestNotification"],
            ["mail", "email", "failed", 7, ""],
        ]);
        assert.equal(attempts[0].time, Date.parse("2026-12-06T00:01:35.103Z"));
        assert.deepEqual(attempts.map(a => a.error), ["", "Post \"http://127.0.0.1:1\": dial tcp 127.0.0.1:1: connect: connection refused",
            "unexpected status code 500: https://hooks.example.org: boom",
            "notify retry canceled after 7 attempts: Post \"http://127.0.0.1:1\": dial tcp 127.0.0.1:1: connect: connection refused",
            "notify retry canceled after 7 attempts: establish connection to server: dial tcp 127.0.0.1:25: connect: connection refused"]);
        assert.false(attempts.some(a => /secret/.test(a.error)), "no webhook token reaches a viewer");
    });

    QUnit.test("slog's keys (Alertmanager from 0.28) are read the same", assert => {
        const [a] = parseNotificationLog(['{"time":"2026-12-06T00:01:35.103Z","level":"DEBUG","msg":"Notify success","receiver":"target-ok","integration":"email[0]","attempts":2}']);
        assert.deepEqual([a.target, a.kind, a.outcome, a.attempts, a.time], ["ok", "email", "sent", 2, Date.parse("2026-12-06T00:01:35.103Z")]);
    });

    QUnit.test("Alertmanager 0.28 (Debian 13): each attempt with its target and outcome; a success with its alerts", assert => {
        const attempts = parseNotificationLog(AM_028_LOG);
        assert.deepEqual(attempts.map(outline), [
            ["down.hook", "webhook", "retrying", 1, ""],
            ["mail", "email", "retrying", 1, ""],
            ["ok", "webhook", "sent", 1, "TsigKeyRotationOverdue"],
            ["e500", "webhook", "retrying", 1, ""],
            ["mail", "email", "failed", 8, ""],
            ["down.hook", "webhook", "failed", 9, ""],
            ["e500", "webhook", "failed", 8, ""],
        ]);
        assert.equal(attempts[2].time, Date.parse("2026-12-06T04:04:00.65114817Z"), "slog's nanoseconds read as the millisecond");
        assert.deepEqual([attempts[0].error, attempts[5].error], ["Post \"<redacted>\": dial tcp 127.0.0.1:1: connect: connection refused",
            "notify retry canceled after 9 attempts: Post \"<redacted>\": dial tcp 127.0.0.1:1: connect: connection refused"]);
    });

    QUnit.test("a URL in an error is shown by its origin", assert => {
        assert.equal(redactUrls("Post \"https://h.example.org:8443/p/T0K3N?x=1\": EOF"), "Post \"https://h.example.org:8443\": EOF");
    });
});

QUnit.module("metrics: how long history is kept", () => {
    QUnit.test("30 days without a file; the file the drop-in reads is replaced whole; one edited by hand is an error", assert => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dv-retention-"));
        try {
            const file = path.join(dir, "prometheus.env");
            assert.equal(readRetentionDays(file), 30);
            writeRetentionDays(file, 400);
            assert.equal(readRetentionDays(file), 400);
            assert.true(/^DEBVISOR_RETENTION=400d$/m.test(fs.readFileSync(file, "utf8")));
            const dropIn = fs.readFileSync("monitoring/systemd/prometheus.service.d/debvisor.conf", "utf8");
            assert.true(dropIn.includes("EnvironmentFile=-/etc/debvisor/metrics/prometheus.env") && dropIn.includes("Environment=DEBVISOR_RETENTION=30d") &&
                dropIn.includes("--storage.tsdb.retention.time=${DEBVISOR_RETENTION}"), "the drop-in reads that file, 30 days by default");
            fs.writeFileSync(file, "DEBVISOR_RETENTION=forever\n");
            assert.throws(() => readRetentionDays(file), /does not say DEBVISOR_RETENTION/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

/* promtool test rules on the shipped rules, a sample and an evaluation a minute; `tests` is the test group's YAML
 * from its input_series on. */
function promtoolTestRules(assert: Assert, tests: string): void {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dv-rules-"));
    try {
        const file = path.join(dir, "rules.test.yml");
        fs.writeFileSync(file, `rule_files: [${JSON.stringify(RULES)}]\nevaluation_interval: 1m\ntests:\n  - interval: 1m\n${tests}`);
        const r = spawnSync("promtool", ["test", "rules", file], { encoding: "utf8" });
        assert.equal(r.status, 0, r.stdout + r.stderr);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

QUnit.module("metrics: the shipped rules and the engines' secret", () => {
    testUnless("promtool check rules accepts every rule file, and every alert has a severity and a summary",
        has("promtool") ? null : "promtool (prometheus) is not installed", assert => {
            const out = execFileSync("promtool", ["check", "rules", RULES], { encoding: "utf8" });
            assert.true(/SUCCESS: \d+ rules found/.test(out), out);
            const text = fs.readFileSync(RULES, "utf8");
            const alerts = text.split(/\n\s+- alert: /).slice(1);
            assert.true(alerts.length >= 10, `${alerts.length} alerts`);
            for (const a of alerts)
                assert.true(/severity: (critical|warning|info) /.test(a) && /summary: /.test(a), a.split("\n")[0]);
        });

    testUnless("promtool test rules: a schedule's failed run and the first failed backup since debvisord started raise their alerts; a full Ceph pool by its name",
        has("promtool") ? null : "promtool (prometheus) is not installed", assert => {
            // series as debvisord writes them, a sample a minute; the backup counter starts at 0
            promtoolTestRules(assert, `    input_series:
      - series: 'debvisor_backup_schedule_last_run_failed{schedule="nightly",repository="nas"}'
        values: '0 0 1 1 0'
      - series: 'debvisor_jobs_finished_total{operation="machine-backup",state="failed"}'
        values: '0 0 1 1'
      # ceph-mgr's: a pool's fill by its id, its name in the metadata
      - series: 'ceph_pool_percent_used{pool_id="2"}'
        values: '0.85x20'
      - series: 'ceph_pool_metadata{pool_id="2",name="rbd",type="replicated"}'
        values: '1x20'
    alert_rule_test:
      - eval_time: 16m
        alertname: CephPoolNearlyFull
        exp_alerts:
          - exp_labels: { severity: warning, pool_id: "2", name: rbd }
            exp_annotations:
              summary: "Ceph pool rbd is over 80 % full"
              description: "85% of the pool's space is used."
      - eval_time: 1m
        alertname: BackupScheduleFailed
        exp_alerts: []
      - eval_time: 3m
        alertname: BackupScheduleFailed
        exp_alerts:
          - exp_labels: { severity: warning, schedule: nightly, repository: nas }
            exp_annotations:
              summary: "Backup schedule nightly failed"
              description: "Its last run to nas failed (a backup, the pruning or the verify); the Backups page says why. The alert ends when a run succeeds."
      - eval_time: 4m
        alertname: BackupScheduleFailed
        exp_alerts: []
      - eval_time: 1m
        alertname: BackupFailed
        exp_alerts: []
      - eval_time: 3m
        alertname: BackupFailed
        exp_alerts:
          - exp_labels: { severity: warning, operation: machine-backup, state: failed }
            exp_annotations:
              summary: "A backup failed"
              description: "1 backup(s) started by hand failed in the last day; the job's message (and the Backups page's history) says why."
`);
        });

    testUnless("promtool test rules: Ceph's health and OSDs raise their alerts only after the shipped hold times, and end when cleared",
        has("promtool") ? null : "promtool (prometheus) is not installed", assert => {
            // ceph-mgr's figures a sample a minute: HEALTH_WARN (noout set) for 7 minutes, then HEALTH_OK;
            // osd.1 down for 3 minutes; HEALTH_ERR for 2
            promtoolTestRules(assert, `    input_series:
      - series: 'ceph_health_status'
        values: '0 1 1 1 1 1 1 1 0 0 2 2 2 0'
      - series: 'ceph_osd_up{ceph_daemon="osd.1"}'
        values: '1 0 0 0 1 1'
    alert_rule_test:
      - eval_time: 5m
        alertname: CephHealthWarning
        exp_alerts: []
      - eval_time: 6m
        alertname: CephHealthWarning
        exp_alerts:
          - exp_labels: { severity: warning }
            exp_annotations:
              summary: "Ceph reports HEALTH_WARN"
              description: "The Ceph cluster is degraded or has a warning; the Ceph page says which check."
      - eval_time: 8m
        alertname: CephHealthWarning
        exp_alerts: []
      - eval_time: 10m
        alertname: CephHealthError
        exp_alerts: []
      - eval_time: 11m
        alertname: CephHealthError
        exp_alerts:
          - exp_labels: { severity: critical }
            exp_annotations:
              summary: "Ceph reports HEALTH_ERR"
              description: "The Ceph cluster has an error: data may be unavailable. The Ceph page says which check."
      - eval_time: 2m
        alertname: CephOsdDown
        exp_alerts: []
      - eval_time: 3m
        alertname: CephOsdDown
        exp_alerts:
          - exp_labels: { severity: critical, ceph_daemon: osd.1 }
            exp_annotations:
              summary: "Ceph OSD osd.1 is down"
              description: "osd.1 does not run or does not answer; its placement groups are degraded."
      - eval_time: 4m
        alertname: CephOsdDown
        exp_alerts: []
`);
        });

    QUnit.test("the bcrypt hash is one crypt(3) checks the secret against; the secret is made once, root and group only", async assert => {
        const hash = await bcryptHash("s3cret");
        assert.true(hash.startsWith("$2b$10$"), hash);
        const again = execFileSync("perl", ["-e", "print crypt($ARGV[0], $ARGV[1])", "s3cret", hash], { encoding: "utf8" });
        assert.equal(again, hash, "the same secret gives the same hash");
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dv-engines-"));
        try {
            const paths = enginePaths(path.join(dir, "metrics"));
            const secret = await ensureEngineSecret(paths);
            assert.equal(await ensureEngineSecret(paths), secret, "kept on the next start");
            assert.equal(fs.statSync(paths.secret).mode & 0o777, 0o640);
            assert.false(fs.readFileSync(paths.webConfig, "utf8").includes(secret), "the web config holds only the hash");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

QUnit.module("metrics: the Overview's history graph", () => {
    QUnit.test("points across the box, values clamped to 0..1, a break where data is missing", assert => {
        const box = { width: 100, height: 10 };
        const points: Array<[number, number]> = [[0, 0], [10_000, 0.5], [20_000, 2], [80_000, -1]];
        assert.equal(graphPath(points, 0, 100_000, 10_000, box), "M0.0 10.0 L10.0 5.0 L20.0 0.0 M80.0 10.0");
        assert.equal(graphPath([], 0, 1, 1, box), "", "no data, no line");
        assert.deepEqual([percent(0.424), percent(undefined), percent(Number.NaN)], ["42 %", "–", "–"]);
    });
});

QUnit.module("metrics: the machines' figures from libvirt's domain statistics", () => {
    const stats = {
        "state.state": 1, "cpu.time": 2_500_000_000, "vcpu.current": 2, "balloon.current": 262144, "balloon.rss": 131072,
        "block.count": 1, "block.0.name": "vda", "block.0.rd.bytes": 4096, "block.0.wr.bytes": 512,
        "net.count": 1, "net.0.name": "vnet3", "net.0.rx.bytes": 100, "net.0.tx.bytes": 50,
    };

    QUnit.test("CPU time in seconds, memory in bytes, each disk and interface by device", assert => {
        const text = exposition(machineFamilies([machineSample({ uuid: "u-1", name: "web" }, stats)]));
        for (const line of [
            'debvisor_machine_cpu_seconds_total{uuid="u-1",name="web"} 2.5',
            'debvisor_machine_vcpus{uuid="u-1",name="web"} 2',
            'debvisor_machine_memory_bytes{uuid="u-1",name="web"} 268435456',
            'debvisor_machine_memory_used_bytes{uuid="u-1",name="web"} 134217728',
            'debvisor_machine_disk_read_bytes_total{uuid="u-1",name="web",device="vda"} 4096',
            'debvisor_machine_disk_written_bytes_total{uuid="u-1",name="web",device="vda"} 512',
            'debvisor_machine_network_received_bytes_total{uuid="u-1",name="web",device="vnet3"} 100',
            'debvisor_machine_network_sent_bytes_total{uuid="u-1",name="web",device="vnet3"} 50',
        ])
            assert.true(text.includes(`${line}\n`), line);
    });

    QUnit.test("only machines DebVisor knows; nothing while libvirt cannot be read", async assert => {
        let fail = false;
        const source = { allDomainStats: () => fail ? Promise.reject(new Error("libvirt: gone")) : Promise.resolve([["web", stats], ["stranger", stats]] as Array<[string, Record<string, unknown>]>) };
        const collector = new MachineStats(source, () => [{ uuid: "u-1", name: "web" }]);
        assert.equal(await collector.refresh(), "");
        assert.deepEqual(collector.families()[0].samples.map(s => s.labels?.name), ["web"]);
        fail = true;
        assert.equal(await collector.refresh(), "libvirt: gone");
        assert.equal(exposition(collector.families()), "", "no stale figures");
    });

    QUnit.test("a series' query names its subject, which must be a UUID or a name", assert => {
        assert.equal(seriesQuery("machine-disk-read", "0b5c1d0e-0000-4000-8000-000000000001"),
            'sum(rate(debvisor_machine_disk_read_bytes_total{uuid="0b5c1d0e-0000-4000-8000-000000000001"}[1m]))');
        assert.equal(seriesQuery("zfs-pool-used", "tank"), 'max(debvisor_zfs_pool_used_ratio{pool="tank"})');
        assert.throws(() => seriesQuery("machine-cpu", 'x"} or vector(1) #'), /needs a machine/);
        assert.throws(() => seriesQuery("ceph-pool-used", ""), /needs a ceph-pool/);
    });

    QUnit.test("rate graphs: a round top, values in words", assert => {
        assert.deepEqual([rateScale([]), rateScale([1500]), rateScale([3 * 1024 * 1024]), rateScale([700 * 1024])], [1024, 2048, 5 * 1024 * 1024, 1024 * 1024]);
        assert.deepEqual([bytesPerSecond(512), bytesPerSecond(1536), bytesPerSecond(50 * 1024 * 1024), bytesPerSecond(undefined)],
            ["512 B/s", "1.5 KiB/s", "50 MiB/s", "–"]);
    });
});

QUnit.module("metrics: how full the DHCP ranges are", () => {
    QUnit.test("leases of the stand-alone dnsmasq in force inside each range, each address once", assert => {
        const ranges = [{ Name: "a", Start: "10.0.0.10", End: "10.0.0.19" }, { Name: "b", Start: "10.0.1.1", End: "10.0.1.254" }];
        const lease = (Address: string, Expiry: number, Source = "dnsmasq") => ({ Address, Expiry, Source });
        const usage = rangeUsage(ranges, [
            lease("10.0.0.10", 2000), lease("10.0.0.10", 3000), lease("10.0.0.19", 0), lease("10.0.0.20", 2000),
            lease("10.0.0.11", 500), lease("10.0.0.12", 2000, "libvirt network default"), lease("10.0.1.7", 2000), lease("fe80::1", 2000),
        ], 1000);
        assert.deepEqual(usage, [{ name: "a", addresses: 10, leased: 2 }, { name: "b", addresses: 254, leased: 1 }],
            "expired, other networks', out-of-range and IPv6 leases not counted; an address leased twice counted once");
    });
});
