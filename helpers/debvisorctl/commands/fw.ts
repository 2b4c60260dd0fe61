// debvisorctl fw …: the firewall's block and allow lists and its management
// set, and debvisorctl quarantine on|off|status.
import fs from "node:fs";
import dbus from "dbus-next";
import { FIREWALL_IFACE, ROOT_PATH, type ContractMethod } from "../../../generated/dbus-contract.js";
import { UsageError, type Values } from "../args.js";
import { getProperties } from "../bus.js";
import { JSON_OPTION, NO_ASK_OPTION, type Command } from "../command.js";
import { callMethod, passOptions } from "../method.js";
import { print, printJson, printable, table } from "../output.js";

type Variant = InstanceType<typeof dbus.Variant>;

const FIREWALL_PATH = `${ROOT_PATH}/firewall`;
const MAX_ENTRIES = 1_000_000;

/* "3600", "90s", "30m", "12h", "7d" → seconds. */
export function parseDuration(text: string): number {
    const m = /^(\d{1,9})([smhd]?)$/.exec(text.trim());
    if (!m)
        throw new UsageError(`"${text}" is not a duration: a number of seconds, or with s, m, h or d (e.g. 90m, 7d)`);
    return Number(m[1]) * { "": 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2] as "" | "s" | "m" | "h" | "d"];
}

function addOptions(values: Values, withForce: boolean): Record<string, Variant> {
    const options: Record<string, Variant> = {};
    if (values.comment !== undefined)
        options.comment = new dbus.Variant("s", String(values.comment));
    if (values.expiry !== undefined)
        options.expiry = new dbus.Variant("t", BigInt(parseDuration(String(values.expiry))));
    if (withForce && values.force !== undefined)
        options.force = forceVariant(String(values.force));
    if (values["dry-run"])
        options["dry-run"] = new dbus.Variant("b", true);
    return options;
}

/* --force ENTRY[,ENTRY…]: the refused entries typed again, exactly as given. */
function forceVariant(text: string): Variant {
    return new dbus.Variant("as", text.split(",").filter(Boolean));
}

const FORCE_OPTION = {
    type: "string", value: "ENTRY",
    help: "block it even though it was refused: the refused entry typed again, exactly (several: comma-separated)",
} as const;

interface Report {
    Accepted?: string[]; Errors?: string[]; Warnings?: string[]; Skipped?: string[]; Applied?: boolean; Lines?: number;
    AcceptedCount?: number; ErrorCount?: number; WarningCount?: number; SkippedCount?: number;
}

/* "… and N more" when the report names only the first of many. */
function more(shown: number, total: number | undefined): string[] {
    return total !== undefined && total > shown ? [`… and ${total - shown} more`] : [];
}

/* The report of Block, Allow and ImportList; exit code 1 when it has errors. */
function printReport(report: Report, verb: string, values: Values, planned = `would ${verb.replace(/ed$/, "")}`): number {
    if (values.json) {
        printJson(report);
        return (report.ErrorCount ?? (report.Errors ?? []).length) > 0 ? 1 : 0;
    }
    const lines: string[] = [];
    for (const e of [...report.Errors ?? [], ...more(report.Errors?.length ?? 0, report.ErrorCount)]) lines.push(`error: ${printable(e)}`);
    for (const w of [...report.Warnings ?? [], ...more(report.Warnings?.length ?? 0, report.WarningCount)]) lines.push(`warning: ${printable(w)}`);
    for (const s of [...report.Skipped ?? [], ...more(report.Skipped?.length ?? 0, report.SkippedCount)]) lines.push(`skipped: ${printable(s)}`);
    const accepted = report.Accepted ?? [];
    const count = report.AcceptedCount ?? accepted.length;
    const shown = count <= 20 ? accepted.join(" ") : `${accepted.slice(0, 20).join(" ")} … (${count} in all)`;
    const what = `${count} ${count === 1 ? "entry" : "entries"}${count ? ": " + shown : ""}`;
    lines.push(report.Applied ? `${verb} ${what}` : `dry run: ${planned} ${what}`);
    print(lines.join("\n"));
    return (report.ErrorCount ?? (report.Errors ?? []).length) > 0 ? 1 : 0;
}

