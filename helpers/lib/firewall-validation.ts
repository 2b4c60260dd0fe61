// What is wrong or worth a second look in entries someone wants to block or
// allow: syntax, host bits, duplicates, overlaps (with each other and with
// what is in the list already; an nft interval set cannot hold overlapping
// elements), allow entries that win over block entries, special ranges, and
// blocks that would lock the admins out or cut the host off its own network.
// Pure: unit tested with a corpus.
import { containsAddress, formatAddress, overlaps, parseNet, type Family, type Net } from "./cidr.js";

/** The block and allow lists, and the management set (let in before any block, also during a quarantine). */
export type ListName = "block" | "allow" | "management";

export interface Finding { entry: string; message: string }

interface Report {
    /** entries that pass and would be (or were) added, canonical text */
    accepted: Net[];
    errors: Finding[];
    warnings: Finding[];
    /** entries left out because they are in the list already */
    skipped: Finding[];
}

/** A line of an import: the entry and the comment after "#", if any. */
export interface InputEntry { text: string; comment?: string }

const SPECIAL: Array<[string, string]> = [
    ["0.0.0.0/8", "\"this network\" (0.0.0.0/8)"],
    ["127.0.0.0/8", "loopback"],
    ["10.0.0.0/8", "private (RFC 1918)"],
    ["172.16.0.0/12", "private (RFC 1918)"],
    ["192.168.0.0/16", "private (RFC 1918)"],
    ["100.64.0.0/10", "shared address space (carrier-grade NAT)"],
    ["169.254.0.0/16", "link-local"],
    ["192.0.2.0/24", "documentation (TEST-NET-1)"],
    ["198.51.100.0/24", "documentation (TEST-NET-2)"],
    ["203.0.113.0/24", "documentation (TEST-NET-3)"],
    ["224.0.0.0/4", "multicast"],
    ["240.0.0.0/4", "reserved"],
    ["::1", "loopback"],
    ["::", "the unspecified address"],
    ["::ffff:0.0.0.0/96", "IPv4-mapped (the firewall sees these as IPv4)"],
    ["fc00::/7", "unique local (private)"],
    ["fe80::/10", "link-local"],
    ["ff00::/8", "multicast"],
    ["2001:db8::/32", "documentation"],
];
const SPECIAL_NETS = SPECIAL.map(([text, label]) => {
    const p = parseNet(text);
    if (!p.ok)
        throw new Error(`special range ${text}: ${p.error}`);
    return { net: p.net, label };
});

/* Warnings for special ranges an entry touches, and for entries that cover a whole family. */
export function specialWarnings(net: Net): string[] {
    const out: string[] = [];
    const bits = net.family === 4 ? 32n : 128n;
    if (net.start === 0n && net.end === (1n << bits) - 1n)
        out.push(`covers every IPv${net.family} address`);
    for (const s of SPECIAL_NETS) {
        if (overlaps(s.net, net))
            out.push(`${net.start >= s.net.start && net.end <= s.net.end ? "is in" : "includes"} the ${s.label} range ${s.net.text}`);
    }
    return out;
}

type ByFamily = Record<Family, Net[]>;

/* A list split by family, each part sorted by start. */
function byFamily(nets: Net[]): ByFamily {
    return { 4: nets.filter(n => n.family === 4).sort(byStart), 6: nets.filter(n => n.family === 6).sort(byStart) };
}

/* The entries of a list (disjoint within a family) that overlap `net`. */
function overlapping(lists: ByFamily, net: Net): Net[] {
    const sorted = lists[net.family];
    let lo = 0, hi = sorted.length;
    while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (sorted[mid].end < net.start) lo = mid + 1; else hi = mid;
    }
    const out: Net[] = [];
    for (let i = lo; i < sorted.length && sorted[i].start <= net.end; i++)
        out.push(sorted[i]);
    return out;
}

