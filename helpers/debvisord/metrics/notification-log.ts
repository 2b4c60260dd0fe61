// Every notification attempt as Alertmanager itself records it: its log (JSON,
// debug level, written to ALERTMANAGER_LOG by the shipped drop-in and rotated
// by logrotate) says when it sent to which receiver and whether that worked,
// and why not. debvisord only reads it, so nothing but the engine decides what
// was sent. One route per target and one group per route (alertmanagerConfig)
// make the attempt's alerts exact: a group's "flushing" line names its alerts
// and its route (which names the target), and the group's next outcome line
// (same receiver) is that flush's, as a group sends one flush at a time.
// Alertmanager 0.28 (Debian 13) logs with slog: a flush's group is written as
// {}, but a success's own line names its alerts; its failures' alerts are not
// in its log.
import fs from "node:fs";
import { TEST_LABEL } from "./notification-targets.js";

export const ALERTMANAGER_LOG = process.env.DEBVISOR_ALERTMANAGER_LOG || "/var/log/debvisor/alertmanager.log";
/** how much of the log's end is read: a week of a busy node's notifications, not its whole debug chatter */
const TAIL_BYTES = 8 * 1024 * 1024;

export interface NotificationAttempt {
    /** milliseconds since the epoch */
    time: number;
    target: string;
    /** "email" or "webhook" (Alertmanager's integration) */
    kind: string;
    /** the alerts it was about, as Alertmanager named them; empty when that line is out of the log's window, and for
     * a failure logged by Alertmanager 0.28 (Debian 13), whose log names the alerts of a success only */
    alerts: string[];
    /** "sent"; "retrying": an attempt failed and Alertmanager tries again; "failed": it gave up */
    outcome: "sent" | "retrying" | "failed";
    /** the failure in the engine's words, a URL shown by its origin only (it may hold a token) */
    error: string;
    attempts: number;
}

const RECEIVER_PREFIX = "target-";

/* A URL in an error, shown by its origin: a webhook's path or query may hold a token. */
export function redactUrls(text: string): string {
    return text.replace(/https?:\/\/[^\s"'<>]+/g, found => {
        // punctuation after the URL ("…?token=x: boom") is the message's, not the URL's
        const [, url, after] = /^(.*?)([:.,;)]*)$/s.exec(found)!;
        try {
            return new URL(url).origin + after;
        } catch {
            return `<url>${after}`;
        }
    });
}

/* The target a route key names (its matcher debvisor_test_target=~"|NAME", the name quoted as a regular expression). */
function targetOfGroup(aggrGroup: string): string | null {
    const m = new RegExp(`${TEST_LABEL}=~"\\|([^"]*)"`).exec(aggrGroup);
    return m ? m[1].replace(/\\/g, "") : null;
}

/* Alert names of a flush's "[Name[fingerprint][active] Other[fingerprint][resolved]]". */
function alertNames(alerts: string): string[] {
    return [...new Set([...alerts.matchAll(/([A-Za-z_:][A-Za-z0-9_:]*)\[[0-9a-f]{7}\]\[(?:active|resolved)\]/g)].map(m => m[1]))];
}

const kindOf = (integration: string) => integration.replace(/\[\d+\]$/, "");

/* Attempts in the log's order, from Alertmanager's JSON lines (0.25's go-kit "ts" and "level", or slog's "time" and "level"). */
export function parseNotificationLog(lines: string[]): NotificationAttempt[] {
    const flushed = new Map<string, string[]>();
    const out: NotificationAttempt[] = [];
    for (const line of lines) {
        if (!line.includes("Notify") && !line.includes("flushing"))
            continue;
        let entry: Record<string, unknown>;
        try {
            entry = JSON.parse(line) as Record<string, unknown>;
        } catch {
            continue;
        }
        const msg = String(entry.msg ?? "");
        const time = Date.parse(String(entry.ts ?? entry.time ?? ""));
        if (msg === "flushing") {
            const target = targetOfGroup(String(entry.aggrGroup ?? ""));
            if (target !== null)
                flushed.set(target, alertNames(String(entry.alerts ?? "")));
            continue;
        }
        let receiver = String(entry.receiver ?? "");
        let integration = String(entry.integration ?? "");
        let error = String(entry.err ?? "");
        let outcome: NotificationAttempt["outcome"];
        if (msg === "Notify success")
            outcome = "sent";
        else if (msg.startsWith("Notify attempt failed"))
            outcome = "retrying";
        else if (msg === "Notify for alerts failed") {
            // the dispatcher's line: "RECEIVER/INTEGRATION: notify retry canceled after N attempts: …"
            const m = /^([^/\s]+)\/([a-z]+\[\d+\]): (.*)$/s.exec(error);
            if (!m)
                continue;
            [, receiver, integration, error] = m;
            outcome = "failed";
        } else
            continue;
        if (!receiver.startsWith(RECEIVER_PREFIX) || Number.isNaN(time))
            continue;
        const target = receiver.slice(RECEIVER_PREFIX.length);
        const attempts = Number(entry.attempts ?? /after (\d+) attempts/.exec(error)?.[1] ?? 1);
        // 0.28 names a success's alerts on its own line (and writes a flush's group as {}, naming no route)
        const alerts = entry.alerts !== undefined ? alertNames(String(entry.alerts)) : flushed.get(target) ?? [];
        out.push({ time, target, kind: kindOf(integration), alerts, outcome, error: redactUrls(error), attempts });
    }
    return out;
}

/* The end of a file (at most `bytes`), from its first whole line. */
function tailOf(file: string, bytes: number): string {
    let fd: number;
    try {
        fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT")
            return "";
        throw new Error(`cannot read Alertmanager's log ${file}: ${(e as Error).message}`);
    }
    try {
        const size = fs.fstatSync(fd).size;
        const length = Math.min(size, bytes);
        const buffer = Buffer.alloc(length);
        fs.readSync(fd, buffer, 0, length, size - length);
        const text = buffer.toString("utf8");
        return length < size ? text.slice(text.indexOf("\n") + 1) : text;
    } finally {
        fs.closeSync(fd);
    }
}

/* The latest attempts, newest first: the log and, when that is short, the end of the one logrotate moved aside. */
export function readNotificationLog(file = ALERTMANAGER_LOG, limit = 200): NotificationAttempt[] {
    const current = tailOf(file, TAIL_BYTES);
    const rotated = current.length < TAIL_BYTES ? tailOf(`${file}.1`, TAIL_BYTES - current.length) : "";
    return parseNotificationLog(`${rotated}\n${current}`.split("\n")).reverse().slice(0, limit);
}
