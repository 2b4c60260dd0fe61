// Notification targets (e-mail through the host's MTA, or a webhook that gets
// Alertmanager's JSON) and Alertmanager's configuration made from them: one
// receiver and one route per target, which takes the alerts of its severity
// or worse and the target's own test alert.
import os from "node:os";
import { writeFileAtomically, writeJsonAtomically } from "../../lib/atomic-file.js";
import { prometheusGroup } from "./textfile.js";
import { readSavedFile } from "../../lib/saved-file.js";

export const SEVERITIES = ["info", "warning", "critical"] as const;
type Severity = typeof SEVERITIES[number];
export const TARGET_KINDS = ["email", "webhook"] as const;
type TargetKind = typeof TARGET_KINDS[number];
export const TEST_LABEL = "debvisor_test_target";

export interface NotificationTarget {
    name: string;
    kind: TargetKind;
    /** an e-mail address or an http(s) URL */
    address: string;
    minSeverity: Severity;
    added: number;
    addedByUid: number;
}

export function readTargets(file: string): NotificationTarget[] {
    const text = readSavedFile(file);
    if (text === null)
        return [];
    try {
        return JSON.parse(text) as NotificationTarget[];
    } catch (e) {
        throw new Error(`cannot read ${file}: ${(e as Error).message}`);
    }
}

export function writeTargets(file: string, targets: NotificationTarget[]): void {
    writeJsonAtomically(file, targets, 0o600);
}

/* What a viewer sees of a target's address: a webhook's URL can carry a token, so only its origin. */
export function shownAddress(target: NotificationTarget): string {
    if (target.kind !== "webhook")
        return target.address;
    try {
        return new URL(target.address).origin;
    } catch {
        return "";
    }
}

/** A node's grouping times: a new group's first notification waits group_wait for more of its alerts, and a group
 * notifies again (with alerts that joined it) at most every group_interval, which is also how long Alertmanager
 * retries a failing notification. A test's debvisord shortens them with DEBVISOR_ALERTMANAGER_GROUP_WAIT and
 * DEBVISOR_ALERTMANAGER_GROUP_INTERVAL (doc/debvisord.8). */
const GROUP_TIMES = { group_wait: "10s", group_interval: "1m" };

/* The grouping times from the environment where it sets them, else a node's; a value that is no duration is an error. */
export function groupTimes(env: NodeJS.ProcessEnv = process.env): typeof GROUP_TIMES {
    const time = (variable: string, shipped: string) => {
        const value = env[variable];
        if (value === undefined || value === "")
            return shipped;
        if (!/^[1-9]\d*(ms|s|m|h)$/.test(value))
            throw new Error(`${variable} must be a duration such as 10s or 1m, not "${value}"`);
        return value;
    };
    return { group_wait: time("DEBVISOR_ALERTMANAGER_GROUP_WAIT", GROUP_TIMES.group_wait),
             group_interval: time("DEBVISOR_ALERTMANAGER_GROUP_INTERVAL", GROUP_TIMES.group_interval) };
}

const receiverName = (target: string) => `target-${target}`;
const regexQuoted = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/* Alertmanager's configuration (JSON is YAML, which Alertmanager reads). One route per target, which takes the
 * alerts of its severity or worse and its own test alert (debvisor_test_target=~"|NAME": none, or its name), and
 * one group per route (group_by: []): each notification lists the target's alerts, and the route's key in
 * Alertmanager's log names the target, so the log says exactly which alerts each attempt was about
 * (notification-log.ts). */
export function alertmanagerConfig(targets: NotificationTarget[], hostname = os.hostname(), times = groupTimes()): Record<string, unknown> {
    const severities = (min: Severity) => SEVERITIES.slice(SEVERITIES.indexOf(min)).join("|");
    return {
        global: { smtp_smarthost: "localhost:25", smtp_from: `debvisor@${hostname}`, smtp_require_tls: false },
        route: {
            receiver: "nobody",
            group_by: [],
            ...times,
            repeat_interval: "4h",
            routes: targets.map(t => ({
                receiver: receiverName(t.name),
                matchers: [`severity=~"${severities(t.minSeverity)}"`, `${TEST_LABEL}=~"|${regexQuoted(t.name)}"`],
                continue: true,
            })),
        },
        receivers: [
            { name: "nobody" },
            ...targets.map(t => t.kind === "email"
                ? { name: receiverName(t.name), email_configs: [{ to: t.address, send_resolved: true }] }
                : { name: receiverName(t.name), webhook_configs: [{ url: t.address, send_resolved: true }] }),
        ],
    };
}

export function writeAlertmanagerConfig(file: string, targets: NotificationTarget[]): void {
    const text = `# written by debvisord from ${file.replace(/alertmanager\.yml$/, "targets.json")}; change it with debvisorctl alerts\n` +
        JSON.stringify(alertmanagerConfig(targets), null, 2) + "\n";
    writeFileAtomically(file, text, 0o640, prometheusGroup());
}