const ADD_OPTIONS = {
    comment: { type: "string", value: "TEXT", help: "why (shown in the lists and kept in the nft element)" },
    expiry: { type: "string", value: "DURATION", help: "remove the entries after this long: seconds, or 90m, 12h, 7d" },
    "dry-run": { type: "boolean", help: "only check: print what would be added, the warnings and the errors" },
    json: JSON_OPTION.json,
    ...NO_ASK_OPTION,
} as const;

const fwBlock: Command = {
    name: "fw block",
    args: "CIDR...",
    summary: "block addresses, prefixes or ranges (IPv4 and IPv6) in the host firewall",
    details: "Refused, naming the reason, when a block would cover loopback, this host's own addresses, its default\n" +
        "gateways, the management set, the address of an established Cockpit or SSH session or an entry of the\n" +
        "allow list, or is wider than /8 (IPv4) or /32 (IPv6); --force with the entry typed again blocks it\n" +
        "anyway, e.g. fw block 0.0.0.0/0 --force 0.0.0.0/0. Loopback is let in before any block, even a forced one.",
    options: { ...ADD_OPTIONS, force: FORCE_OPTION },
    positionals: { min: 1, max: MAX_ENTRIES },
    async run(values, cidrs) {
        const [report] = await callMethod(FIREWALL_PATH, FIREWALL_IFACE, "Block", [cidrs], values, addOptions(values, true));
        return printReport(report as Report, "blocked", values);
    },
};

const fwAllow: Command = {
    name: "fw allow",
    args: "CIDR...",
    summary: "allow addresses, prefixes or ranges: the allow list wins over the block list and a quarantine",
    options: ADD_OPTIONS,
    positionals: { min: 1, max: MAX_ENTRIES },
    async run(values, cidrs) {
        const [report] = await callMethod(FIREWALL_PATH, FIREWALL_IFACE, "Allow", [cidrs], values, addOptions(values, false));
        return printReport(report as Report, "allowed", values);
    },
};

function removal(word: string, member: ContractMethod<typeof FIREWALL_IFACE>, list: string): Command {
    return {
        name: `fw ${word}`,
        args: "CIDR...",
        summary: `remove entries from the ${list} list`,
        options: { "dry-run": { type: "boolean", help: "only check that they are listed" }, ...NO_ASK_OPTION },
        positionals: { min: 1, max: MAX_ENTRIES },
        async run(values, cidrs) {
            const extra = passOptions(values, { "dry-run": "b" });
            const [removed] = await callMethod(FIREWALL_PATH, FIREWALL_IFACE, member, [cidrs], values, extra) as [string[]];
            print(`${values["dry-run"] ? "would remove" : "removed"} ${removed.join(" ")}`);
            return 0;
        },
    };
}

type Row = [string, string, string, number, number, number, number];

function rows(list: Row[]) {
    return list.map(([cidr, comment, addedBy, addedAt, expires, packets, bytes]) => ({
        cidr, comment, addedBy,
        addedAt: new Date(addedAt / 1000).toISOString(),
        expires: expires ? new Date(expires / 1000).toISOString() : null,
        packets, bytes,
    }));
}

function listTable(list: ReturnType<typeof rows>): string {
    return table(["CIDR", "PACKETS", "BYTES", "EXPIRES", "ADDED BY", "COMMENT"], list.map(r => [
        r.cidr, String(r.packets), String(r.bytes), r.expires ?? "never", `${r.addedBy} ${r.addedAt.slice(0, 16).replace("T", " ")}`, r.comment,
    ]));
}

