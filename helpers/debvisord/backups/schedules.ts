// Backup schedules: which machines (one by UUID, or every machine with a tag),
// when (daily or weekly at a local time) and how many of the schedule's own
// backups to keep (restic forget's keep-* counts, as Proxmox's prune options).
// When a schedule is due and how retention reads as restic's arguments are
// pure functions of the record and the time, tested without a clock.
import * as z from "zod/mini";
import { MACHINE_UUID } from "./tags.js";

const FREQUENCIES = ["daily", "weekly"] as const;
const KEEP_KINDS = ["last", "hourly", "daily", "weekly", "monthly", "yearly"] as const;
type KeepKind = typeof KEEP_KINDS[number];
type Retention = Partial<Record<KeepKind, number>>;
const MAX_KEEP = 10_000;
const DAY_MS = 86_400_000;

export interface ScheduleRecord {
    name: string;
    repository: string;
    /** a machine's UUID, or "" when the schedule names a tag */
    machine: string;
    /** every machine with this tag, or "" when the schedule names a machine */
    tag: string;
    frequency: typeof FREQUENCIES[number];
    /** 0 (Sunday) to 6; only for weekly */
    weekday: number;
    /** "HH:MM", local time */
    time: string;
    keep: Retention;
    /** after each run, restic check reads this share of the repository's data (percent); 0: no check */
    verifyPercent?: number;
    /** ms since the epoch, on the schedule's clock */
    created: number;
    createdByUid: number;
    /** the due moment of the last run started by the clock (ms); 0: none yet */
    lastDue: number;
    lastRun: number;
    lastResult: "" | "succeeded" | "failed";
    lastMessage: string;
}

const keepCount = z.optional(z.int().check(z.minimum(0, "must be at least 0"), z.maximum(MAX_KEEP, `must be at most ${MAX_KEEP}`)));

export const machineUuid = z.string().check(z.regex(MACHINE_UUID, "must be a machine's UUID"));

/* The options AddSchedule and Update take (besides auth.no_user_interaction). */
export const scheduleOptionShape = {
    machine: z.optional(machineUuid),
    tag: z.optional(z.string().check(z.minLength(1, "must not be empty"), z.maxLength(64, "must be at most 64 characters"),
        z.regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "may contain only letters, digits, \".\", \"_\" and \"-\", and must start with a letter or digit"))),
    frequency: z.optional(z.enum(FREQUENCIES, { error: "must be \"daily\" or \"weekly\"" })),
    weekday: z.optional(z.int().check(z.minimum(0, "must be 0 (Sunday) to 6"), z.maximum(6, "must be 0 (Sunday) to 6"))),
    time: z.optional(z.string().check(z.regex(/^([01][0-9]|2[0-3]):[0-5][0-9]$/, "must be HH:MM, 00:00 to 23:59"))),
    "keep-last": keepCount, "keep-hourly": keepCount, "keep-daily": keepCount,
    "keep-weekly": keepCount, "keep-monthly": keepCount, "keep-yearly": keepCount,
    "verify-percent": z.optional(z.int().check(z.minimum(0, "must be 0 (no check) to 100"), z.maximum(100, "must be 0 (no check) to 100"))),
};
export type ScheduleOptions = { [K in keyof typeof scheduleOptionShape]?: z.infer<typeof scheduleOptionShape[K]> };

/* The record's settings with `options` applied over them ("machine" and "tag" replace each other). */
export function applyOptions(base: Pick<ScheduleRecord, "machine" | "tag" | "frequency" | "weekday" | "time" | "keep" | "verifyPercent">, options: ScheduleOptions) {
    const next = { ...base, keep: { ...base.keep } };
    if (options.machine !== undefined && options.tag !== undefined)
        throw new ScheduleError("options: give \"machine\" or \"tag\", not both");
    if (options.machine !== undefined)
        Object.assign(next, { machine: options.machine, tag: "" });
    if (options.tag !== undefined)
        Object.assign(next, { tag: options.tag, machine: "" });
    for (const [option, field] of [["frequency", "frequency"], ["weekday", "weekday"], ["time", "time"], ["verify-percent", "verifyPercent"]] as const)
        if (options[option] !== undefined)
            Object.assign(next, { [field]: options[option] });
    for (const kind of KEEP_KINDS) {
        const value = options[`keep-${kind}`];
        if (value === 0)
            delete next.keep[kind];
        else if (value !== undefined)
            next.keep[kind] = value;
    }
    if (!next.machine && !next.tag)
        throw new ScheduleError("options: give the machine to back up (\"machine\": its UUID) or a tag (\"tag\")");
    return next;
}

export class ScheduleError extends Error {}

function at(day: Date, time: string): Date {
    const [hours, minutes] = time.split(":").map(Number);
    return new Date(day.getFullYear(), day.getMonth(), day.getDate(), hours, minutes);
}

/* The same local time `days` later (earlier, when negative). */
function addDays(d: Date, days: number): Date {
    return new Date(d.getFullYear(), d.getMonth(), d.getDate() + days, d.getHours(), d.getMinutes());
}

/* The latest moment at or before `now` at which the schedule was due (local time). */
export function lastDue(s: Pick<ScheduleRecord, "frequency" | "weekday" | "time">, now: Date): Date {
    let due = at(now, s.time);
    if (s.frequency === "weekly")
        due = addDays(due, -((due.getDay() - s.weekday + 7) % 7));
    return due.getTime() > now.getTime() ? addDays(due, s.frequency === "weekly" ? -7 : -1) : due;
}

/* The first moment after `now` at which the schedule is due. */
export function nextDue(s: Pick<ScheduleRecord, "frequency" | "weekday" | "time">, now: Date): Date {
    const last = lastDue(s, now);
    const step = s.frequency === "weekly" ? 7 : 1;
    const next = addDays(last, step);
    // a daylight-saving change can make the local time skip: never go backwards
    return next.getTime() > now.getTime() ? next : new Date(now.getTime() + step * DAY_MS);
}

/* Whether the clock has passed a due moment the schedule has not run for yet (a run missed while
 * the daemon was down is made up once); never for a moment before the schedule was made. */
export function isDue(s: ScheduleRecord, now: Date): Date | null {
    const due = lastDue(s, now);
    return due.getTime() > Math.max(s.lastDue, s.created) ? due : null;
}

export function hasRetention(keep: Retention): boolean {
    return KEEP_KINDS.some(k => (keep[k] ?? 0) > 0);
}

/* restic forget's policy arguments. */
export function retentionArgs(keep: Retention): string[] {
    return KEEP_KINDS.filter(k => (keep[k] ?? 0) > 0).flatMap(k => [`--keep-${k}`, String(keep[k])]);
}

/* The tag that marks a schedule's backups: forget only ever looks at these. */
export function scheduleTag(name: string): string {
    return `debvisor-schedule=${name}`;
}

/* "YYYY-MM-DD HH:MM:SS" in local time, as restic backup --time takes it. */
export function resticTime(d: Date): string {
    const pad = (n: number) => String(n).padStart(2, "0");
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}
