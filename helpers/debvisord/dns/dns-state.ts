// What this node manages in DNS, kept in one JSON file written atomically:
// the zones (where their primary is, which key updates which names), the
// keys' metadata (never their secrets: those stay in BIND key files) and the
// names this node registered for itself and its machines.
import { writeJsonAtomically } from "../../lib/atomic-file.js";
import type { DhcpRange } from "./dhcp-config.js";
import { readSavedFile } from "../../lib/saved-file.js";

export const KEY_SCOPES = ["zone", "node", "vm", "transfer"] as const;
export type KeyScope = typeof KEY_SCOPES[number];

export interface ZoneConfig {
    server: string;
    port: number;
    /** this node's named is the zone's primary: the daemon writes its config */
    local: boolean;
    /** key names by use: zone (any record), node (node* names), vm (vm* names), transfer (AXFR) */
    keys: { zone: string; node?: string; vm?: string; transfer?: string };
    /** machines get A/AAAA (and PTR) records here when their address is known */
    registerMachines: boolean;
}

export const ROTATION_STEPS = ["generate", "add", "switch", "retire", "remove"] as const;
export type RotationStep = typeof ROTATION_STEPS[number];

export interface KeyMeta {
    algorithm: string;
    /** ms since 1970 of the current secret */
    created: number;
    scope: KeyScope;
    rotationDays: number;
    /** the current secret's generation: the TSIG name is NAME.gN */
    generation: number;
    /** a rotation under way: from which generation to which, and the next step to run */
    rotation?: { from: number; to: number; step: RotationStep; started: number };
}

export interface Registration {
    kind: "host" | "machine";
    zone: string;
    /** absolute owner name */
    name: string;
    addresses: string[];
    /** whether PTR records were written too */
    ptr: boolean;
    at: number;
    /** the member of the cluster a machine moved to by live migration; the records follow it from here (moved-machines.ts) */
    node?: string;
    /** set when the records could not be written or removed: the registration is stale */
    error?: string;
}

export interface DnsState {
    zones: Record<string, ZoneConfig>;
    /** DHCP ranges of the cluster network, as written to dnsmasq's configuration */
    dhcpRanges: DhcpRange[];
    keys: Record<string, KeyMeta>;
    /** by "host:NAME" or "machine:UUID" */
    registrations: Record<string, Registration>;
}

export function emptyState(): DnsState {
    return { zones: {}, keys: {}, registrations: {}, dhcpRanges: [] };
}

export function readState(file: string): DnsState {
    const text = readSavedFile(file);
    if (text === null)
        return emptyState();
    let saved: Partial<DnsState>;
    try {
        saved = JSON.parse(text) as Partial<DnsState>;
    } catch (e) {
        throw new Error(`cannot read ${file}: ${(e as Error).message}`);
    }
    return { zones: saved.zones ?? {}, keys: saved.keys ?? {}, registrations: saved.registrations ?? {}, dhcpRanges: saved.dhcpRanges ?? [] };
}

export function writeState(file: string, state: DnsState): void {
    writeJsonAtomically(file, state, 0o640);
}

/* The name BIND knows a key's generation by. */
export function tsigName(key: string, generation: number): string {
    return `${key}.g${generation}`;
}

/* The generations BIND must know: both while a rotation overlaps them
 * (from "add" done until "retire" done), else the current one. */
export function liveGenerations(meta: KeyMeta): number[] {
    const r = meta.rotation;
    if (r && (r.step === "switch" || r.step === "retire"))
        return [r.from, r.to];
    return [meta.generation];
}

/* Whether a key is used by a zone whose primary is somewhere else (its config is not ours to change). */
export function usedByRemoteZone(state: DnsState, key: string): string | null {
    for (const [zone, config] of Object.entries(state.zones))
        if (!config.local && Object.values(config.keys).includes(key))
            return zone;
    return null;
}

/* The zones that use a key. */
export function zonesUsing(zones: Readonly<Record<string, ZoneConfig>>, key: string): string[] {
    return Object.entries(zones).filter(([, c]) => Object.values(c.keys).includes(key)).map(([z]) => z);
}
