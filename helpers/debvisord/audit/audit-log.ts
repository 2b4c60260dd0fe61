// The append-only audit log: one hash-chained JSON record per line
// (see helpers/lib/audit-chain.ts), mode 0600, fsynced before the caller gets
// its answer. Records are chained in call order at once and written in
// batches: every record that arrives while a write is in flight shares the
// next write + fdatasync (group commit), so concurrent calls do not queue
// behind one another's fsync.
//
// The file is the live segment of a series (helpers/lib/audit-segments.ts):
// once it is larger or older than the rotation limits, the next append first
// queues a rotation and a seal record; the writer renames the file to its
// sealed name between two writes and starts the new live file with the seal.
//
// A write that fails (a full disk, an I/O error) does not stop the log for
// good: the file is cut back to the last record that was acknowledged, every
// append is refused with the reason meanwhile, and the log tries again with a
// growing pause; the first record written after that says how long the log
// could not be written and how many records were refused.
import fs from "node:fs";
import path from "node:path";
import { formatRecord, GENESIS, NO_LOGINUID, parseRecord, type AuditFields, type AuditInput, type AuditRecord } from "../../lib/audit-chain.js";
import { firstLine, listSegments, sealedName, sealFields, type SegmentSeal } from "../../lib/audit-segments.js";
import { failed } from "../../lib/errors.js";

export type AuditEntry = AuditInput;

interface Pending { line: string; seq: number; hash: string; time: string; entry: AuditEntry; resolve: () => void; reject: (e: Error) => void }
interface Rotate { rotate: SegmentSeal }

/** A record as written: where it is, for the query index and for forwarding. */
export interface CommittedRecord {
    seq: number;
    hash: string;
    time: string;
    entry: AuditEntry;
    /** the line as written, without its newline */
    line: string;
    /** the byte offset of the line in the live segment (0: the first record of a new segment) */
    offset: number;
    length: number;
}

interface RotationLimits {
    /** rotate once the live segment holds this many bytes */
    maxBytes: number;
    /** rotate once the live segment's first record is this old */
    maxAgeMs: number;
}

const DEFAULT_ROTATION: RotationLimits = { maxBytes: 64 << 20, maxAgeMs: 24 * 3600_000 };

/** Pauses between attempts to write again after a failed write: doubling from the first to the last. */
interface RetryPauses { firstMs: number; maxMs: number }
const DEFAULT_RETRY: RetryPauses = { firstMs: 1000, maxMs: 15_000 };

/** Why the log cannot be written, since when, and what was refused meanwhile. */
interface WriteProblem { error: Error; since: number; refused: number; attempts: number }

const REASONS: Record<string, string> = {
    ENOSPC: "no space left on its file system",
    EDQUOT: "the disk quota is exhausted",
    EIO: "an input/output error",
    EROFS: "its file system is read-only",
    EFBIG: "the file is too large for its file system",
};

function reasonOf(e: Error): string {
    const code = (e as NodeJS.ErrnoException).code;
    return code && REASONS[code] ? `${code}: ${REASONS[code]}` : e.message;
}

export class AuditLog {
    // head and seq chain the next record; committed* describe what is on disk
    private head = GENESIS;
    private seq = 0;
    private committedHead = GENESIS;
    private committedSeq = 0;
    private queue: Array<Pending | Rotate> = [];
    private writing = false;
    private broken: WriteProblem | null = null;
    // the problem an attempt to write again is about, until its record is on disk
    private retrying: WriteProblem | null = null;
    private retryTimer: NodeJS.Timeout | null = null;
    private retry: RetryPauses = DEFAULT_RETRY;
    private problemListeners: Array<(problem: string) => void> = [];
    private listeners: Array<(head: string, count: number) => void> = [];
    private recordListeners: Array<(records: CommittedRecord[]) => void> = [];
    private sealListeners: Array<(seal: SegmentSeal, sealedPath: string) => void> = [];
    // the live segment: its first record, bytes chained into it, bytes on disk
    private liveFirstSeq = 1;
    private liveFirstTime = 0;
    private liveBytes = 0;
    private committedBytes = 0;
    private limits: RotationLimits = DEFAULT_ROTATION;

