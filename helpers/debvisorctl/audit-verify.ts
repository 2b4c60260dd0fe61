// `audit verify`: the hash chain of a log file, checked offline with
// helpers/lib/audit-chain.ts; for the live log also against the chain head
// debvisord reports, which the file alone cannot vouch for: records cut from
// the end leave a shorter chain that still verifies.
//
// The daemon keeps appending while we read. Its head is read first, so the
// file may only be longer than that head (fine, when the head's hash is at its
// line), never shorter. It can look shorter for a moment, or end in a record
// half written, while a write is under way: such a result is checked again
// for a short while before it counts as a failure.
import fs from "node:fs";
import { StringDecoder } from "node:string_decoder";
import path from "node:path";
import type { VerifyResult } from "../lib/audit-chain.js";
import { verifySegmentFile, verifySegments, type SetResult } from "../lib/audit-segments.js";

export const LIVE_LOG = "/var/log/debvisor/audit.jsonl";
const SETTLE_MS = 2_000;
const RETRY_MS = 100;

/** What debvisord says about its log: AuditRecordCount and AuditChainHead. */
export interface DaemonHead {
    count: number;
    head: string;
}

export interface LogCheck extends VerifyResult {
    /** a segment that begins with a seal: the segment whose chain it continues (not checked) */
    startsAfter?: string;
    file: string;
    daemon: null;
}

/* Line `n` (1-based) of the file, an unterminated last line included; null past the end. Reads in chunks. */
export function readLine(file: string, n: number): string | null {
    const fd = fs.openSync(file, "r");
    const chunk = Buffer.allocUnsafe(1 << 20);
    const decoder = new StringDecoder("utf8");
    let line = 1;
    let text = "";
    try {
        for (;;) {
            const length = fs.readSync(fd, chunk, 0, chunk.length, null);
            if (length === 0)
                return line === n && text !== "" ? text : null;
            let start = 0;
            const buffer = chunk.subarray(0, length);
            for (let nl = buffer.indexOf(10); nl >= 0; nl = buffer.indexOf(10, start)) {
                if (line === n)
                    return text + decoder.write(buffer.subarray(start, nl));
                line++;
                start = nl + 1;
            }
            if (line === n)
                text += decoder.write(buffer.subarray(start));
        }
    } finally {
        fs.closeSync(fd);
    }
}

/* The "hash" member that ends a record line. */
function hashOf(line: string | null): string | null {
    const m = line === null ? null : /"hash":"([0-9a-f]{64})"\}$/.exec(line);
    return m ? m[1] : null;
}

/* Verifies one file on its own (a copy, offline): only a series can be held against the daemon's head. */
export function checkLog(file: string): LogCheck {
    return { ...verifySegmentFile(file), file, daemon: null };
}

/* Whether two paths name the same file (symbolic links and relative paths included). */
export function sameFile(a: string, b: string): boolean {
    try {
        const sa = fs.statSync(a);
        const sb = fs.statSync(b);
        return sa.dev === sb.dev && sa.ino === sb.ino;
    } catch {
        return false;
    }
}

export interface SetCheck extends SetResult {
    /** the live segment the series was found by; on failure, the segment that failed */
    file: string;
    daemon: DaemonHead | null;
}

function compareSet(liveFile: string, result: SetResult, daemon: DaemonHead | null): { check: SetCheck; transient: boolean } {
    const failedFile = result.segment ? path.join(path.dirname(liveFile), result.segment) : liveFile;
    const check: SetCheck = { ...result, file: failedFile, daemon };
    if (!daemon)
        return { check, transient: false };
    if (!result.ok)
        return { check, transient: result.segment === path.basename(liveFile) && readLine(liveFile, (result.brokenLine ?? 0) + 1) === null };
    if (result.lastSeq < daemon.count) {
        return {
            check: {
                ...check, ok: false, file: liveFile, segment: path.basename(liveFile),
                brokenLine: (result.segments.at(-1)?.records ?? 0) + 1,
                reason: `missing: the log ends at record ${result.lastSeq}, but debvisord has written ${daemon.count} ` +
                    `(chain head ${daemon.head}): records were cut from the end`,
            },
            transient: true,
        };
    }
    const holder = result.segments.find(s => s.firstSeq <= daemon.count && daemon.count <= s.lastSeq);
    if (holder) {
        const line = daemon.count - holder.firstSeq + 1;
        const holderPath = path.join(path.dirname(liveFile), holder.name);
        if (hashOf(readLine(holderPath, line)) !== daemon.head) {
            return {
                check: {
                    ...check, ok: false, file: holderPath, segment: holder.name, brokenLine: line,
                    reason: `differs from record ${daemon.count} as debvisord wrote it (chain head ${daemon.head}): the log was rewritten`,
                },
                transient: false,
            };
        }
    }
    return { check, transient: false };
}

/* Verifies every segment of the log whose live segment is `liveFile`, compared with `daemon` when given. */
export async function checkSegments(liveFile: string, daemon: DaemonHead | null, settleMs = SETTLE_MS): Promise<SetCheck> {
    const deadline = Date.now() + settleMs;
    for (;;) {
        const { check, transient } = compareSet(liveFile, verifySegments(liveFile), daemon);
        if (check.ok || !transient || Date.now() >= deadline)
            return check;
        await new Promise(resolve => setTimeout(resolve, RETRY_MS));
    }
}
