// debvisorctl security checks|fix: the host's hardening checks and their fixes.
import { HARDENING_IFACE, ROOT_PATH } from "../../../generated/dbus-contract.js";
import { getProperties } from "../bus.js";
import { JSON_OPTION, NO_ASK_OPTION, type Command } from "../command.js";
import { callMethod, passOptions } from "../method.js";
import { print, printList, tableOf } from "../output.js";

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

const securityFix: Command = {
    name: "security fix",
    args: "ID",
    summary: "fix one failed hardening check (with --dry-run: print the exact change only)",
    details: "Prints the change: the files written with their whole new content and what is reloaded or applied.",
    options: { "dry-run": { type: "boolean", help: "only print the change; nothing is written" }, ...NO_ASK_OPTION },
    async run(values, [id]) {
        const extra = passOptions(values, { "dry-run": "b" });
        const [change] = await callMethod(HARDENING_PATH, HARDENING_IFACE, "Fix", [id], values, extra) as [string];
        print(`${values["dry-run"] ? "dry run: would " : ""}${change}`);
        return 0;
    },
};

export const securityCommands: Command[] = [securityChecks, securityFix];
