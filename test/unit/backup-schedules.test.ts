import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import QUnit from "qunit";
import { fileClock } from "../../helpers/debvisord/clock.js";
import { ScheduleStore } from "../../helpers/debvisord/backups/schedule-store.js";
import { applyOptions, isDue, lastDue, nextDue, resticTime, retentionArgs, ScheduleError, type ScheduleRecord } from "../../helpers/debvisord/backups/schedules.js";
import { readTags, tagsMetadata, TAGS_XMLNS } from "../../helpers/debvisord/machines/machine-tags.js";
import { describeDomain } from "../../helpers/debvisord/machines/domain-xml.js";

const at = (y: number, mo: number, d: number, h: number, mi = 0) => new Date(y, mo - 1, d, h, mi);

function schedule(over: Partial<ScheduleRecord> = {}): ScheduleRecord {
    return {
        name: "nightly", repository: "r", machine: "", tag: "web", frequency: "daily", weekday: 0, time: "02:00", keep: {},
        created: at(2026, 12, 1, 12).getTime(), createdByUid: 0, lastDue: 0, lastRun: 0, lastResult: "", lastMessage: "", ...over,
    };
}

QUnit.module("backups: schedules and retention", () => {
    QUnit.test("daily: due at the time of the day, the next one tomorrow", assert => {
        const s = schedule();
        assert.deepEqual(lastDue(s, at(2026, 12, 2, 1, 59)), at(2026, 12, 1, 2), "before 02:00: yesterday's");
        assert.deepEqual(lastDue(s, at(2026, 12, 2, 2, 0)), at(2026, 12, 2, 2), "at 02:00: today's");
        assert.deepEqual(nextDue(s, at(2026, 12, 2, 2, 0)), at(2026, 12, 3, 2));
        assert.deepEqual(nextDue(s, at(2026, 12, 2, 1, 0)), at(2026, 12, 2, 2));
    });

    QUnit.test("weekly: on its weekday only", assert => {
        const s = schedule({ frequency: "weekly", weekday: 0, time: "23:30" }); // Sunday
        // Wednesday 2 December 2026 → Sunday 29 November
        assert.deepEqual(lastDue(s, at(2026, 12, 2, 12)), at(2026, 11, 29, 23, 30));
        assert.deepEqual(nextDue(s, at(2026, 12, 2, 12)), at(2026, 12, 6, 23, 30));
        assert.deepEqual(lastDue(s, at(2026, 12, 6, 23, 29)), at(2026, 11, 29, 23, 30), "a minute early: last week's");
    });

    QUnit.test("due once per moment, never for a moment before the schedule was made, a missed run made up once", assert => {
        const s = schedule({ created: at(2026, 12, 1, 12).getTime() });
        assert.equal(isDue(s, at(2026, 12, 1, 23)), null, "made at noon: the 02:00 of that day does not count");
        const due = isDue(s, at(2026, 12, 2, 2, 0, ));
        assert.deepEqual(due, at(2026, 12, 2, 2));
        assert.equal(isDue({ ...s, lastDue: due!.getTime() }, at(2026, 12, 2, 2, 1)), null, "not twice");
        assert.deepEqual(isDue({ ...s, lastDue: due!.getTime() }, at(2026, 12, 5, 9)), at(2026, 12, 5, 2), "days later: once, for the latest");
    });

    QUnit.test("options: machine and tag replace each other, a zero count removes a keep, one target is required", assert => {
        const base = { machine: "", tag: "web", frequency: "daily" as const, weekday: 0, time: "02:00", keep: { daily: 7, last: 2 } };
        const uuid = "0d4c6e2a-1b3c-4d5e-8f90-123456789abc";
        assert.deepEqual(applyOptions(base, { machine: uuid, "keep-last": 0, "keep-weekly": 4 }),
            { ...base, machine: uuid, tag: "", keep: { daily: 7, weekly: 4 } });
        assert.throws(() => applyOptions(base, { machine: uuid, tag: "x" }), ScheduleError);
        assert.throws(() => applyOptions({ ...base, tag: "" }, {}), /give the machine to back up/);
        assert.deepEqual(base.keep, { daily: 7, last: 2 }, "the record given is not changed");
    });

    QUnit.test("retention as restic forget's arguments; restic's time format", assert => {
        assert.deepEqual(retentionArgs({ daily: 7, last: 2, monthly: 0 }), ["--keep-last", "2", "--keep-daily", "7"]);
        assert.deepEqual(retentionArgs({}), []);
        assert.equal(resticTime(at(2026, 1, 2, 3, 4)), "2026-01-02 03:04:00");
    });

    QUnit.test("the test clock reads its file, the system's time when the file holds none", assert => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dv-clock-"));
        const file = path.join(dir, "now");
        const clock = fileClock(file);
        assert.true(Math.abs(clock.now().getTime() - Date.now()) < 5000, "no file: now");
        fs.writeFileSync(file, "2027-03-04T05:06:07Z\n");
        assert.equal(clock.now().toISOString(), "2027-03-04T05:06:07.000Z");
        fs.rmSync(dir, { recursive: true });
    });
});

QUnit.module("machines: tags in the domain's metadata", () => {
    QUnit.test("read by namespace whatever the prefix, sorted and unique; other metadata ignored", assert => {
        const xml = (meta: string) => `<domain type="kvm"><name>a</name><uuid>u</uuid><metadata>${meta}</metadata><devices/></domain>`;
        assert.deepEqual(describeDomain(xml(`<x:tags xmlns:x="${TAGS_XMLNS}"><x:tag name="web"/><x:tag name="db"/><x:tag name="web"/><x:tag name="bad name"/></x:tags>`)).tags,
            ["db", "web"]);
        assert.deepEqual(describeDomain(xml(`<y:tags xmlns:y="https://example.org/other"><y:tag name="web"/></y:tags>`)).tags, [], "another application's tags");
        assert.deepEqual(describeDomain(xml("")).tags, []);
        assert.deepEqual(readTags(undefined), []);
        assert.equal(tagsMetadata(["a", "b"]), `<tags><tag name="a"/><tag name="b"/></tags>`);
    });
});

QUnit.module("backups: the schedules file", () => {
    QUnit.test("kept whole; a file that cannot be read is an error that names it, never an empty list", assert => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dv-schedules-"));
        const store = new ScheduleStore(dir);
        assert.deepEqual(store.list(), [], "no file: no schedules");
        const record = { name: "a", repository: "r", machine: "", tag: "web", frequency: "daily" as const, weekday: 0, time: "02:00", keep: { last: 1 },
            created: 1, createdByUid: 0, lastDue: 0, lastRun: 0, lastResult: "" as const, lastMessage: "" };
        store.put(record);
        store.put({ ...record, lastRun: 5 });
        assert.deepEqual(store.list(), [{ ...record, lastRun: 5 }], "replaced by name");
        assert.equal(fs.statSync(path.join(dir, "schedules.json")).mode & 0o777, 0o600);
        fs.writeFileSync(path.join(dir, "schedules.json"), "");
        assert.throws(() => store.list(), /schedules\.json cannot be read .*fix or remove the file/);
        assert.throws(() => store.put(record), /cannot be read/, "nor overwritten");
        assert.equal(fs.readFileSync(path.join(dir, "schedules.json"), "utf8"), "");
        fs.rmSync(dir, { recursive: true });
    });
});
