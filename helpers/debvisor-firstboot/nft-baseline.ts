// Step 4: the baseline input policy, in a table of its own (debvisord's
// firewall keeps its blocklists in "table inet debvisor", which this never
// touches): loopback, established and related traffic, ICMP and ICMPv6, SSH
// and Cockpit, DNS and DHCP for guests on libvirt's NAT bridges, what the
// storage profile needs (Ceph's monitors and OSDs from the node's networks),
// everything else dropped. Written to /etc/nftables.d and included from
// /etc/nftables.conf so the nftables service loads it at boot; applied now
// with one `nft -f`, a single transaction.
import fs from "node:fs";
import path from "node:path";
import { writeFileAtomically } from "../lib/atomic-file.js";
import type { Host } from "./host.js";

export const BASELINE_TABLE = "debvisor-baseline";
const NFTABLES_CONF = "/etc/nftables.conf";
const TABLE_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,31}$/;

/** a network of the node, as lib/cidr.ts networkOf gives it */
export interface Network { family: 4 | 6; cidr: string }

interface BaselineOptions {
    table?: string;
    /** "zfs", "ceph", "mixed" or "none" */
    profile: string;
    /** the node's own networks (Ceph is reached from these) */
    networks: Network[];
    /** the node is in a cluster: its Ceph monitor is reached from the other members whatever its profile */
    cluster?: boolean;
}

const CEPH_PORTS = "3300, 6789, 6800-7300";

/* The nft script: the table made empty and filled again, so loading it twice is the same as once. */
export function baselineRuleset(options: BaselineOptions): string {
    const table = options.table ?? BASELINE_TABLE;
    if (!TABLE_NAME.test(table))
        throw new Error(`${JSON.stringify(table)} is not a valid nftables table name`);
    const ceph = options.profile === "ceph" || options.profile === "mixed" || options.cluster === true;
    const lines = [
        "# DebVisor's baseline firewall, written by debvisor-firstboot: what reaches this host.",
        "# debvisord's own firewall (blocklists, quarantine) is the separate table inet debvisor.",
        `table inet ${table}`,
        `delete table inet ${table}`,
        `table inet ${table} {`,
        "    chain input {",
        "        type filter hook input priority filter; policy drop;",
        "        iifname \"lo\" accept",
        "        ct state established,related accept",
        "        ct state invalid drop",
        "        meta l4proto icmp accept",
        "        meta l4proto ipv6-icmp accept",
        "        tcp dport { 22, 9090 } accept comment \"SSH and Cockpit\"",
        "        iifname \"virbr*\" meta l4proto { tcp, udp } th dport 53 accept comment \"DNS for guests on libvirt's NAT networks\"",
        "        iifname \"virbr*\" udp dport 67 accept comment \"DHCP for guests on libvirt's NAT networks\"",
        "        ip6 saddr fe80::/10 udp dport 546 accept comment \"DHCPv6 replies\"",
    ];
    if (ceph) {
        for (const family of [4, 6] as const) {
            const nets = [...new Set(options.networks.filter(n => n.family === family).map(n => n.cidr))];
            if (nets.length > 0)
                lines.push(`        ${family === 4 ? "ip" : "ip6"} saddr { ${nets.join(", ")} } tcp dport { ${CEPH_PORTS} } accept comment "Ceph monitors and OSDs"`);
        }
    }
    lines.push("    }", "}", "");
    return lines.join("\n");
}

/* /etc/nftables.conf with the include of /etc/nftables.d/*.nft added once. */
export function withInclude(conf: string | null, dir: string): string {
    const include = `include "${dir}/*.nft"`;
    if (conf === null)
        return `#!/usr/sbin/nft -f\nflush ruleset\n\n${include}\n`;
    if (conf.split("\n").some(l => l.trim() === include))
        return conf;
    return `${conf.replace(/\n*$/, "\n")}\n# DebVisor: the rulesets in ${dir}/ (the baseline firewall)\n${include}\n`;
}

interface ApplyBaselineOptions extends BaselineOptions {
    /** /etc/nftables.conf; the ruleset file goes to nftables.d/ beside it */
    conf?: string;
}

export async function applyBaseline(host: Host, options: ApplyBaselineOptions): Promise<{ file: string; ruleset: string }> {
    const conf = options.conf ?? NFTABLES_CONF;
    const dir = path.join(path.dirname(conf), "nftables.d");
    const file = path.join(dir, `${options.table ?? BASELINE_TABLE}.nft`);
    const ruleset = baselineRuleset(options);
    // checked before anything is written: a ruleset nft refuses is never left for the next boot
    await host.nft(["-c", "-f", "-"], "checking the baseline ruleset", ruleset);
    fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
    writeFileAtomically(file, ruleset, 0o644);
    const current = fs.existsSync(conf) ? fs.readFileSync(conf, "utf8") : null;
    const next = withInclude(current, dir);
    if (next !== current)
        writeFileAtomically(conf, next, 0o755);
    await host.nft(["-f", file], "loading the baseline ruleset");
    return { file, ruleset };
}
