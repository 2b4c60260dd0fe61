// Step 1, live: the bridge br0 takes over the primary NIC's addresses and
// routes without a moment in which the host has no address. The order:
// create br0 (the NIC's MAC, no STP, no forward delay, up), add the addresses
// to br0, move the routes to br0, enslave the NIC, then remove the addresses
// from the NIC. Until the NIC is a port its frames reach the NIC's address;
// from then on they reach br0, which has the address already.
import fs from "node:fs";
import { BRIDGE, bridgeInterfaces, choosePrimaryNic, InterfacesError } from "./interfaces.js";
import { writeFileAtomically } from "../lib/atomic-file.js";
import type { Host } from "./host.js";

interface Link { ifname: string; address?: string; master?: string; linkinfo?: { info_kind?: string } }
interface AddrInfo {
    family: "inet" | "inet6"; local: string; prefixlen: number; scope: string; broadcast?: string;
    dynamic?: boolean; valid_life_time?: number; preferred_life_time?: number;
}
interface Route { dst: string; gateway?: string; protocol?: string; metric?: number; prefsrc?: string; scope?: string; dev?: string; type?: string }

const FOREVER = 4294967295;

interface BridgeResult { changed: boolean; summary: string; nic: string; log: string[] }

async function link(host: Host, name: string): Promise<Link | null> {
    const r = await host.run("ip", host.ipArgs(["-j", "-d", "link", "show", "dev", name]));
    if (r.exitCode !== 0)
        return null;
    return (JSON.parse(r.stdout) as Link[])[0] ?? null;
}

async function defaultRouteDevice(host: Host): Promise<string | undefined> {
    const routes = await host.ipJson<Route>(["route", "show", "default"], "reading the default route").catch(() => []);
    return routes.find(r => r.dev)?.dev;
}

function routeArgs(r: Route, dev: string): string[] {
    const args = [r.dst, ...(r.gateway ? ["via", r.gateway] : []), "dev", dev];
    if (r.metric !== undefined) args.push("metric", String(r.metric));
    if (r.protocol && r.protocol !== "boot") args.push("proto", r.protocol);
    if (r.prefsrc) args.push("src", r.prefsrc);
    if (r.scope && r.scope !== "global" && !r.gateway) args.push("scope", r.scope);
    return args;
}

/* Moves the NIC's global addresses and routes to the bridge, then makes the NIC its port. */
async function bridgeLive(host: Host, nic: string, bridge = BRIDGE): Promise<{ changed: boolean; log: string[] }> {
    const log: string[] = [];
    const nicLink = await link(host, nic);
    if (!nicLink)
        throw new InterfacesError(`the primary NIC ${nic} does not exist`);
    if (nicLink.master)
        return { changed: false, log: [`${nic} is a port of ${nicLink.master} already`] };
    const addrs = (await host.ipJson<{ addr_info: AddrInfo[] }>(["addr", "show", "dev", nic], `reading ${nic}'s addresses`))
        .flatMap(a => a.addr_info).filter(a => a.scope === "global");
    const routes: Array<[string, Route]> = [];
    for (const family of ["-4", "-6"])
        for (const r of await host.ipJson<Route>([family, "route", "show", "dev", nic], `reading ${nic}'s routes`))
            if (r.protocol !== "kernel" && r.protocol !== "ra" && r.type !== "multicast" && !(family === "-6" && r.dst.startsWith("fe80:")))
                routes.push([family, r]);

    const existing = await link(host, bridge);
    if (existing && existing.linkinfo?.info_kind !== "bridge")
        throw new InterfacesError(`${bridge} exists and is not a bridge`);
    if (!existing) {
        await host.ip(["link", "add", "name", bridge, "type", "bridge", "stp_state", "0", "forward_delay", "0"], `creating ${bridge}`);
        log.push(`created the bridge ${bridge}`);
    }
    if (nicLink.address)
        await host.ip(["link", "set", "dev", bridge, "address", nicLink.address], `giving ${bridge} ${nic}'s MAC address`);
    await host.ip(["link", "set", "dev", bridge, "up"], `bringing ${bridge} up`);
    for (const a of addrs) {
        const args = ["addr", "replace", `${a.local}/${a.prefixlen}`, ...(a.broadcast ? ["broadcast", a.broadcast] : []), "dev", bridge];
        // a DHCP lease keeps its remaining lifetime
        if (a.dynamic && a.valid_life_time !== undefined && a.valid_life_time < FOREVER)
            args.push("valid_lft", String(a.valid_life_time), "preferred_lft", String(Math.min(a.preferred_life_time ?? 0, a.valid_life_time)));
        await host.ip(args, `adding ${a.local}/${a.prefixlen} to ${bridge}`);
        log.push(`${bridge}: address ${a.local}/${a.prefixlen}`);
    }
    for (const [family, r] of routes) {
        await host.ip([family, "route", "replace", ...routeArgs(r, bridge)], `moving the route ${r.dst} to ${bridge}`);
        log.push(`${bridge}: route ${routeArgs(r, bridge).join(" ")}`);
    }
    await host.ip(["link", "set", "dev", nic, "master", bridge], `making ${nic} a port of ${bridge}`);
    log.push(`${nic} is a port of ${bridge}`);
    for (const a of addrs) {
        const r = await host.run("ip", host.ipArgs(["addr", "del", `${a.local}/${a.prefixlen}`, "dev", nic]));
        if (r.exitCode === 0)
            log.push(`${nic}: removed ${a.local}/${a.prefixlen}`);
    }
    // routes the replace did not take over (another metric) leave by the port no more
    for (const [family, r] of routes)
        await host.run("ip", host.ipArgs([family, "route", "del", ...routeArgs(r, nic)]));
    return { changed: true, log };
}

