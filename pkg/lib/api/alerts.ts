// Alerts and the node's history, read through debvisord as the logged-in user.
import { ALERTS_IFACE, METRICS_IFACE, ROOT_PATH, type PageAlertsMethodResults, type PageMetricsMethodResults } from "../../../generated/dbus-contract";
import { callDaemon } from "./call";
import { unwrapDict } from "./variants";

export const ALERTS_PATH = `${ROOT_PATH}/alerts`;
export const METRICS_PATH = `${ROOT_PATH}/metrics`;

export interface ActiveAlert {
    Name: string; Severity: string; Summary: string; Description: string; State: string;
    Fingerprint: string; StartTime: number; Labels: Record<string, string>;
}

export type HistorySeries = "node-cpu" | "node-memory";

export interface History {
    step: number;
    /** [milliseconds since the epoch, value from 0 to 1], oldest first */
    points: Array<[number, number]>;
}

export async function alertsList(): Promise<ActiveAlert[]> {
    const [alerts] = await callDaemon<PageAlertsMethodResults["ListAlerts"]>(ALERTS_PATH, ALERTS_IFACE, "ListAlerts", [{}]);
    return alerts.map(a => unwrapDict(a) as unknown as ActiveAlert);
}

export async function metricsHistory(series: HistorySeries, rangeSeconds: number): Promise<History> {
    const [step, points] = await callDaemon<PageMetricsMethodResults["History"]>(METRICS_PATH, METRICS_IFACE, "History", [series, rangeSeconds, {}]);
    return { step, points: points.map(([t, v]) => [Number(t) / 1000, Number(v)]) };
}
