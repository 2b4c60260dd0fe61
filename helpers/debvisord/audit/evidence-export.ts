// Writes an evidence bundle (helpers/lib/evidence.ts) for a time range: the
// records are copied byte for byte from the segments, hashed on the way, into
// a tar file that is renamed into place only once complete and fsynced.
import { createHash, sign } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import type { SetResult } from "../../lib/audit-segments.js";
import { BUNDLE_FORMAT, MANIFEST, sha256Hex, SIGNATURE, type Manifest } from "../../lib/evidence.js";
import { cancelled } from "../../lib/errors.js";
import { TAR_END, tarHeader, tarPadding } from "../../lib/tar.js";
import type { AuditIndex } from "./audit-index.js";
import type { SigningKey } from "./signing-key.js";

const COPY_CHUNK = 4 << 20;

interface ExportRequest {
    since: number;
    until: number;
    target: string;
    /** the whole log's verification, made for this export */
    verification: SetResult;
    head: { seq: number; hash: string };
    key: SigningKey;
    signal: AbortSignal;
    onProgress(fraction: number): void;
}

interface ExportResult {
    records: number;
    firstSeq: number;
    lastSeq: number;
}

export async function writeEvidenceBundle(index: AuditIndex, request: ExportRequest): Promise<ExportResult> {
    const range = await index.seqRange(request.since, request.until);
    const ranges = range ? index.openRanges(range.first, range.last) : [];
    const partial = `${request.target}.partial`;
    const out = fs.openSync(partial, "wx", 0o600);
    const mtime = Math.floor(Date.now() / 1000);
    let firstPrev = "0".repeat(64), lastHash = "0".repeat(64);
    try {
        const total = ranges.reduce((n, r) => n + r.end - r.start, 0);
        fs.writeSync(out, tarHeader("records.jsonl", total, mtime));
        const hash = createHash("sha256");
        const chunk = Buffer.allocUnsafe(COPY_CHUNK);
        let copied = 0;
        for (const r of ranges) {
            for (let at = r.start; at < r.end;) {
                if (request.signal.aborted)
                    throw cancelled("The export was cancelled");
                const n = fs.readSync(r.fd, chunk, 0, Math.min(chunk.length, r.end - at), at);
                if (n === 0)
                    throw new Error(`${r.name} ended before byte ${r.end}`);
                fs.writeSync(out, chunk, 0, n);
                hash.update(chunk.subarray(0, n));
                at += n;
                copied += n;
                request.onProgress(total > 0 ? 0.95 * copied / total : 0.95);
                await new Promise(resolve => setImmediate(resolve));
            }
        }
        fs.writeSync(out, tarPadding(total));
        if (range) {
            firstPrev = (await index.record(range.first))!.prev;
            lastHash = (await index.record(range.last))!.hash;
        }
        const small: Record<string, Buffer> = {
            "verification.json": Buffer.from(JSON.stringify(request.verification, null, 2) + "\n"),
            "chain-head.json": Buffer.from(JSON.stringify({ seq: request.head.seq, hash: request.head.hash }, null, 2) + "\n"),
            "signing-key.pem": Buffer.from(request.key.publicPem),
        };
        const manifest: Manifest = {
            format: BUNDLE_FORMAT,
            host: os.hostname(),
            created: new Date().toISOString(),
            since: new Date(request.since).toISOString(),
            until: new Date(request.until).toISOString(),
            records: {
                count: range ? range.last - range.first + 1 : 0, firstSeq: range?.first ?? 0, lastSeq: range?.last ?? 0, firstPrev, lastHash,
            },
            files: { "records.jsonl": { sha256: hash.digest("hex"), bytes: total } },
            signingKeyFingerprint: request.key.fingerprint,
        };
        for (const [name, data] of Object.entries(small))
            manifest.files[name] = { sha256: sha256Hex(data), bytes: data.length };
        const manifestData = Buffer.from(JSON.stringify(manifest, null, 2) + "\n");
        const signature = Buffer.from(sign(null, manifestData, request.key.privateKey).toString("base64") + "\n");
        for (const [name, data] of [...Object.entries(small), [MANIFEST, manifestData], [SIGNATURE, signature]] as Array<[string, Buffer]>) {
            fs.writeSync(out, tarHeader(name, data.length, mtime));
            fs.writeSync(out, data);
            fs.writeSync(out, tarPadding(data.length));
        }
        fs.writeSync(out, TAR_END);
        fs.fsyncSync(out);
        fs.renameSync(partial, request.target);
        request.onProgress(1);
        return { records: manifest.records.count, firstSeq: manifest.records.firstSeq, lastSeq: manifest.records.lastSeq };
    } catch (e) {
        fs.rmSync(partial, { force: true });
        throw e;
    } finally {
        fs.closeSync(out);
        for (const r of ranges) fs.closeSync(r.fd);
    }
}

/* A bundle name that says what is in it: HOST-audit-SINCE-UNTIL.tar (UTC, to the second). */
export function bundleName(since: number, until: number): string {
    const stamp = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
    const host = os.hostname().replace(/[^A-Za-z0-9.-]/g, "_");
    return `${host}-audit-${stamp(since)}-${stamp(until)}.tar`;
}
