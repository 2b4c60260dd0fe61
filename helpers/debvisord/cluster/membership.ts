// Who is in the cluster lives in the Ceph monitors' quorum, as config-key
// entries (Ceph's own replicated store; DebVisor keeps no membership of its
// own): debvisor/cluster names the cluster, debvisor/cluster/nodes/NAME each
// member with its address and keys. What a node keeps for itself in
// /etc/debvisor/cluster: that it is a member (cluster.json), its key, the
// join tokens it made and has not seen used (tokens.json).
import fs from "node:fs";
import { writeJsonAtomically } from "../../lib/atomic-file.js";
import { failed } from "../../lib/errors.js";
import type { CephRead, CephReader } from "../ceph/ceph-session.js";
import { CEPH_CONF } from "../ceph/provision/config.js";
import { ceph } from "../ceph/provision/tools.js";
import { CLUSTER_DIR, NODE_NAME } from "./ssh-channel.js";
import { isHostKey, isTokenId } from "./token.js";

const CLUSTER_KEY = "debvisor/cluster";
const NODES_PREFIX = "debvisor/cluster/nodes/";
export const STATE_FILE = `${CLUSTER_DIR}/cluster.json`;
export const TOKENS_FILE = `${CLUSTER_DIR}/tokens.json`;

export interface Member {
    name: string;
    address: string;
    /** the node's cluster key, accepted by the other members */
    nodeKey: string;
    /** its SSH host key, by which the others know it */
    hostKey: string;
    /** when it joined, milliseconds since the epoch */
    joined: number;
    /** set while the node is in maintenance */
    maintenance?: { since: number; by: string };
    /** set while a removal runs, and kept when one failed: what is left of it */
    removal?: { by: string; started: number; left: string[]; problem: string };
}

export interface LocalState { fsid: string; name: string; address: string }

interface TokenRecord { id: string; expires: number; publicKey: string; madeBy: string }

function parseMember(text: string): Member | null {
    try {
        const m = JSON.parse(text) as Partial<Member>;
        if (typeof m.name === "string" && NODE_NAME.test(m.name) && typeof m.address === "string" && typeof m.nodeKey === "string"
            && isHostKey(m.nodeKey) && typeof m.hostKey === "string" && isHostKey(m.hostKey) && typeof m.joined === "number")
            return {
                name: m.name, address: m.address, nodeKey: m.nodeKey, hostKey: m.hostKey, joined: m.joined,
                ...typeof m.maintenance?.since === "number" && typeof m.maintenance.by === "string"
                    ? { maintenance: { since: m.maintenance.since, by: m.maintenance.by } } : {},
                ...Array.isArray(m.removal?.left) && typeof m.removal.by === "string"
                    ? { removal: { by: m.removal.by, started: Number(m.removal.started) || 0, left: m.removal.left.map(String), problem: String(m.removal.problem ?? "") } } : {},
            };
    } catch {
        // an entry no DebVisor wrote: left out
    }
    return null;
}

/* `ceph config-key dump PREFIX`: every member, by name. */
export function parseMembers(dump: string): Member[] {
    const entries = JSON.parse(dump) as Record<string, string>;
    return Object.entries(entries).filter(([k]) => k.startsWith(NODES_PREFIX))
        .map(([, v]) => parseMember(v)).filter((m): m is Member => m !== null)
        .sort((a, b) => a.name.localeCompare(b.name));
}

/* The members' records as the monitors' config-key store has them (Ceph's MonCommands.h: config-key dump, its argument "key"). */
export const MEMBER_RECORDS: CephRead = { target: "mon", command: { prefix: "config-key dump", key: NODES_PREFIX }, cli: ["config-key", "dump", NODES_PREFIX] };

/* `reader`, the connection debvisord keeps to its Ceph, reads them when it is connected to this node's cluster
 * (CEPH_CONF): the cluster's rounds read them every 10 s, which a `ceph` run each made costly. */
export async function readMembers(reader?: { read: CephReader["read"]; conf(): string }): Promise<Member[]> {
    const what = "reading the cluster's members from Ceph";
    const out = reader && reader.conf() === CEPH_CONF ? await reader.read(MEMBER_RECORDS, what)
        : (await ceph(MEMBER_RECORDS.cli, what, { timeout: 20_000 })).stdout;
    try {
        return parseMembers(out);
    } catch {
        throw failed("reading the cluster's members from Ceph: ceph answered no JSON");
    }
}

export async function writeMember(m: Member): Promise<void> {
    await ceph(["config-key", "set", `${NODES_PREFIX}${m.name}`, JSON.stringify(m)], `recording ${m.name} as a member in Ceph`);
}

export async function removeMember(name: string): Promise<void> {
    await ceph(["config-key", "rm", `${NODES_PREFIX}${name}`], `removing ${name} from the members in Ceph`);
}

export async function writeClusterRecord(fsid: string, createdBy: string): Promise<void> {
    await ceph(["config-key", "set", CLUSTER_KEY, JSON.stringify({ fsid, created: Date.now(), createdBy })], "recording the cluster in Ceph");
}

export function readLocalState(file = STATE_FILE): LocalState | null {
    try {
        const s = JSON.parse(fs.readFileSync(file, "utf8")) as Partial<LocalState>;
        if (typeof s.fsid === "string" && typeof s.name === "string" && typeof s.address === "string")
            return { fsid: s.fsid, name: s.name, address: s.address };
    } catch {
        // not a member
    }
    return null;
}

export function writeLocalState(s: LocalState): void {
    writeJsonAtomically(STATE_FILE, s, 0o600);
}

/* The tokens this node made that are still good. */
export function readTokens(now = Date.now() / 1000, file = TOKENS_FILE): TokenRecord[] {
    try {
        const list = JSON.parse(fs.readFileSync(file, "utf8")) as TokenRecord[];
        return list.filter(t => isTokenId(t.id) && typeof t.expires === "number" && t.expires > now && isHostKey(t.publicKey));
    } catch {
        return [];
    }
}

export function writeTokens(list: TokenRecord[]): void {
    writeJsonAtomically(TOKENS_FILE, list, 0o600);
}
