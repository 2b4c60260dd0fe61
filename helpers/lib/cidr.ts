// Addresses, prefixes and ranges of IPv4 and IPv6 as intervals of integers
// (bigint), so that containment and overlap are plain comparisons. Pure: no
// I/O, unit tested with a corpus. Addresses are read and written by ip-address.ts.
import { formatIP, parseIP, type Family } from "./ip-address.js";

export type { Family };

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

function toBigint(bytes: number[]): bigint {
    let value = 0n;
    for (const b of bytes)
        value = (value << 8n) | BigInt(b);
    return value;
}

export function formatAddress(family: Family, value: bigint): string {
    // v4-mapped addresses are shown with their IPv4 part, as inet_ntop does
    if (family === 6 && value >> 32n === 0xffffn)
        return `::ffff:${formatAddress(4, value & 0xffffffffn)}`;
    const size = family === 4 ? 4 : 16;
    const bytes = Array.from({ length: size }, (_b, i) => Number((value >> BigInt(8 * (size - 1 - i))) & 0xffn));
    return formatIP(bytes);
}

function parseAddress(text: string): { family: Family; value: bigint } | null {
    const parsed = parseIP(text);
    return parsed && { family: parsed.family, value: toBigint(parsed.bytes) };
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

/* The network an address is in: "192.0.2.7", 24 → "192.0.2.0/24"; null for what is not an address and prefix. */
export function networkOf(address: string, prefix: number): { family: Family; cidr: string } | null {
    const a = parseAddress(address);
    if (!a || !Number.isInteger(prefix) || prefix < 0 || prefix > BITS[a.family])
        return null;
    const hostBits = BigInt(BITS[a.family] - prefix);
    return { family: a.family, cidr: `${formatAddress(a.family, (a.value >> hostBits) << hostBits)}/${prefix}` };
}

/* Parses a single address (no prefix), as found in /proc/net/tcp6 or ss; v4-mapped IPv6 becomes IPv4. */
export function parseHost(text: string): { family: Family; value: bigint } | null {
    const a = parseAddress(text);
    if (a && a.family === 6 && a.value >> 32n === 0xffffn)
        return { family: 4, value: a.value & 0xffffffffn };
    return a;
}
