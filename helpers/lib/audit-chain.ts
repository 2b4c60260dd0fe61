// The audit log's hash chain. One record per line:
//   {"prev":"<sha256 of the previous record>", ...fields..., "hash":"<sha256 of this record>"}
// where "hash" is the SHA-256 of the line without its hash member, i.e. of the
// JSON text `{"prev":…,…}`. Changing a byte breaks the record's own hash,
// removing or swapping records breaks the next record's "prev". The fixed
// layout lets the verifier slice instead of parsing JSON (1 M records in a few
// seconds).
import { createHash } from "node:crypto";
import { closeSync, openSync, readSync } from "node:fs";
import { StringDecoder } from "node:string_decoder";

export const GENESIS = "0".repeat(64);
const PREFIX = "{\"prev\":\"";
const HASH_TAIL_LENGTH = ",\"hash\":\"".length + 64 + "\"}".length;

export interface AuditFields {
    seq: number;
    time: string;
    /** who called: the uid the bus vouches for, and its name; this is the identity */
    uid: number;
    user: string;
    /** the calling process's /proc/PID/loginuid and its name: only a claim, since a process whose
     * login uid is unset may write any uid there. Absent when unset. */
    loginuid_claimed?: number;
    loginuser_claimed?: string;
    /** records written before the claim was labelled as one held it here (same meaning: a claim) */
    loginuid?: number;
    loginuser?: string;
    method: string;
    object: string;
    /** "sealed" and "pruned" are the log's own records about its segments (helpers/lib/audit-segments.ts);
     * "step" is one step of a longer change, e.g. a key rotation */
    phase: "begin" | "end" | "step" | "denied" | "invalid" | "recovered" | "sealed" | "pruned";
    result: string;
    /** a "denied" record that stands for repeated denials: how many (helpers/debvisord/audit/denial-coalescer.ts) */
    count?: number;
    args?: unknown;
}

export interface AuditRecord extends AuditFields {
    prev: string;
    hash: string;
}

export const NO_LOGINUID = 0xffffffff;

/** What is given to be recorded: who called (uid, user) and the login uid the calling process
 * claimed (NO_LOGINUID: none), which the record keeps labelled as a claim. */
export type AuditInput = Omit<AuditFields, "seq" | "time" | "loginuid" | "loginuser" | "loginuid_claimed" | "loginuser_claimed"> &
    { loginuid: number; loginuser?: string };

/* The login uid and user a record's caller claimed, in records of every age ("" / unset when none). */
export function claimedLogin(r: Pick<AuditFields, "loginuid_claimed" | "loginuser_claimed" | "loginuid" | "loginuser">): { uid: number; user: string } {
    return { uid: r.loginuid_claimed ?? r.loginuid ?? NO_LOGINUID, user: r.loginuser_claimed ?? r.loginuser ?? "" };
}

function sha256(text: string): string {
    return createHash("sha256").update(text).digest("hex");
}

/* Serializes a record chained to `prev`; returns the line (no newline) and its hash. */
export function formatRecord(prev: string, fields: AuditFields): { line: string; hash: string } {
    const body = JSON.stringify({ prev, ...fields });
    const hash = sha256(body);
    return { line: body.slice(0, -1) + ",\"hash\":\"" + hash + "\"}", hash };
}

export function parseRecord(line: string): AuditRecord {
    return JSON.parse(line) as AuditRecord;
}

export interface VerifyResult {
    ok: boolean;
    records: number;
    head: string;
    /** 1-based line number of the first record that does not verify */
    brokenLine?: number;
    reason?: string;
}

/* Streaming verifier: feed lines in order, then read the result. */
export class ChainVerifier {
    private prev = GENESIS;
    private count = 0;
    private failure: { line: number; reason: string } | null = null;

    /* `nextSeq`: when given, each record's "seq" must count on from it (segments check their place in the whole log). */
    constructor(start: string = GENESIS, private nextSeq: number | null = null) {
        this.prev = start;
    }

    /* Returns false once the chain is broken; later lines are not looked at. */
    add(line: string): boolean {
        if (this.failure)
            return false;
        const lineNo = this.count + 1;
        if (!line.startsWith(PREFIX) || line.length < PREFIX.length + 64 + HASH_TAIL_LENGTH ||
            line.slice(-HASH_TAIL_LENGTH, -HASH_TAIL_LENGTH + 9) !== ",\"hash\":\"" || !line.endsWith("\"}")) {
            this.failure = { line: lineNo, reason: "not an audit record" };
            return false;
        }
        const prev = line.slice(PREFIX.length, PREFIX.length + 64);
        if (prev !== this.prev) {
            this.failure = {
                line: lineNo,
                reason: lineNo === 1 ? "the first record does not start the chain"
                    : "does not follow the record before it (a record was removed, inserted or moved)",
            };
            return false;
        }
        const hash = line.slice(-HASH_TAIL_LENGTH + 9, -2);
        const body = line.slice(0, -HASH_TAIL_LENGTH) + "}";
        if (sha256(body) !== hash) {
            this.failure = { line: lineNo, reason: "its content was changed (hash mismatch)" };
            return false;
        }
        if (this.nextSeq !== null) {
            const seq = seqOf(line);
            if (seq !== this.nextSeq) {
                this.failure = { line: lineNo, reason: `it is record ${seq}, where record ${this.nextSeq} belongs` };
                return false;
            }
            this.nextSeq++;
        }
        this.prev = hash;
        this.count++;
        return true;
    }

    result(): VerifyResult {
        if (this.failure)
            return { ok: false, records: this.count, head: this.prev, brokenLine: this.failure.line, reason: this.failure.reason };
        return { ok: true, records: this.count, head: this.prev };
    }
}

/* The "seq" member, which follows "prev" in every record; NaN when it is not there. */
function seqOf(line: string): number {
    const key = "\",\"seq\":";
    const from = PREFIX.length + 64;
    if (line.slice(from, from + key.length) !== key)
        return NaN;
    const at = from + key.length;
    let end = at;
    while (end < line.length && line.charCodeAt(end) >= 48 && line.charCodeAt(end) <= 57) end++;
    return end > at ? Number(line.slice(at, end)) : NaN;
}

/* Verifies a log file in chunks, so memory stays flat however large it is. */
export function verifyFile(file: string, verifier = new ChainVerifier(), onRecord?: (line: string) => void): VerifyResult {
    const fd = openSync(file, "r");
    const chunk = Buffer.allocUnsafe(8 << 20);
    const decoder = new StringDecoder("utf8"); // a character may straddle two chunks
    let rest = "";
    try {
        for (;;) {
            const n = readSync(fd, chunk, 0, chunk.length, null);
            if (n === 0)
                break;
            const text = rest + decoder.write(chunk.subarray(0, n));
            const lines = text.split("\n");
            rest = lines.pop() as string;
            for (const line of lines) {
                if (!verifier.add(line))
                    return verifier.result();
                onRecord?.(line);
            }
        }
    } finally {
        closeSync(fd);
    }
    if (rest !== "") {
        // a line without its newline: the writer stopped mid-record
        verifier.add(rest);
        const result = verifier.result();
        if (result.ok)
            return { ...result, ok: false, brokenLine: result.records, reason: "the last record is not terminated" };
        return result;
    }
    return verifier.result();
}
