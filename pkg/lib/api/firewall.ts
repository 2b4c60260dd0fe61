// Calls on the Firewall object, as the logged-in user, returning plain data.
import {
    FIREWALL_IFACE, ROOT_PATH, type PageFirewallMethodResults,
    type PlainFirewallImportListReport,
} from "../../../generated/dbus-contract";
import { callDaemon } from "./call";
import { plainDict, type WithOptional } from "./variants";

const FIREWALL_PATH = `${ROOT_PATH}/firewall`;

export type ListName = "block" | "allow" | "management";

/** One entry of Blocked or Allowed; times in milliseconds since the epoch (expires 0: never). */
export interface FirewallEntry { cidr: string; comment: string; addedBy: string; addedAt: number; expires: number; packets: number; bytes: number }

/** The lists hold the first 1000 items; the counts say how many there are. ImportList's report: Block, Allow
 * and AddManagement send the same members but Lines. */
export type FirewallReport = WithOptional<PlainFirewallImportListReport, "Lines">;

/** force: the refused entries typed again by the person, exactly. */
interface AddOptions { comment?: string; expiry?: number; force?: string[]; dryRun?: boolean; skipInvalid?: boolean; list?: ListName }

export function firewallEntries(rows: unknown[][]): FirewallEntry[] {
    return rows.map(([cidr, comment, addedBy, addedAt, expires, packets, bytes]) => ({
        cidr: String(cidr), comment: String(comment), addedBy: String(addedBy),
        addedAt: Number(addedAt) / 1000, expires: Number(expires) / 1000, packets: Number(packets), bytes: Number(bytes),
    }));
}

function optionsDict(o: AddOptions) {
    const dict: Record<string, { t: string; v: unknown }> = {};
    if (o.comment) dict.comment = { t: "s", v: o.comment };
    if (o.expiry) dict.expiry = { t: "t", v: o.expiry };
    if (o.force && o.force.length > 0) dict.force = { t: "as", v: o.force };
    if (o.dryRun) dict["dry-run"] = { t: "b", v: true };
    if (o.skipInvalid) dict["skip-invalid"] = { t: "b", v: true };
    if (o.list) dict.list = { t: "s", v: o.list };
    return dict;
}

function report(dict: Record<string, unknown>): FirewallReport {
    const r = plainDict<Partial<FirewallReport>>(dict);
    return {
        Accepted: r.Accepted ?? [], Errors: r.Errors ?? [], Warnings: r.Warnings ?? [],
        Skipped: r.Skipped ?? [], Applied: Boolean(r.Applied), Lines: r.Lines,
        AcceptedCount: Number(r.AcceptedCount ?? 0), ErrorCount: Number(r.ErrorCount ?? 0),
        WarningCount: Number(r.WarningCount ?? 0), SkippedCount: Number(r.SkippedCount ?? 0),
    };
}

const ADD_METHOD = { block: "Block", allow: "Allow", management: "AddManagement" } as const;
const REMOVE_METHOD = { block: "Unblock", allow: "Disallow", management: "RemoveManagement" } as const;

export async function firewallAdd(list: ListName, cidrs: string[], options: AddOptions): Promise<FirewallReport> {
    const dict = optionsDict(list === "block" ? options : { comment: options.comment, expiry: list === "allow" ? options.expiry : undefined });
    const [r] = await callDaemon<PageFirewallMethodResults["Block"]>(FIREWALL_PATH, FIREWALL_IFACE, ADD_METHOD[list], [cidrs, dict]);
    return report(r);
}

export async function firewallRemove(list: ListName, cidrs: string[], force: string[] = []): Promise<string[]> {
    const dict = list === "management" && force.length > 0 ? { force: { t: "as", v: force } } : {};
    const [removed] = await callDaemon<PageFirewallMethodResults["Unblock"]>(FIREWALL_PATH, FIREWALL_IFACE, REMOVE_METHOD[list], [cidrs, dict]);
    return removed;
}

const REFUSAL = /^(\S+): (.+): refused unless the option force names (\S+) again$/;

/**
 * The entries debvisord refused until they are forced, with the reasons, from
 * a report's Errors or a refusal's message ("ARG: finding; finding; nothing was changed").
 */
export function refusalsOf(findings: string[] | string): Map<string, string[]> {
    const list = typeof findings === "string"
        ? findings.replace(/^[a-z]+: /, "").replace(/; nothing was changed$/, "").split("; ")
        : findings;
    const out = new Map<string, string[]>();
    for (const f of list) {
        const m = REFUSAL.exec(f);
        if (m && m[1] === m[3])
            out.set(m[1], [...out.get(m[1]) ?? [], m[2]]);
    }
    return out;
}

export async function firewallImport(text: string, options: AddOptions): Promise<FirewallReport> {
    const [r] = await callDaemon<PageFirewallMethodResults["ImportList"]>(FIREWALL_PATH, FIREWALL_IFACE, "ImportList", [text, optionsDict(options)]);
    return report(r);
}

export async function firewallQuarantine(on: boolean, reason: string): Promise<void> {
    if (on)
        await callDaemon<PageFirewallMethodResults["Quarantine"]>(FIREWALL_PATH, FIREWALL_IFACE, "Quarantine", [reason ? { reason: { t: "s", v: reason } } : {}]);
    else
        await callDaemon<PageFirewallMethodResults["Release"]>(FIREWALL_PATH, FIREWALL_IFACE, "Release", [{}]);
}
