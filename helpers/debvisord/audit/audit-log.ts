// The append-only audit log: one hash-chained JSON record per line
// (see helpers/lib/audit-chain.ts), mode 0600, fsynced before the caller gets
// its answer. Records are chained in call order at once and written in
// batches: every record that arrives while a write is in flight shares the
// next write + fdatasync (group commit), so concurrent calls do not queue
// behind one another's fsync.
import fs from "node:fs";
import path from "node:path";
import { formatRecord, GENESIS, parseRecord, type AuditFields, type AuditRecord } from "../../lib/audit-chain.js";

export type AuditEntry = Omit<AuditFields, "seq" | "time">;

interface Pending { line: string; seq: number; hash: string; resolve: () => void; reject: (e: Error) => void }

export class AuditLog {
    // head and seq chain the next record; committed* describe what is on disk
    private head = GENESIS;
    private seq = 0;
    private committedHead = GENESIS;
    private committedSeq = 0;
    private queue: Pending[] = [];
    private writing = false;
    private broken: Error | null = null;
    private listeners: Array<(head: string, count: number) => void> = [];

    private constructor(readonly file: string, private readonly fd: number) {}

    static open(file: string): AuditLog {
        fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
        const fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_APPEND, 0o600);
        fs.fchmodSync(fd, 0o600);
        const log = new AuditLog(file, fd);
        const tornBytes = log.recoverTail();
        if (tornBytes > 0) {
            // The daemon stopped in the middle of a write: that record was never
            // acknowledged to its caller. Say so in the chain itself.
            void log.append({
                uid: 0, loginuid: 0xffffffff, user: "debvisord", method: "AuditLog.Recover", object: file,
                phase: "recovered", result: `removed ${tornBytes} bytes of an unterminated record at the end of the log`,
            });
        }
        return log;
    }

    /* The newest record that is on disk, and how many there are: what a
     * verifier of the file may expect to find. */
    get chainHead(): string { return this.committedHead; }
    get recordCount(): number { return this.committedSeq; }

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
    private readTailLines(count: number, size = fs.fstatSync(this.fd).size): { text: string } {
        const block = 64 * 1024;
        let start = size;
        let buffer = Buffer.alloc(0);
        while (start > 0) {
            const length = Math.min(block, start);
            start -= length;
            const part = Buffer.alloc(length);
            fs.readSync(this.fd, part, 0, length, start);
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

    /* The newest `count` records, oldest first. */
    tail(count: number): AuditRecord[] {
        const { text } = this.readTailLines(count);
        return text.split("\n").filter(l => l !== "").slice(-count).map(parseRecord);
    }

    /* Chains the record now and resolves once it is on disk. */
    append(entry: AuditEntry): Promise<{ seq: number; hash: string }> {
        if (this.broken)
            return Promise.reject(new Error(`the audit log cannot be written: ${this.broken.message}`));
        const fields: AuditFields = {
            seq: this.seq + 1,
            time: new Date().toISOString(),
            uid: entry.uid,
            loginuid: entry.loginuid,
            user: entry.user,
            ...(entry.loginuser ? { loginuser: entry.loginuser } : {}),
            method: entry.method,
            object: entry.object,
            phase: entry.phase,
            result: entry.result,
            ...(entry.args !== undefined ? { args: entry.args } : {}),
        };
        const { line, hash } = formatRecord(this.head, fields);
        this.head = hash;
        this.seq = fields.seq;
        const seq = fields.seq;
        return new Promise((resolve, reject) => {
            this.queue.push({ line: line + "\n", seq, hash, resolve: () => resolve({ seq, hash }), reject });
            if (!this.writing)
                void this.flush();
        });
    }

    private async flush(): Promise<void> {
        this.writing = true;
        while (this.queue.length > 0) {
            const batch = this.queue;
            this.queue = [];
            try {
                const data = Buffer.from(batch.map(p => p.line).join(""));
                let offset = 0;
                while (offset < data.length)
                    offset += await new Promise<number>((resolve, reject) =>
                        fs.write(this.fd, data, offset, data.length - offset, null, (e, n) => e ? reject(e) : resolve(n)));
                await new Promise<void>((resolve, reject) => fs.fdatasync(this.fd, e => e ? reject(e) : resolve()));
                const last = batch[batch.length - 1];
                this.committedHead = last.hash;
                this.committedSeq = last.seq;
                for (const p of batch) p.resolve();
                for (const l of this.listeners) l(this.committedHead, this.committedSeq);
            } catch (e) {
                // The chain in memory is now ahead of the file: refuse further
                // work rather than write records that would not verify.
                this.broken = e as Error;
                for (const p of [...batch, ...this.queue]) p.reject(e as Error);
                this.queue = [];
            }
        }
        this.writing = false;
    }

    /* Waits for everything queued to be on disk. */
    async drain(): Promise<void> {
        while (this.writing || this.queue.length > 0)
            await new Promise(r => setTimeout(r, 5));
    }
}
