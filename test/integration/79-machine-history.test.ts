// Per-machine history end to end: a real tiny guest runs under libvirt,
// debvisord (started by the test beside Debian's engines) reads libvirt's
// domain statistics into node-exporter's textfile, Prometheus scrapes them,
// and Metrics.History answers a viewer with the guest's real, non-zero CPU
// and memory (the textfile also counts what it read from its CD-ROM); a user without a DebVisor role is refused, and
// a series is read only for a machine that exists. Every metric the shipped
// Grafana dashboards and alert rules name is one this Prometheus has series of.
import fs from "node:fs";
import path from "node:path";
import QUnit from "qunit";
import { DaemonMetrics } from "../../helpers/debvisord/metrics/daemon-metrics.js";
import { machineFamilies } from "../../helpers/debvisord/metrics/machine-stats.js";
import { objectFamilies } from "../../helpers/debvisord/metrics/object-metrics.js";
import { serviceFamilies } from "../../helpers/debvisord/metrics/service-metrics.js";
import { callAs } from "../lib/call-as.js";
import { tempDir, uniqueName } from "../lib/images.js";
import { enginesMissing, MetricsEngines } from "../lib/metrics-engines.js";
import { removeGuest, startTinyGuest, type RunningGuest } from "../lib/running-guest.js";
import { moduleUnless } from "../lib/skip.js";
import { dashboardExpressions, metricNames, ruleExpressions } from "../lib/promql-names.js";
import { NOBODY, refusalOf, VIEWER } from "../lib/users.js";
import { waitFor } from "../lib/wait.js";

const TEXTFILE = "/var/lib/prometheus/node-exporter/debvisor.prom";
const DASHBOARDS = "/usr/share/debvisor/grafana";
const RULES = "/usr/share/debvisor/monitoring/rules";
const METRICS = { path: "/org/debvisor/DebVisor1/metrics", iface: "org.debvisor.DebVisor1.Metrics" };
const history = (user: string, series: string, options: Record<string, [string, unknown]>) =>
    callAs(user, { ...METRICS, method: "History", signature: "sua{sv}", body: [series, 300, options] });