    private constructor(readonly file: string, private fd: number) {}

    static open(file: string, limits: RotationLimits = DEFAULT_ROTATION, retry: RetryPauses = DEFAULT_RETRY): AuditLog {
        fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
        const log = new AuditLog(file, AuditLog.openLive(file));
        log.limits = limits;
        log.retry = retry;
        const tornBytes = log.loadLive();
        if (tornBytes > 0) {
            // The daemon stopped in the middle of a write: that record was never
            // acknowledged to its caller. Say so in the chain itself.
            void log.append(log.recoveredEntry(`removed ${tornBytes} bytes of an unterminated record at the end of the log`)).catch(() => undefined);
        }
        return log;
    }

    private recoveredEntry(result: string): AuditEntry {
        return { uid: 0, loginuid: 0xffffffff, user: "debvisord", method: "AuditLog.Recover", object: this.file, phase: "recovered", result };
    }

    /* Work the daemon did on its own (a schedule, an automatic registration, a
     * definition it moved), with nobody calling: recorded as debvisord, root. */
    appendAsDaemon(method: string, object: string, result: string, args?: unknown): Promise<{ seq: number; hash: string }> {
        return this.append({ uid: 0, loginuid: 0xffffffff, user: "debvisord", method, object, phase: "end", result, args });
    }

    /* Takes up the chain from the live file as it is on disk (at start, and after a failed write). */
    private loadLive(): number {
        const tornBytes = this.recoverTail();
        this.liveBytes = this.committedBytes = fs.fstatSync(this.fd).size;
        const first = firstLine(this.file);
        if (first !== null) {
            const record = parseRecord(first);
            this.liveFirstSeq = record.seq;
            this.liveFirstTime = Date.parse(record.time);
        } else {
            this.liveFirstSeq = this.seq + 1;
            this.liveFirstTime = 0;
            this.continueAfterSealed();
        }
        return tornBytes;
    }

