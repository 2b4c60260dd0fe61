// BIND's own tools, run with argument arrays: nsupdate for changes, dig for
// zone transfers and SOA queries, tsig-keygen for keys, rndc to make a local
// named re-read its configuration. Each has a timeout: a DNS server that does
// not answer gives an error, never a hung call.
import { RECORD_TYPES, type DnsRecord, type RecordType } from "../../lib/dns-grammar.js";
import { runTool } from "../../lib/tool-run.js";
import { nsupdateScript, type TsigSecret, type UpdateMessage } from "./nsupdate-script.js";

const TOOL_TIMEOUT_MS = 20_000;

/** What a DNS server answered, in words a person can act on. */
export class DnsServerError extends Error {
    constructor(message: string, readonly code: string) {
        super(message);
    }
}

/* nsupdate's and dig's failure lines in words. */
export function explainFailure(output: string, key: string, server: string): DnsServerError {
    const code = /update failed: (\S+)/.exec(output)?.[1] ?? /status: (\w+)/.exec(output)?.[1] ?? "";
    if (code.includes("BADSIG"))
        return new DnsServerError(`${server} refused the key ${key}: its secret is not the one the server has (BADSIG)`, code);
    if (code.includes("BADKEY"))
        return new DnsServerError(`${server} does not know the key ${key} (BADKEY): it was retired or never installed there`, code);
    if (code.includes("BADTIME"))
        return new DnsServerError(`${server} refused the signature's time (BADTIME): the clocks differ`, code);
    if (code === "REFUSED")
        return new DnsServerError(`${server} refused the update: the key ${key} may not change these names or types`, code);
    if (code === "NOTAUTH" || code === "NOTZONE")
        return new DnsServerError(`${server} is not authoritative for this zone (${code})`, code);
    if (code)
        return new DnsServerError(`${server} answered ${code}`, code);
    // nsupdate's line for a port nobody listens on: "; Communication with 127.0.0.1#53 failed: operation canceled"
    // (BIND 9.18; "connection refused" from 9.20)
    const unreachable = /timed out|no servers could be reached|connection refused|could not|couldn't|Communication with \S+ failed|unreachable/i;
    if (unreachable.test(output)) {
        const said = output.split("\n").map(l => l.replace(/^;+\s*/, "").trim()).filter(l => unreachable.test(l)).pop() ?? "";
        return new DnsServerError(`${server} did not answer (${said}): is its DNS server running, and reachable from here?`, "UNREACHABLE");
    }
    return new DnsServerError(`the update failed: ${output.trim().slice(0, 500) || "no message"}`, "FAILED");
}

/* Sends one UPDATE message; resolves when the server accepted it. */
export async function sendUpdate(message: UpdateMessage): Promise<void> {
    const r = await runTool("nsupdate", ["-v"], "updating the zone", { input: nsupdateScript(message), timeout: TOOL_TIMEOUT_MS, allowFailure: true });
    if (r.exitCode !== 0 || r.timedOut)
        throw explainFailure(`${r.stderr}\n${r.stdout}${r.timedOut ? "\ntimed out" : ""}`, message.key.name, `${message.server}:${message.port}`);
}

/** A record from a zone transfer. */
export type TransferredRecord = DnsRecord | { name: string; type: string; ttl: number; data: string };

/* The whole zone by AXFR, signed with the transfer key's file (dig -k reads tsig-keygen's format). */
export async function transferZone(zone: string, server: string, port: number, keyFile: string, keyName: string): Promise<TransferredRecord[]> {
    const r = await runTool("dig", [`@${server}`, "-p", String(port), "-k", keyFile, "+tcp", "+noall", "+answer", "+onesoa",
        "+nocmd", "+time=5", "+tries=1", zone, "AXFR"], "transferring the zone", { timeout: TOOL_TIMEOUT_MS, allowFailure: true });
    if (r.exitCode !== 0 || r.timedOut || /Transfer failed|TSIG error|communications error|timed out|connection refused/i.test(r.stdout + r.stderr)) {
        const text = `${r.stdout}\n${r.stderr}`;
        if (/TSIG error|tsig verify failure|Transfer failed/i.test(text))
            throw new DnsServerError(`${server}:${port} refused the zone transfer of ${zone} with the key ${keyName}`, "REFUSED");
        throw explainFailure(text, keyName, `${server}:${port}`);
    }
    return parseDigAnswer(r.stdout);
}

/* dig's answer lines: "name. TTL IN TYPE data". */
export function parseDigAnswer(text: string): TransferredRecord[] {
    const out: TransferredRecord[] = [];
    for (const line of text.split("\n")) {
        if (!line || line.startsWith(";"))
            continue;
        const m = /^(\S+)\s+(\d+)\s+IN\s+(\S+)\s+(.*)$/.exec(line);
        if (!m)
            continue;
        const name = m[1].toLowerCase().replace(/\.$/, "");
        const type = m[3].toUpperCase();
        out.push({ name, type: (RECORD_TYPES as readonly string[]).includes(type) ? type as RecordType : type, ttl: Number(m[2]), data: m[4].trim() });
    }
    return out;
}

/* The zone's serial from its SOA, or null when the server does not answer. */
export async function querySerial(zone: string, server: string, port: number): Promise<number | null> {
    const r = await runTool("dig", [`@${server}`, "-p", String(port), "+short", "+time=2", "+tries=1", zone, "SOA"],
        "asking for the serial", { timeout: 8_000, allowFailure: true });
    const fields = r.stdout.trim().split(/\s+/);
    return r.exitCode === 0 && fields.length >= 7 && /^\d+$/.test(fields[2]) ? Number(fields[2]) : null;
}

/* A new key in BIND's key-file format, by tsig-keygen. */
export async function generateKeyText(tsigName: string, algorithm: string): Promise<string> {
    const r = await runTool("/usr/sbin/tsig-keygen", ["-a", algorithm, tsigName], "making a TSIG key", { timeout: TOOL_TIMEOUT_MS });
    return r.stdout.endsWith("\n") ? r.stdout : `${r.stdout}\n`;
}

/* Reads algorithm and secret back from a key file. */
export function parseKeyText(text: string): TsigSecret {
    const name = /key\s+"([^"]+)"/.exec(text)?.[1];
    const algorithm = /algorithm\s+([a-z0-9-]+)\s*;/.exec(text)?.[1];
    const secret = /secret\s+"([A-Za-z0-9+/=]+)"\s*;/.exec(text)?.[1];
    if (!name || !algorithm || !secret)
        throw new Error("not a TSIG key file");
    return { name, algorithm, secret };
}

/* Makes the local named re-read its configuration (new zones and keys). */
export async function reloadNamed(): Promise<void> {
    const r = await runTool("/usr/sbin/rndc", ["reconfig"], "reconfiguring named", { timeout: TOOL_TIMEOUT_MS, allowFailure: true });
    if (r.exitCode !== 0)
        throw new Error(`rndc reconfig failed: ${(r.stderr || r.stdout).trim() || `exit ${r.exitCode}`}`);
}
