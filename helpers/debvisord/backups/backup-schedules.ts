// The BackupSchedule objects (…/backups/schedules/NAME), Backups.AddSchedule,
// and debvisord's own timer that runs a schedule when it is due. Each run is a
// Job started by the daemon (uid 0), and its outcome is kept on the schedule
// (LastRun, LastResult, LastMessage) and written to the audit log as the
// daemon's.
import * as z from "zod/mini";
import { busy, invalidArgument, notFound } from "../../lib/errors.js";
import { escapePathElement } from "../../lib/object-path.js";
import type { AuditLog } from "../audit/audit-log.js";
import { type CallContext, contractMethods, method, type MethodTable } from "../bus/call-pipeline.js";
import type { Caller } from "../bus/caller.js";
import type { Published } from "../bus/object-server.js";
import type { Job } from "../jobs/jobs.js";
import { optionsSchema, resourceName } from "../validation.js";
import type { BackupsHost } from "./backups-host.js";
import type { Clock } from "../clock.js";
import { runSchedule, scheduleTargets } from "./schedule-run.js";
import { ScheduleStore } from "./schedule-store.js";
import { applyOptions, isDue, nextDue, ScheduleError, scheduleOptionShape, type ScheduleOptions, type ScheduleRecord } from "./schedules.js";
import { BACKUPSCHEDULE_IFACE } from "../../../generated/dbus-contract.js";
import { microseconds } from "../../lib/times.js";


/** The daemon as the starter of scheduled jobs: root, and no person's login uid. */
const DAEMON: Caller = { sender: "", uid: 0, pid: process.pid, loginuid: 0xffffffff, user: "debvisord", loginUser: "" };


export class BackupSchedules {
    readonly path: string;
    private readonly running = new Set<string>(); // schedules with a run under way
    private timer?: NodeJS.Timeout;
    private ticking = false;

    constructor(private readonly area: BackupsHost, private readonly audit: AuditLog, readonly clock: Clock, readonly store = new ScheduleStore(area.store.dir)) {
        this.path = `${area.path}/schedules`;
    }

    schedulePath(name: string): string {
        return `${this.path}/${escapePathElement(name)}`;
    }

    /* The objects, and the timer; quick, before the name is taken. */
    start(): void {
        try {
            this.sync();
        } catch (e) {
            // a schedules file that cannot be read stops the schedules, not the daemon; the timer tries again
            process.stderr.write(`debvisord: backup schedules: ${(e as Error).message}\n`);
        }
        this.timer = setInterval(() => void this.tick(), this.clock.tickMs).unref();
    }

    stop(): void {
        clearInterval(this.timer);
    }

    usedBy(repository: string): string[] {
        return this.store.list().filter(s => s.repository === repository).map(s => s.name);
    }

    private sync(): void {
        const now = this.clock.now();
        const wanted = new Map<string, Published>();
        for (const s of this.store.list())
            wanted.set(this.schedulePath(s.name), {
                iface: BACKUPSCHEDULE_IFACE,
                props: {
                    Name: s.name, Repository: s.repository, Machine: s.machine, Tag: s.tag, Frequency: s.frequency,
                    Weekday: s.weekday, Time: s.time, Keep: s.keep, VerifyPercent: s.verifyPercent ?? 0, NextRun: microseconds(nextDue(s, now).getTime()),
                    LastRun: microseconds(s.lastRun), LastResult: s.lastResult, LastMessage: s.lastMessage,
                    Running: this.running.has(s.name), CreatedByUID: s.createdByUid,
                },
                methods: () => this.methods(s.name),
            });
        this.area.server.sync(this.path, wanted);
    }

    /* One look at the clock: every schedule that is due and not running starts. A look still
     * under way when the next is due is not doubled. */
    async tick(): Promise<void> {
        if (this.ticking || !this.area.version)
            return;
        this.ticking = true;
        try {
            const now = this.clock.now();
            for (const s of this.store.list()) {
                const due = isDue(s, now);
                if (!due || this.running.has(s.name))
                    continue;
                this.store.put({ ...s, lastDue: due.getTime() });
                this.begin(s.name, "due", now);
            }
            this.sync(); // NextRun moves on with the clock
        } catch (e) {
            process.stderr.write(`debvisord: backup schedules: ${(e as Error).message}\n`);
        } finally {
            this.ticking = false;
        }
    }

