// Calls on the Dns object, as the logged-in user, returning plain data.
import { DNS_IFACE, ROOT_PATH, type PageDnsMethodResults, type PlainDnsDhcpRanges, type PlainDnsLeases, type PlainDnsRegistrations } from "../../../generated/dbus-contract";
import type { DhcpRange } from "../../../helpers/lib/dhcp-ranges";
import { callDaemon } from "./call";
import { plainDicts, type WithOptional } from "./variants";

const DNS_PATH = `${ROOT_PATH}/dns`;

/* cockpit.js sends a{sv} values as { t: signature, v: value } */
type Variant = { t: string; v: unknown };

/** (name, type, ttl, data) as the bus carries a record. */
export type DnsRecordTuple = [string, string, number, string];

/** Node: the cluster member a machine moved to (empty: here; left out by an older daemon) */
type Registration = WithOptional<PlainDnsRegistrations[number], "Node">;

export const registrationsOf = (list: Array<Record<string, unknown>>) => plainDicts<Registration[]>(list);
export const leasesOf = (list: Array<Record<string, unknown>>) => plainDicts<PlainDnsLeases>(list);

export async function dnsListRecords(zone: string, offset: number, limit: number, filter: { name?: string; type?: string }): Promise<{ records: DnsRecordTuple[]; total: number }> {
    const options: Record<string, Variant> = {};
    if (filter.name)
        options.name = { t: "s", v: filter.name };
    if (filter.type)
        options.type = { t: "s", v: filter.type };
    const [records, total] = await callDaemon<PageDnsMethodResults["ListRecords"]>(DNS_PATH, DNS_IFACE, "ListRecords", [zone, offset, limit, options]);
    return { records: records as DnsRecordTuple[], total };
}

/* Replaces the (name, type) sets of the records, or with `append` adds to them. */
export async function dnsUpsertRecords(zone: string, records: DnsRecordTuple[], ptr: boolean, append = false): Promise<void> {
    await callDaemon(DNS_PATH, DNS_IFACE, "UpsertRecords", [zone, records, { ptr: { t: "b", v: ptr }, append: { t: "b", v: append } }]);
}

export async function dnsDeleteRecords(zone: string, records: DnsRecordTuple[], ptr: boolean): Promise<void> {
    await callDaemon(DNS_PATH, DNS_IFACE, "DeleteRecords", [zone, records, ptr ? { ptr: { t: "b", v: true } } : {}]);
}

export async function dnsRotateKey(key: string, overlapSeconds: number): Promise<string> {
    const [job] = await callDaemon<PageDnsMethodResults["RotateKey"]>(DNS_PATH, DNS_IFACE, "RotateKey", [key, { "overlap-seconds": { t: "u", v: overlapSeconds } }]);
    return job;
}

export async function dnsAddZone(zone: string, server: string, port: number, local: boolean, registerMachines: boolean, zoneKey: string): Promise<void> {
    const options: Record<string, Variant> = { local: { t: "b", v: local }, "register-machines": { t: "b", v: registerMachines } };
    if (zoneKey)
        options["zone-key"] = { t: "s", v: zoneKey };
    await callDaemon(DNS_PATH, DNS_IFACE, "AddZone", [zone, server, port, options]);
}

export async function dnsRemoveZone(zone: string): Promise<void> {
    await callDaemon(DNS_PATH, DNS_IFACE, "RemoveZone", [zone, {}]);
}

/* Replaces every DHCP range (the page sends the whole list, as the bus method takes it). */
export async function dnsSetDhcpRanges(ranges: DhcpRange[]): Promise<void> {
    const dicts = ranges.map(r => ({
        Name: { t: "s", v: r.Name }, Interface: { t: "s", v: r.Interface }, Start: { t: "s", v: r.Start }, End: { t: "s", v: r.End },
        Netmask: { t: "s", v: r.Netmask }, LeaseSeconds: { t: "t", v: r.LeaseSeconds }, DnsServer: { t: "s", v: r.DnsServer },
    }));
    await callDaemon(DNS_PATH, DNS_IFACE, "SetDhcpRanges", [dicts, {}]);
}

/* DnsServer read with a default ("": this host), should a range come without it */
export const dhcpRangesOf = (list: Array<Record<string, unknown>>) => plainDicts<Array<WithOptional<PlainDnsDhcpRanges[number], "DnsServer">>>(list)
    .map((d): DhcpRange => ({ ...d, LeaseSeconds: Number(d.LeaseSeconds), DnsServer: String(d.DnsServer ?? "") }));