moduleUnless("metrics: a running machine's history", enginesMissing(), hooks => {
    const dir = tempDir("dv-machine-history-");
    const engines = new MetricsEngines(dir);
    const name = uniqueName("dvhist");
    let guest: RunningGuest;

    hooks.before(async () => {
        await engines.start();
        guest = await startTinyGuest(name);
    });
    hooks.after(async () => {
        removeGuest(name);
        await engines.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    QUnit.test("a viewer reads the guest's real CPU, memory and disk reads; a user without a role is refused", async assert => {
        const machine = { machine: ["s", guest.uuid] as [string, unknown] };
        // the test's debvisord reads libvirt every 2 s: a rate needs two of its readings
        let cpu: Array<[bigint, number]> = [];
        await waitFor("non-zero CPU of the running guest", async () => {
            const r = await history(VIEWER.name, "machine-cpu", machine);
            cpu = r.ok ? r.body[1] as Array<[bigint, number]> : [];
            return cpu.some(([, v]) => v > 0);
        }, 90_000, 1000);
        assert.true(cpu.every(([t, v]) => Number(t) > 0 && v >= 0 && v <= 1), `machine-cpu: ${cpu.length} points from 0 to 1, last ${cpu.at(-1)?.[1]}`);

        const memory = await history(VIEWER.name, "machine-memory", machine);
        const used = memory.ok ? (memory.body[1] as Array<[bigint, number]>).at(-1)?.[1] ?? 0 : 0;
        assert.true(used > 0, `machine-memory: ${used} of its memory held in the host`);
        // it read its CD-ROM while booting, perhaps before debvisord's first reading: the counter, not its rate
        const prom = fs.readFileSync(TEXTFILE, "utf8");
        const counted = prom.match(new RegExp(`^debvisor_machine_disk_read_bytes_total\\{uuid="${guest.uuid}",name="${name}",device="hdc"\\} (\\d+)$`, "m"));
        assert.true(Number(counted?.[1] ?? 0) > 0, `the bytes read from its CD-ROM in the textfile: ${counted?.[1]}`);
        for (const series of ["machine-disk-read", "machine-disk-write", "machine-network-receive", "machine-network-transmit"]) {
            const r = await history(VIEWER.name, series, machine);
            assert.true(r.ok, `${series} answered${r.ok ? "" : `: ${r.message}`}`);
        }

        const refused = await history(NOBODY.name, "machine-cpu", machine);
        assert.equal(refused.ok ? "answered" : refused.errorName, refusalOf(NOBODY.name), "nothing about machines without a role");
    });

    QUnit.test("a machine's series needs a machine that exists; the node's takes none", async assert => {
        const missing = await history(VIEWER.name, "machine-cpu", {});
        assert.true(!missing.ok && /needs "machine"/.test(missing.message), missing.ok ? "answered" : missing.message);
        const unknown = await history(VIEWER.name, "machine-cpu", { machine: ["s", "00000000-0000-4000-8000-000000000000"] });
        assert.true(!unknown.ok && unknown.errorName.endsWith("NotFound"), unknown.ok ? "answered" : unknown.message);
        const injected = await history(VIEWER.name, "machine-cpu", { machine: ["s", '"} or vector(1) #'] });
        assert.true(!injected.ok && injected.errorName.endsWith("InvalidArgument") && /UUID/.test(injected.message), injected.ok ? "answered" : injected.message);
        const node = await history(VIEWER.name, "node-cpu", { machine: ["s", guest.uuid] });
        assert.true(!node.ok && /takes no machine/.test(node.message), node.ok ? "answered" : node.message);
    });

    QUnit.test("a machine named by its name (what a page's address knows): the same series as by its UUID; bad names refused", async assert => {
        const byName = await history(VIEWER.name, "machine-memory", { "machine-name": ["s", name] });
        const byUuid = await history(VIEWER.name, "machine-memory", { machine: ["s", guest.uuid] });
        assert.true(byName.ok && byUuid.ok, byName.ok ? (byUuid.ok ? "both answered" : byUuid.message) : byName.message);
        if (byName.ok && byUuid.ok) {
            assert.equal(byName.body[0], byUuid.body[0], "the same step");
            const first = (r: typeof byName) => r.ok ? String((r.body[1] as Array<[bigint, number]>)[0]?.[0]) : "";
            assert.equal(first(byName), first(byUuid), "the same series (its first point)");
        }
        const unknown = await history(VIEWER.name, "machine-cpu", { "machine-name": ["s", `${name}-none`] });
        assert.true(!unknown.ok && unknown.errorName.endsWith("NotFound") && unknown.message.includes(`${name}-none`), unknown.ok ? "answered" : unknown.message);
        const both = await history(VIEWER.name, "machine-cpu", { machine: ["s", guest.uuid], "machine-name": ["s", name] });
        assert.true(!both.ok && both.errorName.endsWith("InvalidArgument") && /not both/.test(both.message), both.ok ? "answered" : both.message);
        const bad = await history(VIEWER.name, "machine-cpu", { "machine-name": ["s", "../etc/passwd"] });
        assert.true(!bad.ok && bad.errorName.endsWith("InvalidArgument"), bad.ok ? "answered" : bad.message);
        const node = await history(VIEWER.name, "node-cpu", { "machine-name": ["s", name] });
        assert.true(!node.ok && /takes no machine/.test(node.message), node.ok ? "answered" : node.message);
        const pool = await history(VIEWER.name, "zfs-pool-used", { "machine-name": ["s", name] });
        assert.true(!pool.ok && pool.errorName.endsWith("InvalidArgument"), pool.ok ? "answered" : pool.message);
        const refused = await history(NOBODY.name, "machine-cpu", { "machine-name": ["s", name] });
        assert.equal(refused.ok ? "answered" : refused.errorName, refusalOf(NOBODY.name), "not even whether the name exists, without a role");
    });

    /* The metric names Prometheus has series of (none while it does not answer). */
    async function namesWithSeries(): Promise<Set<string>> {
        const res = await fetch(`http://127.0.0.1:${engines.ports.prometheus}/api/v1/label/__name__/values`,
            { headers: { authorization: `Basic ${Buffer.from(`debvisor:${engines.secret()}`).toString("base64")}` } });
        return new Set(res.ok ? (await res.json() as { data: string[] }).data : []);
    }

    QUnit.test("every metric the shipped Grafana dashboards and alert rules name has series in the node's Prometheus", async assert => {
        const files = fs.readdirSync(DASHBOARDS).filter(f => f.endsWith(".json"));
        assert.deepEqual(files.sort(), ["machines.json", "node.json", "storage-dns.json"], "the package ships the three dashboards");
        const dashboardNames = new Map<string, string>(); // metric → the first dashboard naming it
        for (const f of files)
            for (const name of dashboardExpressions(JSON.parse(fs.readFileSync(path.join(DASHBOARDS, f), "utf8"))).flatMap(metricNames))
                if (!dashboardNames.has(name)) dashboardNames.set(name, f);
        const ruleNames = new Set(fs.readdirSync(RULES).flatMap(f => ruleExpressions(fs.readFileSync(path.join(RULES, f), "utf8"))).flatMap(metricNames));
        assert.true(dashboardNames.size >= 20 && ruleNames.size >= 10, `${dashboardNames.size} metrics in the dashboards, ${ruleNames.size} in the rules`);

        let present = new Set<string>();
        // the guest's series come with debvisord's next reading of libvirt (every 2 s here)
        await waitFor("the running guest's series in Prometheus", async () => {
            present = await namesWithSeries();
            return present.has("debvisor_machine_cpu_seconds_total") && present.has("node_cpu_seconds_total");
        }, 60_000, 1000);
        // debvisord leaves out a family with no samples (no ZFS pool, zone or key here, a guest without a network
        // interface, no job finished yet), yet it is debvisord's: every family it can write
        const declaredByDebvisord = new Set([
            ...objectFamilies({ objectsWith: () => [] }), ...machineFamilies([]), ...new DaemonMetrics().families(),
            ...serviceFamilies({ auditProblem: () => "", auditRecords: () => 0, areas: () => ({}) }),
        ].map(f => f.name));
        const absent = (names: Iterable<string>) => [...names].filter(n => !present.has(n));
        const dashboardsAbsent = absent(dashboardNames.keys());
        const noObjectsHere = dashboardsAbsent.filter(n => declaredByDebvisord.has(n));
        assert.deepEqual(dashboardsAbsent.filter(n => !declaredByDebvisord.has(n)).map(n => `${n} (${dashboardNames.get(n)})`), [],
            `dashboards: every metric has series or is debvisord's (no such objects on this node: ${noObjectsHere.join(", ") || "none"})`);
        // ceph_* come from ceph-mgr's prometheus module, which runs only on a node with Ceph (checked in the Ceph test)
        const rulesAbsent = absent(ruleNames).filter(n => !declaredByDebvisord.has(n));
        assert.deepEqual(rulesAbsent.filter(n => !n.startsWith("ceph_")), [],
            `rules: every metric has series or is debvisord's; ceph-mgr's, not checked here: ${rulesAbsent.filter(n => n.startsWith("ceph_")).join(", ")}`);
    });

    QUnit.test("the name check finds a metric no exporter has", async assert => {
        const present = await namesWithSeries();
        const names = metricNames('sum by (name) (rate(debvisor_machine_cpu_secnds_total{name=~"$machine"}[$__rate_interval]))');
        assert.deepEqual(names.filter(n => !present.has(n)), ["debvisor_machine_cpu_secnds_total"], "a misspelt name is missing");
    });
});
