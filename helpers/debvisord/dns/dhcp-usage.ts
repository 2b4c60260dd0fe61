// How full each DHCP range is: its addresses, and the leases of the
// stand-alone dnsmasq (the one DebVisor configures) in force inside it.
import { ipv4Number, type DhcpRange } from "./dhcp-config.js";
import type { Lease } from "./dhcp-leases.js";

export interface RangeUsage { name: string; addresses: number; leased: number }

/* A lease is in force while its expiry (seconds since the epoch) is ahead, or for ever when 0. */
export function rangeUsage(ranges: Array<Pick<DhcpRange, "Name" | "Start" | "End">>, leases: Array<Pick<Lease, "Address" | "Expiry" | "Source">>,
                           nowSeconds: number): RangeUsage[] {
    const held = leases.filter(l => l.Source === "dnsmasq" && /^\d+\.\d+\.\d+\.\d+$/.test(l.Address) && (l.Expiry === 0 || l.Expiry > nowSeconds))
        .map(l => ipv4Number(l.Address));
    return ranges.map(r => {
        const start = ipv4Number(r.Start), end = ipv4Number(r.End);
        return { name: r.Name, addresses: end - start + 1, leased: new Set(held.filter(a => a >= start && a <= end)).size };
    });
}