const fwList: Command = {
    name: "fw list",
    summary: "the management set and the block and allow lists with their counters, expiry and who added each entry",
    options: {
        block: { type: "boolean", help: "only the block list" },
        allow: { type: "boolean", help: "only the allow list" },
        management: { type: "boolean", help: "only the management set" },
        ...JSON_OPTION,
    },
    async run(values) {
        const props = await getProperties(FIREWALL_PATH, FIREWALL_IFACE);
        const blocked = rows(props.Blocked as Row[]);
        const allowed = rows(props.Allowed as Row[]);
        const management = rows((props.Management ?? []) as Row[]);
        const both = !values.block && !values.allow && !values.management;
        if (values.json) {
            printJson({
                ...(both || values.management ? { management } : {}),
                ...(both || values.block ? { blocked } : {}),
                ...(both || values.allow ? { allowed } : {}),
                quarantined: props.Quarantined, table: props.Table,
            });
            return 0;
        }
        const parts: string[] = [];
        if (!props.Available)
            parts.push(`The firewall is not available: ${printable(String(props.Problem))}\n`);
        if (props.Quarantined)
            parts.push("The host is QUARANTINED: only the allow list gets in (debvisorctl quarantine status).\n");
        if (both || values.management)
            parts.push(`Management (${management.length}), always let in:\n${listTable(management)}\n`);
        if (both || values.block)
            parts.push(`Blocked (${blocked.length}):\n${listTable(blocked)}\n`);
        if (both || values.allow)
            parts.push(`Allowed (${allowed.length}), wins over the block list:\n${listTable(allowed)}\n`);
        print(parts.join("\n"));
        return 0;
    },
};

const fwImport: Command = {
    name: "fw import",
    args: "FILE",
    summary: "add a list of entries from a file (\"-\": standard input), checked as a whole first",
    details: "One or more entries per line, separated by spaces or commas; \"#\" starts a comment that becomes\n" +
        "the entries' comment. With errors nothing is added unless --skip-invalid. --dry-run prints the report only.\n" +
        "Each entry is checked as fw block checks it; one refused there stops the whole import, even with\n" +
        "--skip-invalid, unless --force names it as written in the file.",
    options: {
        allow: { type: "boolean", help: "import into the allow list instead of the block list" },
        "skip-invalid": { type: "boolean", help: "add the good entries even when others have errors" },
        force: FORCE_OPTION,
        ...ADD_OPTIONS,
    },
    async run(values, [file]) {
        let text: string;
        try {
            text = fs.readFileSync(file === "-" ? 0 : file, "utf8");
        } catch (e) {
            throw new UsageError(`cannot read ${file}: ${(e as Error).message}`);
        }
        const options = addOptions(values, true);
        options.list = new dbus.Variant("s", values.allow ? "allow" : "block");
        if (values["skip-invalid"])
            options["skip-invalid"] = new dbus.Variant("b", true);
        const [report] = await callMethod(FIREWALL_PATH, FIREWALL_IFACE, "ImportList", [text], values, options);
        return printReport(report as Report, values.allow ? "allowed" : "blocked", values);
    },
};

const fwExport: Command = {
    name: "fw export",
    summary: "print the block list (or --allow: the allow list) in the format fw import reads",
    options: { allow: { type: "boolean", help: "the allow list" }, ...NO_ASK_OPTION },
    async run(values) {
        const [text] = await callMethod(FIREWALL_PATH, FIREWALL_IFACE, "Export", [], values,
            { list: new dbus.Variant("s", values.allow ? "allow" : "block") });
        process.stdout.write(String(text));
        return 0;
    },
};

const fwManagementAdd: Command = {
    name: "fw management add",
    args: "CIDR...",
    summary: "add networks to the management set: always let in, before any block and during a quarantine",
    options: { comment: ADD_OPTIONS.comment, "dry-run": ADD_OPTIONS["dry-run"], json: JSON_OPTION.json, ...NO_ASK_OPTION },
    positionals: { min: 1, max: MAX_ENTRIES },
    async run(values, cidrs) {
        const [report] = await callMethod(FIREWALL_PATH, FIREWALL_IFACE, "AddManagement", [cidrs], values, addOptions(values, false));
        return printReport(report as Report, "added to the management set", values, "would add to the management set");
    },
};

const fwManagementRemove: Command = {
    name: "fw management remove",
    args: "CIDR...",
    summary: "remove networks from the management set",
    details: "Refused when it would leave the set empty or drop the network of an open Cockpit or SSH session\n" +
        "that nothing else lets in, unless --force names the entry again.",
    options: {
        "dry-run": { type: "boolean", help: "only check" },
        force: { ...FORCE_OPTION, help: "remove it even though it was refused: the entry typed again, exactly" },
        ...NO_ASK_OPTION,
    },
    positionals: { min: 1, max: MAX_ENTRIES },
    async run(values, cidrs) {
        const extra = passOptions(values, { "dry-run": "b" });
        if (values.force !== undefined)
            extra.force = forceVariant(String(values.force));
        const [removed] = await callMethod(FIREWALL_PATH, FIREWALL_IFACE, "RemoveManagement", [cidrs], values, extra) as [string[]];
        print(`${values["dry-run"] ? "would remove" : "removed"} ${removed.join(" ")}`);
        return 0;
    },
};

