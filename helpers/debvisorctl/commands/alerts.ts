// debvisorctl alerts …: the alerts firing now, silencing them for a while (and
// ending a silence early), and where notifications go (e-mail or webhook,
// with a severity filter) and what became of each notification.
import { ALERTS_IFACE, ROOT_PATH } from "../../../generated/dbus-contract.js";
import { unwrap } from "../../lib/variants.js";
import { UsageError, type Values } from "../args.js";
import { getProperties } from "../bus.js";
import { callCommand, listCommand } from "../call-command.js";
import { JSON_OPTION, NO_ASK_OPTION, type Command } from "../command.js";
import { callMethod } from "../method.js";
import { print } from "../output.js";
import { parseDuration } from "./fw.js";

const ALERTS_PATH = `${ROOT_PATH}/alerts`;
const time = (micros: unknown) => new Date(Number(BigInt(micros as bigint) / 1000n)).toISOString().replace(/\.\d+Z$/, "Z");

/* A list the Alerts object answers with: its dicts as they came. */
const ask = (method: "ListAlerts" | "ListNotifications") => async (values: Values) =>
    unwrap((await callMethod(ALERTS_PATH, ALERTS_IFACE, method, [], values))[0]) as Array<Record<string, unknown>>;

const list = listCommand({
    name: "alerts",
    summary: "the alerts firing now: severity, name, since when, what it is about",
    options: { ...JSON_OPTION, ...NO_ASK_OPTION },
    items: ask("ListAlerts"),
    empty: "No alerts.",
    headers: ["SEVERITY", "ALERT", "SINCE", "STATE", "SILENCED BY", "SUMMARY"],
    row: a => [
        String(a.Severity), String(a.Name), time(a.StartTime), String(a.State), (a.SilencedBy as string[] | undefined)?.join(",") || "-", String(a.Summary),
    ],
});

const silence: Command = {
    name: "alerts silence",
    args: "LABEL=VALUE…",
    summary: "send no notification for the alerts with all these labels for a while (e.g. alertname=ZfsPoolDegraded pool=tank)",
    options: {
        for: { type: "string", value: "DURATION", help: "how long: seconds, or 90m, 12h, 7d (default 2h)" },
        comment: { type: "string", value: "TEXT", help: "why, for the next admin" },
        ...NO_ASK_OPTION,
    },
    positionals: { min: 1, max: 16 },
    async run(values, matchers) {
        const labels: Record<string, string> = {};
        for (const m of matchers) {
            const at = m.indexOf("=");
            if (at < 1)
                throw new UsageError(`"${m}" is not LABEL=VALUE`);
            labels[m.slice(0, at)] = m.slice(at + 1);
        }
        const seconds = parseDuration(typeof values.for === "string" ? values.for : "2h");
        const [id] = await callMethod(ALERTS_PATH, ALERTS_IFACE, "Silence",
            [labels, seconds, typeof values.comment === "string" ? values.comment : ""], values) as [string];
        print(`silence ${id}`);
        return 0;
    },
};

const unsilence = callCommand({
    name: "alerts unsilence",
    args: "SILENCE-ID",
    summary: "end a silence now (its id as alerts silence printed it, or from alerts --json's SilencedBy)",
    options: { ...NO_ASK_OPTION },
    path: ALERTS_PATH, iface: ALERTS_IFACE, method: "Unsilence",
    prints: (_reply, [id]) => `silence ${id} ended`,
});

const targets = listCommand({
    name: "alerts targets",
    summary: "where notifications go: name, kind, address (a webhook's origin only), lowest severity",
    items: async () => unwrap((await getProperties(ALERTS_PATH, ALERTS_IFACE)).NotificationTargets) as Array<Record<string, unknown>>,
    headers: ["NAME", "KIND", "ADDRESS", "SEVERITY"],
    row: t => [String(t.Name), String(t.Kind), String(t.Address), String(t.MinSeverity)],
});

const notifications = listCommand({
    name: "alerts notifications",
    summary: "the latest notification attempts, newest first: when, to which target, about which alerts, sent or why not",
    options: { ...JSON_OPTION, ...NO_ASK_OPTION },
    items: ask("ListNotifications"),
    empty: "No notification attempts logged.",
    headers: ["TIME", "TARGET", "KIND", "OUTCOME", "ATTEMPTS", "ALERTS", "ERROR"],
    row: a => [
        time(a.Time), String(a.Target), String(a.Kind), String(a.Outcome), String(a.Attempts),
        (a.Alerts as string[]).join(",") || "-", String(a.Error) || "-",
    ],
});

const targetAdd = callCommand({
    name: "alerts target-add",
    args: "NAME email|webhook ADDRESS",
    summary: "send alerts of --severity (default warning) and worse to an e-mail address or a webhook URL",
    options: { severity: { type: "string", value: "info|warning|critical", help: "the lowest severity sent (default warning)" }, ...NO_ASK_OPTION },
    path: ALERTS_PATH, iface: ALERTS_IFACE, method: "AddNotificationTarget",
    callArgs: (given, values) => [...given, typeof values.severity === "string" ? values.severity : "warning"],
});

/* A command that names one target and calls one method with it. */
const targetCommand = (name: string, method: "RemoveNotificationTarget" | "TestNotificationTarget", summary: string) =>
    callCommand({ name, args: "NAME", summary, options: NO_ASK_OPTION, path: ALERTS_PATH, iface: ALERTS_IFACE, method });

const targetRemove = targetCommand("alerts target-remove", "RemoveNotificationTarget", "send no more notifications to this target");
const targetTest = targetCommand("alerts target-test", "TestNotificationTarget", "send a test alert to this target only (it resolves a minute later)");

export const alertsCommands: Command[] = [list, silence, unsilence, targets, notifications, targetAdd, targetRemove, targetTest];
