// The audit query index: for every record, where its line is (segment and
// byte offset) and the fields a query filters on, kept in typed columns in
// memory (about 40 bytes a record: 40 MB for a million). Strings are
// numbered once in a dictionary, so a filter on user, action or object is
// resolved against the few distinct values first and then costs one array
// lookup per record; time ranges are found by binary search while times are
// in order. A page of results is read from the log files by offset.
//
// Built at start by reading the segments in the background (in slices, so
// the daemon keeps answering), then fed by the log with every commit.
import fs from "node:fs";
import path from "node:path";
import { claimedLogin, NO_LOGINUID, parseRecord, type AuditRecord } from "../../lib/audit-chain.js";
import { listSegments, PRUNE_METHOD } from "../../lib/audit-segments.js";
import type { AuditEntry, AuditLog, CommittedRecord } from "./audit-log.js";

export const OUTCOMES = ["ok", "failed", "denied", "invalid", "started", "cancelled", "system"] as const;
type Outcome = typeof OUTCOMES[number];

export function outcomeOf(phase: string, result: string): Outcome {
    switch (phase) {
    case "denied": return "denied";
    case "invalid": return "invalid";
    case "begin": return "started";
    case "end":
        if (result === "ok" || result.startsWith("succeeded"))
            return "ok";
        return result.startsWith("cancelled") ? "cancelled" : "failed";
    default: return "system";
    }
}

export interface AuditFilter {
    /** the acting or the logged-in user, exactly */
    user?: string;
    /** part of the method name, e.g. "Machine." or "ImportImage" (any case) */
    action?: string;
    /** part of the object path (any case) */
    object?: string;
    result?: Outcome;
    /** milliseconds since the epoch, inclusive */
    since?: number;
    until?: number;
}

interface QueryPage {
    records: AuditRecord[];
    /** how many records match in all */
    total: number;
    /** pass as `before` for the next (older) page; 0 when there is none */
    nextBefore: number;
}

class Dictionary {
    readonly ids = new Map<string, number>();
    readonly values: string[] = [];

    id(value: string): number {
        let id = this.ids.get(value);
        if (id === undefined) {
            id = this.values.length;
            this.values.push(value);
            this.ids.set(value, id);
        }
        return id;
    }
}

const SLICE_BYTES = 4 << 20;

export class AuditIndex {
    private base = 1; // seq of row 0
    private rows = 0;
    private capacity = 0;
    private offsets = new Float64Array(0);
    private lengths = new Uint32Array(0);
    private times = new Float64Array(0);
    private users = new Uint32Array(0);
    private loginUsers = new Uint32Array(0);
    private methods = new Uint32Array(0);
    private objects = new Uint32Array(0);
    private outcomes = new Uint8Array(0);
    private timesInOrder = true;
    private readonly strings = new Dictionary();
    // segments by first seq; the live one keeps the live file's name until it is sealed
    private segments: Array<{ firstSeq: number; name: string }> = [];
    private pending: CommittedRecord[] = [];
    private built: Promise<void> | null = null;

    constructor(private readonly log: AuditLog) {}

    /* Starts reading the segments; records committed meanwhile are added after them. */
    start(): Promise<void> {
        if (this.built)
            return this.built;
        this.log.onRecords(records => {
            if (!this.ready)
                this.pending.push(...records);
            else
                for (const r of records) this.addCommitted(r);
        });
        this.log.onSeal(seal => this.addSegment(seal.firstSeq, seal.segment, true));
        const upTo = this.log.recordCount;
        // open every file now: a rotation during the build renames, the descriptors stay valid
        const files = listSegments(this.log.file).map(s => ({ ...s, fd: fs.openSync(s.path, "r") }));
        this.built = this.build(files, upTo).finally(() => {
            for (const f of files) fs.closeSync(f.fd);
        });
        return this.built;
    }

    private ready = false;