function byStart(a: Net, b: Net): number {
    return a.family - b.family || (a.start < b.start ? -1 : a.start > b.start ? 1 : a.end < b.end ? 1 : a.end > b.end ? -1 : 0);
}

function relation(a: Net, b: Net): string {
    if (a.start === b.start && a.end === b.end)
        return "is the same as";
    if (b.start <= a.start && a.end <= b.end)
        return "is inside";
    if (a.start <= b.start && b.end <= a.end)
        return "contains";
    return "partly overlaps";
}

/**
 * Checks entries to be added to `list`, given what the block and allow lists
 * hold now. Entries with errors are not accepted; identical ones already in
 * the list are skipped.
 */
export function checkAdditions(list: ListName, entries: InputEntry[], current: { block: Net[]; allow: Net[]; management?: Net[] }): Report & {
    comments: Map<string, string>;
    /** entries refused only for overlapping others: still worth the guards' reasons, which say more than an overlap */
    overlapping: Net[];
} {
    const report: Report = { accepted: [], errors: [], warnings: [], skipped: [] };
    const comments = new Map<string, string>();
    const overlapOnly: Net[] = [];
    const same = byFamily(current[list] ?? []);
    const other = byFamily(current[list === "block" ? "allow" : "block"]);
    const parsed: Array<{ net: Net; raw: string }> = [];
    const seen = new Map<string, string>();
    for (const e of entries) {
        const p = parseNet(e.text);
        if (!p.ok) {
            report.errors.push({ entry: e.text, message: p.error });
            continue;
        }
        const key = p.net.text;
        if (seen.has(key)) {
            report.warnings.push({ entry: e.text, message: `is listed twice (as ${JSON.stringify(seen.get(key))} before); added once` });
            continue;
        }
        seen.set(key, e.text);
        const inList = overlapping(same, p.net);
        const identical = inList.find(n => n.start === p.net.start && n.end === p.net.end);
        if (identical) {
            report.skipped.push({ entry: key, message: `is in the ${list} list already` });
            continue;
        }
        if (inList.length > 0) {
            report.errors.push({ entry: key, message: inList.slice(0, 3).map(n => `${relation(p.net, n)} ${n.text}, which is in the ${list} list`).join("; ") +
                (inList.length > 3 ? ` (and ${inList.length - 3} more)` : "") });
            overlapOnly.push(p.net);
            continue;
        }
        if (e.comment)
            comments.set(key, e.comment);
        parsed.push({ net: p.net, raw: e.text });
    }
    // overlaps among the new entries: one sweep over them sorted by start
    parsed.sort((a, b) => byStart(a.net, b.net));
    const bad = new Set<Net>();
    let reach: Net | null = null;
    for (const { net } of parsed) {
        if (reach && reach.family === net.family && net.start <= reach.end) {
            report.errors.push({ entry: net.text, message: `${relation(net, reach)} ${reach.text}, also being added` });
            bad.add(net);
            overlapOnly.push(net);
            if (net.end > reach.end)
                reach = net;
            continue;
        }
        reach = net;
    }
    for (const { net } of parsed) {
        if (bad.has(net))
            continue;
        report.accepted.push(net);
        for (const w of specialWarnings(net))
            report.warnings.push({ entry: net.text, message: w });
        const across = overlapping(other, net);
        if (across.length > 0) {
            const names = across.slice(0, 3).map(n => n.text).join(", ") + (across.length > 3 ? ` and ${across.length - 3} more` : "");
            report.warnings.push({
                entry: net.text,
                message: list === "block" ? `the allow list wins over this block for ${names}` : `wins over the block list's ${names}`,
            });
        }
    }
    return { ...report, comments, overlapping: overlapOnly };
}

