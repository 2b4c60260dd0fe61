// Writes the script nsupdate reads on stdin. Every name and value in it has
// passed dns-grammar.ts; the key's secret goes through the pipe, never onto a
// command line where `ps` would show it.
import type { DnsRecord } from "../../lib/dns-grammar.js";

export interface TsigSecret {
    /** the TSIG key name BIND knows, e.g. "lab-update.g2" */
    name: string;
    algorithm: string;
    secret: string;
}

/** One DNS UPDATE message: a zone on its server, signed with one key. */
export interface UpdateMessage {
    zone: string;
    server: string;
    port: number;
    key: TsigSecret;
    /** "update …" / "prereq …" lines */
    lines: string[];
}

const SECRET = /^[A-Za-z0-9+/]+={0,2}$/;

/* Replaces each (name, type) set by the batch's records of that name and type; `append` only adds. */
export function upsertLines(records: DnsRecord[], append = false): string[] {
    const replaced = new Set<string>();
    const lines: string[] = [];
    for (const r of append ? [] : records) {
        const set = `${r.name}. ${r.type}`;
        if (!replaced.has(set)) {
            replaced.add(set);
            lines.push(`update delete ${set}`);
        }
    }
    for (const r of records)
        lines.push(`update add ${r.name}. ${r.ttl} ${r.type} ${r.data}`);
    return lines;
}

/* Deletes one record when data is given, the whole set of a type when not, every set of a name for type ANY. */
export function deleteLines(records: DnsRecord[]): string[] {
    return records.map(r => {
        if (r.type === ("ANY" as string))
            return `update delete ${r.name}.`;
        return r.data ? `update delete ${r.name}. ${r.type} ${r.data}` : `update delete ${r.name}. ${r.type}`;
    });
}

/* A signed message that changes nothing: BIND still checks its signature, so it proves a key works. */
export function probeLines(zone: string): string[] {
    return [`prereq yxdomain ${zone}.`];
}

export function nsupdateScript(message: UpdateMessage): string {
    if (!SECRET.test(message.key.secret))
        throw new Error(`the key ${message.key.name} has a malformed secret`);
    if (!/^[a-z0-9-]+$/.test(message.key.algorithm) || !/^[a-z0-9.-]+$/.test(message.key.name))
        throw new Error(`the key ${message.key.name} has a malformed name or algorithm`);
    return [
        `server ${message.server} ${message.port}`,
        `zone ${message.zone}.`,
        `key ${message.key.algorithm}:${message.key.name} ${message.key.secret}`,
        ...message.lines,
        "send",
        "",
    ].join("\n");
}

/* The wire size of a message, a little over: a DNS message over TCP holds at most 65,535 bytes. Owner
 * names in the zone compress to their first label and a pointer; each record adds type, class, TTL and
 * length (10 bytes) and its data, which is never longer on the wire than in text. */
export function estimatedSize(lines: string[]): number {
    return lines.reduce((sum, line) => {
        const [, , name = "", ...rest] = line.split(" ");
        const data = rest.slice(2).join(" ");
        return sum + name.split(".")[0].length + 3 + 10 + data.length;
    }, 512);
}
