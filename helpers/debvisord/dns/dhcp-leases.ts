// DHCP leases, read-only: libvirt's networks keep theirs as JSON
// (/var/lib/libvirt/dnsmasq/NETWORK.status), a stand-alone dnsmasq in its
// leases file ("EXPIRY MAC ADDRESS HOSTNAME CLIENT-ID" per line).
import fs from "node:fs";
import path from "node:path";

export interface Lease { Address: string; Mac: string; Hostname: string; Expiry: number; Source: string }

const LEASE_SOURCES = { libvirtDir: "/var/lib/libvirt/dnsmasq", dnsmasqFile: "/var/lib/misc/dnsmasq.leases" };

export function parseLibvirtStatus(text: string, source: string): Lease[] {
    const entries = JSON.parse(text || "[]") as Array<Record<string, unknown>>;
    return entries.filter(e => typeof e["ip-address"] === "string").map(e => ({
        Address: String(e["ip-address"]), Mac: String(e["mac-address"] ?? ""), Hostname: String(e.hostname ?? ""),
        Expiry: Number(e["expiry-time"] ?? 0), Source: source,
    }));
}

export function parseDnsmasqLeases(text: string, source: string): Lease[] {
    return text.split("\n").map(l => l.trim().split(/\s+/)).filter(f => f.length >= 4 && /^\d+$/.test(f[0])).map(f => ({
        Address: f[2], Mac: f[1], Hostname: f[3] === "*" ? "" : f[3], Expiry: Number(f[0]), Source: source,
    }));
}

export function readLeases(sources = LEASE_SOURCES): Lease[] {
    const leases: Lease[] = [];
    try {
        for (const f of fs.readdirSync(sources.libvirtDir).filter(f => f.endsWith(".status")))
            try {
                leases.push(...parseLibvirtStatus(fs.readFileSync(path.join(sources.libvirtDir, f), "utf8"), `libvirt network ${f.slice(0, -7)}`));
            } catch {
                // a status file being rewritten: read it next time
            }
    } catch {
        // no libvirt networks
    }
    try {
        leases.push(...parseDnsmasqLeases(fs.readFileSync(sources.dnsmasqFile, "utf8"), "dnsmasq"));
    } catch {
        // no stand-alone dnsmasq
    }
    return leases.sort((a, b) => a.Address.localeCompare(b.Address, undefined, { numeric: true }));
}
