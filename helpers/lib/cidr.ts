// Addresses, prefixes and ranges of IPv4 and IPv6 as intervals of integers
// (bigint), so that containment and overlap are plain comparisons. Pure: no
// I/O, unit tested with a corpus.

export type Family = 4 | 6;

/** One firewall entry: a single address, a prefix or a range, as the interval [start, end]. */
export interface Net {
    family: Family;
    start: bigint;
    end: bigint;
    /** canonical text: "10.0.0.0/8", "2001:db8::/32", "192.0.2.1", "192.0.2.1-192.0.2.9" */
    text: string;
}

type ParseResult = { ok: true; net: Net } | { ok: false; error: string };

const BITS: Record<Family, number> = { 4: 32, 6: 128 };

function parseV4(text: string): bigint | null {
    const parts = text.split(".");
    if (parts.length !== 4)
        return null;
    let value = 0n;
    for (const p of parts) {
        // no leading zeros: "010" is octal to some tools and decimal to others
        if (!/^(0|[1-9][0-9]{0,2})$/.test(p) || Number(p) > 255)
            return null;
        value = (value << 8n) | BigInt(p);
    }
    return value;
}

function parseV6(text: string): bigint | null {
    if (!/^[0-9A-Fa-f:.]+$/.test(text) || text.length > 45)
        return null;
    let body = text;
    // an embedded IPv4 address is the last 32 bits: ::ffff:192.0.2.1, 64:ff9b::198.51.100.7
    const lastColon = text.lastIndexOf(":");
    if (text.slice(lastColon + 1).includes(".")) {
        const v4 = parseV4(text.slice(lastColon + 1));
        if (v4 === null)
            return null;
        body = `${text.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
    }
    const halves = body.split("::");
    if (halves.length > 2)
        return null;
    const groups = (s: string) => s === "" ? [] : s.split(":");
    const head = groups(halves[0]);
    const rest = halves.length === 2 ? groups(halves[1]) : [];
    for (const g of [...head, ...rest]) {
        if (!/^[0-9A-Fa-f]{1,4}$/.test(g))
            return null;
    }
    const total = head.length + rest.length;
    if (halves.length === 1 ? total !== 8 : total > 7)
        return null;
    const all = [...head, ...Array<string>(8 - total).fill("0"), ...rest];
    let value = 0n;
    for (const g of all)
        value = (value << 16n) | BigInt(parseInt(g, 16));
    return value;
}

function formatV4(value: bigint): string {
    return [24n, 16n, 8n, 0n].map(s => String((value >> s) & 255n)).join(".");
}

/* RFC 5952: lower case, no leading zeros, the longest run (≥ 2) of zero groups as "::", the first one on a tie. */
function formatV6(value: bigint): string {
    const groups: number[] = [];
    for (let i = 7; i >= 0; i--)
        groups.push(Number((value >> BigInt(i * 16)) & 0xffffn));
    // v4-mapped addresses are shown with their IPv4 part, as inet_ntop does
    if (value >> 32n === 0xffffn)
        return `::ffff:${formatV4(value & 0xffffffffn)}`;
    let bestAt = -1, bestLen = 1;
    for (let i = 0; i < 8;) {
        if (groups[i] !== 0) { i++; continue }
        let j = i;
        while (j < 8 && groups[j] === 0) j++;
        if (j - i > bestLen) { bestAt = i; bestLen = j - i }
        i = j;
    }
    const hex = groups.map(g => g.toString(16));
    if (bestAt < 0)
        return hex.join(":");
    return `${hex.slice(0, bestAt).join(":")}::${hex.slice(bestAt + bestLen).join(":")}`;
}

export function formatAddress(family: Family, value: bigint): string {
    return family === 4 ? formatV4(value) : formatV6(value);
}

function parseAddress(text: string): { family: Family; value: bigint } | null {
    if (text.includes(":")) {
        const v = parseV6(text);
        return v === null ? null : { family: 6, value: v };
    }
    const v = parseV4(text);
    return v === null ? null : { family: 4, value: v };
}

/* Canonical text of an interval: an address, a prefix when it is one, else a range. */
function netText(family: Family, start: bigint, end: bigint): string {
    if (start === end)
        return formatAddress(family, start);
    const size = end - start + 1n;
    if ((size & (size - 1n)) === 0n && start % size === 0n) {
        const len = BITS[family] - (size.toString(2).length - 1);
        return `${formatAddress(family, start)}/${len}`;
    }
    return `${formatAddress(family, start)}-${formatAddress(family, end)}`;
}

const PLAIN_V4 = /^(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})(?:\/(0|[1-9][0-9]?))?$/;

/* The common case of large lists, a valid IPv4 address or prefix, in plain numbers; null for anything else. */
function fastV4(text: string): Net | null {
    const m = PLAIN_V4.exec(text);
    if (!m)
        return null;
    const octets = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])];
    const len = m[5] === undefined ? 32 : Number(m[5]);
    if (octets.some(o => o > 255) || len > 32)
        return null;
    const value = ((octets[0] * 256 + octets[1]) * 256 + octets[2]) * 256 + octets[3];
    const size = 2 ** (32 - len);
    if (value % size !== 0)
        return null;
    const address = octets.join(".");
    return { family: 4, start: BigInt(value), end: BigInt(value + size - 1), text: len === 32 ? address : `${address}/${len}` };
}

/* Parses "ADDR", "ADDR/LEN" or "ADDR-ADDR"; the error says what to write instead. */
export function parseNet(input: string): ParseResult {
    const text = input.trim();
    const fast = fastV4(text);
    if (fast)
        return { ok: true, net: fast };
    const shown = JSON.stringify(input.length > 60 ? input.slice(0, 60) + "…" : input);
    if (text === "")
        return { ok: false, error: "an empty entry" };
    if (text.length > 100)
        return { ok: false, error: `${shown} is not an address, prefix or range (too long)` };
    if (text.includes("-")) {
        const [a, b, ...more] = text.split("-");
        const from = parseAddress(a), to = parseAddress(b ?? "");
        if (more.length > 0 || !from || !to)
            return { ok: false, error: `${shown} is not a range: write FIRST-LAST, e.g. 192.0.2.10-192.0.2.20` };
        if (from.family !== to.family)
            return { ok: false, error: `${shown} mixes IPv4 and IPv6` };
        if (from.value > to.value)
            return { ok: false, error: `${shown}: the range's first address is after its last` };
        return { ok: true, net: { family: from.family, start: from.value, end: to.value, text: netText(from.family, from.value, to.value) } };
    }
    const [addr, len, ...more] = text.split("/");
    const parsed = parseAddress(addr);
    if (!parsed || more.length > 0)
        return { ok: false, error: `${shown} is not an IPv4 or IPv6 address or prefix (e.g. 192.0.2.0/24, 2001:db8::/32)` };
    const bits = BITS[parsed.family];
    if (len === undefined)
        return { ok: true, net: { family: parsed.family, start: parsed.value, end: parsed.value, text: formatAddress(parsed.family, parsed.value) } };
    if (!/^(0|[1-9][0-9]{0,2})$/.test(len) || Number(len) > bits)
        return { ok: false, error: `${shown}: the prefix length must be 0 to ${bits}` };
    const hostBits = BigInt(bits - Number(len));
    const mask = (1n << hostBits) - 1n;
    if ((parsed.value & mask) !== 0n) {
        const network = parsed.value & ~mask;
        return { ok: false, error: `${shown} has host bits set: did you mean ${formatAddress(parsed.family, network)}/${len}?` };
    }
    return { ok: true, net: { family: parsed.family, start: parsed.value, end: parsed.value | mask, text: netText(parsed.family, parsed.value, parsed.value | mask) } };
}

export function overlaps(a: Net, b: Net): boolean {
    return a.family === b.family && a.start <= b.end && b.start <= a.end;
}

export function containsAddress(net: Net, family: Family, value: bigint): boolean {
    return net.family === family && net.start <= value && value <= net.end;
}

/* Parses a single address (no prefix), as found in /proc/net/tcp6 or ss; v4-mapped IPv6 becomes IPv4. */
export function parseHost(text: string): { family: Family; value: bigint } | null {
    const a = parseAddress(text);
    if (a && a.family === 6 && a.value >> 32n === 0xffffn)
        return { family: 4, value: a.value & 0xffffffffn };
    return a;
}
