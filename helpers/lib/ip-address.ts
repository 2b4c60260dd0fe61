// The one IP address parser of the daemon, the CLI, first boot, the installer
// and the pages (bundled for each), on ipaddr.js. It is held to the written
// forms DebVisor accepts everywhere: IPv4 in four decimal parts without
// leading zeros ("010" is octal to some tools and decimal to others), IPv6 in
// groups of at most four hex digits, "::"-compressed or with an IPv4 tail of
// the same strict kind, and no zone index ("%eth0"). ipaddr.js alone would
// take "10.1", "0x0a.0.0.1", "010.0.0.1", "::00001" and "fe80::1%eth0".
import ipaddr from "ipaddr.js";

export type Family = 4 | 6;

const V4_TEXT = /^(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})$/;
const V6_TEXT = /^[0-9A-Fa-f:.]{2,45}$/;
const V6_LONG_GROUP = /[0-9A-Fa-f]{5}/;

export function isIPv4(text: string): boolean {
    return V4_TEXT.test(text) && ipaddr.IPv4.isValid(text);
}

/* IPv6 text with its IPv4 tail, if any, as two hex groups (ipaddr.js would read "::a.b.c.d" as ::ffff:a.b.c.d);
 * null when it breaks the rules above. */
function hexIPv6(text: string): string | null {
    if (!V6_TEXT.test(text) || !text.includes(":") || V6_LONG_GROUP.test(text))
        return null;
    const cut = text.lastIndexOf(":") + 1;
    const tail = text.slice(cut);
    if (!tail.includes("."))
        return text;
    if (!isIPv4(tail))
        return null;
    const [a, b, c, d] = tail.split(".").map(Number);
    return `${text.slice(0, cut)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
}

export function isIPv6(text: string): boolean {
    const hex = hexIPv6(text);
    return hex !== null && ipaddr.IPv6.isValid(hex);
}

export function isIP(text: string): boolean {
    return isIPv4(text) || isIPv6(text);
}

/* An address (no prefix) as its family and its bytes, or null when it is not one by the rules above. */
export function parseIP(text: string): { family: Family; bytes: number[] } | null {
    if (isIPv4(text))
        return { family: 4, bytes: ipaddr.IPv4.parse(text).toByteArray() };
    const hex = hexIPv6(text);
    if (hex !== null && ipaddr.IPv6.isValid(hex))
        return { family: 6, bytes: ipaddr.IPv6.parse(hex).toByteArray() };
    return null;
}

/* An address from its bytes (4 or 16), as text: IPv6 by RFC 5952, lower case, the longest run of zero groups as "::". */
export function formatIP(bytes: number[]): string {
    const address = ipaddr.fromByteArray(bytes);
    return address.kind() === "ipv4" ? address.toString() : (address as ipaddr.IPv6).toRFC5952String();
}

/* The eight groups of a valid IPv6 address written out in full, lower case: 2001:0db8:0000:…:0001. */
export function expandIPv6(address: string): string {
    return (ipaddr.IPv6.parse(hexIPv6(address) ?? address) as ipaddr.IPv6 & { toFixedLengthString(): string }).toFixedLengthString();
}
