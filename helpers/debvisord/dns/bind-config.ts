// The BIND configuration fragment for the zones this node is primary for:
// key includes, one zone block each with an update-policy per key, and the
// zone file a new zone starts from. named.conf includes the fragment
// (/etc/bind/named.conf.local on a Debian host); debvisord rewrites it and
// runs `rndc reconfig`.
import { liveGenerations, tsigName, type DnsState, type KeyMeta } from "./dns-state.js";

/* The record types each key scope may write. BIND's update-policy cannot say
 * "names starting with node", so the name prefix of the node and vm keys is
 * enforced by debvisord; BIND enforces the zone and the types. */
const GRANTS: Record<string, string> = {
    zone: "zonesub ANY",
    node: "zonesub A AAAA TXT",
    vm: "zonesub A AAAA TXT PTR",
};

export interface BindPaths {
    keyDir: string;
    zoneDir: string;
}

function keyFile(paths: BindPaths, key: string, generation: number): string {
    return `${paths.keyDir}/${tsigName(key, generation)}.key`;
}

export function zoneFile(paths: BindPaths, zone: string): string {
    return `${paths.zoneDir}/${zone}.zone`;
}

export function namedFragment(state: DnsState, paths: BindPaths): string {
    const local = Object.entries(state.zones).filter(([, c]) => c.local).sort(([a], [b]) => a.localeCompare(b));
    const used = new Set(local.flatMap(([, c]) => Object.values(c.keys).filter((k): k is string => !!k)));
    const names = (key: string): string[] => {
        const meta: KeyMeta | undefined = state.keys[key];
        return meta ? liveGenerations(meta).map(g => tsigName(key, g)) : [];
    };
    const out = ["// Written by debvisord: the zones this node is primary for. Do not edit; use DebVisor.", ""];
    for (const key of [...used].sort())
        for (const g of state.keys[key] ? liveGenerations(state.keys[key]) : [])
            out.push(`include "${keyFile(paths, key, g)}";`);
    for (const [zone, config] of local) {
        out.push("", `zone "${zone}" {`, "    type primary;", `    file "${zoneFile(paths, zone)}";`, "    update-policy {");
        for (const scope of ["zone", "node", "vm"] as const) {
            const key = config.keys[scope];
            if (key)
                for (const name of names(key))
                    out.push(`        grant "${name}" ${GRANTS[scope]};`);
        }
        out.push("    };");
        const transfer = config.keys.transfer ? names(config.keys.transfer) : [];
        out.push(transfer.length > 0 ? `    allow-transfer { ${transfer.map(n => `key "${n}";`).join(" ")} };` : "    allow-transfer { none; };");
        out.push("};");
    }
    return out.join("\n") + "\n";
}

/* A new zone: SOA and NS naming the primary, and nothing else. */
export function initialZone(zone: string, nameServer: string, nameServerAddress: string): string {
    const ns = nameServer.endsWith(`.${zone}`) ? `${nameServer}.` : `ns.${zone}.`;
    const lines = [
        "$TTL 300",
        `@ IN SOA ${ns} hostmaster.${zone}. 1 3600 600 604800 300`,
        `@ IN NS ${ns}`,
    ];
    if (ns === `ns.${zone}.` && /^[0-9.]+$/.test(nameServerAddress))
        lines.push(`ns IN A ${nameServerAddress}`);
    return lines.join("\n") + "\n";
}