const quarantineOn: Command = {
    name: "quarantine on",
    summary: "isolate the host: only the allow list, loopback and established connections get in",
    details: "Forwarded traffic (the machines') is limited the same way, and running machines that start\n" +
        "automatically are shut down (--keep-machines leaves them running). Loopback and the management set\n" +
        "still get in. Refused while neither the allow list nor the management set holds the address of a\n" +
        "Cockpit or SSH session, unless --force. Every step is in the audit log.",
    options: {
        reason: { type: "string", value: "TEXT", help: "why, for the audit log and the status" },
        "keep-machines": { type: "boolean", help: "do not shut down the autostarted machines" },
        force: { type: "boolean", help: "even when an admin session's address is not in the allow list" },
        ...NO_ASK_OPTION,
    },
    async run(values) {
        const options: Record<string, Variant> = {};
        if (values.reason !== undefined)
            options.reason = new dbus.Variant("s", String(values.reason));
        if (values["keep-machines"])
            options["stop-machines"] = new dbus.Variant("b", false);
        if (values.force)
            options.force = new dbus.Variant("b", true);
        await callMethod(FIREWALL_PATH, FIREWALL_IFACE, "Quarantine", [], values, options);
        print("the host is quarantined; \"debvisorctl quarantine off\" releases it");
        return 0;
    },
};

const quarantineOff: Command = {
    name: "quarantine off",
    summary: "end the quarantine: the firewall is as before it, the stopped machines start again",
    options: { "keep-machines-stopped": { type: "boolean", help: "do not start the machines the quarantine stopped" }, ...NO_ASK_OPTION },
    async run(values) {
        const options: Record<string, Variant> = values["keep-machines-stopped"] ? { "start-machines": new dbus.Variant("b", false) } : {};
        await callMethod(FIREWALL_PATH, FIREWALL_IFACE, "Release", [], values, options);
        print("the quarantine is over");
        return 0;
    },
};

const quarantineStatus: Command = {
    name: "quarantine status",
    summary: "whether the host is quarantined, since when, by whom and why",
    options: JSON_OPTION,
    async run(values) {
        const props = await getProperties(FIREWALL_PATH, FIREWALL_IFACE);
        const info = props.QuarantineInfo as { since?: number; by?: string; reason?: string; "stopped-machines"?: string[] };
        const status = {
            quarantined: Boolean(props.Quarantined),
            since: info.since ? new Date(info.since / 1000).toISOString() : null,
            by: info.by ?? null, reason: info.reason ?? null, stoppedMachines: info["stopped-machines"] ?? [],
            allowed: (props.Allowed as Row[]).map(r => r[0]),
            management: ((props.Management ?? []) as Row[]).map(r => r[0]),
        };
        if (values.json) {
            printJson(status);
            return 0;
        }
        if (!status.quarantined) {
            print("not quarantined");
            return 0;
        }
        print([
            `quarantined since ${status.since} by ${printable(String(status.by))}${status.reason ? `: ${printable(status.reason)}` : ""}`,
            `management set: ${status.management.length > 0 ? status.management.join(" ") : "empty"}`,
            `allowed in: ${status.allowed.length > 0 ? status.allowed.join(" ") : "nobody else but loopback and established connections"}`,
            `machines stopped: ${status.stoppedMachines.length > 0 ? status.stoppedMachines.map(printable).join(" ") : "none"}`,
        ].join("\n"));
        return 0;
    },
};

export const fwCommands: Command[] = [
    fwList, fwBlock, removal("unblock", "Unblock", "block"), fwAllow, removal("disallow", "Disallow", "allow"), fwImport, fwExport,
    fwManagementAdd, fwManagementRemove,
    quarantineStatus, quarantineOn, quarantineOff,
];
