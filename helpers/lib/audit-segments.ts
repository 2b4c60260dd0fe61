// The audit log as a series of segments in one directory:
//   audit-000000000001.jsonl   sealed segments, named by their first record's seq
//   audit-000000005001.jsonl
//   audit.jsonl                the live segment, the only one written to
// When the live segment is rotated (by size or age) it is renamed to its
// sealed name, and the new live segment begins with a seal record: it names
// the sealed segment, its first and last seq and its last hash. The chain runs
// on unbroken across segments (the seal record's "prev" is that last hash), so
// the segments verify as one chain, and the seal names what must precede it:
// a removed segment is found and named. Retention deletes only the oldest
// sealed segments and says so in the chain with a prune record; a verifier
// accepts a missing beginning only when a prune record accounts for it.
import fs from "node:fs";
import path from "node:path";
import { ChainVerifier, GENESIS, verifyFile, type AuditInput, type VerifyResult } from "./audit-chain.js";

export const SEAL_METHOD = "AuditLog.Seal";
export const PRUNE_METHOD = "AuditLog.Prune";
const SEQ_DIGITS = 12;

/** What a seal or prune record says about a segment (its "args"). */
export interface SegmentSeal {
    segment: string;
    firstSeq: number;
    lastSeq: number;
    lastHash: string;
    bytes: number;
}

interface SegmentFile {
    name: string;
    path: string;
    /** from the name for sealed segments; for the live one, null until its first line is read */
    firstSeq: number | null;
    live: boolean;
}

/* "audit.jsonl" → "audit"; sealed names are "audit-<seq>.jsonl". */
function stem(liveFile: string): string {
    return path.basename(liveFile).replace(/\.jsonl$/, "");
}

export function sealedName(liveFile: string, firstSeq: number): string {
    return `${stem(liveFile)}-${String(firstSeq).padStart(SEQ_DIGITS, "0")}.jsonl`;
}

/* The sealed segments next to `liveFile`, oldest first, then the live one when it exists. */
export function listSegments(liveFile: string): SegmentFile[] {
    const dir = path.dirname(liveFile);
    const pattern = new RegExp(`^${stem(liveFile).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}-(\\d{${SEQ_DIGITS}})\\.jsonl$`);
    let names: string[] = [];
    try {
        names = fs.readdirSync(dir);
    } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "ENOENT")
            throw e;
    }
    const sealed = names.flatMap(name => {
        const m = pattern.exec(name);
        return m ? [{ name, path: path.join(dir, name), firstSeq: Number(m[1]), live: false }] : [];
    }).sort((a, b) => a.firstSeq - b.firstSeq);
    const live = fs.existsSync(liveFile) ? [{ name: path.basename(liveFile), path: liveFile, firstSeq: null, live: true }] : [];
    return [...sealed, ...live];
}

/* The first line of a file (up to 64 KiB), or null when it is empty. */
export function firstLine(file: string): string | null {
    const fd = fs.openSync(file, "r");
    try {
        const buffer = Buffer.alloc(64 * 1024);
        const n = fs.readSync(fd, buffer, 0, buffer.length, 0);
        if (n === 0)
            return null;
        const nl = buffer.subarray(0, n).indexOf(10);
        return buffer.subarray(0, nl >= 0 ? nl : n).toString("utf8");
    } finally {
        fs.closeSync(fd);
    }
}

/* The seal or prune details of a record line, when it is one. */
function segmentNote(line: string, method: string): (SegmentSeal & { prev: string; seq: number }) | null {
    if (!line.includes(`"method":${JSON.stringify(method)}`))
        return null;
    try {
        const record = JSON.parse(line) as { prev: string; seq: number; method: string; args?: SegmentSeal };
        const a = record.args;
        if (record.method !== method || !a || typeof a.segment !== "string" || typeof a.lastHash !== "string" ||
            !Number.isInteger(a.firstSeq) || !Number.isInteger(a.lastSeq))
            return null;
        return { ...a, prev: record.prev, seq: record.seq };
    } catch {
        return null;
    }
}

/* The fields of the record that opens a new live segment. */
export function sealFields(seal: SegmentSeal): AuditInput {
    return {
        uid: 0, loginuid: 0xffffffff, user: "debvisord", method: SEAL_METHOD, object: seal.segment, phase: "sealed",
        result: `sealed ${seal.segment}: records ${seal.firstSeq} to ${seal.lastSeq}, last hash ${seal.lastHash}`,
        args: seal,
    };
}

/* The fields of the record that says retention deleted a segment. */
export function pruneFields(seal: SegmentSeal, why: string): AuditInput {
    return {
        uid: 0, loginuid: 0xffffffff, user: "debvisord", method: PRUNE_METHOD, object: seal.segment, phase: "pruned",
        result: `deleted ${seal.segment} (records ${seal.firstSeq} to ${seal.lastSeq}): ${why}`,
        args: seal,
    };
}

