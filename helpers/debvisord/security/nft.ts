// debvisord's nftables table: the scripts that build and change it (pure,
// text for `nft -f -`, one transaction each), and the runner that sends
// them and reads the per-element counters back from `nft -j`.
//
//   table inet debvisor
//     sets block4/block6, allow4/allow6, management4/management6: interval
//       sets with per-element counters, comments and optional timeouts
//     chains input/forward (policy accept): loopback first, then the
//       management set, then allow wins, then block drops
//     chains quarantine_input/quarantine_forward (policy drop), only while
//       quarantined: loopback, established/related, the management and
//       allow sets pass
import { parseNet, type Net } from "../../lib/cidr.js";
import type { ListName } from "../../lib/firewall-validation.js";
import { runTool } from "../../lib/tool-run.js";

/** The lists that are sets of the table. */
type SetList = ListName;
export const SET_LISTS: readonly SetList[] = ["block", "allow", "management"];

const DEFAULT_TABLE = "debvisor";
const NFT_TIMEOUT_MS = 120_000;
/** nft keeps at most 128 bytes of an element's comment */
const NFT_COMMENT_MAX = 120;
/** elements per `add element` statement; all statements go in one transaction */
const CHUNK = 5000;

/** One entry of a list as the daemon keeps it. */
export interface Entry {
    cidr: string;
    comment: string;
    addedBy: string;
    /** milliseconds since the epoch */
    addedAt: number;
    /** milliseconds since the epoch; 0: never */
    expires: number;
}

/* A table name from the environment: nft's identifier grammar, short. */
export function tableName(fromEnv: string | undefined): string {
    if (fromEnv === undefined || fromEnv === "")
        return DEFAULT_TABLE;
    if (!/^[A-Za-z][A-Za-z0-9_]{0,31}$/.test(fromEnv))
        throw new Error(`DEBVISOR_NFT_TABLE=${JSON.stringify(fromEnv)} is not a valid nftables table name (a letter, then letters, digits and "_")`);
    return fromEnv;
}

function setName(list: SetList, family: 4 | 6): string {
    return `${list}${family}`;
}

