// The firewall's lists as saved in /etc/debvisor/firewall.json: written
// whole to a temporary file, fsynced and renamed over the old one, so a
// crash leaves either the old or the new state, never half of one.
import { writeFileAtomically } from "../../lib/atomic-file.js";
import { parseNet } from "../../lib/cidr.js";
import type { Entry } from "./nft.js";
import { readSavedFile } from "../../lib/saved-file.js";

export const DEFAULT_STATE_FILE = "/etc/debvisor/firewall.json";

/** A machine stopped by a quarantine, started again by Release. */
export interface StoppedMachine { name: string; uuid: string }

interface Quarantine {
    /** milliseconds since the epoch */
    since: number;
    by: string;
    reason: string;
    stoppedMachines: StoppedMachine[];
}

export interface FirewallState {
    version: 1;
    block: Entry[];
    allow: Entry[];
    /** the management set: let in before any block; absent in files from before it existed */
    management: Entry[];
    quarantine: Quarantine | null;
}

export function emptyState(): FirewallState {
    return { version: 1, block: [], allow: [], management: [], quarantine: null };
}

function validEntry(e: unknown): e is Entry {
    const x = e as Entry;
    return !!x && typeof x.cidr === "string" && parseNet(x.cidr).ok && typeof x.comment === "string" &&
        typeof x.addedBy === "string" && Number.isFinite(x.addedAt) && Number.isFinite(x.expires);
}

/* The saved state, or null when there is none; a damaged file is an error that names it. */
export function readState(file: string): FirewallState | null {
    const text = readSavedFile(file);
    if (text === null)
        return null;
    const raw = JSON.parse(text) as Partial<FirewallState>;
    if (raw.version !== 1 || !Array.isArray(raw.block) || !Array.isArray(raw.allow))
        throw new Error(`${file} is not a DebVisor firewall state (version 1)`);
    const management = raw.management ?? [];
    if (!Array.isArray(management))
        throw new Error(`${file}: "management" is not a list`);
    const bad = [...raw.block, ...raw.allow, ...management].filter(e => !validEntry(e));
    if (bad.length > 0)
        throw new Error(`${file} has ${bad.length} damaged entries, the first ${JSON.stringify(bad[0]).slice(0, 100)}`);
    const q = raw.quarantine;
    return {
        version: 1, block: raw.block, allow: raw.allow, management,
        quarantine: q && typeof q.since === "number" ? { since: q.since, by: String(q.by ?? ""), reason: String(q.reason ?? ""),
            stoppedMachines: Array.isArray(q.stoppedMachines) ? q.stoppedMachines : [] } : null,
    };
}

export function writeState(file: string, state: FirewallState): void {
    writeFileAtomically(file, JSON.stringify(state) + "\n", 0o600);
}
