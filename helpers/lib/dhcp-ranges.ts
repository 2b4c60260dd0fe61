// DHCP ranges: what one is, the rules a set of them must keep (checked by
// debvisord before dnsmasq sees them, and by the DNS page and debvisorctl as
// they are typed) and how full each is. Pure: no node: imports.
import { isIPv4 } from "./ip-address.js";

export interface DhcpRange {
    /** a tag for the range: letters, digits, "-" */
    Name: string;
    Interface: string;
    Start: string;
    End: string;
    Netmask: string;
    /** seconds; 0 for infinite */
    LeaseSeconds: number;
    /** the DNS server handed to clients (the VIP of the DNS primaries); empty: this host */
    DnsServer: string;
}

const ipv4Number = (ip: string) => ip.split(".").reduce((n, o) => n * 256 + Number(o), 0);

function netmaskBits(mask: string): number | null {
    const n = ipv4Number(mask);
    const bits = n.toString(2).padStart(32, "0");
    return /^1*0*$/.test(bits) ? bits.indexOf("0") === -1 ? 32 : bits.indexOf("0") : null;
}

/* Each range checked on its own and against the others; the message names the range. */
export function checkRanges(ranges: DhcpRange[]): string | null {
    const names = new Set<string>();
    for (const [i, r] of ranges.entries()) {
        const where = `ranges[${i}] (${r.Name.slice(0, 32)})`;
        if (!/^[a-z0-9][a-z0-9-]{0,31}$/.test(r.Name))
            return `ranges[${i}]: the name must be 1 to 32 lower-case letters, digits and "-"`;
        if (names.has(r.Name))
            return `${where}: the name is used twice`;
        names.add(r.Name);
        if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$/.test(r.Interface))
            return `${where}: "${r.Interface.slice(0, 20)}" is not an interface name`;
        for (const [field, value] of [["start", r.Start], ["end", r.End], ["netmask", r.Netmask]] as const)
            if (!isIPv4(value))
                return `${where}: the ${field} "${value.slice(0, 40)}" is not an IPv4 address`;
        if (r.DnsServer && !isIPv4(r.DnsServer))
            return `${where}: the DNS server "${r.DnsServer.slice(0, 40)}" is not an IPv4 address`;
        const bits = netmaskBits(r.Netmask);
        if (bits === null || bits < 8 || bits > 30)
            return `${where}: ${r.Netmask} is not a netmask from /8 to /30`;
        const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
        if (((ipv4Number(r.Start) & mask) >>> 0) !== ((ipv4Number(r.End) & mask) >>> 0))
            return `${where}: ${r.Start} and ${r.End} are not in the same /${bits} network`;
        if (ipv4Number(r.Start) > ipv4Number(r.End))
            return `${where}: the start ${r.Start} comes after the end ${r.End}`;
        if (!Number.isInteger(r.LeaseSeconds) || (r.LeaseSeconds !== 0 && (r.LeaseSeconds < 120 || r.LeaseSeconds > 31_536_000)))
            return `${where}: the lease time must be 0 (infinite) or 120 seconds to a year`;
        for (const [j, other] of ranges.slice(0, i).entries())
            if (ipv4Number(r.Start) <= ipv4Number(other.End) && ipv4Number(other.Start) <= ipv4Number(r.End))
                return `${where}: overlaps ranges[${j}] (${other.Name}) ${other.Start}–${other.End}`;
    }
    return null;
}

interface RangeUsage { name: string; addresses: number; leased: number }

/* How full each range is: its addresses, and the leases of the stand-alone dnsmasq (the one
 * DebVisor configures) in force inside it. A lease is in force while its expiry (in the unit
 * of `now`) is ahead, or for ever when 0. */
export function rangeUsage(ranges: Array<Pick<DhcpRange, "Name" | "Start" | "End">>, leases: Array<{ Address: string; Expiry: number; Source: string }>,
                           now: number): RangeUsage[] {
    const held = leases.filter(l => l.Source === "dnsmasq" && /^\d+\.\d+\.\d+\.\d+$/.test(l.Address) && (l.Expiry === 0 || l.Expiry > now))
        .map(l => ipv4Number(l.Address));
    return ranges.map(r => {
        const start = ipv4Number(r.Start), end = ipv4Number(r.End);
        return { name: r.Name, addresses: end - start + 1, leased: new Set(held.filter(a => a >= start && a <= end)).size };
    });
}
