// An hour of the node's CPU for a graph: Metrics.History on the bus as a
// viewer (polkit, the daemon's query to Prometheus with the secret, points
// converted) against asking Prometheus' HTTP API for the same query_range
// directly with the engines' basic auth, in-process (the floor) and with one
// curl process per request (what an admin's script would do), on Debian's
// engines started here with the shipped configuration.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import { HISTORY_SERIES, stepFor } from "../helpers/debvisord/metrics/history.js";
import { callAs } from "../test/lib/call-as.js";
import { tempDir } from "../test/lib/images.js";
import { enginesMissing, MetricsEngines } from "../test/lib/metrics-engines.js";
import { VIEWER } from "../test/lib/users.js";
import { waitFor } from "../test/lib/wait.js";
import { median, report, timeMs } from "./lib.js";

const RUNS = 50;
const RANGE = 3600;
const METRICS = { path: "/org/debvisor/DebVisor1/metrics", iface: "org.debvisor.DebVisor1.Metrics" };

async function viaBus(): Promise<number> {
    const r = await callAs(VIEWER.name, { ...METRICS, method: "History", signature: "sua{sv}", body: ["node-cpu", RANGE, {}] });
    if (!r.ok)
        throw new Error(`History: ${r.message}`);
    return (r.body[1] as unknown[]).length;
}

function rangeUrl(port: number): string {
    const end = Math.floor(Date.now() / 1000);
    const query = new URLSearchParams({ query: HISTORY_SERIES["node-cpu"].query(""), start: String(end - RANGE), end: String(end), step: String(stepFor(RANGE)) });
    return `http://127.0.0.1:${port}/api/v1/query_range?${query}`;
}

function viaHttp(port: number, secret: string): Promise<number> {
    return new Promise((resolve, reject) => {
        http.get(rangeUrl(port), { headers: { authorization: `Basic ${Buffer.from(`debvisor:${secret}`).toString("base64")}` } }, res => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () => {
                const answer = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { data: { result: Array<{ values: unknown[] }> } };
                resolve(answer.data.result[0]?.values.length ?? 0);
            });
        }).on("error", reject);
    });
}

/* Each of RUNS calls timed alone; the median. */
async function medianOf(call: () => Promise<unknown> | unknown): Promise<number> {
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++)
        times.push(await timeMs(call));
    return median(times);
}

export async function metricsBench(): Promise<void> {
    const missing = enginesMissing();
    if (missing) {
        console.log(`metrics: skipped (${missing})`);
        return;
    }
    const dir = tempDir("dv-bench-metrics-");
    const engines = new MetricsEngines(dir);
    try {
        await engines.start();
        const secret = engines.secret();
        const port = engines.ports.prometheus;
        await waitFor("two points of the node's CPU", async () => await viaBus() >= 2, 60_000, 1000);
        // the user's curl reads the secret from a file of its own, as a script would
        const netrc = `${dir}/netrc`;
        fs.writeFileSync(netrc, `machine 127.0.0.1 login debvisor password ${secret}\n`, { mode: 0o600 });
        await viaBus(); // warm
        const bus = await medianOf(viaBus);
        const direct = await medianOf(() => viaHttp(port, secret));
        const curl = await medianOf(() => execFileSync("curl", ["-sf", "--netrc-file", netrc, rangeUrl(port)], { stdio: ["ignore", "ignore", "pipe"] }));
        const points = await viaBus();
        report(`an hour of node CPU (${points} points): History`, `${bus.toFixed(1)} ms`, `Prometheus HTTP API in-process (${direct.toFixed(1)} ms)`, bus / direct);
        report(`an hour of node CPU (${points} points): History`, `${bus.toFixed(1)} ms`, `curl to Prometheus' API (${curl.toFixed(1)} ms)`, bus / curl);
    } finally {
        await engines.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
