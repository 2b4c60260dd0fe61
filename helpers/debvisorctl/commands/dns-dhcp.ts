// debvisorctl dns dhcp list|set|remove: the DHCP ranges the node's dnsmasq
// serves. set and remove read the ranges, change one, and send them all back
// (SetDhcpRanges replaces the whole list).
import dbus from "dbus-next";
import { DNS_IFACE, ROOT_PATH } from "../../../generated/dbus-contract.js";
import { rangeUsage, type DhcpRange } from "../../lib/dhcp-ranges.js";
import { UsageError, type Values } from "../args.js";
import { CliError, getProperties } from "../bus.js";
import { JSON_OPTION, NO_ASK_OPTION, type Command } from "../command.js";
import { callMethod } from "../method.js";
import { print, printJson, table } from "../output.js";

const DNS_PATH = `${ROOT_PATH}/dns`;

async function readRanges(): Promise<{ ranges: DhcpRange[]; leases: Array<{ Address: string; Expiry: number; Source: string }> }> {
    const props = await getProperties(DNS_PATH, DNS_IFACE);
    const ranges = (props.DhcpRanges as Array<Record<string, unknown>>).map(r => ({
        Name: String(r.Name), Interface: String(r.Interface), Start: String(r.Start), End: String(r.End),
        Netmask: String(r.Netmask), LeaseSeconds: Number(r.LeaseSeconds), DnsServer: String(r.DnsServer ?? ""),
    }));
    const leases = (props.Leases as Array<Record<string, unknown>>).map(l => ({ Address: String(l.Address), Expiry: Number(l.Expiry), Source: String(l.Source) }));
    return { ranges, leases };
}

async function sendRanges(values: Values, ranges: DhcpRange[]): Promise<string> {
    const dicts = ranges.map(r => ({
        Name: new dbus.Variant("s", r.Name), Interface: new dbus.Variant("s", r.Interface), Start: new dbus.Variant("s", r.Start),
        End: new dbus.Variant("s", r.End), Netmask: new dbus.Variant("s", r.Netmask), LeaseSeconds: new dbus.Variant("t", BigInt(r.LeaseSeconds)),
        DnsServer: new dbus.Variant("s", r.DnsServer),
    }));
    const options: Record<string, InstanceType<typeof dbus.Variant>> = values["dry-run"] ? { "dry-run": new dbus.Variant("b", true) } : {};
    const [config] = await callMethod(DNS_PATH, DNS_IFACE, "SetDhcpRanges", [dicts], values, options) as [string];
    return config;
}

const list: Command = {
    name: "dns dhcp list",
    summary: "the DHCP ranges with their addresses and the leases in use in each",
    options: JSON_OPTION,
    async run(values) {
        const { ranges, leases } = await readRanges();
        // Expiry is in µs on the bus
        const usage = rangeUsage(ranges, leases, Date.now() * 1000);
        if (values.json)
            printJson(ranges.map((r, i) => ({ ...r, Addresses: usage[i].addresses, Leased: usage[i].leased })));
        else
            print(table(["RANGE", "INTERFACE", "FIRST", "LAST", "NETMASK", "LEASE", "DNS SERVER", "IN USE"], ranges.map((r, i) => [
                r.Name, r.Interface, r.Start, r.End, r.Netmask, r.LeaseSeconds === 0 ? "infinite" : `${r.LeaseSeconds}s`,
                r.DnsServer || "this node", `${usage[i].leased}/${usage[i].addresses}`,
            ])));
        return 0;
    },
};

const set: Command = {
    name: "dns dhcp set",
    args: "NAME",
    summary: "add a DHCP range, or change the one of that name",
    details: "A new range needs --interface, --start and --end; a change takes only what is given.\n" +
        "debvisord checks every range (one network, no overlaps) and dnsmasq tests the file before it is written.",
    options: {
        interface: { type: "string", value: "IFACE", help: "the interface it is served on (default br0)" },
        start: { type: "string", value: "ADDRESS", help: "the first address" },
        end: { type: "string", value: "ADDRESS", help: "the last address" },
        netmask: { type: "string", value: "MASK", help: "the network's mask (default 255.255.255.0)" },
        lease: { type: "string", value: "SECONDS", help: "lease time, 0 for infinite (default 43200)" },
        "dns-server": { type: "string", value: "ADDRESS", help: "the DNS server clients get (default: this node)" },
        "dry-run": { type: "boolean", help: "check and print the dnsmasq configuration without writing it" },
        ...NO_ASK_OPTION,
    },
    async run(values, [name]) {
        const { ranges } = await readRanges();
        const old = ranges.find(r => r.Name === name);
        if (!old && (values.start === undefined || values.end === undefined))
            throw new UsageError(`there is no range "${name}" yet: a new one needs --start and --end`);
        if (values.lease !== undefined && !/^\d{1,9}$/.test(String(values.lease)))
            throw new UsageError("--lease takes a whole number of seconds");
        const pick = (option: string, current: string | undefined, fallback: string) =>
            values[option] !== undefined ? String(values[option]) : current ?? fallback;
        const range: DhcpRange = {
            Name: name, Interface: pick("interface", old?.Interface, "br0"), Start: pick("start", old?.Start, ""), End: pick("end", old?.End, ""),
            Netmask: pick("netmask", old?.Netmask, "255.255.255.0"), LeaseSeconds: Number(pick("lease", old && String(old.LeaseSeconds), "43200")),
            DnsServer: pick("dns-server", old?.DnsServer, ""),
        };
        const config = await sendRanges(values, old ? ranges.map(r => r === old ? range : r) : [...ranges, range]);
        print(values["dry-run"] ? config.trimEnd() : `${old ? "changed" : "added"} DHCP range ${name}`);
        return 0;
    },
};

const remove: Command = {
    name: "dns dhcp remove",
    args: "NAME",
    summary: "stop serving a DHCP range",
    options: NO_ASK_OPTION,
    async run(values, [name]) {
        const { ranges } = await readRanges();
        if (!ranges.some(r => r.Name === name))
            throw new CliError(`there is no DHCP range "${name.slice(0, 40)}"`);
        await sendRanges(values, ranges.filter(r => r.Name !== name));
        print(`removed DHCP range ${name}`);
        return 0;
    },
};

export const dhcpCommands: Command[] = [list, set, remove];