    /* Segments sorted by first seq; a sealed name replaces the live one. */
    private addSegment(firstSeq: number, name: string, sealed: boolean): void {
        const known = this.segments.find(s => s.firstSeq === firstSeq);
        if (known) {
            if (sealed)
                known.name = name;
            return;
        }
        this.segments.push({ firstSeq, name });
        this.segments.sort((a, b) => a.firstSeq - b.firstSeq);
    }

    get size(): number { return this.rows; }

    private async build(files: Array<{ name: string; fd: number; live: boolean }>, upTo: number): Promise<void> {
        const chunk = Buffer.allocUnsafe(SLICE_BYTES);
        let done = false;
        for (const file of files) {
            let position = 0;
            let rest = Buffer.alloc(0);
            let restOffset = 0;
            let first = true;
            while (!done) {
                const n = fs.readSync(file.fd, chunk, 0, chunk.length, position);
                if (n === 0)
                    break;
                const data = rest.length > 0 ? Buffer.concat([rest, chunk.subarray(0, n)]) : chunk.subarray(0, n);
                let start = 0;
                for (let nl = data.indexOf(10); nl >= 0; nl = data.indexOf(10, start)) {
                    const record = parseRecord(data.toString("utf8", start, nl));
                    if (record.seq > upTo) {
                        done = true;
                        break;
                    }
                    if (first) {
                        this.addSegment(record.seq, file.name, !file.live);
                        if (this.rows === 0)
                            this.base = record.seq;
                        first = false;
                    }
                    this.add(record.seq, record.time, record, claimedLogin(record).user, restOffset + start, nl - start);
                    start = nl + 1;
                }
                rest = Buffer.from(data.subarray(start));
                restOffset += start;
                position += n;
                await new Promise(resolve => setImmediate(resolve)); // let calls in between
            }
        }
        for (const r of this.pending.splice(0))
            if (r.seq >= this.base + this.rows) this.addCommitted(r);
        this.ready = true;
    }

    private addCommitted(r: CommittedRecord): void {
        if (r.offset === 0) // the first record of a new live segment
            this.addSegment(r.seq, path.basename(this.log.file), false);
        if (this.rows === 0)
            this.base = r.seq;
        this.add(r.seq, r.time, r.entry, r.entry.loginuid === NO_LOGINUID ? "" : r.entry.loginuser ?? "", r.offset, r.length);
        if (r.entry.method === PRUNE_METHOD)
            this.dropPruned(r.entry.args as { lastSeq: number });
    }

    /* `claimedLoginUser`: the login user the caller claimed; a "user" filter finds it too, and the results label it a claim. */
    private add(seq: number, time: string, fields: Pick<AuditEntry, "user" | "method" | "object" | "phase" | "result">, claimedLoginUser: string,
        offset: number, length: number): void {
        if (seq !== this.base + this.rows)
            return; // already there (a record committed during the build)
        if (this.rows === this.capacity)
            this.grow();
        const i = this.rows++;
        this.offsets[i] = offset;
        this.lengths[i] = length;
        const t = Date.parse(time);
        if (i > 0 && t < this.times[i - 1])
            this.timesInOrder = false; // the clock was set back
        this.times[i] = t;
        this.users[i] = this.strings.id(fields.user);
        this.loginUsers[i] = this.strings.id(claimedLoginUser);
        this.methods[i] = this.strings.id(fields.method);
        this.objects[i] = this.strings.id(fields.object);
        this.outcomes[i] = OUTCOMES.indexOf(outcomeOf(fields.phase, fields.result));
    }

