// Calls on the Firewall object, as the logged-in user, returning plain data.
import { FIREWALL_IFACE, ROOT_PATH, type PageFirewallMethodResults } from "../../../generated/dbus-contract";
import { callDaemon } from "./call";
import { unwrapDict } from "./variants";

export const FIREWALL_PATH = `${ROOT_PATH}/Firewall`;

export type ListName = "block" | "allow";

/** One entry of Blocked or Allowed; times in milliseconds since the epoch (expires 0: never). */
export interface FirewallEntry { cidr: string; comment: string; addedBy: string; addedAt: number; expires: number; packets: number; bytes: number }

/** The lists hold the first 1000 items; the counts say how many there are. */
export interface FirewallReport {
    Accepted: string[]; Errors: string[]; Warnings: string[]; Skipped: string[]; Applied: boolean; Lines?: number;
    AcceptedCount: number; ErrorCount: number; WarningCount: number; SkippedCount: number;
}

export interface AddOptions { comment?: string; expiry?: number; force?: boolean; dryRun?: boolean; skipInvalid?: boolean; list?: ListName }

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
    if (o.force) dict.force = { t: "b", v: true };
    if (o.dryRun) dict["dry-run"] = { t: "b", v: true };
    if (o.skipInvalid) dict["skip-invalid"] = { t: "b", v: true };
    if (o.list) dict.list = { t: "s", v: o.list };
    return dict;
}

function report(dict: Record<string, unknown>): FirewallReport {
    const r = unwrapDict(dict);
    return {
        Accepted: (r.Accepted as string[]) ?? [], Errors: (r.Errors as string[]) ?? [], Warnings: (r.Warnings as string[]) ?? [],
        Skipped: (r.Skipped as string[]) ?? [], Applied: Boolean(r.Applied), Lines: r.Lines as number | undefined,
        AcceptedCount: Number(r.AcceptedCount ?? 0), ErrorCount: Number(r.ErrorCount ?? 0),
        WarningCount: Number(r.WarningCount ?? 0), SkippedCount: Number(r.SkippedCount ?? 0),
    };
}

export async function firewallAdd(list: ListName, cidrs: string[], options: AddOptions): Promise<FirewallReport> {
    const dict = optionsDict(list === "allow" ? { ...options, force: false } : options);
    const [r] = await callDaemon<PageFirewallMethodResults["Block"]>(FIREWALL_PATH, FIREWALL_IFACE, list === "block" ? "Block" : "Allow", [cidrs, dict]);
    return report(r);
}

export async function firewallRemove(list: ListName, cidrs: string[]): Promise<string[]> {
    const [removed] = await callDaemon<PageFirewallMethodResults["Unblock"]>(FIREWALL_PATH, FIREWALL_IFACE, list === "block" ? "Unblock" : "Disallow", [cidrs, {}]);
    return removed;
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
