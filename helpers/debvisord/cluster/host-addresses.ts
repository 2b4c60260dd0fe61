// This host's IPv4 addresses and their networks, from `ip -j addr`: which
// address a cluster is created on and whether an address to join is this
// node's own (lib/cidr.ts networkOf gives the Ceph public network of one).
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
