// DHCP ranges of the cluster network as dnsmasq configuration
// (/etc/dnsmasq.d/debvisor.conf): each range with its interface, lease time
// and the DNS server its clients are told to use. Checked here, then by
// dnsmasq itself (`dnsmasq --test`) before the file replaces the old one.
import fs from "node:fs";
import path from "node:path";
import { writeFileAtomically, writeTemporaryFile } from "../../lib/atomic-file.js";
import { type DhcpRange } from "../../lib/dhcp-ranges.js";
import { runTool } from "../../lib/tool-run.js";

export { checkRanges, type DhcpRange } from "../../lib/dhcp-ranges.js";

export const DNSMASQ_CONF = "/etc/dnsmasq.d/debvisor.conf";

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
