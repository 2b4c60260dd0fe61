// Long work as Job objects at /org/debvisor/DebVisor1/jobs/N: progress as
// properties, Cancel, and a Completed signal. A finished job stays on the bus
// for a while so that a page opened late still sees how it ended.
import { cancelled, DebVisorError, failed } from "../../lib/errors.js";
import type { CallContext } from "../bus/call-pipeline.js";
import { contractMethods, method } from "../bus/call-pipeline.js";
import type { AuditLog } from "../audit/audit-log.js";
import type { Caller } from "../bus/caller.js";
import type { ObjectServer } from "../bus/object-server.js";
import * as z from "zod/mini";
import { optionsSchema } from "../validation.js";
import { JOB_IFACE } from "../../../generated/dbus-contract.js";

const PROGRESS_INTERVAL_MS = 200;

type JobState = "running" | "succeeded" | "failed" | "cancelled";

interface JobRequest {
    operation: string;
    description: string;
    /** who started the job; its outcome is audited in their name */
    caller: Caller;
    objects?: string[];
    cancelable?: boolean;
}

/** What the work function of a job sees. */
export interface JobControl {
    readonly signal: AbortSignal;
    setProgress(fraction: number): void;
}

export class Job implements JobControl {
    readonly abort = new AbortController();
    progress = 0;
    progressValid = false;
    state: JobState = "running";
    message = "";
    readonly startTime = BigInt(Date.now()) * 1000n;
    private lastEmit = 0;
    private pendingEmit: NodeJS.Timeout | null = null;

    constructor(readonly path: string, readonly request: JobRequest, private readonly server: ObjectServer) {}

    get signal(): AbortSignal { return this.abort.signal; }

    /* The job's values as they are now (its methods are asked for at the first); the object server signals what changed. */
    publish(methods?: () => Record<string, unknown>): void {
        this.server.publish(this.path, JOB_IFACE, {
            Operation: this.request.operation,
            Description: this.request.description,
            Progress: this.progress,
            ProgressValid: this.progressValid,
            StartedByUID: this.request.caller.uid,
            StartTime: this.startTime,
            Objects: this.request.objects ?? [],
            Cancelable: this.state === "running" && (this.request.cancelable ?? true),
            State: this.state,
            Message: this.message,
        }, methods);
    }

    /* Progress is published (signalled, and answered to Get) at most every PROGRESS_INTERVAL_MS, the last value always. */
    setProgress(fraction: number): void {
        if (this.state !== "running")
            return;
        this.progress = Math.min(1, Math.max(0, fraction));
        this.progressValid = true;
        const wait = this.lastEmit + PROGRESS_INTERVAL_MS - Date.now();
        if (wait <= 0) {
            this.emitProgress();
        } else if (!this.pendingEmit) {
            this.pendingEmit = setTimeout(() => this.emitProgress(), wait);
        }
    }

    private emitProgress(): void {
        if (this.pendingEmit)
            clearTimeout(this.pendingEmit);
        this.pendingEmit = null;
        this.lastEmit = Date.now();
        this.publish();
    }

    finish(state: Exclude<JobState, "running">, message: string): void {
        if (this.pendingEmit)
            clearTimeout(this.pendingEmit);
        this.pendingEmit = null;
        this.state = state;
        this.message = message;
        if (state === "succeeded") {
            this.progress = 1;
            this.progressValid = true;
        }
        this.publish();
        this.server.emit(this.path, JOB_IFACE, "Completed", [state === "succeeded", message]);
    }
}

export class JobRegistry {
    private next = 1;
    readonly jobs = new Map<string, Job>();
    private readonly finishedListeners: Array<(job: Job, seconds: number) => void> = [];
    private readonly waiters = new Map<Job, Array<() => void>>();

    constructor(private readonly server: ObjectServer, private readonly audit: AuditLog, private readonly lingerMs: number) {}

    /* Exports a job, runs `work`, and completes the job with its outcome. */
    start(request: JobRequest, work: (job: JobControl) => Promise<string>): Job {
        const path = `${this.server.rootPath}/jobs/${this.next++}`;
        const job = new Job(path, request, this.server);
        this.jobs.set(path, job);
        job.publish(() => contractMethods(JOB_IFACE, { Cancel: this.cancelMethod(job) }));
        void work(job).then(
            message => job.finish("succeeded", message),
            (e: unknown) => {
                if (job.signal.aborted)
                    job.finish("cancelled", (job.signal.reason as Error)?.message || "Cancelled");
                else if (e instanceof DebVisorError && e.errorName === "Cancelled")
                    job.finish("cancelled", e.message);
                else
                    job.finish("failed", (e as Error)?.message ?? String(e));
            },
        ).then(() => this.audit.append({
            uid: request.caller.uid, loginuid: request.caller.loginuid, user: request.caller.user, loginuser: request.caller.loginUser,
            method: `Job.${request.operation}`, object: path, phase: "end", result: `${job.state}: ${job.message}`,
        })).catch(() => {
            // the audit log refuses further work itself when it cannot write
        }).then(() => this.tellFinished(job)).finally(() => {
            setTimeout(() => {
                this.jobs.delete(path);
                this.server.unexport(path);
            }, this.lingerMs).unref();
        });
        return job;
    }

    /* After the job's end record: a listener that fails can cost neither the record nor the other listeners. */
    private tellFinished(job: Job): void {
        for (const wake of this.waiters.get(job) ?? [])
            wake();
        this.waiters.delete(job);
        const seconds = (Date.now() - Number(job.startTime / 1000n)) / 1000;
        for (const listener of this.finishedListeners) {
            try {
                listener(job, seconds);
            } catch (e) {
                process.stderr.write(`debvisord: a job listener failed: ${(e as Error).message}\n`);
            }
        }
    }

    /* The job once it has finished (its end record written): for work that runs other jobs in turn. */
    whenFinished(job: Job): Promise<Job> {
        if (job.state !== "running" && !this.waiters.has(job))
            return Promise.resolve(job);
        return new Promise(resolve => this.waiters.set(job, [...this.waiters.get(job) ?? [], () => resolve(job)]));
    }

    /* Called with each job when it has finished, and how long it ran. */
    onFinished(listener: (job: Job, seconds: number) => void): void {
        this.finishedListeners.push(listener);
    }

    running(): Job[] {
        return [...this.jobs.values()].filter(j => j.state === "running");
    }

    private cancelMethod(job: Job) {
        return method({
            args: z.tuple([optionsSchema({})]),
            run: async (ctx: CallContext) => {
                if (ctx.caller.uid !== job.request.caller.uid)
                    await ctx.authorize("org.debvisor.jobs.cancel-other-user");
                if (job.state !== "running")
                    throw failed(`The job has already ${job.state === "succeeded" ? "completed" : job.state}`);
                if (!(job.request.cancelable ?? true))
                    throw failed("This job cannot be cancelled");
                job.abort.abort(cancelled(`Cancelled by ${ctx.caller.user}`));
                return [];
            },
        });
    }
}
