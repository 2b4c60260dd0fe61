// What a block must never cut this host off from, read live at every check:
// its own addresses (`ip -j addr`) and its default gateways (`ip -j route`),
// so an address added since debvisord started counts too.
import { parseHost, type Family } from "../../lib/cidr.js";
import { runTool } from "../../lib/tool-run.js";

const IP_TIMEOUT_MS = 10_000;

/** An address of this host or a gateway it routes through, and the words that name it. */
interface HostAddress { family: Family; value: bigint; why: string }

interface IpAddr { ifname?: string; addr_info?: Array<{ local?: string }> }
interface IpRoute { gateway?: string; via?: { host?: string }; dev?: string }

/* The host's addresses from `ip -j addr` output, loopback left to the loopback rule. */
export function parseAddresses(json: string): HostAddress[] {
    const out: HostAddress[] = [];
    for (const link of JSON.parse(json) as IpAddr[]) {
        if (link.ifname === "lo")
            continue;
        for (const a of link.addr_info ?? []) {
            const host = a.local ? parseHost(a.local) : null;
            if (host)
                out.push({ ...host, why: `this host's address ${a.local} on ${link.ifname ?? "an interface"}` });
        }
    }
    return out;
}

/* The gateways of `ip -j route show default` output (IPv4 or IPv6). */
export function parseGateways(json: string): HostAddress[] {
    const out: HostAddress[] = [];
    for (const r of JSON.parse(json) as IpRoute[]) {
        const text = r.gateway ?? r.via?.host;
        const host = text ? parseHost(text) : null;
        if (host)
            out.push({ ...host, why: `the default gateway ${text}${r.dev ? ` (${r.dev})` : ""}` });
    }
    return out;
}

async function ipJson(args: string[]): Promise<string> {
    const r = await runTool("ip", ["-j", ...args], `ip ${args.join(" ")}`, { timeout: IP_TIMEOUT_MS, allowFailure: true });
    if (r.problem)
        throw new Error(`ip ${args.join(" ")} failed: ${r.problem}`);
    return r.stdout.trim() || "[]";
}

/* The host's addresses and default gateways now. */
export async function hostAddresses(): Promise<HostAddress[]> {
    const [addrs, v4, v6] = await Promise.all([
        ipJson(["addr"]), ipJson(["-4", "route", "show", "default"]), ipJson(["-6", "route", "show", "default"]),
    ]);
    return [...parseAddresses(addrs), ...parseGateways(v4), ...parseGateways(v6)];
}
