// The Backups tab's reading of what debvisord says: the new bytes of a
// backup from its job's message, and the backups of every repository in one
// list. No cockpit.js here: the unit tests run this in Node.
import type { PageBackupScheduleProperties, PageJobProperties, PlainAuditQueryRecords } from "../../../generated/dbus-contract";

/** The part of a Job this needs. */
type BackupJobFacts = Pick<PageJobProperties, "Operation" | "State" | "Message">;

/**
 * The new bytes of each backup whose finished job is still known, by the
 * snapshot's short id. Machine.Backup's job message names the snapshot and
 * ends with "new bytes: N, reused bytes: N" (the contract's words).
 */
export function newBytesBySnapshot(jobs: BackupJobFacts[]): Map<string, number> {
    const found = new Map<string, number>();
    for (const job of jobs) {
        if (job.Operation !== "machine-backup" || job.State !== "succeeded")
            continue;
        const snapshot = /\bsnapshot ([0-9a-f]{8})\b/.exec(job.Message);
        const bytes = /\bnew bytes: (\d+)/.exec(job.Message);
        if (snapshot && bytes)
            found.set(snapshot[1], Number(bytes[1]));
    }
    return found;
}

/** Backups of several repositories as one list, newest first (ties by id, so the order is stable). */
export function newestFirst<T extends { Time: number; FullId: string }>(lists: T[][]): T[] {
    return lists.flat().sort((a, b) => b.Time - a.Time || (a.FullId < b.FullId ? -1 : a.FullId > b.FullId ? 1 : 0));
}

/** The part of a BackupSchedule this needs. */
type ScheduleFacts = Pick<PageBackupScheduleProperties, "Name" | "Machine" | "Tag" | "LastResult" | "LastRun" | "LastMessage">;

/** The schedules that back up this machine: by its UUID, or one of its tags. */
export function schedulesOf<S extends { props: Pick<ScheduleFacts, "Machine" | "Tag"> }>(schedules: S[], machine: { UUID: string; Tags: string[] }): S[] {
    return schedules.filter(({ props: s }) => s.Machine === machine.UUID || (s.Tag !== "" && machine.Tags.includes(s.Tag)));
}

/** The schedules that back up this machine and whose last run failed. */
export function failedSchedulesOf<S extends { props: ScheduleFacts }>(schedules: S[], machine: { UUID: string; Tags: string[] }): S[] {
    return schedulesOf(schedules, machine).filter(s => s.props.LastResult === "failed");
}

/** What the Add schedule form holds, as typed. */
export interface ScheduleForm {
    target: "machine" | "tag";
    machine: string; // a UUID
    tag: string;
    frequency: "daily" | "weekly";
    weekday: number;
    time: string;
    keep: Record<string, string>; // "last", "daily" … → the count as typed ("" for none)
    verifyPercent: string;
}

export const KEEP_KINDS = ["last", "hourly", "daily", "weekly", "monthly", "yearly"] as const;

type Variant = { t: string; v: unknown };

/** AddSchedule's options for the form (as checked by the dialog; the daemon checks again). */
export function scheduleOptions(form: ScheduleForm): Record<string, Variant> {
    const options: Record<string, Variant> = {
        ...(form.target === "machine" ? { machine: { t: "s", v: form.machine } } : { tag: { t: "s", v: form.tag } }),
        frequency: { t: "s", v: form.frequency },
        time: { t: "s", v: form.time },
    };
    if (form.frequency === "weekly")
        options.weekday = { t: "u", v: form.weekday };
    for (const kind of KEEP_KINDS) {
        const v = form.keep[kind] ?? "";
        if (v !== "" && Number(v) > 0)
            options[`keep-${kind}`] = { t: "u", v: Number(v) };
    }
    if (form.verifyPercent !== "" && Number(form.verifyPercent) > 0)
        options["verify-percent"] = { t: "u", v: Number(form.verifyPercent) };
    return options;
}

/** The form filled in from a schedule as it is (for editing it). */
export function scheduleForm(s: { Machine: string; Tag: string; Frequency: string; Weekday: number; Time: string; Keep: Record<string, number>; VerifyPercent: number }): ScheduleForm {
    return {
        target: s.Tag ? "tag" : "machine", machine: s.Machine, tag: s.Tag, frequency: s.Frequency === "weekly" ? "weekly" : "daily",
        weekday: s.Weekday, time: s.Time, verifyPercent: s.VerifyPercent ? String(s.VerifyPercent) : "",
        keep: Object.fromEntries(KEEP_KINDS.filter(k => (s.Keep[k] ?? 0) > 0).map(k => [k, String(s.Keep[k])])),
    };
}

