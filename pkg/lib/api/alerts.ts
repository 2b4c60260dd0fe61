// Alerts and the history of the node, its machines and pools, read through
// debvisord as the logged-in user.
import {
    ALERTS_IFACE, METRICS_IFACE, ROOT_PATH, type PageAlertsMethodResults, type PageMetricsMethodResults,
    type PlainAlertsListAlertsAlerts, type PlainAlertsListNotificationsNotifications,
} from "../../../generated/dbus-contract";
import { readsClient } from "../dbus-store";
import { callDaemon } from "./call";
import { plainDicts, type Narrowed } from "./variants";

const ALERTS_PATH = `${ROOT_PATH}/alerts`;
const METRICS_PATH = `${ROOT_PATH}/metrics`;

/** SilencedBy: the silences in force on it */
export type ActiveAlert = PlainAlertsListAlertsAlerts[number];

/** one notification attempt as Alertmanager logged it; Time in microseconds since the epoch */
export type NotificationAttempt = Narrowed<PlainAlertsListNotificationsNotifications[number], { Outcome: "sent" | "retrying" | "failed" }>;

export type HistorySeries =
    | "node-cpu" | "node-memory" | "node-disk-read" | "node-disk-write" | "node-network-receive" | "node-network-transmit"
    | "machine-cpu" | "machine-memory" | "machine-disk-read" | "machine-disk-write" | "machine-network-receive" | "machine-network-transmit"
    | "zfs-pool-used" | "ceph-pool-used";

/** what a machine's or a pool's series is of: a machine by its UUID or its name */
export interface HistorySubject { machine?: string; machineName?: string; pool?: string }

const SUBJECT_OPTIONS: Record<keyof HistorySubject, string> = { machine: "machine", machineName: "machine-name", pool: "pool" };

export interface History {
    step: number;
    /** [milliseconds since the epoch, value (0 to 1, or bytes per second)], oldest first */
    points: Array<[number, number]>;
}

export async function alertsList(): Promise<ActiveAlert[]> {
    const [alerts] = await callDaemon<PageAlertsMethodResults["ListAlerts"]>(ALERTS_PATH, ALERTS_IFACE, "ListAlerts", [{}]);
    return plainDicts<ActiveAlert[]>(alerts);
}

export async function metricsHistory(series: HistorySeries, rangeSeconds: number, subject: HistorySubject = {}): Promise<History> {
    const options = Object.fromEntries(Object.entries(subject).filter(([, v]) => v !== undefined)
        .map(([k, v]) => [SUBJECT_OPTIONS[k as keyof HistorySubject], { t: "s", v }]));
    // on a channel of its own: a graph's first read, begun with the page's first script, is not held back until the page's watch has read every object
    const [step, points] = await callDaemon<PageMetricsMethodResults["History"]>(METRICS_PATH, METRICS_IFACE, "History", [series, rangeSeconds, options],
        readsClient());
    return { step, points: points.map(([t, v]) => [Number(t) / 1000, Number(v)]) };
}

/* Silences the alerts with all these labels for a while (admins); the silence's id. */
export async function alertsSilence(labels: Record<string, string>, seconds: number, comment: string): Promise<string> {
    const [id] = await callDaemon<PageAlertsMethodResults["Silence"]>(ALERTS_PATH, ALERTS_IFACE, "Silence", [labels, seconds, comment, {}]);
    return id;
}

export async function alertsUnsilence(id: string): Promise<void> {
    await callDaemon(ALERTS_PATH, ALERTS_IFACE, "Unsilence", [id, {}]);
}

/* The latest notification attempts, newest first (viewers and up). */
export async function alertsNotifications(): Promise<NotificationAttempt[]> {
    const [attempts] = await callDaemon<PageAlertsMethodResults["ListNotifications"]>(ALERTS_PATH, ALERTS_IFACE, "ListNotifications", [{}]);
    return plainDicts<NotificationAttempt[]>(attempts);
}

/* Sends a test alert to one target (admins). */
export async function alertsTestTarget(name: string): Promise<void> {
    await callDaemon(ALERTS_PATH, ALERTS_IFACE, "TestNotificationTarget", [name, {}]);
}

/* Keeps this many days of history (admins); Prometheus restarts with it. */
export async function metricsSetRetention(days: number): Promise<void> {
    await callDaemon(METRICS_PATH, METRICS_IFACE, "SetHistoryRetention", [days, {}]);
}
