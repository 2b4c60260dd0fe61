// The Backups tab's reading of job messages and its order of backups; the
// Backups page's schedule options, its history from audit records, and which
// failed schedules a machine's tab shows.
import QUnit from "qunit";
import {
    failedSchedulesOf, historyEntries, locationFitsKind, newBytesBySnapshot, newestFirst, repositoryFormReady, repositoryOptions, scheduleForm, scheduleOptions,
    scheduleUpdateOptions, type RepositoryForm, type ScheduleForm,
} from "../../pkg/lib/api/backups-data.js";

const MESSAGE = "Backed up web01 to nas as snapshot 1a2b3c4d (shut off): 160 MiB read, 150 MiB new, 10 MiB reused " +
    "(new bytes: 157286400, reused bytes: 10485760)";

QUnit.module("backups tab: data", () => {
    QUnit.test("a finished backup job's message gives its snapshot's new bytes; other jobs give nothing", assert => {
        const found = newBytesBySnapshot([
            { Operation: "machine-backup", State: "succeeded", Message: MESSAGE },
            { Operation: "machine-backup", State: "running", Message: "" },
            { Operation: "machine-backup", State: "failed", Message: "restic: repository is locked" },
            { Operation: "machine-restore", State: "succeeded", Message: "Restored snapshot 99999999 (new bytes: 1)" },
            { Operation: "machine-backup", State: "succeeded", Message: "snapshot 1234 (new bytes: 5)" },
        ]);
        assert.deepEqual([...found], [["1a2b3c4d", 157286400]]);
    });

    QUnit.test("backups of several repositories: one list, newest first, a stable order for equal times", assert => {
        const a = [{ Time: 1, FullId: "a1" }, { Time: 3, FullId: "a3" }];
        const b = [{ Time: 2, FullId: "b2" }, { Time: 3, FullId: "b3" }];
        assert.deepEqual(newestFirst([a, b]).map(x => x.FullId), ["a3", "b3", "b2", "a1"]);
        assert.deepEqual(newestFirst([b, a]).map(x => x.FullId), ["a3", "b3", "b2", "a1"]);
        assert.deepEqual(newestFirst([]), []);
    });

    const schedule = (Name: string, target: { Machine?: string; Tag?: string }, LastResult: string) =>
        ({ path: `/s/${Name}`, props: { Name, Machine: "", Tag: "", LastResult, LastRun: 1, LastMessage: "", ...target } });

    QUnit.test("a machine's tab shows the failed schedules that back it up, by its UUID or one of its tags", assert => {
        const schedules = [
            schedule("mine", { Machine: "u1" }, "failed"), schedule("mine-ok", { Machine: "u1" }, "succeeded"),
            schedule("other", { Machine: "u2" }, "failed"), schedule("tagged", { Tag: "prod" }, "failed"),
            schedule("tag-elsewhere", { Tag: "test" }, "failed"), schedule("never", { Machine: "u1" }, ""),
        ];
        assert.deepEqual(failedSchedulesOf(schedules, { UUID: "u1", Tags: ["prod"] }).map(s => s.props.Name), ["mine", "tagged"]);
        assert.deepEqual(failedSchedulesOf(schedules, { UUID: "u3", Tags: [] }).map(s => s.props.Name), []);
    });

    QUnit.test("the Add schedule form as AddSchedule's options: counts left empty or 0 are not sent, the weekday only for weekly", assert => {
        const form: ScheduleForm = {
            target: "machine", machine: "u1", tag: "ignored", frequency: "daily", weekday: 3, time: "01:30",
            keep: { last: "", daily: "7", weekly: "0", monthly: "6" }, verifyPercent: "",
        };
        assert.deepEqual(scheduleOptions(form), {
            machine: { t: "s", v: "u1" }, frequency: { t: "s", v: "daily" }, time: { t: "s", v: "01:30" },
            "keep-daily": { t: "u", v: 7 }, "keep-monthly": { t: "u", v: 6 },
        });
        assert.deepEqual(scheduleOptions({ ...form, target: "tag", tag: "prod", frequency: "weekly", keep: {}, verifyPercent: "10" }), {
            tag: { t: "s", v: "prod" }, frequency: { t: "s", v: "weekly" }, time: { t: "s", v: "01:30" }, weekday: { t: "u", v: 3 },
            "verify-percent": { t: "u", v: 10 },
        });
    });

    QUnit.test("editing: the form starts from the schedule; a count or verify share left empty is sent as 0, which clears it", assert => {
        const form = scheduleForm({ Machine: "", Tag: "prod", Frequency: "weekly", Weekday: 5, Time: "03:15", Keep: { last: 3, daily: 0, weekly: 4 }, VerifyPercent: 10 });
        assert.deepEqual(form, { target: "tag", machine: "", tag: "prod", frequency: "weekly", weekday: 5, time: "03:15", keep: { last: "3", weekly: "4" }, verifyPercent: "10" });
        assert.deepEqual(scheduleUpdateOptions({ ...form, keep: { weekly: "4" }, verifyPercent: "" }), {
            tag: { t: "s", v: "prod" }, frequency: { t: "s", v: "weekly" }, time: { t: "s", v: "03:15" }, weekday: { t: "u", v: 5 },
            "keep-weekly": { t: "u", v: 4 }, "keep-last": { t: "u", v: 0 }, "keep-hourly": { t: "u", v: 0 }, "keep-daily": { t: "u", v: 0 },
            "keep-monthly": { t: "u", v: 0 }, "keep-yearly": { t: "u", v: 0 }, "verify-percent": { t: "u", v: 0 },
        });
    });

    QUnit.test("history: schedule runs by name, jobs by who started them, newest first; other records left out", assert => {
        const record = (Seq: number, Method: string, Result: string, User = "debvisord", Arguments = "null") =>
            ({ Seq, Time: Seq * 1_000_000, User, Method, Arguments, Result });
        const entries = historyEntries([
            record(3, "Job.machine-backup", "failed: restic: unable to open repository: no such directory", "alice"),
            record(5, "BackupSchedule.Run", "succeeded: Backed up web01 to nas\nRetention kept all 2 of the schedule's backups", "debvisord", "[\"nightly\",\"due\"]"),
            record(4, "BackupSchedule.RunNow", "ok", "alice"),
            record(1, "Job.machine-restore", "cancelled: Cancelled", "bob"),
            record(2, "Job.backup-schedule", "succeeded: the schedule's own record says it"),
        ]);
        assert.deepEqual(entries.map(e => [e.seq, e.kind, e.who, e.result]), [
            [5, "schedule", "nightly", "succeeded"], [3, "backup", "alice", "failed"], [1, "restore", "bob", "cancelled"],
        ]);
        assert.equal(entries[0].message, "Backed up web01 to nas\nRetention kept all 2 of the schedule's backups");
        assert.equal(entries[1].message, "restic: unable to open repository: no such directory");
        assert.equal(entries[0].time, 5000);
    });

    QUnit.test("the Add repository form: a location of its kind, a REST login whole or absent, both S3 keys; only its kind's options sent", assert => {
        const form = (over: Partial<RepositoryForm>): RepositoryForm => ({ kind: "local", location: "/srv/r", sshKey: "", user: "", secret: "", caCertificate: "", ...over });
        assert.true(locationFitsKind("rest", "rest:https://h:8000/p"));
        assert.false(locationFitsKind("rest", "/srv/r"), "a path is not a REST server's location");
        assert.false(locationFitsKind("s3", "s3:bucket"));
        assert.true(repositoryFormReady(form({})));
        assert.false(repositoryFormReady(form({ kind: "sftp" })), "an SFTP repository is not at a path");
        assert.true(repositoryFormReady(form({ kind: "rest", location: "rest:http://h/" })), "a REST server without a login");
        assert.false(repositoryFormReady(form({ kind: "rest", location: "rest:http://h/", user: "alice" })), "a user without a password");
        assert.false(repositoryFormReady(form({ kind: "s3", location: "s3:https://h/bucket", user: "KEY" })), "S3 needs both keys");
        assert.true(repositoryFormReady(form({ kind: "s3", location: "s3:https://h/bucket", user: "KEY", secret: "SECRET" })));

        // what was typed for another kind before switching is not sent
        assert.deepEqual(repositoryOptions(form({ sshKey: "key", user: "u", secret: "s", caCertificate: "ca" })), {});
        assert.deepEqual(repositoryOptions(form({ kind: "sftp", location: "sftp:u@h:/p", sshKey: "-----BEGIN KEY-----\nx\n-----END KEY-----\n\n" })),
            { "ssh-private-key": { t: "s", v: "-----BEGIN KEY-----\nx\n-----END KEY-----\n" } });
        assert.deepEqual(repositoryOptions(form({ kind: "rest", location: "rest:https://h/", user: "alice", secret: "pw", caCertificate: "CA" })),
            { "rest-user": { t: "s", v: "alice" }, "rest-password": { t: "s", v: "pw" }, "ca-certificate": { t: "s", v: "CA\n" } });
        assert.deepEqual(repositoryOptions(form({ kind: "s3", location: "s3:http://h/b", user: "KEY", secret: "SECRET", caCertificate: "CA" })),
            { "s3-access-key-id": { t: "s", v: "KEY" }, "s3-secret-access-key": { t: "s", v: "SECRET" } }, "no CA certificate over http");
    });
});