    private static openLive(file: string): number {
        const fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_APPEND, 0o600);
        fs.fchmodSync(fd, 0o600);
        return fd;
    }

    /* An empty live segment after sealed ones: the daemon stopped after a
     * rotation renamed the file and before the seal record was written. The
     * chain continues from the newest sealed segment, and the seal comes first. */
    private continueAfterSealed(): void {
        const sealed = listSegments(this.file).filter(s => !s.live).pop();
        if (!sealed || sealed.firstSeq === null)
            return;
        const fd = fs.openSync(sealed.path, "r");
        let last: AuditRecord | undefined;
        try {
            const lines = this.readTailLines(1, fs.fstatSync(fd).size, fd).text.split("\n").filter(l => l !== "");
            last = lines.length > 0 ? parseRecord(lines[lines.length - 1]) : undefined;
        } finally {
            fs.closeSync(fd);
        }
        if (!last)
            return;
        this.head = this.committedHead = last.hash;
        this.seq = this.committedSeq = last.seq;
        this.liveFirstSeq = last.seq + 1;
        void this.append(sealFields({
            segment: sealed.name, firstSeq: sealed.firstSeq, lastSeq: last.seq, lastHash: last.hash, bytes: fs.statSync(sealed.path).size,
        })).catch(() => undefined); // a failure is the log's own problem, retried like any write
    }

    /* The limits apply from the next append on. */
    setRotation(limits: RotationLimits): void {
        this.limits = limits;
    }

    /* Called with every batch of records once they are on disk (the query index, forwarding). */
    onRecords(listener: (records: CommittedRecord[]) => void): void {
        this.recordListeners.push(listener);
    }

    /* Called after a segment was sealed, with its new path. */
    onSeal(listener: (seal: SegmentSeal, sealedPath: string) => void): void {
        this.sealListeners.push(listener);
    }

    /* Whether the live segment should be sealed before the next record. */
    private rotationDue(now: number): boolean {
        const records = this.seq - this.liveFirstSeq + 1;
        if (records <= 0)
            return false;
        return this.liveBytes >= this.limits.maxBytes || (this.liveFirstTime > 0 && now - this.liveFirstTime >= this.limits.maxAgeMs);
    }

    /* Seals the live segment now if it is due (a timer calls this, so an idle log is still rotated by age). */
    rotateIfDue(): Promise<unknown> | null {
        if (this.broken || !this.rotationDue(Date.now()))
            return null;
        return this.append(null).catch(() => undefined);
    }

    /* The newest record that is on disk, and how many there are: what a
     * verifier of the file may expect to find. */
    get chainHead(): string { return this.committedHead; }
    get recordCount(): number { return this.committedSeq; }

    /* Why the log cannot be written now, in words for the person who looks; "" while it can. */
    get problem(): string {
        const p = this.broken;
        if (!p)
            return "";
        return `the audit log ${this.file} cannot be written (${reasonOf(p.error)}) since ${new Date(p.since).toISOString()}; ` +
            "changes are refused until it can be written again, and debvisord tries again by itself";
    }

    /* Called when the log stops being writable and when it is writable again (with ""). */
    onProblem(listener: (problem: string) => void): void {
        this.problemListeners.push(listener);
    }

    /* Called after each commit, for the Manager's AuditChainHead property. */
    onCommit(listener: (head: string, count: number) => void): void {
        this.listeners.push(listener);
    }

    /* Reads the newest complete record to continue the chain; cuts off a torn last line. */
    private recoverTail(): number {
        const size = fs.fstatSync(this.fd).size;
        if (size === 0)
            return 0;
        const lines = this.readTailLines(2, size);
        let torn = 0;
        const text = lines.text;
        if (!text.endsWith("\n")) {
            const cut = text.lastIndexOf("\n") + 1;
            torn = Buffer.byteLength(text.slice(cut));
            fs.ftruncateSync(this.fd, size - torn);
            fs.fdatasyncSync(this.fd);
        }
        const complete = text.slice(0, text.length - (text.endsWith("\n") ? 1 : 0)).split("\n");
        if (torn > 0)
            complete.pop();
        const last = complete.filter(l => l !== "").pop();
        if (last) {
            const record = parseRecord(last);
            this.head = this.committedHead = record.hash;
            this.seq = this.committedSeq = record.seq;
        }
        return torn;
    }

    /* The end of the file holding at least `count` complete lines (or the whole file). */
    private readTailLines(count: number, size = fs.fstatSync(this.fd).size, fd = this.fd): { text: string } {
        const block = 64 * 1024;
        let start = size;
        let buffer = Buffer.alloc(0);
        while (start > 0) {
            const length = Math.min(block, start);
            start -= length;
            const part = Buffer.alloc(length);
            fs.readSync(fd, part, 0, length, start);
            buffer = Buffer.concat([part, buffer]);
            let newlines = 0;
            for (const byte of buffer) if (byte === 10) newlines++;
            if (newlines > count)
                break;
        }
        let text = buffer.toString("utf8");
        if (start > 0)
            text = text.slice(text.indexOf("\n") + 1); // drop the partial first line
        return { text };
    }

    /* The newest `count` records, oldest first, from sealed segments too when the live one holds fewer. */
    tail(count: number): AuditRecord[] {
        const { text } = this.readTailLines(count);
        let lines = text.split("\n").filter(l => l !== "").slice(-count);
        const sealed = listSegments(this.file).filter(s => !s.live);
        while (lines.length < count && sealed.length > 0) {
            const segment = sealed.pop()!;
            const fd = fs.openSync(segment.path, "r");
            try {
                const more = this.readTailLines(count - lines.length, fs.fstatSync(fd).size, fd).text.split("\n").filter(l => l !== "");
                lines = [...more.slice(-(count - lines.length)), ...lines];
            } finally {
                fs.closeSync(fd);
            }
        }
        return lines.map(parseRecord);
    }

    /* Chains the record now and resolves once it is on disk. `null`: only seal the live segment. */
    append(entry: AuditEntry | null): Promise<{ seq: number; hash: string }> {
        if (this.broken) {
            this.broken.refused++;
            return Promise.reject(failed(this.problem));
        }
        const now = Date.now();
        if (this.rotationDue(now) || entry === null) {
            const seal: SegmentSeal = {
                segment: sealedName(this.file, this.liveFirstSeq), firstSeq: this.liveFirstSeq, lastSeq: this.seq,
                lastHash: this.head, bytes: this.liveBytes,
            };
            this.queue.push({ rotate: seal });
            this.liveFirstSeq = this.seq + 1;
            this.liveFirstTime = now;
            this.liveBytes = 0;
            const sealed = this.chain(sealFields(seal), now);
            if (entry === null)
                return sealed;
        }
        return this.chain(entry, now);
    }

    private chain(entry: AuditEntry, now: number): Promise<{ seq: number; hash: string }> {
        const time = new Date(now).toISOString();
        const fields: AuditFields = {
            seq: this.seq + 1,
            time,
            uid: entry.uid,
            user: entry.user,
            ...(entry.loginuid !== NO_LOGINUID ? { loginuid_claimed: entry.loginuid } : {}),
            ...(entry.loginuid !== NO_LOGINUID && entry.loginuser ? { loginuser_claimed: entry.loginuser } : {}),
            method: entry.method,
            object: entry.object,
            phase: entry.phase,
            result: entry.result,
            ...(entry.count !== undefined ? { count: entry.count } : {}),
            ...(entry.args !== undefined ? { args: entry.args } : {}),
        };
        const { line, hash } = formatRecord(this.head, fields);
        this.head = hash;
        this.seq = fields.seq;
        if (this.liveFirstTime === 0)
            this.liveFirstTime = now;
        const seq = fields.seq;
        const text = line + "\n";
        this.liveBytes += Buffer.byteLength(text);
        return new Promise((resolve, reject) => {
            this.queue.push({ line: text, seq, hash, time, entry, resolve: () => resolve({ seq, hash }), reject });
            if (!this.writing)
                void this.flush();
        });
    }

    private async flush(): Promise<void> {
        this.writing = true;
        while (this.queue.length > 0) {
            // everything up to the next rotation is one write
            const stop = this.queue.findIndex(p => "rotate" in p);
            const batch = (stop === 0 ? [] : this.queue.splice(0, stop < 0 ? this.queue.length : stop)) as Pending[];
            try {
                if (batch.length > 0)
                    await this.writeBatch(batch);
                const next = this.queue[0];
                if (next && "rotate" in next) {
                    this.queue.shift();
                    this.rotate(next.rotate);
                }
            } catch (e) {
                // The chain in memory is now ahead of the file: refuse further
                // work until the file is writable again, rather than write
                // records that would not verify.
                const pending = [...batch, ...this.queue].filter((p): p is Pending => "reject" in p);
                this.queue = [];
                this.fail(e as Error, pending.length);
                const error = failed(this.problem);
                for (const p of pending) p.reject(error);
            }
        }
        this.writing = false;
    }

    private fail(error: Error, refused: number): void {
        const before = this.broken ?? this.retrying;
        this.retrying = null;
        this.broken = {
            error, since: before?.since ?? Date.now(), refused: (before?.refused ?? 0) + refused, attempts: before ? before.attempts + 1 : 0,
        };
        // forget what was chained but not acknowledged: the file ends with the last acknowledged record
        try {
            fs.ftruncateSync(this.fd, this.committedBytes);
        } catch {
            // the next attempt reads the file as it is and cuts a torn record
        }
        const pause = Math.min(this.retry.maxMs, this.retry.firstMs * 2 ** this.broken.attempts);
        this.retryTimer = setTimeout(() => this.tryAgain(), pause);
        this.retryTimer.unref();
        if (!before)
            for (const l of this.problemListeners) l(this.problem);
    }

    /* Takes up the chain from the file again and writes a record about the gap; a failure starts the next pause. */
    private tryAgain(): void {
        const problem = this.broken;
        this.retryTimer = null;
        if (!problem)
            return;
        if (this.writing) {
            this.retryTimer = setTimeout(() => this.tryAgain(), this.retry.firstMs);
            this.retryTimer.unref();
            return;
        }
        try {
            fs.closeSync(this.fd);
        } catch {
            // already closed by a rotation that failed half-way
        }
        try {
            this.fd = AuditLog.openLive(this.file);
            this.head = GENESIS;
            this.seq = 0;
            this.broken = null;
            this.retrying = problem;
            this.loadLive();
        } catch (e) {
            this.broken = null;
            this.fail(e as Error, 0);
            return;
        }
        const result = `the audit log could not be written from ${new Date(problem.since).toISOString()} until now ` +
            `(${reasonOf(problem.error)}); ${problem.refused} record${problem.refused === 1 ? " was" : "s were"} refused meanwhile`;
        this.append(this.recoveredEntry(result)).then(() => {
            if (this.retrying === problem) {
                this.retrying = null;
                for (const l of this.problemListeners) l("");
            }
        }, () => undefined); // fail() has taken over again
    }

    private async writeBatch(batch: Pending[]): Promise<void> {
        const data = Buffer.from(batch.map(p => p.line).join(""));
        let offset = 0;
        while (offset < data.length)
            offset += await new Promise<number>((resolve, reject) =>
                fs.write(this.fd, data, offset, data.length - offset, null, (e, n) => e ? reject(e) : resolve(n)));
        await new Promise<void>((resolve, reject) => fs.fdatasync(this.fd, e => e ? reject(e) : resolve()));
        const last = batch[batch.length - 1];
        this.committedHead = last.hash;
        this.committedSeq = last.seq;
        const committed: CommittedRecord[] = [];
        let at = this.committedBytes;
        for (const p of batch) {
            const length = Buffer.byteLength(p.line) - 1;
            committed.push({ seq: p.seq, hash: p.hash, time: p.time, entry: p.entry, line: p.line.slice(0, -1), offset: at, length });
            at += length + 1;
        }
        this.committedBytes = at;
        for (const p of batch) p.resolve();
        for (const l of this.recordListeners) l(committed);
        for (const l of this.listeners) l(this.committedHead, this.committedSeq);
    }

    /* Between two writes: the live file gets its sealed name, a new live file is started. */
    private rotate(seal: SegmentSeal): void {
        const sealedPath = path.join(path.dirname(this.file), seal.segment);
        fs.renameSync(this.file, sealedPath);
        fs.fchmodSync(this.fd, 0o400);
        fs.closeSync(this.fd);
        this.fd = AuditLog.openLive(this.file);
        this.committedBytes = 0;
        const dir = fs.openSync(path.dirname(this.file), "r");
        try {
            fs.fsyncSync(dir); // the rename and the new file survive a crash
        } finally {
            fs.closeSync(dir);
        }
        for (const l of this.sealListeners) l(seal, sealedPath);
    }

    /* Stops trying to write again and closes the file (after drain()). */
    close(): void {
        if (this.retryTimer)
            clearTimeout(this.retryTimer);
        this.retryTimer = null;
        try {
            fs.closeSync(this.fd);
        } catch {
            // closed already
        }
    }

    /* Waits for everything queued to be on disk. */
    async drain(): Promise<void> {
        while (this.writing || this.queue.length > 0)
            await new Promise(r => setTimeout(r, 5));
    }
}