/** Update's options for the form: as AddSchedule's, and a count or verify share left empty says 0 (none),
 * so that clearing a field clears the setting. */
export function scheduleUpdateOptions(form: ScheduleForm): Record<string, Variant> {
    const options = scheduleOptions(form);
    for (const kind of KEEP_KINDS)
        options[`keep-${kind}`] ??= { t: "u", v: 0 };
    options["verify-percent"] ??= { t: "u", v: 0 };
    return options;
}

/** Where a repository can be: the Add repository form's kinds, as BackupRepository.Kind names them. */
export const REPOSITORY_KINDS = ["local", "sftp", "rest", "s3"] as const;
export type RepositoryKind = typeof REPOSITORY_KINDS[number];

/** What the Add repository form holds beside the name and password. */
export interface RepositoryForm {
    kind: RepositoryKind;
    location: string;
    /** SFTP: a private key (empty: root's own keys) */
    sshKey: string;
    /** REST: the user (empty: no login); S3: the access key id */
    user: string;
    /** REST: the user's password; S3: the secret access key */
    secret: string;
    /** https: the CA's PEM certificate (empty: the host's CAs) */
    caCertificate: string;
}

const LOCATION_OF_KIND: Record<RepositoryKind, RegExp> = {
    local: /^\//, sftp: /^sftp:/, rest: /^rest:https?:\/\//, s3: /^s3:https?:\/\//,
};

/** Whether the location is written the way its kind's is (the daemon checks the rest). */
export function locationFitsKind(kind: RepositoryKind, location: string): boolean {
    return LOCATION_OF_KIND[kind].test(location);
}

/** Whether the form can be sent: a location of its kind, a REST login whole or absent, both S3 keys. */
export function repositoryFormReady(form: RepositoryForm): boolean {
    if (!locationFitsKind(form.kind, form.location))
        return false;
    if (form.kind === "rest")
        return (form.user === "") === (form.secret === "");
    if (form.kind === "s3")
        return form.user !== "" && form.secret !== "";
    return true;
}

/** AddRepository's options for the form: only those of its kind, and only what was filled in. */
export function repositoryOptions(form: RepositoryForm): Record<string, Variant> {
    const options: Record<string, Variant> = {};
    const s = (v: string): Variant => ({ t: "s", v });
    if (form.kind === "sftp" && form.sshKey.trim() !== "")
        options["ssh-private-key"] = s(`${form.sshKey.trim()}\n`);
    if (form.kind === "rest" && form.user !== "") {
        options["rest-user"] = s(form.user);
        options["rest-password"] = s(form.secret);
    }
    if (form.kind === "s3") {
        options["s3-access-key-id"] = s(form.user);
        options["s3-secret-access-key"] = s(form.secret);
    }
    if ((form.kind === "rest" || form.kind === "s3") && /^\w+:https:/.test(form.location) && form.caCertificate.trim() !== "")
        options["ca-certificate"] = s(`${form.caCertificate.trim()}\n`);
    return options;
}

/** The audit records the history is made of (as Audit.Query gives them). */
type HistoryRecord = Pick<PlainAuditQueryRecords[number], "Seq" | "Time" | "User" | "Method" | "Arguments" | "Result">;

export interface HistoryEntry {
    seq: number;
    /** ms since the epoch */
    time: number;
    /** "schedule" (a schedule's run), "backup" or "restore" (a job someone started) */
    kind: "schedule" | "backup" | "restore";
    /** the schedule's name, or who started the job */
    who: string;
    result: string; // "succeeded", "failed", "cancelled"
    message: string;
}

/* The audit methods that end a backup's story: a schedule's run (the daemon's record) and the end
 * of a backup or restore job. */
export const HISTORY_METHODS: Record<string, HistoryEntry["kind"]> = {
    "BackupSchedule.Run": "schedule", "Job.machine-backup": "backup", "Job.machine-restore": "restore",
};

/** The records as history entries, newest first; records of other methods are left out. */
export function historyEntries(records: HistoryRecord[]): HistoryEntry[] {
    const entries: HistoryEntry[] = [];
    for (const r of records) {
        const kind = HISTORY_METHODS[r.Method];
        if (!kind)
            continue;
        const colon = r.Result.indexOf(": ");
        const result = colon > 0 ? r.Result.slice(0, colon) : r.Result;
        const message = colon > 0 ? r.Result.slice(colon + 2) : "";
        let who = r.User;
        if (kind === "schedule") {
            try {
                who = String((JSON.parse(r.Arguments) as unknown[])[0]);
            } catch { /* an older record without arguments: the daemon */ }
        }
        entries.push({ seq: r.Seq, time: r.Time / 1000, kind, who, result, message });
    }
    return entries.sort((a, b) => b.seq - a.seq);
}
