// DHCP ranges of the cluster network as dnsmasq configuration
// (/etc/dnsmasq.d/debvisor.conf): each range with its interface, lease time
// and the DNS server its clients are told to use. Checked here, then by
// dnsmasq itself (`dnsmasq --test`) before the file replaces the old one.
import fs from "node:fs";
import path from "node:path";
import { writeFileAtomically, writeTemporaryFile } from "../../lib/atomic-file.js";
import { isIPv4 } from "../../lib/ip-address.js";
import { runTool } from "../../lib/tool-run.js";

export const DNSMASQ_CONF = "/etc/dnsmasq.d/debvisor.conf";

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

export const ipv4Number = (ip: string) => ip.split(".").reduce((n, o) => n * 256 + Number(o), 0);

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

export function renderDnsmasq(ranges: DhcpRange[]): string {
    const lines = ["# Written by debvisord: DHCP for the cluster network. Do not edit; use DebVisor.", "bind-dynamic"];
    for (const iface of [...new Set(ranges.map(r => r.Interface))])
        lines.push(`interface=${iface}`);
    for (const r of ranges) {
        lines.push(`dhcp-range=set:${r.Name},${r.Start},${r.End},${r.Netmask},${r.LeaseSeconds === 0 ? "infinite" : r.LeaseSeconds}`);
        // 0.0.0.0: this host's address on the range's network, where BIND answers (a DebVisor
        // node's dnsmasq serves no DNS and would otherwise hand out no server at all)
        lines.push(`dhcp-option=tag:${r.Name},option:dns-server,${r.DnsServer || "0.0.0.0"}`);
    }
    return lines.join("\n") + "\n";
}

/* Writes the ranges once dnsmasq has accepted the new file; dnsmasq reads it when it (re)starts. */
export async function writeDnsmasqConfig(ranges: DhcpRange[], file = DNSMASQ_CONF): Promise<string> {
    const text = renderDnsmasq(ranges);
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
    // a dot file: dnsmasq's conf-dir skips it should it start meanwhile
    const trial = writeTemporaryFile(path.dirname(file), `${path.basename(file)}.check`, text, 0o644);
    try {
        const r = await runTool("/usr/sbin/dnsmasq", ["--test", `--conf-file=${trial}`], "checking the configuration", { allowFailure: true, timeout: 10_000 });
        if (r.exitCode !== 0)
            throw new Error(`dnsmasq refuses the configuration: ${(r.stderr || r.stdout).trim()}`);
    } finally {
        fs.rmSync(trial, { force: true });
    }
    writeFileAtomically(file, text, 0o644);
    return text;
}
