// History for the pages: named series (never a query from the caller, so a
// viewer cannot make Prometheus do arbitrary work), read from Prometheus on
// loopback with the engines' secret, at most MAX_POINTS points per graph.
// A machine's series take its UUID, a pool's its name, both checked before
// they are put into the query.
import { engineRequest } from "./engine-http.js";

export const PROMETHEUS_URL = process.env.DEBVISOR_PROMETHEUS_URL || "http://127.0.0.1:9190";
const MAX_POINTS = 240;
export const MIN_RANGE_SECONDS = 300;
export const MAX_RANGE_SECONDS = 31 * 24 * 3600;

/** what a series is about: the node, one machine (by UUID), one ZFS pool or one Ceph pool (by name) */
export type Subject = "node" | "machine" | "zfs-pool" | "ceph-pool";

interface SeriesDefinition {
    subject: Subject;
    /** the PromQL, given the subject's label matcher ("" for the node) */
    query: (matcher: string) => string;
}

const rate = (metric: string, matcher: string) => `sum(rate(${metric}{${matcher}}[1m]))`;
const nodeDevices = 'device!~"lo|veth.*|vnet.*|tap.*|virbr.*"';

/* Ratios are 0 to 1; rates are bytes per second. */
export const HISTORY_SERIES: Record<string, SeriesDefinition> = {
    "node-cpu": { subject: "node", query: () => "1 - avg(rate(node_cpu_seconds_total{mode=\"idle\"}[1m]))" },
    "node-memory": { subject: "node", query: () => "1 - sum(node_memory_MemAvailable_bytes) / sum(node_memory_MemTotal_bytes)" },
    "node-disk-read": { subject: "node", query: () => rate("node_disk_read_bytes_total", "") },
    "node-disk-write": { subject: "node", query: () => rate("node_disk_written_bytes_total", "") },
    "node-network-receive": { subject: "node", query: () => rate("node_network_receive_bytes_total", nodeDevices) },
    "node-network-transmit": { subject: "node", query: () => rate("node_network_transmit_bytes_total", nodeDevices) },
    "machine-cpu": { subject: "machine", query: m => `${rate("debvisor_machine_cpu_seconds_total", m)} / max(debvisor_machine_vcpus{${m}})` },
    "machine-memory": { subject: "machine", query: m => `max(debvisor_machine_memory_used_bytes{${m}}) / max(debvisor_machine_memory_bytes{${m}})` },
    "machine-disk-read": { subject: "machine", query: m => rate("debvisor_machine_disk_read_bytes_total", m) },
    "machine-disk-write": { subject: "machine", query: m => rate("debvisor_machine_disk_written_bytes_total", m) },
    "machine-network-receive": { subject: "machine", query: m => rate("debvisor_machine_network_received_bytes_total", m) },
    "machine-network-transmit": { subject: "machine", query: m => rate("debvisor_machine_network_sent_bytes_total", m) },
    "zfs-pool-used": { subject: "zfs-pool", query: m => `max(debvisor_zfs_pool_used_ratio{${m}})` },
    "ceph-pool-used": { subject: "ceph-pool", query: m => `max(debvisor_ceph_pool_used_ratio{${m}})` },
};

const SUBJECT_LABEL: Record<Subject, string> = { node: "", machine: "uuid", "zfs-pool": "pool", "ceph-pool": "pool" };

/* The series' query for one subject; the value must have been checked (a UUID or a resource name). */
export function seriesQuery(series: string, subject = ""): string {
    const definition = HISTORY_SERIES[series];
    const label = SUBJECT_LABEL[definition.subject];
    if (label && !/^[A-Za-z0-9._-]+$/.test(subject))
        throw new Error(`${series} needs a ${definition.subject} to be named`);
    return definition.query(label ? `${label}="${subject}"` : "");
}

interface RangeAnswer { status: string; data?: { result?: Array<{ values?: Array<[number, string]> }> } }

/* The step that keeps a range within MAX_POINTS points. */
export function stepFor(rangeSeconds: number): number {
    return Math.max(1, Math.ceil(rangeSeconds / MAX_POINTS));
}

/* [time µs, value] pairs of one query over the last rangeSeconds; NaN points (no data) are left out. */
export async function history(secret: string, query: string, rangeSeconds: number, now = Date.now(), base = PROMETHEUS_URL): Promise<{ step: number; points: Array<[bigint, number]> }> {
    const step = stepFor(rangeSeconds);
    const end = Math.floor(now / 1000);
    const params = new URLSearchParams({ query, start: String(end - rangeSeconds), end: String(end), step: String(step) });
    const answer = await engineRequest({ engine: "Prometheus", base, secret, installHint: "prometheus" }, "GET", `/api/v1/query_range?${params}`) as RangeAnswer;
    const values = answer.data?.result?.[0]?.values ?? [];
    const points = values.map(([t, v]) => [BigInt(Math.round(t * 1e6)), Number(v)] as [bigint, number]).filter(([, v]) => Number.isFinite(v));
    return { step, points };
}
