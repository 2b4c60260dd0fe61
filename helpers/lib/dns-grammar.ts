// DNS grammar for everything that goes into an nsupdate script or a BIND
// config fragment, shared by debvisord and the DNS page (as-you-type checks). nsupdate reads commands line by line and BIND's config
// has its own quoting, so names and values are checked, never escaped: a
// newline, a ";" or a space in a name is refused before it can become a
// second command.
import { expandIPv6, isIPv4, isIPv6 } from "./ip-address.js";

export const RECORD_TYPES = ["A", "AAAA", "PTR", "CNAME", "TXT", "SRV", "MX"] as const;
export type RecordType = typeof RECORD_TYPES[number];

export interface DnsRecord {
    /** absolute owner name, lower case, without the trailing dot */
    name: string;
    type: RecordType;
    ttl: number;
    /** presentation form as nsupdate and dig write it */
    data: string;
}

const MAX_TTL = 604_800; // a week: longer only delays corrections
const LABEL = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/;
const HOST_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/* A whole valid name in one test: the common case of a batch of thousands costs microseconds. */
const VALID_NAME = /^(?=.{1,253}$)(?:(?!-)[a-z0-9_-]{1,63}(?<!-)\.)*(?!-)[a-z0-9_-]{1,63}(?<!-)$/;

/* Why `name` is not a domain name (labels of letters, digits, "-" and "_"), or null. */
export function domainNameProblem(name: string, what = "name"): string | null {
    if (VALID_NAME.test(name))
        return null;
    if (name.length === 0)
        return `${what} must not be empty`;
    if (name.length > 253)
        return `${what} must be at most 253 characters`;
    if (/[\u0000-\u0020\u007f]/.test(name))
        return `${what} must not contain spaces or control characters such as newlines`;
    if (name.includes(".."))
        return `${what} must not contain an empty label ("..")`;
    if (name.startsWith("."))
        return `${what} must not start with "."`;
    for (const label of name.split(".")) {
        if (label.length > 63)
            return `${what}: the label "${label.slice(0, 20)}…" is longer than 63 characters`;
        if (!LABEL.test(label))
            return `${what}: the label "${label}" may contain only letters, digits, "-" and "_", and must not start or end with "-"`;
    }
    return null;
}

/* A zone or host name as the user writes it: lower case, no trailing dot. */
export function normalizeName(name: string): string {
    const lower = name.toLowerCase();
    return lower.endsWith(".") && lower.length > 1 ? lower.slice(0, -1) : lower;
}

/* A target name: one without a dot is a name in the zone ("www"), one with a dot is absolute. */
function hostName(value: string, what: string, zone: string): string {
    const name = normalizeName(value.includes(".") ? value : `${value}.${zone}`);
    const problem = domainNameProblem(name, what);
    if (problem)
        throw new Error(problem);
    if (!name.split(".").every(l => HOST_LABEL.test(l)))
        throw new Error(`${what} must be a host name (letters, digits and "-")`);
    return name;
}

function uint16(value: string, what: string): number {
    if (!/^\d{1,5}$/.test(value) || Number(value) > 65535)
        throw new Error(`${what} must be a number from 0 to 65535`);
    return Number(value);
}

/* Checks a record's data for its type and returns its presentation form. */
function recordData(type: RecordType, data: string, zone: string): string {
    if (/[\u0000-\u001f\u007f]/.test(data))
        throw new Error("must not contain control characters such as newlines");
    switch (type) {
    case "A":
        if (!isIPv4(data))
            throw new Error(`"${data}" is not an IPv4 address`);
        return data;
    case "AAAA":
        if (!isIPv6(data))
            throw new Error(`"${data}" is not an IPv6 address`);
        return data.toLowerCase();
    case "PTR":
    case "CNAME":
        return `${hostName(data, "the target", zone)}.`;
    case "MX": {
        const parts = data.split(" ");
        if (parts.length !== 2)
            throw new Error("must be \"PREFERENCE EXCHANGE\", e.g. \"10 mail.example.org\"");
        return `${uint16(parts[0], "the preference")} ${hostName(parts[1], "the exchange", zone)}.`;
    }
    case "SRV": {
        const parts = data.split(" ");
        if (parts.length !== 4)
            throw new Error("must be \"PRIORITY WEIGHT PORT TARGET\", e.g. \"10 5 5060 sip.example.org\"");
        const target = parts[3] === "." ? "." : `${hostName(parts[3], "the target", zone)}.`;
        return `${uint16(parts[0], "the priority")} ${uint16(parts[1], "the weight")} ${uint16(parts[2], "the port")} ${target}`;
    }
    case "TXT":
        return txtData(data);
    }
}