/* The comment as nft stores it: printable, no quotes or backslashes, cut to fit. */
function nftComment(text: string): string {
    const clean = text.replace(/[^\x20-\x7e]/g, "?").replace(/["\\]/g, "'");
    return clean.length > NFT_COMMENT_MAX ? clean.slice(0, NFT_COMMENT_MAX - 1) + "~" : clean;
}

function elementText(entry: Entry, now: number, counters?: Counters): string | null {
    let text = entry.cidr;
    const counted = counters?.get(entry.cidr);
    if (counted)
        text += ` counter packets ${counted.packets} bytes ${counted.bytes}`;
    if (entry.expires > 0) {
        const seconds = Math.ceil((entry.expires - now) / 1000);
        if (seconds <= 0)
            return null;
        text += ` timeout ${seconds}s`;
    }
    if (entry.comment)
        text += ` comment "${nftComment(entry.comment)}"`;
    return text;
}

function familyOf(cidr: string): 4 | 6 {
    return cidr.includes(":") ? 6 : 4;
}

/* `add element` / `delete element` statements for entries of one list, in chunks. */
function elementStatements(verb: "add" | "delete", table: string, list: SetList, entries: Entry[], now: number,
    families: ReadonlyArray<4 | 6> = [4, 6], counters?: Counters): string[] {
    const lines: string[] = [];
    for (const family of families) {
        const texts = entries.filter(e => familyOf(e.cidr) === family)
            .map(e => verb === "add" ? elementText(e, now, counters) : e.cidr)
            .filter((t): t is string => t !== null);
        for (let i = 0; i < texts.length; i += CHUNK)
            lines.push(`${verb} element inet ${table} ${setName(list, family)} { ${texts.slice(i, i + CHUNK).join(", ")} }`);
    }
    return lines;
}

export function addScript(table: string, list: SetList, entries: Entry[], now = Date.now()): string {
    return elementStatements("add", table, list, entries, now).join("\n") + "\n";
}

/** Above this many, removing elements one by one costs nft more than loading the set anew. */
const DELETE_ONE_BY_ONE_MAX = 16;

/*
 * Removes `removed` from a list that will hold `kept`. nft 1.0's deletion from
 * an interval set takes time in proportion to the set's size for every
 * element (8,000 of 8,000: 16 s), so beyond a few elements the sets concerned
 * are flushed and loaded with what stays, their counters carried over, in the
 * same transaction.
 */
export function deleteScript(table: string, list: SetList, removed: Entry[], kept: Entry[] = [], counters?: Counters, now = Date.now()): string {
    if (removed.length <= DELETE_ONE_BY_ONE_MAX)
        return elementStatements("delete", table, list, removed, 0).join("\n") + "\n";
    const families = ([4, 6] as const).filter(f => removed.some(e => familyOf(e.cidr) === f));
    return [
        ...families.map(f => `flush set inet ${table} ${setName(list, f)}`),
        ...elementStatements("add", table, list, kept, now, families, counters),
    ].join("\n") + "\n";
}

/* What passes the filter and the quarantine alike: the management set and the allow list. */
const LISTED_ACCEPT = ["ip saddr @management4 accept", "ip6 saddr @management6 accept", "ip saddr @allow4 accept", "ip6 saddr @allow6 accept"];

// loopback first: Cockpit, the Ceph monitor and named listen on 127.0.0.1, and no block may reach them
const FILTER_RULES = ["iif \"lo\" accept", ...LISTED_ACCEPT, "ip saddr @block4 drop", "ip6 saddr @block6 drop"];

function quarantineChains(table: string): string[] {
    const common = ["iif \"lo\" accept", "ct state established,related accept", ...LISTED_ACCEPT];
    return [
        `add chain inet ${table} quarantine_input { type filter hook input priority filter - 5; policy drop; }`,
        ...common.map(r => `add rule inet ${table} quarantine_input ${r}`),
        // without neighbour discovery an allowed IPv6 host cannot reach us at all
        `add rule inet ${table} quarantine_input icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-advert } accept`,
        `add chain inet ${table} quarantine_forward { type filter hook forward priority filter - 5; policy drop; }`,
        ...common.map(r => `add rule inet ${table} quarantine_forward ${r}`),
    ];
}

export function quarantineOnScript(table: string): string {
    return quarantineChains(table).join("\n") + "\n";
}

export function quarantineOffScript(table: string): string {
    return `delete chain inet ${table} quarantine_input\ndelete chain inet ${table} quarantine_forward\n`;
}

/* The whole table from the daemon's state, replacing whatever is there in one transaction. */
export function fullScript(table: string, lists: Record<SetList, Entry[]>, quarantined: boolean, now = Date.now()): string {
    const lines = [
        `add table inet ${table}`,
        `delete table inet ${table}`,
        `add table inet ${table}`,
    ];
    for (const list of SET_LISTS) {
        for (const family of [4, 6] as const)
            lines.push(`add set inet ${table} ${setName(list, family)} { type ${family === 4 ? "ipv4_addr" : "ipv6_addr"}; flags interval, timeout; counter; }`);
    }
    for (const [chain, hook] of [["input", "input"], ["forward", "forward"]]) {
        lines.push(`add chain inet ${table} ${chain} { type filter hook ${hook} priority filter - 10; policy accept; }`);
        for (const rule of FILTER_RULES)
            lines.push(`add rule inet ${table} ${chain} ${rule}`);
    }
    if (quarantined)
        lines.push(...quarantineChains(table));
    for (const list of SET_LISTS)
        lines.push(...elementStatements("add", table, list, lists[list], now));
    return lines.join("\n") + "\n";
}

/** Packets and bytes per element, by canonical entry text. */
export type Counters = Map<string, { packets: number; bytes: number }>;

interface NftElem {
    val?: unknown;
    counter?: { packets: number; bytes: number };
}

function valueText(val: unknown): string | null {
    if (typeof val === "string")
        return val;
    if (val && typeof val === "object") {
        const v = val as { prefix?: { addr: string; len: number }; range?: [string, string] };
        if (v.prefix)
            return `${v.prefix.addr}/${v.prefix.len}`;
        if (v.range)
            return `${v.range[0]}-${v.range[1]}`;
    }
    return null;
}

/* The counters of every element of our sets in `nft -j list table` output. */
export function parseCounters(json: string): Record<SetList, Counters> {
    const result: Record<SetList, Counters> = { block: new Map(), allow: new Map(), management: new Map() };
    const doc = JSON.parse(json) as { nftables: Array<{ set?: { name: string; elem?: unknown[] } }> };
    for (const item of doc.nftables) {
        const set = item.set;
        const list = set?.name.replace(/[46]$/, "");
        if (!set || !SET_LISTS.includes(list as SetList))
            continue;
        for (const raw of set.elem ?? []) {
            const elem: NftElem = raw && typeof raw === "object" && "elem" in raw ? (raw as { elem: NftElem }).elem : { val: raw };
            const text = valueText(elem.val);
            const parsed = text ? parseNet(text) : null;
            if (parsed && parsed.ok)
                result[list as SetList].set(parsed.net.text, { packets: elem.counter?.packets ?? 0, bytes: elem.counter?.bytes ?? 0 });
        }
    }
    return result;
}

class NftError extends Error {}

/** Runs nft; the table name is fixed at construction. */
export class Nft {
    constructor(readonly table: string, private readonly binary = "nft") {}

    async apply(script: string): Promise<void> {
        const r = await runTool(this.binary, ["-f", "-"], "nft", { input: script, timeout: NFT_TIMEOUT_MS, allowFailure: true });
        if (r.problem)
            throw new NftError(`nft refused the change: ${(r.stderr || r.problem).trim().split("\n").slice(0, 6).join(" ")}`);
    }

    /* `nft -j list table inet TABLE`, or null when the table does not exist. */
    async listJson(): Promise<string | null> {
        const r = await runTool(this.binary, ["-j", "list", "table", "inet", this.table], "nft", { timeout: NFT_TIMEOUT_MS, allowFailure: true });
        return r.problem ? null : r.stdout;
    }

    async available(): Promise<boolean> {
        const r = await runTool(this.binary, ["--version"], "nft", { timeout: 10_000, allowFailure: true });
        return !r.problem;
    }
}

export function netsOf(entries: Entry[]): Net[] {
    const out: Net[] = [];
    for (const e of entries) {
        const p = parseNet(e.cidr);
        if (p.ok)
            out.push(p.net);
    }
    return out;
}
