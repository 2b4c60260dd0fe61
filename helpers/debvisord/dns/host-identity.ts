// What "this host's own name and addresses" means for a registration that
// needs no right over other records (org.debvisor.dns.register): the host
// name the kernel reports (its first label), in the zone of the host's domain
// (from a dotted host name, or the canonical name /etc/hosts gives it, as
// Debian's installer writes it), and the global addresses configured on the
// host's interfaces. Anything else is someone else's record.
import fs from "node:fs";
import os from "node:os";
import { expandIPv6, isIPv6 } from "../../lib/ip-address.js";

export interface HostIdentity {
    /** the host name's first label, lower-case */
    label: string;
    /** the domains the host's full name is in (none known: empty) */
    domains: string[];
    /** the global addresses configured on the host's interfaces */
    addresses: string[];
}

/* The host's global addresses: not loopback, not link-local. */
export function hostAddresses(interfaces = os.networkInterfaces()): string[] {
    return Object.values(interfaces).flat()
        .filter((a): a is os.NetworkInterfaceInfo => !!a && !a.internal && !a.address.startsWith("fe80:") && !a.address.includes("%"))
        .map(a => a.address);
}

/* The domains of the host's full names: from a dotted host name, and from /etc/hosts lines that name the host. */
export function hostDomains(hostname: string, hostsText: string): string[] {
    const host = hostname.toLowerCase();
    const label = host.split(".")[0];
    const domains = new Set<string>();
    if (host.includes("."))
        domains.add(host.slice(label.length + 1));
    for (const line of hostsText.split("\n")) {
        const names = line.replace(/#.*/, "").trim().split(/\s+/).slice(1).map(n => n.toLowerCase().replace(/\.$/, ""));
        if (!names.includes(label) && !names.includes(host))
            continue;
        for (const name of names)
            if (name.startsWith(`${label}.`) && name.length > label.length + 1)
                domains.add(name.slice(label.length + 1));
    }
    return [...domains];
}

export function readHostIdentity(): HostIdentity {
    const hostname = os.hostname();
    let hostsText = "";
    try {
        hostsText = fs.readFileSync("/etc/hosts", "utf8");
    } catch {
        // no /etc/hosts: the host name alone says what is known
    }
    return { label: hostname.split(".")[0].toLowerCase(), domains: hostDomains(hostname, hostsText), addresses: hostAddresses() };
}

/* The managed zone that is the host's domain (RegisterHost writes LABEL.ZONE: only there is that its full name). */
export function ownZone(host: HostIdentity, zones: string[]): string | null {
    return zones.find(z => host.domains.includes(z)) ?? null;
}

export function sameAddress(a: string, b: string): boolean {
    return isIPv6(a) && isIPv6(b) ? expandIPv6(a) === expandIPv6(b) : a === b;
}

/* Why a registration is more than this host's own name and addresses, or null when it is just that.
 * `own` is the host's zone: ownZone(), or with no domain known, the zone RegisterHost picks by default. */
export function notOwnRegistration(request: { zone: string; label: string; addresses: string[] }, host: HostIdentity, own: string | null): string | null {
    if (request.label !== host.label)
        return `options.name: ${request.label} is not this host's name (${host.label})`;
    if (own === null)
        return `options.zone: this host's name ${host.label}.${host.domains[0] ?? ""} is in no zone DebVisor manages`;
    if (request.zone !== own)
        return `options.zone: ${request.zone} is not this host's zone (${own})`;
    const foreign = request.addresses.find(a => !host.addresses.some(h => sameAddress(a, h)));
    if (foreign !== undefined)
        return `options.addresses: ${foreign} is not an address of this host (${host.addresses.join(", ") || "it has none"})`;
    return null;
}