interface SegmentSummary {
    name: string;
    firstSeq: number;
    lastSeq: number;
    records: number;
    bytes: number;
    /** the next segment begins with this one's seal */
    sealed: boolean;
}

export interface SetResult {
    ok: boolean;
    /** records verified, in all segments */
    records: number;
    /** the first record there is (after pruned segments), and the last verified */
    firstSeq: number;
    lastSeq: number;
    head: string;
    segments: SegmentSummary[];
    /** segments deleted by retention, as the chain records them */
    pruned: SegmentSeal[];
    /** where verification stopped: the segment file and the 1-based line in it */
    segment?: string;
    brokenLine?: number;
    reason?: string;
}

/* Verifies every segment of the log whose live segment is `liveFile`, in order, as one chain. */
export function verifySegments(liveFile: string): SetResult {
    const files = listSegments(liveFile);
    const segments: SegmentSummary[] = [];
    const pruned: SegmentSeal[] = [];
    let prev = GENESIS;
    let nextSeq = 1;
    let firstSeq = 1;
    let records = 0;
    let missingBefore: SegmentSeal | null = null;
    const fail = (segment: string, line: number, reason: string): SetResult =>
        ({ ok: false, records, firstSeq, lastSeq: nextSeq - 1, head: prev, segments, pruned, segment, brokenLine: line, reason });

    for (const [i, file] of files.entries()) {
        const first = firstLine(file.path);
        if (first === null) {
            if (file.live)
                break; // a live segment before its first record
            return fail(file.name, 1, "the sealed segment is empty");
        }
        const seal = segmentNote(first, SEAL_METHOD);
        if (i === 0) {
            if (seal) {
                // the log's beginning was deleted: fine only when a prune record says so (checked at the end)
                prev = seal.prev;
                nextSeq = seal.seq;
                firstSeq = seal.seq;
                missingBefore = seal;
            } else if (file.firstSeq !== null && file.firstSeq !== 1) {
                return fail(file.name, 1, `the log begins at record ${file.firstSeq} and nothing says what came before it`);
            }
        } else {
            const before = segments[segments.length - 1];
            if (!seal) {
                return fail(file.name, 1, `it does not begin with the seal of ${before.name}: ` +
                    "a segment between them is missing or this one was replaced");
            }
            if (seal.segment !== before.name) {
                return fail(file.name, 1, `the segment before it, ${seal.segment} (records ${seal.firstSeq} to ${seal.lastSeq}), is missing`);
            }
            if (seal.lastSeq !== before.lastSeq || seal.lastHash !== prev) {
                return fail(before.name, before.records + 1,
                    `the segment ends at record ${before.lastSeq}, but its seal in ${file.name} says it ends at record ` +
                    `${seal.lastSeq} with hash ${seal.lastHash}: records were cut from its end or rewritten`);
            }
            before.sealed = true;
        }
        if (file.firstSeq !== null && file.firstSeq !== nextSeq)
            return fail(file.name, 1, `its name says it begins at record ${file.firstSeq}, but record ${nextSeq} comes next`);

        const segmentFirst = nextSeq;
        const result = verifyFile(file.path, new ChainVerifier(prev, nextSeq), line => {
            const note = segmentNote(line, PRUNE_METHOD);
            if (note)
                pruned.push({ segment: note.segment, firstSeq: note.firstSeq, lastSeq: note.lastSeq, lastHash: note.lastHash, bytes: note.bytes });
        });
        records += result.records;
        nextSeq += result.records;
        prev = result.head;
        if (!result.ok)
            return fail(file.name, result.brokenLine ?? 1, result.reason ?? "does not verify");
        segments.push({
            name: file.name, firstSeq: segmentFirst, lastSeq: nextSeq - 1, records: result.records,
            bytes: fs.statSync(file.path).size, sealed: false,
        });
    }
    if (missingBefore) {
        const gone = missingBefore;
        if (!pruned.some(p => p.segment === gone.segment && p.lastSeq === gone.lastSeq && p.lastHash === gone.lastHash)) {
            return {
                ...fail(files[0].name, 1, `the segment before it, ${gone.segment} (records ${gone.firstSeq} to ${gone.lastSeq}), ` +
                    "is missing, and no retention record says it was deleted"),
                records, lastSeq: nextSeq - 1,
            };
        }
    }
    return { ok: true, records, firstSeq, lastSeq: nextSeq - 1, head: prev, segments, pruned };
}

/* One file on its own: a log from its first record, or a segment that begins
 * with a seal, whose chain then starts at the hash the seal names (the
 * segments before it are not checked: verifySegments does that). */
export function verifySegmentFile(file: string): VerifyResult & { startsAfter?: string } {
    const first = firstLine(file);
    const seal = first === null ? null : segmentNote(first, SEAL_METHOD);
    if (!seal)
        return verifyFile(file);
    return { ...verifyFile(file, new ChainVerifier(seal.prev, seal.seq)), startsAfter: seal.segment };
}