    private grow(): void {
        const capacity = Math.max(1024, this.capacity * 2);
        const more = <T extends Float64Array | Uint32Array | Uint8Array>(old: T, make: (n: number) => T): T => {
            const next = make(capacity);
            next.set(old);
            return next;
        };
        this.offsets = more(this.offsets, n => new Float64Array(n));
        this.lengths = more(this.lengths, n => new Uint32Array(n));
        this.times = more(this.times, n => new Float64Array(n));
        this.users = more(this.users, n => new Uint32Array(n));
        this.loginUsers = more(this.loginUsers, n => new Uint32Array(n));
        this.methods = more(this.methods, n => new Uint32Array(n));
        this.objects = more(this.objects, n => new Uint32Array(n));
        this.outcomes = more(this.outcomes, n => new Uint8Array(n));
        this.capacity = capacity;
    }

    /* Retention deleted the oldest segment: forget its rows. */
    private dropPruned(gone: { lastSeq: number }): void {
        const drop = Math.min(this.rows, Math.max(0, gone.lastSeq - this.base + 1));
        if (drop === 0)
            return;
        for (const column of [this.offsets, this.lengths, this.times, this.users, this.loginUsers, this.methods, this.objects, this.outcomes])
            column.copyWithin(0, drop, this.rows);
        this.rows -= drop;
        this.base += drop;
        this.segments = this.segments.filter(s => s.firstSeq > gone.lastSeq);
    }

    /* The ids of the dictionary's strings that contain `part` (any case). */
    private matching(part: string): Uint8Array {
        const needle = part.toLowerCase();
        const flags = new Uint8Array(this.strings.values.length);
        this.strings.values.forEach((v, id) => { if (v.toLowerCase().includes(needle)) flags[id] = 1 });
        return flags;
    }

