// The snapshot and scrub schedule: per dataset, how many hourly, daily,
// weekly and monthly snapshots to keep (like sanoid), and per pool a weekly
// scrub. Stored atomically as JSON; the plan of what to take and what to
// destroy is a pure function of the schedule, the existing snapshots and
// the time, so it is tested without a clock or a pool.
import fs from "node:fs";
import { writeJsonAtomically } from "../../lib/atomic-file.js";
import * as z from "zod/mini";
import { datasetNameProblem, poolNameProblem } from "./names.js";

export const SCHEDULE_FILE = "/etc/debvisor/zfs-schedule.json";
const PERIODS = ["hourly", "daily", "weekly", "monthly"] as const;
type Period = typeof PERIODS[number];
const PREFIX = "autosnap";
const MAX_KEEP = 1000;

const keep = z.optional(z.int().check(z.minimum(0, `must be at least 0`), z.maximum(MAX_KEEP, `must be at most ${MAX_KEEP}`)));
const named = (problem: (n: string) => string | null) => z.string().check(z.superRefine((v, ctx) => {
    const p = problem(v);
    if (p)
        ctx.addIssue({ code: "custom", message: `${JSON.stringify(v.slice(0, 80))} ${p}`, input: v });
}));

export const scheduleSchema = z.strictObject({
    snapshots: z.optional(z.record(named(datasetNameProblem), z.strictObject({
        hourly: keep, daily: keep, weekly: keep, monthly: keep, recursive: z.optional(z.boolean()),
    }))),
    scrub: z.optional(z.record(named(poolNameProblem), z.strictObject({
        weekday: z.int().check(z.minimum(0, "must be 0 (Sunday) to 6"), z.maximum(6, "must be 0 (Sunday) to 6")),
        hour: z.int().check(z.minimum(0, "must be 0 to 23"), z.maximum(23, "must be 0 to 23")),
    }))),
});
export type Schedule = z.infer<typeof scheduleSchema>;

export function readSchedule(file = SCHEDULE_FILE): Schedule {
    try {
        const parsed = scheduleSchema.safeParse(JSON.parse(fs.readFileSync(file, "utf8")));
        return parsed.success ? parsed.data : {};
    } catch {
        return {};
    }
}

/* Written to a temporary file, synced and renamed: a crash leaves the old or the new schedule, never half of one. */
export function writeSchedule(schedule: Schedule, file = SCHEDULE_FILE): void {
    writeJsonAtomically(file, schedule);
}

const pad = (n: number) => String(n).padStart(2, "0");

/* autosnap-daily-20261202-0100 (local time, sortable). */
export function snapshotName(period: Period, now: Date): string {
    return `${PREFIX}-${period}-${now.getFullYear()}${pad(now.getMonth() + 1)}${pad(now.getDate())}-${pad(now.getHours())}${pad(now.getMinutes())}`;
}

function parseStamp(short: string, period: Period): Date | null {
    const m = new RegExp(`^${PREFIX}-${period}-(\\d{4})(\\d{2})(\\d{2})-(\\d{2})(\\d{2})$`).exec(short);
    return m ? new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5])) : null;
}

/* When the current period began: the hour, the day, the week (Monday) or the month. */
export function periodStart(period: Period, now: Date): Date {
    const d = new Date(now.getFullYear(), now.getMonth(), now.getDate(), now.getHours());
    if (period === "hourly")
        return d;
    d.setHours(0);
    if (period === "weekly")
        d.setDate(d.getDate() - ((d.getDay() + 6) % 7));
    if (period === "monthly")
        d.setDate(1);
    return d;
}

interface SnapshotPlan {
    take: Array<{ dataset: string; name: string; recursive: boolean }>;
    /** full names DATASET@autosnap-…, oldest first */
    destroy: Array<{ snapshot: string; recursive: boolean }>;
}

/* What to take and destroy now. `existing` maps a dataset to the short names of its snapshots. */
export function planSnapshots(schedule: Schedule, existing: Map<string, string[]>, now: Date): SnapshotPlan {
    const plan: SnapshotPlan = { take: [], destroy: [] };
    for (const [dataset, policy] of Object.entries(schedule.snapshots ?? {})) {
        const snapshots = existing.get(dataset);
        if (!snapshots)
            continue; // the dataset is gone (or not imported): nothing to do
        const recursive = policy.recursive ?? false;
        for (const period of PERIODS) {
            const count = policy[period] ?? 0;
            const ours = snapshots.map(s => ({ s, t: parseStamp(s, period) })).filter((x): x is { s: string; t: Date } => x.t !== null)
                .sort((a, b) => a.t.getTime() - b.t.getTime());
            const names = ours.map(x => x.s);
            if (count > 0 && !ours.some(x => x.t >= periodStart(period, now))) {
                const name = snapshotName(period, now);
                if (!names.includes(name)) {
                    plan.take.push({ dataset, name, recursive });
                    names.push(name);
                }
            }
            for (const old of names.slice(0, Math.max(0, names.length - count)))
                plan.destroy.push({ snapshot: `${dataset}@${old}`, recursive });
        }
    }
    return plan;
}

/* The pools whose weekly scrub is due in this hour; `started` holds "POOL hour-key" of scrubs already started. */
export function scrubsDue(schedule: Schedule, now: Date, started: Set<string>): string[] {
    return Object.entries(schedule.scrub ?? {})
        .filter(([pool, when]) => when.weekday === now.getDay() && when.hour === now.getHours() && !started.has(scrubKey(pool, now)))
        .map(([pool]) => pool);
}

export function scrubKey(pool: string, now: Date): string {
    return `${pool} ${now.getFullYear()}-${now.getMonth()}-${now.getDate()}-${now.getHours()}`;
}