/* Entries to remove from a list: each must be in it exactly. */
export function checkRemovals(list: ListName, entries: string[], current: Net[]): { nets: Net[]; errors: Finding[] } {
    const byText = new Map(current.map(n => [n.text, n]));
    const nets: Net[] = [];
    const errors: Finding[] = [];
    const seen = new Set<string>();
    const sorted = byFamily(current);
    for (const text of entries) {
        const p = parseNet(text);
        if (!p.ok) {
            errors.push({ entry: text, message: p.error });
            continue;
        }
        const found = byText.get(p.net.text);
        if (!found) {
            const around = overlapping(sorted, p.net);
            errors.push({ entry: p.net.text, message: `is not in the ${list} list` + (around.length > 0 ? ` (it overlaps ${around.slice(0, 3).map(n => n.text).join(", ")})` : "") });
            continue;
        }
        if (!seen.has(found.text))
            nets.push(found);
        seen.add(found.text);
    }
    return { nets, errors };
}

/** An address whose loss would lock someone out, and why it matters. */
export interface Protected { family: Family; value: bigint; why: string }

/* The blocks that would cover an admin's session address or an allowed entry. */
export function lockoutProblems(blocks: Net[], sessions: Protected[], allow: Net[]): Finding[] {
    const problems: Finding[] = [];
    for (const net of blocks) {
        for (const s of sessions) {
            if (containsAddress(net, s.family, s.value))
                problems.push({ entry: net.text, message: `would cover ${formatAddress(s.family, s.value)}, ${s.why}` });
        }
        for (const a of allow) {
            if (overlaps(net, a))
                problems.push({ entry: net.text, message: `would cover ${a.text}, which is in the allow list` });
        }
    }
    return problems;
}

/** What a block must not cover without being forced: the host's own addresses and gateways, the management set, a width. */
interface Guard {
    host: Protected[];
    management: Net[];
    /** the shortest prefix length a block may have, per family */
    widest: Record<Family, number>;
}

const LOOPBACK = [parseNet("127.0.0.0/8"), parseNet("::1")].map(p => {
    if (!p.ok)
        throw new Error(p.error);
    return p.net;
});

/*
 * The blocks that would cut this host off: loopback, its own addresses, its
 * default gateways, the management set, or wider than the configured limit.
 * Each finding says why, so the refusal can be read and forced knowingly.
 */
export function cutOffProblems(blocks: Net[], guard: Guard): Finding[] {
    const problems: Finding[] = [];
    for (const net of blocks) {
        const bits = net.family === 4 ? 32 : 128;
        const widest = guard.widest[net.family];
        if (net.end - net.start + 1n > 1n << BigInt(bits - widest))
            problems.push({ entry: net.text, message: `is wider than /${widest}, the widest IPv${net.family} block allowed` });
        for (const lo of LOOPBACK) {
            if (overlaps(net, lo))
                problems.push({ entry: net.text, message: `covers loopback (${lo.text})` });
        }
        for (const h of guard.host) {
            if (containsAddress(net, h.family, h.value))
                problems.push({ entry: net.text, message: `covers ${h.why}` });
        }
        for (const m of guard.management) {
            if (overlaps(net, m))
                problems.push({ entry: net.text, message: `covers the management network ${m.text}` });
        }
    }
    return problems;
}

/* Reads an import list: one entry per line, "#" starts a comment (kept as the entry's comment), blank lines skipped. */
export function parseList(text: string): { entries: InputEntry[]; lines: number } {
    const entries: InputEntry[] = [];
    const lines = text.split(/\r?\n/);
    for (const line of lines) {
        const hash = line.indexOf("#");
        const body = (hash >= 0 ? line.slice(0, hash) : line).trim();
        // a comment reaches terminals and nft: no control characters
        const comment = hash >= 0 ? line.slice(hash + 1).replace(/[\u0000-\u001f\u007f]/g, " ").trim() : "";
        if (body === "")
            continue;
        // a line may hold several entries separated by spaces or commas, as many published lists do
        for (const word of body.split(/[\s,;]+/).filter(Boolean))
            entries.push(comment ? { text: word, comment } : { text: word });
    }
    return { entries, lines: lines.length };
}

export function describe(f: Finding): string {
    return `${f.entry}: ${f.message}`;
}