    /* Starts a run as a Job of the daemon's; its end is recorded on the schedule and audited. */
    private begin(name: string, trigger: "due" | "by hand", at: Date): Job {
        const s = this.store.get(name)!;
        this.running.add(name); // before the job starts: its work may end at once
        const objects = [this.schedulePath(name), this.area.repositoryPath(s.repository), ...scheduleTargets(this.area, s).paths];
        const job = this.area.host.jobs.start({
            operation: "backup-schedule", description: `Backup schedule ${name} to ${s.repository}`, caller: DAEMON, objects,
        }, async control => {
            try {
                this.area.requireRestic();
                this.area.repository(s.repository);
                const message = await this.area.using(s.repository, () => runSchedule(this.area, s, at, control));
                await this.finished(name, trigger, "succeeded", message);
                return message;
            } catch (e) {
                await this.finished(name, trigger, "failed", control.signal.aborted ? (control.signal.reason as Error)?.message ?? "Cancelled" : (e as Error).message);
                throw e;
            }
        });
        this.sync();
        return job;
    }

    /* The outcome of a run, kept on the schedule and in the audit log. */
    private async finished(name: string, trigger: string, result: "succeeded" | "failed", message: string): Promise<void> {
        this.running.delete(name);
        const current = this.store.get(name);
        if (current)
            this.store.put({ ...current, lastRun: this.clock.now().getTime(), lastResult: result, lastMessage: message });
        this.sync();
        await this.audit.appendAsDaemon("BackupSchedule.Run", this.schedulePath(name), `${result}: ${message}`, [name, trigger])
            .catch(() => undefined);
    }

    /* Backups.AddSchedule */
    addMethod() {
        return method({
            args: z.tuple([resourceName, resourceName, optionsSchema(scheduleOptionShape)]),
            run: async (ctx: CallContext, [name, repository, options]) => {
                if (this.store.get(name))
                    throw invalidArgument(`name: a backup schedule named "${name}" exists already`);
                this.area.repository(repository);
                const settings = this.settings({ machine: "", tag: "", frequency: "daily", weekday: 0, time: "02:00", keep: {} }, options as ScheduleOptions);
                const record: ScheduleRecord = {
                    name, repository, ...settings, created: this.clock.now().getTime(), createdByUid: ctx.caller.uid,
                    lastDue: 0, lastRun: 0, lastResult: "", lastMessage: "",
                };
                this.store.put(record);
                this.sync();
                return [this.schedulePath(name)];
            },
        });
    }

    private settings(base: Parameters<typeof applyOptions>[0], options: ScheduleOptions) {
        let next;
        try {
            next = applyOptions(base, options);
        } catch (e) {
            if (e instanceof ScheduleError)
                throw invalidArgument(e.message);
            throw e;
        }
        if (options.machine && !this.area.host.list().some(m => m.uuid === options.machine))
            throw notFound(`options.machine: there is no machine with the UUID ${options.machine}`);
        return next;
    }

    private record(name: string): ScheduleRecord {
        const s = this.store.get(name);
        if (!s)
            throw notFound(`schedule: there is no backup schedule named "${name}"`);
        return s;
    }

    private methods(name: string): MethodTable {
        return contractMethods(BACKUPSCHEDULE_IFACE, {
            Update: method({
                args: z.tuple([optionsSchema({ ...scheduleOptionShape, repository: z.optional(resourceName) })]),
                run: async (_ctx, [options]) => {
                    const s = this.record(name);
                    const { repository, ...rest } = options;
                    if (repository !== undefined)
                        this.area.repository(repository);
                    const settings = this.settings(s, rest as ScheduleOptions);
                    this.store.put({ ...s, ...settings, repository: repository ?? s.repository });
                    this.sync();
                    return [];
                },
            }),
            RunNow: method({
                args: z.tuple([optionsSchema({})]),
                run: async () => {
                    this.record(name);
                    this.area.requireRestic();
                    if (this.running.has(name))
                        throw busy(`schedule: "${name}" is running already`);
                    return [this.begin(name, "by hand", this.clock.now()).path];
                },
            }),
            Remove: method({
                args: z.tuple([optionsSchema({})]),
                run: async () => {
                    this.record(name);
                    if (this.running.has(name))
                        throw busy(`schedule: "${name}" is running; wait for it or cancel its job first`);
                    this.store.remove(name);
                    this.sync();
                    return [];
                },
            }),
        });
    }
}
