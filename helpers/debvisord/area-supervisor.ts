// Keeps one area of debvisord (machines, DNS, ZFS, Ceph, firewall) trying to
// come up: a backend that is not there at start (libvirtd, named, zfs-fuse,
// a Ceph cluster) or that goes away later is tried again with a growing,
// jittered pause, and the area's state and the reason are there to show.

/** What an area is doing now. */
type AreaState = "starting" | "ready" | "retrying" | "unavailable" | "not-installed";

export interface AreaStatus {
    state: AreaState;
    /** why it is not ready, in words ("" when ready) */
    reason: string;
    /** when the next attempt runs (ms since the epoch), 0 when none is planned */
    nextAttempt: number;
}

/** Thrown by an attempt when the area's tools are not on this host: tried again, but seldom. */
export class NotInstalled extends Error {}

/** Thrown by an attempt when the area is there but has nothing to run (no cluster set up …): tried again, but seldom. */
export class Unavailable extends Error {}

export interface BackoffOptions {
    /** the first pause after a failure */
    initialMs: number;
    /** the pause doubles up to this */
    maxMs: number;
    /** each pause is spread by ± this fraction, so that areas (and nodes) do not retry in step */
    jitter: number;
    /** an attempt that takes longer counts as failed */
    attemptTimeoutMs: number;
}

const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 1000, maxMs: 60_000, jitter: 0.2, attemptTimeoutMs: 90_000 };

/* The pause before attempt `failures` + 1: initial · 2^(failures-1), capped, spread by the jitter. */
export function backoffDelay(failures: number, options: BackoffOptions, random = Math.random): number {
    const base = Math.min(options.maxMs, options.initialMs * 2 ** Math.max(0, Math.min(failures - 1, 30)));
    return Math.max(0, Math.round(base * (1 + options.jitter * (2 * random() - 1))));
}

function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} did not finish within ${Math.round(ms / 1000)} s`)), ms);
    });
    return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

export class AreaSupervisor {
    private current: AreaStatus = { state: "starting", reason: "", nextAttempt: 0 };
    private failures = 0;
    private timer: NodeJS.Timeout | null = null;
    private running: Promise<void> | null = null;
    private stopped = false;

    /* `attempt` brings the area up (or checks it is up) and throws why not; `onChange` hears every new status. */
    constructor(readonly name: string, private readonly attempt: () => Promise<void>,
                private readonly onChange: (name: string, status: AreaStatus) => void,
                private readonly options: BackoffOptions = DEFAULT_BACKOFF) {}

    get status(): AreaStatus {
        return this.current;
    }

    /* The first attempt, at once. */
    start(): Promise<void> {
        return this.run();
    }

    /* No more attempts (the daemon is shutting down). */
    stop(): void {
        this.stopped = true;
        if (this.timer)
            clearTimeout(this.timer);
        this.timer = null;
    }

    /* The area found its backend gone (a lost connection, a failed read): retry with backoff. */
    lost(reason: string | Error): void {
        // while retrying already, the planned attempt stands
        if (this.stopped || this.running || this.current.state !== "ready")
            return;
        this.failures = 0;
        this.failed(typeof reason === "string" ? new Error(reason) : reason);
    }

    /* What the area's own periodic read found: a problem (lost) or none (recovered). */
    report(problem: Error | null): void {
        if (problem)
            this.lost(problem);
        else
            this.recovered();
    }

    /* The area found its backend back by itself (a periodic read succeeded). */
    recovered(): void {
        if (this.stopped || this.running || this.current.state === "ready")
            return;
        if (this.timer)
            clearTimeout(this.timer);
        this.timer = null;
        this.failures = 0;
        this.set({ state: "ready", reason: "", nextAttempt: 0 });
    }

    /* Tries again now, e.g. when the backend announced itself; a planned attempt is dropped. */
    retryNow(): Promise<void> {
        if (this.timer)
            clearTimeout(this.timer);
        this.timer = null;
        return this.run();
    }

    private run(): Promise<void> {
        if (this.stopped)
            return Promise.resolve();
        // an attempt in flight is shared: its result is the news
        this.running ??= withTimeout(this.attempt(), this.options.attemptTimeoutMs, `starting ${this.name}`).then(
            () => {
                this.failures = 0;
                this.set({ state: "ready", reason: "", nextAttempt: 0 });
            },
            (e: unknown) => this.failed(e),
        ).finally(() => {
            this.running = null;
        });
        return this.running;
    }

    private failed(e: unknown): void {
        if (this.stopped)
            return;
        const reason = e instanceof Error ? e.message : String(e);
        this.failures++;
        // a missing tool or an area with nothing set up changes seldom: look again at the longest pause
        const seldom = e instanceof NotInstalled || e instanceof Unavailable;
        const delay = seldom ? this.options.maxMs : backoffDelay(this.failures, this.options);
        const state: AreaState = e instanceof NotInstalled ? "not-installed" : e instanceof Unavailable ? "unavailable" : "retrying";
        if (this.timer)
            clearTimeout(this.timer);
        this.timer = setTimeout(() => {
            this.timer = null;
            void this.run();
        }, delay);
        this.timer.unref();
        this.set({ state, reason, nextAttempt: Date.now() + delay });
    }

    private set(status: AreaStatus): void {
        const before = this.current;
        this.current = status;
        if (before.state !== status.state || before.reason !== status.reason || before.nextAttempt !== status.nextAttempt)
            this.onChange(this.name, status);
    }
}

/** Every area's supervisor, for the Manager's Areas property and for shutdown. */
export class Areas {
    private readonly supervisors = new Map<string, AreaSupervisor>();
    private readonly listeners: Array<() => void> = [];
    private readonly logged = new Map<string, string>();

    add(name: string, attempt: () => Promise<void>, options: BackoffOptions = DEFAULT_BACKOFF): AreaSupervisor {
        const supervisor = new AreaSupervisor(name, attempt, (area, status) => this.changed(area, status), options);
        this.supervisors.set(name, supervisor);
        return supervisor;
    }

    get(name: string): AreaSupervisor | undefined {
        return this.supervisors.get(name);
    }

    onChange(listener: () => void): void {
        this.listeners.push(listener);
    }

    statuses(): Record<string, AreaStatus> {
        return Object.fromEntries([...this.supervisors].map(([name, s]) => [name, s.status]));
    }

    stop(): void {
        for (const s of this.supervisors.values())
            s.stop();
    }

    private changed(area: string, status: AreaStatus): void {
        // said once per state and reason, not at every retry
        const line = `${status.state}\n${status.reason}`;
        if (this.logged.get(area) === line) {
            for (const l of this.listeners)
                l();
            return;
        }
        this.logged.set(area, line);
        if (status.state !== "ready")
            process.stderr.write(`debvisord: ${area} is ${status.state}: ${status.reason}` +
                (status.nextAttempt ? `; trying again in ${Math.max(1, Math.round((status.nextAttempt - Date.now()) / 1000))} s` : "") + "\n");
        else
            process.stderr.write(`debvisord: ${area} is ready\n`);
        for (const l of this.listeners)
            l();
    }
}
