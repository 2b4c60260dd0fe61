// Denials of one caller and method, recorded as a count instead of a record
// each: a loop of refused calls would otherwise grow the audit log (an
// fsynced record per call) without bound. The first denial is recorded at
// once, as before; repeats within the interval after it are counted and
// written as one record with that count when the interval ends, or when the
// daemon stops. A daemon killed with SIGKILL loses at most the count of the
// interval in progress (the first denial of each is on disk already).
import type { AuditEntry, AuditLog } from "./audit-log.js";

const DENIAL_INTERVAL_MS = 60_000;
// beyond this many callers and methods at once, denials are recorded one by one again
const MAX_OPEN_WINDOWS = 10_000;

interface Window { count: number; since: number; last: AuditEntry; lastTime: number; timer: NodeJS.Timeout }

export class DenialCoalescer {
    private readonly windows = new Map<string, Window>();

    constructor(private readonly log: AuditLog, private readonly intervalMs = DENIAL_INTERVAL_MS) {}

    /* Records a denial (phase "denied"); resolves once a record written now is on disk. */
    async record(entry: AuditEntry): Promise<void> {
        const key = `${entry.uid}\u0000${entry.method}\u0000${entry.result}`;
        const open = this.windows.get(key);
        if (open) {
            open.count++;
            open.last = entry;
            open.lastTime = Date.now();
            return;
        }
        if (this.windows.size < MAX_OPEN_WINDOWS) {
            const now = Date.now();
            this.windows.set(key, { count: 0, since: now, last: entry, lastTime: now, timer: this.arm(key) });
        }
        await this.log.append(entry);
    }

    private arm(key: string): NodeJS.Timeout {
        const timer = setTimeout(() => void this.close(key).catch(() => undefined), this.intervalMs);
        timer.unref();
        return timer;
    }

    /* The interval of one key ended: write its count, and keep counting while repeats go on. */
    private async close(key: string): Promise<void> {
        const window = this.windows.get(key);
        if (!window)
            return;
        if (window.count === 0) {
            this.windows.delete(key);
            return;
        }
        const summary = this.summary(window);
        window.count = 0;
        window.since = Date.now();
        window.timer = this.arm(key);
        await this.log.append(summary);
    }

    private summary(window: Window): AuditEntry {
        const from = new Date(window.since).toISOString(), to = new Date(window.lastTime).toISOString();
        return {
            ...window.last,
            count: window.count,
            result: `${window.last.result}: denied ${window.count} more time${window.count === 1 ? "" : "s"} from ${from} to ${to}`,
        };
    }

    /* Writes every count now (the daemon stops); resolves once they are on disk. */
    async flush(): Promise<void> {
        const summaries: AuditEntry[] = [];
        for (const window of this.windows.values()) {
            clearTimeout(window.timer);
            if (window.count > 0)
                summaries.push(this.summary(window));
        }
        this.windows.clear();
        await Promise.all(summaries.map(s => this.log.append(s)));
    }
}
