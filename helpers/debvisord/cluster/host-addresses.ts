// This host's IPv4 addresses and their networks, from `ip -j addr`: which
// address a cluster is created on, whether an address to join is this node's
// own, and the Ceph public network that an address belongs to.
import { runTool } from "../../lib/tool-run.js";

interface HostAddress { address: string; prefix: number; device: string }

export function parseIpAddr(json: string): HostAddress[] {
    const links = JSON.parse(json) as Array<{ ifname?: string; addr_info?: Array<{ family?: string; local?: string; prefixlen?: number }> }>;
    return links.flatMap(l => (l.addr_info ?? []).filter(a => a.family === "inet" && typeof a.local === "string" && typeof a.prefixlen === "number")
        .map(a => ({ address: a.local as string, prefix: a.prefixlen as number, device: l.ifname ?? "" })));
}

export async function hostAddresses(): Promise<HostAddress[]> {
    const r = await runTool("ip", ["-j", "-4", "addr", "show"], "reading this host's addresses");
    return parseIpAddr(r.stdout);
}

/* "10.1.2.3", 24 → "10.1.2.0/24" */
export function networkOf(address: string, prefix: number): string {
    const n = address.split(".").reduce((v, p) => (v << 8 | Number(p)) >>> 0, 0);
    const mask = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
    const net = (n & mask) >>> 0;
    return `${[24, 16, 8, 0].map(s => (net >>> s) & 255).join(".")}/${prefix}`;
}
