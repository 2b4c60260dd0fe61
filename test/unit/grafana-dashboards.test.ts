// The shipped Grafana dashboards: valid JSON that a stock Grafana imports
// (a uid, a Prometheus data source variable, panels with PromQL), and the
// reading of metric names out of PromQL that the integration test checks
// against a running Prometheus.
import fs from "node:fs";
import path from "node:path";
import QUnit from "qunit";
import { dashboardExpressions, metricNames } from "../lib/promql-names.js";

const DIR = path.resolve("monitoring/grafana");

QUnit.module("grafana dashboards", () => {
    QUnit.test("metric names out of PromQL: not functions, keywords, labels, strings, numbers or Grafana's variables", assert => {
        assert.deepEqual(metricNames('sum by (name) (rate(debvisor_machine_cpu_seconds_total{name=~"$machine"}[$__rate_interval])) / debvisor_machine_vcpus'),
            ["debvisor_machine_cpu_seconds_total", "debvisor_machine_vcpus"]);
        assert.deepEqual(metricNames("count(debvisor_area_ready == 0) or vector(0)"), ["debvisor_area_ready"]);
        assert.deepEqual(metricNames("time() - debvisor_metrics_written_timestamp_seconds > 300"), ["debvisor_metrics_written_timestamp_seconds"]);
        assert.deepEqual(metricNames('increase(a_total{state="failed"}[1d]) > 1e6 unless on (x) b offset 5m'), ["a_total", "b"]);
        assert.deepEqual(metricNames("up{job=\"node\"} == 0"), ["up"]);
    });

    QUnit.test("each dashboard is importable: a uid, a Prometheus data source variable, and PromQL in every panel", assert => {
        const files = fs.readdirSync(DIR).filter(f => f.endsWith(".json")).sort();
        assert.deepEqual(files, ["machines.json", "node.json", "storage-dns.json"]);
        const uids = new Set<string>();
        for (const f of files) {
            const d = JSON.parse(fs.readFileSync(path.join(DIR, f), "utf8"));
            uids.add(d.uid);
            assert.true(d.templating.list.some((v: { type: string; query: string }) => v.type === "datasource" && v.query === "prometheus"), `${f}: a Prometheus data source to choose`);
            const panels = (d.panels as Array<{ type: string; title: string; targets?: Array<{ expr: string }> }>).filter(p => p.type !== "row");
            assert.true(panels.length > 0 && panels.every(p => (p.targets ?? []).length > 0 && p.targets!.every(t => metricNames(t.expr).length > 0)),
                `${f}: ${panels.length} panels, each reading at least one metric`);
            assert.true(dashboardExpressions(d).length >= panels.length, `${f}: expressions found`);
        }
        assert.equal(uids.size, files.length, "distinct uids");
    });
});