/* TXT text: printable ASCII, quoted in strings of at most 255 characters. */
function txtData(text: string): string {
    if (text.length > 1024)
        throw new Error("TXT text must be at most 1024 characters");
    if (!/^[\u0020-\u007e]*$/.test(text))
        throw new Error("TXT text must be printable ASCII");
    const chunks: string[] = [];
    for (let i = 0; i < text.length || chunks.length === 0; i += 255)
        chunks.push(text.slice(i, i + 255));
    return chunks.map(c => `"${c.replace(/[\\"]/g, m => `\\${m}`)}"`).join(" ");
}

/* Reads TXT presentation data back to its text ("a" "b" → ab). */
export function txtText(data: string): string {
    const out: string[] = [];
    const re = /"((?:[^"\\]|\\.)*)"/g;
    for (let m = re.exec(data); m; m = re.exec(data))
        out.push(m[1].replace(/\\(\d{3}|.)/g, (_all, e: string) => e.length === 3 ? String.fromCharCode(Number(e)) : e));
    return out.join("");
}

/* The owner name of a record in `zone`: "www" or "www.zone" or "@" → "www.zone". */
function ownerName(name: string, zone: string): string {
    // a trailing dot makes a name absolute, as in a zone file
    const n = normalizeName(name);
    if (n === "@" || n === zone)
        return zone;
    const absolute = name.endsWith(".") || n.endsWith(`.${zone}`) ? n : `${n}.${zone}`;
    const problem = domainNameProblem(absolute);
    if (problem)
        throw new Error(problem);
    return absolute;
}

/* Whether `name` is `zone` or below it. */
export function inZone(name: string, zone: string): boolean {
    return name === zone || name.endsWith(`.${zone}`);
}

/* The reverse-lookup name of an address: 10.0.0.5 → 5.0.0.10.in-addr.arpa. */
export function reverseName(address: string): string {
    if (isIPv4(address))
        return `${address.split(".").reverse().join(".")}.in-addr.arpa`;
    return `${expandIPv6(address).replace(/:/g, "").split("").reverse().join(".")}.ip6.arpa`;
}

function ttlProblemOf(ttl: number): string | null {
    if (!Number.isInteger(ttl) || ttl < 0)
        return "must be a whole number of seconds";
    return ttl > MAX_TTL ? `must be at most ${MAX_TTL} seconds (a week)` : null;
}

/** A record as it crosses the bus: (name, type, ttl, data). */
export type RecordTuple = [string, string, number, string];

/* Checks one record of a batch for `zone`; the error names the record. */
export function parseRecord([name, type, recordTtl, data]: RecordTuple, zone: string, index: number, dataRequired = true): DnsRecord {
    const where = `records[${index}]`;
    const upper = type.toUpperCase();
    if (!(RECORD_TYPES as readonly string[]).includes(upper) && !(upper === "ANY" && !dataRequired))
        throw new Error(`${where}: the type "${type.slice(0, 20)}" is not one of ${RECORD_TYPES.join(", ")}`);
    let owner;
    try {
        owner = ownerName(name, zone);
    } catch (e) {
        throw new Error(`${where}: ${(e as Error).message}`);
    }
    if (!inZone(owner, zone))
        throw new Error(`${where}: ${owner} is not in the zone ${zone}`);
    const ttlProblem = ttlProblemOf(recordTtl);
    if (ttlProblem)
        throw new Error(`${where}: the TTL ${ttlProblem}`);
    if (data === "" && !dataRequired)
        return { name: owner, type: upper as RecordType, ttl: recordTtl, data: "" };
    try {
        return { name: owner, type: upper as RecordType, ttl: recordTtl, data: recordData(upper as RecordType, data, zone) };
    } catch (e) {
        throw new Error(`${where} (${owner} ${upper}): ${(e as Error).message}`);
    }
}
