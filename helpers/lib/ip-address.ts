// IP address syntax without node:net, so the pages check what they send with
// the very rules debvisord applies.

export function isIPv4(text: string): boolean {
    const parts = text.split(".");
    return parts.length === 4 && parts.every(p => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255);
}

/* Full, "::"-compressed and IPv4-suffixed forms; no zone index ("%eth0"). */
export function isIPv6(text: string): boolean {
    if (!/^[0-9a-fA-F:.]+$/.test(text) || text.split("::").length > 2)
        return false;
    let groups = text.split(":");
    const last = groups[groups.length - 1];
    let needed = 8;
    if (last.includes(".")) {
        if (!isIPv4(last))
            return false;
        groups = groups.slice(0, -1);
        needed = 6;
    }
    const compressed = text.includes("::");
    const filled = groups.filter((g, i) => !(g === "" && (compressed || i === 0 || i === groups.length - 1)));
    if (!filled.every(g => /^[0-9a-fA-F]{1,4}$/.test(g)))
        return false;
    if (!compressed && groups.some(g => g === ""))
        return false;
    return compressed ? filled.length < needed : filled.length === needed;
}

export function isIP(text: string): boolean {
    return isIPv4(text) || isIPv6(text);
}
