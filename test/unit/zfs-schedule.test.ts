import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import QUnit from "qunit";
import { periodStart, planSnapshots, readSchedule, scheduleSchema, scrubKey, scrubsDue, snapshotName, writeSchedule } from "../../helpers/debvisord/zfs/schedule.js";

const at = (y: number, mo: number, d: number, h: number, mi = 0) => new Date(y, mo - 1, d, h, mi);

QUnit.module("zfs: snapshot and scrub schedule", () => {
    QUnit.test("names sort by time; periods start on the hour, day, Monday, first of the month", assert => {
        assert.equal(snapshotName("daily", at(2026, 12, 2, 1, 5)), "autosnap-daily-20261202-0105");
        assert.deepEqual(periodStart("weekly", at(2026, 12, 2, 13)), at(2026, 11, 30, 0), "Wednesday 2 December → Monday 30 November");
        assert.deepEqual(periodStart("monthly", at(2026, 12, 2, 13)), at(2026, 12, 1, 0));
        assert.deepEqual(periodStart("hourly", at(2026, 12, 2, 13, 59)), at(2026, 12, 2, 13));
    });

    QUnit.test("takes what is due, keeps the newest N of each period, never touches other snapshots", assert => {
        const schedule = { snapshots: { "tank/vm": { hourly: 2, daily: 1 } } };
        const existing = new Map([["tank/vm", [
            "manual-1", "autosnap-hourly-20261202-1000", "autosnap-hourly-20261202-1100", "autosnap-daily-20261202-0000",
        ]], ["tank/other", ["autosnap-hourly-20200101-0000"]]]);
        const plan = planSnapshots(schedule, existing, at(2026, 12, 2, 12, 0));
        assert.deepEqual(plan.take, [{ dataset: "tank/vm", name: "autosnap-hourly-20261202-1200", recursive: false }], "the daily one exists for today");
        assert.deepEqual(plan.destroy, [{ snapshot: "tank/vm@autosnap-hourly-20261202-1000", recursive: false }]);
        const again = planSnapshots(schedule, new Map([["tank/vm", ["autosnap-hourly-20261202-1100", "autosnap-hourly-20261202-1200", "autosnap-daily-20261202-0000"]]]),
            at(2026, 12, 2, 12, 30));
        assert.deepEqual(again, { take: [], destroy: [] }, "nothing twice in one hour");
        assert.deepEqual(planSnapshots(schedule, new Map(), at(2026, 12, 2, 12)), { take: [], destroy: [] }, "a missing dataset is left alone");
    });

    QUnit.test("a count lowered to 0 removes that period's snapshots", assert => {
        const plan = planSnapshots({ snapshots: { "tank/a": { weekly: 0, recursive: true } } },
            new Map([["tank/a", ["autosnap-weekly-20261130-0000"]]]), at(2026, 12, 2, 12));
        assert.deepEqual(plan, { take: [], destroy: [{ snapshot: "tank/a@autosnap-weekly-20261130-0000", recursive: true }] });
    });

    QUnit.test("the weekly scrub is due once in its hour", assert => {
        const schedule = { scrub: { tank: { weekday: 3, hour: 2 }, other: { weekday: 0, hour: 2 } } };
        const now = at(2026, 12, 2, 2, 10); // a Wednesday
        assert.deepEqual(scrubsDue(schedule, now, new Set()), ["tank"]);
        assert.deepEqual(scrubsDue(schedule, now, new Set([scrubKey("tank", now)])), []);
        assert.deepEqual(scrubsDue(schedule, at(2026, 12, 2, 3), new Set()), []);
    });

    QUnit.test("the schema refuses bad names and counts; the file is replaced whole", assert => {
        assert.false(scheduleSchema.safeParse({ snapshots: { "tank/a b": { daily: 1 } } }).success);
        assert.false(scheduleSchema.safeParse({ snapshots: { "tank/a": { daily: -1 } } }).success);
        assert.false(scheduleSchema.safeParse({ snapshots: { "tank/a": { yearly: 1 } } }).success);
        assert.false(scheduleSchema.safeParse({ scrub: { tank: { weekday: 7, hour: 1 } } }).success);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dv-zfs-schedule-"));
        const file = path.join(dir, "zfs-schedule.json");
        const schedule = { snapshots: { "tank/a": { daily: 7, weekly: 4 } }, scrub: { tank: { weekday: 0, hour: 3 } } };
        writeSchedule(schedule, file);
        assert.deepEqual(readSchedule(file), schedule);
        assert.deepEqual(fs.readdirSync(dir), ["zfs-schedule.json"], "no temporary file left");
        fs.writeFileSync(file, "{broken");
        assert.deepEqual(readSchedule(file), {}, "a broken file reads as no schedule");
        fs.rmSync(dir, { recursive: true });
    });
});
