// debvisorctl security checks|fix: the host's hardening checks and their fixes.
import { HARDENING_IFACE, ROOT_PATH } from "../../../generated/dbus-contract.js";
import { getProperties } from "../bus.js";
import { JSON_OPTION, NO_ASK_OPTION, type Command } from "../command.js";
import { callMethod, passOptions } from "../method.js";
import { printList, tableOf } from "../output.js";
import { callCommand } from "../call-command.js";

const HARDENING_PATH = `${ROOT_PATH}/hardening`;

interface CheckDict { Id: string; Title: string; Status: string; Detail: string; Fixable: boolean; Change: string }

const securityChecks: Command = {
    name: "security checks",
    summary: "run the host's hardening checks (sshd, kernel sysctls, automatic updates, auditd) and list them",
    details: "Exits with 1 when a check failed. \"debvisorctl security fix ID --dry-run\" shows the change a fix makes.",
    options: { ...JSON_OPTION, ...NO_ASK_OPTION },
    async run(values) {
        await callMethod(HARDENING_PATH, HARDENING_IFACE, "Recheck", [], values);
        const checks = (await getProperties(HARDENING_PATH, HARDENING_IFACE)).Checks as CheckDict[];
        printList(values, checks, tableOf(["ID", "STATUS", "FIX", "DETAIL"], c => [c.Id, c.Status, c.Fixable ? "yes" : "", c.Detail]));
        return checks.some(c => c.Status === "failed") ? 1 : 0;
    },
};

const securityFix = callCommand({
    name: "security fix",
    args: "ID",
    summary: "fix one failed hardening check (with --dry-run: print the exact change only)",
    details: "Prints the change: the files written with their whole new content and what is reloaded or applied.",
    options: { "dry-run": { type: "boolean", help: "only print the change; nothing is written" }, ...NO_ASK_OPTION },
    path: HARDENING_PATH, iface: HARDENING_IFACE, method: "Fix", callOptions: values => passOptions(values, { "dry-run": "b" }),
    prints: ([change], _given, values) => `${values["dry-run"] ? "dry run: would " : ""}${String(change)}`,
});

export const securityCommands: Command[] = [securityChecks, securityFix];
