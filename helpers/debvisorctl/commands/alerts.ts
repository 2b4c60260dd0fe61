// debvisorctl alerts …: the alerts firing now, silencing them for a while (and
// ending a silence early), and where notifications go (e-mail or webhook,
// with a severity filter) and what became of each notification.
import { ALERTS_IFACE, ROOT_PATH } from "../../../generated/dbus-contract.js";
import { unwrap } from "../../lib/variants.js";
import { UsageError } from "../args.js";
import { getProperties } from "../bus.js";
import { JSON_OPTION, NO_ASK_OPTION, type Command } from "../command.js";
import { callMethod } from "../method.js";
import { print, printList, tableOf } from "../output.js";
import { parseDuration } from "./fw.js";

const ALERTS_PATH = `${ROOT_PATH}/alerts`;
const time = (micros: unknown) => new Date(Number(BigInt(micros as bigint) / 1000n)).toISOString().replace(/\.\d+Z$/, "Z");

const alertsTable = tableOf<Record<string, unknown>>(["SEVERITY", "ALERT", "SINCE", "STATE", "SILENCED BY", "SUMMARY"], a => [
    String(a.Severity), String(a.Name), time(a.StartTime), String(a.State), (a.SilencedBy as string[] | undefined)?.join(",") || "-", String(a.Summary),
]);

const list: Command = {
    name: "alerts",
    summary: "the alerts firing now: severity, name, since when, what it is about",
    options: { ...JSON_OPTION, ...NO_ASK_OPTION },
    async run(values) {
        const [raw] = await callMethod(ALERTS_PATH, ALERTS_IFACE, "ListAlerts", [], values);
        const alerts = unwrap(raw) as Array<Record<string, unknown>>;
        return printList(values, alerts, shown => shown.length === 0 ? "No alerts." : alertsTable(shown));
    },
};

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

const unsilence: Command = {
    name: "alerts unsilence",
    args: "SILENCE-ID",
    summary: "end a silence now (its id as alerts silence printed it, or from alerts --json's SilencedBy)",
    options: { ...NO_ASK_OPTION },
    async run(values, [id]) {
        await callMethod(ALERTS_PATH, ALERTS_IFACE, "Unsilence", [id], values);
        print(`silence ${id} ended`);
        return 0;
    },
};

const targets: Command = {
    name: "alerts targets",
    summary: "where notifications go: name, kind, address (a webhook's origin only), lowest severity",
    options: JSON_OPTION,
    async run(values) {
        const props = await getProperties(ALERTS_PATH, ALERTS_IFACE);
        const list = unwrap(props.NotificationTargets) as Array<Record<string, unknown>>;
        return printList(values, list, tableOf(["NAME", "KIND", "ADDRESS", "SEVERITY"], t => [String(t.Name), String(t.Kind), String(t.Address), String(t.MinSeverity)]));
    },
};

const notifications: Command = {
    name: "alerts notifications",
    summary: "the latest notification attempts, newest first: when, to which target, about which alerts, sent or why not",
    options: { ...JSON_OPTION, ...NO_ASK_OPTION },
    async run(values) {
        const [raw] = await callMethod(ALERTS_PATH, ALERTS_IFACE, "ListNotifications", [], values);
        const attempts = unwrap(raw) as Array<Record<string, unknown>>;
        return printList(values, attempts, shown => shown.length === 0 ? "No notification attempts logged." :
            tableOf<Record<string, unknown>>(["TIME", "TARGET", "KIND", "OUTCOME", "ATTEMPTS", "ALERTS", "ERROR"], a => [
                time(a.Time), String(a.Target), String(a.Kind), String(a.Outcome), String(a.Attempts),
                (a.Alerts as string[]).join(",") || "-", String(a.Error) || "-",
            ])(shown));
    },
};

const targetAdd: Command = {
    name: "alerts target-add",
    args: "NAME email|webhook ADDRESS",
    summary: "send alerts of --severity (default warning) and worse to an e-mail address or a webhook URL",
    options: { severity: { type: "string", value: "info|warning|critical", help: "the lowest severity sent (default warning)" }, ...NO_ASK_OPTION },
    async run(values, [name, kind, address]) {
        await callMethod(ALERTS_PATH, ALERTS_IFACE, "AddNotificationTarget",
            [name, kind, address, typeof values.severity === "string" ? values.severity : "warning"], values);
        return 0;
    },
};

/* A command that names one target and calls one method with it. */
function targetCommand(name: string, method: "RemoveNotificationTarget" | "TestNotificationTarget", summary: string): Command {
    return {
        name, args: "NAME", summary, options: NO_ASK_OPTION,
        async run(values, [target]) {
            await callMethod(ALERTS_PATH, ALERTS_IFACE, method, [target], values);
            return 0;
        },
    };
}

const targetRemove = targetCommand("alerts target-remove", "RemoveNotificationTarget", "send no more notifications to this target");
const targetTest = targetCommand("alerts target-test", "TestNotificationTarget", "send a test alert to this target only (it resolves a minute later)");

export const alertsCommands: Command[] = [list, silence, unsilence, targets, notifications, targetAdd, targetRemove, targetTest];
