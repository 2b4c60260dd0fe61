// Step 3: where new VM disks go, and the NAT network. Applying the profile
// (step 2, debvisord's storage/profiles.ts) defines, starts and autostarts
// the profile's pool; this step only checks that pool (storage/placement.ts
// names it), and when the profile was not applied (no spare disks, no
// profile) makes libvirt's own "default" directory pool instead. libvirt's
// NAT network "default" is started and autostarted when it is defined;
// where BIND is installed its guests get their DNS from named (dnsToNamed).
import fs from "node:fs";
import os from "node:os";
import nodePath from "node:path";
import { DEFAULT_VM_POOL, PROFILE_VM_POOLS } from "../debvisord/storage/placement.js";
import type { Host } from "./host.js";

const URI = "qemu:///system";
export const DEFAULT_NETWORK = "default";
const DEFAULT_POOL_DIR = "/var/lib/libvirt/images";

interface LibvirtOptions {
    /** the profile applied in step 2 ("none" when none was) */
    profile: string;
    /** the NAT network to autostart (a test names its own) */
    network?: string;
}

async function virsh(host: Host, args: string[], what: string): Promise<string> {
    return host.must("virsh", ["-c", URI, "-q", ...args], what);
}

async function names(host: Host, kind: "pool" | "net"): Promise<string[]> {
    return (await virsh(host, [`${kind}-list`, "--all", "--name"], `listing libvirt's ${kind === "pool" ? "storage pools" : "networks"}`))
        .split("\n").map(s => s.trim()).filter(Boolean);
}

/* Starts and autostarts a pool or network that exists; says what it did. */
async function ensureRunning(host: Host, kind: "pool" | "net", name: string): Promise<string[]> {
    const done: string[] = [];
    const info = await virsh(host, [`${kind}-info`, "--", name], `reading ${name}`);
    if (!/^(State:\s+running|Active:\s+yes)/m.test(info)) {
        await virsh(host, [`${kind}-start`, "--", name], `starting ${name}`);
        done.push("started");
    }
    if (!/^Autostart:\s+yes/m.test(info)) {
        await virsh(host, [`${kind}-autostart`, "--", name], `marking ${name} to start at boot`);
        done.push("autostarted");
    }
    return done;
}

const NAMED = "/usr/sbin/named";
const DNSMASQ_NAMESPACE = "http://libvirt.org/schemas/network/dnsmasq/1.0";

/* named listens on every address, a libvirt bridge's too the moment it appears, so the
 * network's own dnsmasq cannot bind port 53 there and the network does not start (at
 * first boot, and at every boot after). With named on the node, the network's dnsmasq
 * serves DHCP only and hands out the bridge's address, where named answers the guests.
 * The definition changed so, or null when it is so already or has no address. */
export function dnsToNamed(xml: string): string | null {
    if (/<dns\b[^>]*\benable=['"]no['"]/.test(xml))
        return null;
    const address = /<ip\b[^>]*\baddress=['"]([0-9.]+)['"]/.exec(xml)?.[1];
    if (!address)
        return null;
    return xml
        .replace(/<dns\b[^>]*\/>|<dns\b[\s\S]*?<\/dns>/, "")
        .replace(/<network\b([^>]*)>/, (element, attrs: string) => attrs.includes("xmlns:dnsmasq") ? element : `<network${attrs} xmlns:dnsmasq='${DNSMASQ_NAMESPACE}'>`)
        .replace(/<ip\b/, "<dns enable='no'/>\n  <ip")
        .replace(/<\/network>\s*$/, `  <dnsmasq:options>\n    <dnsmasq:option value='dhcp-option=option:dns-server,${address}'/>\n  </dnsmasq:options>\n</network>\n`);
}

export async function libvirtStep(host: Host, options: LibvirtOptions): Promise<{ message: string; log: string[] }> {
    const log: string[] = [];
    const pools = await names(host, "pool");
    const profilePool = options.profile === "none" ? null : PROFILE_VM_POOLS[options.profile as keyof typeof PROFILE_VM_POOLS] ?? null;
    let pool: string;
    if (profilePool && pools.includes(profilePool)) {
        pool = profilePool;
    } else {
        pool = DEFAULT_VM_POOL;
        if (profilePool)
            log.push(`warning: the profile's pool ${profilePool} does not exist (the profile was not applied): VM disks go to libvirt's pool ${pool}`);
        if (!pools.includes(pool)) {
            await virsh(host, ["pool-define-as", "--name", pool, "--type", "dir", "--target", DEFAULT_POOL_DIR], `defining the pool ${pool}`);
            log.push(`defined the directory pool ${pool} on ${DEFAULT_POOL_DIR}`);
        }
    }
    const poolDone = await ensureRunning(host, "pool", pool);
    log.push(`storage pool ${pool}: ${poolDone.length > 0 ? poolDone.join(" and ") : "running and autostarted already"}`);

    const network = options.network ?? DEFAULT_NETWORK;
    if ((await names(host, "net")).includes(network)) {
        const changed = fs.existsSync(NAMED) ? dnsToNamed(await virsh(host, ["net-dumpxml", "--inactive", "--", network], `reading ${network}`)) : null;
        if (changed !== null) {
            // a file: virsh cannot open /dev/stdin when it is the socket node's child processes get
            const dir = fs.mkdtempSync(nodePath.join(os.tmpdir(), "debvisor-network-"));
            try {
                fs.writeFileSync(nodePath.join(dir, "network.xml"), changed, { mode: 0o600 });
                await virsh(host, ["net-define", nodePath.join(dir, "network.xml")], `giving ${network}'s DNS to named`);
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
            log.push(`network ${network}: its dnsmasq serves DHCP only, named answers its guests' DNS`);
        }
        const netDone = await ensureRunning(host, "net", network);
        log.push(`network ${network}: ${netDone.length > 0 ? netDone.join(" and ") : "running and autostarted already"}`);
    } else {
        log.push(`libvirt has no network ${network}: none started`);
    }
    return { message: log.join("; "), log };
}