    /* First row whose time is ≥ `ms` (times in order). */
    private lowerBound(ms: number): number {
        let lo = 0, hi = this.rows;
        while (lo < hi) {
            const mid = (lo + hi) >> 1;
            if (this.times[mid] < ms) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    /* The records that match, newest first, `limit` at a time, older than seq `before` (0: the newest). */
    async query(filter: AuditFilter, limit: number, before: number): Promise<QueryPage> {
        await this.start();
        let from = 0, to = this.rows; // rows [from, to)
        if (this.timesInOrder) {
            if (filter.since !== undefined) from = this.lowerBound(filter.since);
            if (filter.until !== undefined) to = this.lowerBound(filter.until + 1);
        }
        const user = filter.user === undefined ? -1 : this.strings.ids.get(filter.user) ?? -2;
        const methods = filter.action ? this.matching(filter.action) : null;
        const objects = filter.object ? this.matching(filter.object) : null;
        const outcome = filter.result === undefined ? -1 : OUTCOMES.indexOf(filter.result);
        const checkTime = !this.timesInOrder && (filter.since !== undefined || filter.until !== undefined);
        const since = filter.since ?? -Infinity, until = filter.until ?? Infinity;
        const startBelow = before > 0 ? Math.min(to, before - this.base) : to;

        const page: number[] = [];
        let total = 0;
        let nextBefore = 0;
        if (user !== -2) {
            for (let i = to - 1; i >= from; i--) {
                if (user >= 0 && this.users[i] !== user && this.loginUsers[i] !== user) continue;
                if (outcome >= 0 && this.outcomes[i] !== outcome) continue;
                if (methods && methods[this.methods[i]] === 0) continue;
                if (objects && objects[this.objects[i]] === 0) continue;
                if (checkTime && (this.times[i] < since || this.times[i] > until)) continue;
                total++;
                if (i < startBelow) {
                    if (page.length < limit) page.push(i);
                    else if (nextBefore === 0) nextBefore = this.base + page[page.length - 1];
                }
            }
        }
        return { records: this.read(page), total, nextBefore };
    }

    /* The first and last seq of the records from `since` to `until` (ms, inclusive), or null when there are none. */
    async seqRange(since: number, until: number): Promise<{ first: number; last: number } | null> {
        await this.start();
        let from = 0, to = -1;
        if (this.timesInOrder) {
            from = this.lowerBound(since);
            to = this.lowerBound(until + 1) - 1;
        } else {
            // the clock went back at some point: everything between the first and last record in range
            from = this.rows;
            for (let i = 0; i < this.rows; i++) {
                if (this.times[i] >= since && this.times[i] <= until) {
                    from = Math.min(from, i);
                    to = i;
                }
            }
        }
        return from <= to ? { first: this.base + from, last: this.base + to } : null;
    }

    /* The bytes that hold records first..last, one range per segment, with the files opened
     * now (a rotation renames the live file; an open descriptor still reads it). */
    openRanges(first: number, last: number): Array<{ name: string; fd: number; start: number; end: number }> {
        const dir = path.dirname(this.log.file);
        const out: Array<{ name: string; fd: number; start: number; end: number }> = [];
        try {
            for (const [k, segment] of this.segments.entries()) {
                const segmentLast = k + 1 < this.segments.length ? this.segments[k + 1].firstSeq - 1 : this.base + this.rows - 1;
                const a = Math.max(first, segment.firstSeq), b = Math.min(last, segmentLast);
                if (a > b)
                    continue;
                const ra = a - this.base, rb = b - this.base;
                out.push({
                    name: segment.name, fd: fs.openSync(path.join(dir, segment.name), "r"),
                    start: this.offsets[ra], end: this.offsets[rb] + this.lengths[rb] + 1,
                });
            }
        } catch (e) {
            for (const r of out) fs.closeSync(r.fd);
            throw e;
        }
        return out;
    }

    /* One record by its seq, or null when the index does not hold it. */
    async record(seq: number): Promise<AuditRecord | null> {
        await this.start();
        const i = seq - this.base;
        return i >= 0 && i < this.rows ? this.read([i])[0] : null;
    }

    /* Each segment's records, times and size, oldest first. */
    segmentSummaries(): Array<{ name: string; firstSeq: number; lastSeq: number; firstTime: number; lastTime: number; bytes: number }> {
        return this.segments.flatMap((segment, k) => {
            const last = k + 1 < this.segments.length ? this.segments[k + 1].firstSeq - 1 : this.base + this.rows - 1;
            const a = segment.firstSeq - this.base, b = last - this.base;
            if (a < 0 || b < a)
                return [];
            return [{
                name: segment.name, firstSeq: segment.firstSeq, lastSeq: last, firstTime: this.times[a], lastTime: this.times[b],
                bytes: this.offsets[b] + this.lengths[b] + 1,
            }];
        });
    }

    /* The distinct users and actions there are, for a page's filter choices. */
    facets(): { users: string[]; actions: string[] } {
        const users = new Set<number>(), actions = new Set<number>();
        for (let i = 0; i < this.rows; i++) {
            users.add(this.users[i]);
            actions.add(this.methods[i]);
        }
        const names = (ids: Set<number>) => [...ids].map(id => this.strings.values[id]).filter(v => v !== "").sort();
        return { users: names(users), actions: names(actions) };
    }

    private segmentOf(seq: number): string {
        let lo = 0, hi = this.segments.length - 1;
        while (lo < hi) {
            const mid = (lo + hi + 1) >> 1;
            if (this.segments[mid].firstSeq <= seq) lo = mid; else hi = mid - 1;
        }
        return this.segments[lo].name;
    }

    private read(rows: number[]): AuditRecord[] {
        const dir = path.dirname(this.log.file);
        const fds = new Map<string, number>();
        try {
            return rows.map(i => {
                const name = this.segmentOf(this.base + i);
                let fd = fds.get(name);
                if (fd === undefined) {
                    fd = fs.openSync(path.join(dir, name), "r");
                    fds.set(name, fd);
                }
                const buffer = Buffer.allocUnsafe(this.lengths[i]);
                fs.readSync(fd, buffer, 0, buffer.length, this.offsets[i]);
                return parseRecord(buffer.toString("utf8"));
            });
        } finally {
            for (const fd of fds.values()) fs.closeSync(fd);
        }
    }
}
