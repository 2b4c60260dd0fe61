// One run of a backup schedule: each of its machines backed up in turn (the
// snapshots carry the schedule's tag and the schedule clock's time), then the
// schedule's own snapshots beyond its retention forgotten and pruned. Backups
// made by hand or by another schedule are never looked at by forget; a run in
// which any backup failed prunes nothing.
import { failed } from "../../lib/errors.js";
import { lastLines } from "../../lib/tool-run.js";
import type { JobControl } from "../jobs/jobs.js";
import type { BackupsHost } from "./backups-host.js";
import { backupMachine } from "./machine-backup.js";
import { hasRetention, resticTime, retentionArgs, scheduleTag, type ScheduleRecord } from "./schedules.js";
import { TAG } from "./tags.js";

const PRUNE_TIMEOUT_MS = 6 * 3600_000;

/* The machine paths a schedule backs up now, and what it names that is not there. */
export function scheduleTargets(area: BackupsHost, s: ScheduleRecord): { paths: string[]; missing: string | null } {
    const machines = area.host.list();
    if (s.machine) {
        const found = machines.find(m => m.uuid === s.machine);
        return found ? { paths: [found.path], missing: null } : { paths: [], missing: `the machine ${s.machine} does not exist` };
    }
    const tagged = machines.filter(m => m.tags.includes(s.tag)).sort((a, b) => a.name.localeCompare(b.name));
    return { paths: tagged.map(m => m.path), missing: tagged.length ? null : `no machine has the tag "${s.tag}"` };
}

export async function runSchedule(area: BackupsHost, s: ScheduleRecord, at: Date, control: JobControl): Promise<string> {
    const { paths, missing } = scheduleTargets(area, s);
    if (missing)
        throw failed(`${missing}; nothing was backed up or pruned`);
    const done: string[] = [];
    const failures: string[] = [];
    for (const [i, path] of paths.entries()) {
        if (control.signal.aborted)
            throw control.signal.reason;
        const share = 0.9 / paths.length;
        const part: JobControl = { signal: control.signal, setProgress: f => control.setProgress(i * share + f * share) };
        try {
            done.push(await backupMachine(area, area.host, path, s.repository, part, { tags: [scheduleTag(s.name)], time: resticTime(at) }));
        } catch (e) {
            if (control.signal.aborted)
                throw e;
            failures.push(`${area.host.name(path)}: ${(e as Error).message}`);
        }
    }
    if (failures.length)
        throw failed(`${failures.join("; ")}${done.length ? ` (${done.length} other backup${done.length > 1 ? "s" : ""} succeeded)` : ""}; nothing was pruned`);
    control.setProgress(0.9);
    const pruned = hasRetention(s.keep) ? await prune(area, s, control.signal) : "no retention is set, nothing was pruned";
    control.setProgress(0.95);
    const verified = s.verifyPercent ? `\n${await verify(area, s.repository, s.verifyPercent, control.signal)}` : "";
    return `${done.join("\n")}\n${pruned}${verified}`;
}

/* restic check of the repository's structure and a random share of its data. A failure fails the
 * run: its message says what restic found. */
async function verify(area: BackupsHost, repository: string, percent: number, signal: AbortSignal): Promise<string> {
    const { access } = area.repository(repository);
    const r = await area.restic.run(access, ["check", `--read-data-subset=${percent}%`], { signal, timeout: PRUNE_TIMEOUT_MS });
    if (r.exitCode !== 0)
        throw failed(`verify: restic check of ${repository} found errors (the backups were made and pruned): ${lastLines(r.stderr || r.stdout, 6)}`);
    return `Verified ${repository}: restic check read ${percent}% of the data and found no errors`;
}

/* restic forget on this schedule's snapshots only, then prune when anything was forgotten. */
async function prune(area: BackupsHost, s: ScheduleRecord, signal: AbortSignal): Promise<string> {
    const { access } = area.repository(s.repository);
    const out = await area.restic.must(access, ["forget", "--json", "--tag", `${TAG},${scheduleTag(s.name)}`, ...retentionArgs(s.keep)],
        "restic forget", { signal });
    const groups = JSON.parse(out || "[]") as Array<{ remove?: Array<{ short_id: string }> | null; keep?: unknown[] | null }>;
    const removed = groups.flatMap(g => g.remove ?? []).map(r => r.short_id);
    const kept = groups.reduce((n, g) => n + (g.keep?.length ?? 0), 0);
    if (removed.length === 0)
        return `Retention kept all ${kept} of the schedule's backups`;
    await area.restic.must(access, ["prune"], "restic prune", { signal, timeout: PRUNE_TIMEOUT_MS });
    return `Retention kept ${kept} of the schedule's backups and pruned ${removed.length}: ${removed.join(" ")}`;
}