/* With "inet dhcp", the DHCP client ifupdown started for the NIC hands over to one on the bridge
 * (same MAC, so the same lease): stopped through its own pid file, as ifdown does, never by name. */
async function dhcpHandover(host: Host, nic: string, bridge: string): Promise<string> {
    const pidFile = `/run/dhclient.${nic}.pid`;
    if (!fs.existsSync(pidFile))
        return `no DHCP client of ifupdown runs for ${nic}: ${bridge} keeps the address until the lease ends, and asks for it again at the next boot`;
    const stop = await host.run("dhclient", ["-x", "-pf", pidFile, nic]);
    const start = await host.run("dhclient", ["-4", "-nw", "-pf", `/run/dhclient.${bridge}.pid`, "-lf", `/var/lib/dhcp/dhclient.${bridge}.leases`, bridge]);
    return `DHCP: the client for ${nic} ${stop.exitCode === 0 ? "stopped" : "could not be stopped"}, one for ${bridge} ${start.exitCode === 0 ? "started" : `did not start (${start.stderr.trim().split("\n")[0]})`}`;
}

interface BridgeStepOptions {
    interfacesFile: string;
    /** the host's NIC to bridge; found from the default route and the file when not given */
    nic?: string;
}

/* The whole step: the interfaces file first (what the next boot does), then the live change. */
export async function bridgeStep(host: Host, options: BridgeStepOptions): Promise<BridgeResult> {
    const text = fs.readFileSync(options.interfacesFile, "utf8");
    const routeDev = await defaultRouteDevice(host);
    const routeLink = routeDev ? await link(host, routeDev) : null;
    if (routeLink?.linkinfo?.info_kind === "bridge" && !options.nic)
        return { changed: false, summary: `the default route leaves by the bridge ${routeDev} already: nothing changed`, nic: "", log: [] };
    const nic = options.nic ?? choosePrimaryNic(text, routeDev);
    if (!nic)
        throw new InterfacesError(`no primary NIC: ${options.interfacesFile} configures no interface with "inet dhcp" or "inet static"`);
    const nicLink = await link(host, nic);
    if (nicLink?.master)
        return { changed: false, summary: `${nic} is a port of the bridge ${nicLink.master} already: nothing changed`, nic, log: [] };
    const rewrite = bridgeInterfaces(text, nic, { mac: nicLink?.address });
    if (rewrite.changed) {
        // the old file stays beside it, once
        const backup = `${options.interfacesFile}.before-debvisor`;
        if (!fs.existsSync(backup))
            writeFileAtomically(backup, text);
        writeFileAtomically(options.interfacesFile, rewrite.text);
    }
    const live = await bridgeLive(host, nic);
    // the DHCP client is the host's: a test namespace has none
    if (live.changed && rewrite.method === "dhcp" && host.netns === null)
        live.log.push(await dhcpHandover(host, nic, BRIDGE));
    return { changed: rewrite.changed || live.changed, summary: rewrite.summary, nic, log: [rewrite.summary, ...live.log] };
}
