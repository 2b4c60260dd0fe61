// History for the pages: named series (never a query from the caller, so a
// viewer cannot make Prometheus do arbitrary work), read from Prometheus on
// loopback with the engines' secret, at most MAX_POINTS points per graph.
import { engineRequest } from "./engine-http.js";

export const PROMETHEUS_URL = process.env.DEBVISOR_PROMETHEUS_URL || "http://127.0.0.1:9190";
export const MAX_POINTS = 240;
export const MIN_RANGE_SECONDS = 300;
export const MAX_RANGE_SECONDS = 31 * 24 * 3600;

/* Each series as a fraction from 0 to 1 of the node. */
export const HISTORY_SERIES: Record<string, string> = {
    "node-cpu": "1 - avg(rate(node_cpu_seconds_total{mode=\"idle\"}[1m]))",
    "node-memory": "1 - sum(node_memory_MemAvailable_bytes) / sum(node_memory_MemTotal_bytes)",
};

interface RangeAnswer { status: string; data?: { result?: Array<{ values?: Array<[number, string]> }> } }

/* The step that keeps a range within MAX_POINTS points. */
export function stepFor(rangeSeconds: number): number {
    return Math.max(1, Math.ceil(rangeSeconds / MAX_POINTS));
}

/* [time µs, value] pairs of one series over the last rangeSeconds; NaN points (no data) are left out. */
export async function history(secret: string, series: string, rangeSeconds: number, now = Date.now(), base = PROMETHEUS_URL): Promise<{ step: number; points: Array<[bigint, number]> }> {
    const step = stepFor(rangeSeconds);
    const end = Math.floor(now / 1000);
    const query = new URLSearchParams({ query: HISTORY_SERIES[series], start: String(end - rangeSeconds), end: String(end), step: String(step) });
    const answer = await engineRequest({ engine: "Prometheus", base, secret, installHint: "prometheus" }, "GET", `/api/v1/query_range?${query}`) as RangeAnswer;
    const values = answer.data?.result?.[0]?.values ?? [];
    const points = values.map(([t, v]) => [BigInt(Math.round(t * 1e6)), Number(v)] as [bigint, number]).filter(([, v]) => Number.isFinite(v));
    return { step, points };
}
