// The audit query index against a brute-force filter of the same records:
// every filter, paging to the end, records committed while the index is
// built, across rotations; and which segments retention may delete.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import QUnit from "qunit";
import { AuditIndex, outcomeOf, type AuditFilter } from "../../helpers/debvisord/audit/audit-index.js";
import { AuditLog, type AuditEntry } from "../../helpers/debvisord/audit/audit-log.js";
import { isExported } from "../../helpers/debvisord/audit/audit-settings.js";
import { segmentsToPrune } from "../../helpers/debvisord/audit/retention.js";
import { claimedLogin, parseRecord, type AuditRecord } from "../../helpers/lib/audit-chain.js";
import { listSegments, verifySegments } from "../../helpers/lib/audit-segments.js";
import { AuditObject } from "../../helpers/debvisord/audit/audit-object.js";
import type { ObjectServer } from "../../helpers/debvisord/bus/object-server.js";
import type { JobRegistry } from "../../helpers/debvisord/jobs/jobs.js";

const USERS = ["ana", "bob", "root", "carol"];
const METHODS = ["Manager.ImportImage", "Machine.Start", "Machine.Delete", "Job.Cancel"];

function entry(i: number): AuditEntry {
    const phases = ["begin", "end", "denied", "invalid", "end"] as const;
    const phase = phases[i % phases.length];
    return {
        uid: 1000 + (i % 4), loginuid: 1000, user: USERS[i % USERS.length], loginuser: i % 7 === 0 ? "dave" : undefined,
        method: METHODS[(i >> 1) % METHODS.length], object: `/org/debvisor/DebVisor1/machines/vm${i % 13}`, phase,
        result: phase === "end" ? (i % 3 === 0 ? "Failed: no such disk" : "ok") : "", args: [`x${i}`],
    };
}

function allRecords(file: string): AuditRecord[] {
    return listSegments(file).flatMap(s => fs.readFileSync(s.path, "utf8").trimEnd().split("\n").map(parseRecord));
}

function bruteForce(records: AuditRecord[], f: AuditFilter): AuditRecord[] {
    return records.filter(r =>
        (f.user === undefined || r.user === f.user || claimedLogin(r).user === f.user) &&
        (f.action === undefined || r.method.toLowerCase().includes(f.action.toLowerCase())) &&
        (f.object === undefined || r.object.toLowerCase().includes(f.object.toLowerCase())) &&
        (f.result === undefined || outcomeOf(r.phase, r.result) === f.result) &&
        (f.since === undefined || Date.parse(r.time) >= f.since) &&
        (f.until === undefined || Date.parse(r.time) <= f.until)).reverse();
}

QUnit.module("compliance: audit query index", hooks => {
    let dir = "";
    hooks.beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), "dv-query-")) });
    hooks.afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    QUnit.test("every filter and paging to the end match a brute-force search, across segments", async assert => {
        const file = path.join(dir, "audit.jsonl");
        const log = AuditLog.open(file, { maxBytes: 8000, maxAgeMs: 3600_000 });
        for (let i = 0; i < 150; i++)
            await log.append(entry(i));
        // a daemon restarted: the index is built from the files, and records arrive while it is built
        const reopened = AuditLog.open(file, { maxBytes: 8000, maxAgeMs: 3600_000 });
        const index = new AuditIndex(reopened);
        const building = index.start();
        const late = Promise.all(Array.from({ length: 50 }, (_, i) => reopened.append(entry(150 + i))));
        await building;
        await late;
        await reopened.drain();
        assert.true(listSegments(file).length > 3, "several segments");
        const records = allRecords(file);
        assert.equal(index.size, records.length, "every record is indexed once");
        const middle = Date.parse(records[60].time);
        const filters: AuditFilter[] = [
            {}, { user: "ana" }, { user: "dave" }, { user: "nobody" }, { action: "machine." }, { action: "Delete", user: "bob" },
            { object: "VM1" }, { result: "failed" }, { result: "denied", action: "Machine" }, { result: "system" },
            { since: middle }, { until: middle }, { since: middle, until: middle + 5, user: "root" },
        ];
        for (const filter of filters) {
            const expected = bruteForce(records, filter);
            const seen: number[] = [];
            let before = 0;
            for (let pages = 0; pages < 100; pages++) {
                const page = await index.query(filter, 7, before);
                assert.equal(page.total, expected.length, `total for ${JSON.stringify(filter)}`);
                seen.push(...page.records.map(r => r.seq));
                if (page.nextBefore === 0)
                    break;
                before = page.nextBefore;
            }
            assert.deepEqual(seen, expected.map(r => r.seq), `pages of ${JSON.stringify(filter)}`);
        }
        const first = await index.query({ user: "ana" }, 3, 0);
        assert.deepEqual(first.records[0], bruteForce(records, { user: "ana" })[0], "whole records are returned");
        const facets = index.facets();
        assert.deepEqual(facets.users, ["ana", "bob", "carol", "debvisord", "root"]);
        assert.true(facets.actions.includes("AuditLog.Seal"));
    });

    QUnit.test("retention deletes only the oldest sealed, exported segments past the period", assert => {
        const day = 86_400_000, now = 100 * day;
        const seg = (name: string, firstSeq: number, lastSeq: number, lastTime: number) => ({ name, firstSeq, lastSeq, lastTime, bytes: 1 });
        const segments = [seg("a", 1, 10, 10 * day), seg("b", 11, 20, 20 * day), seg("c", 21, 30, 95 * day), seg("live", 31, 40, 99 * day)];
        const names = (s: Array<{ name: string }>) => s.map(x => x.name);
        assert.deepEqual(names(segmentsToPrune(segments, [[1, 30]], 30 * day, now)), ["a", "b"], "c is too young");
        assert.deepEqual(names(segmentsToPrune(segments, [[1, 15]], 30 * day, now)), ["a"], "b is only partly exported");
        assert.deepEqual(names(segmentsToPrune(segments, [[11, 20]], 30 * day, now)), [], "a was never exported: nothing after it goes either");
        assert.deepEqual(names(segmentsToPrune(segments, [[1, 40]], 0, now)), ["a", "b", "c"], "never the live segment");
        assert.true(isExported([[1, 5], [6, 12]], 2, 12), "adjacent ranges join");
        assert.false(isExported([[1, 5], [7, 12]], 2, 12), "a gap");
    });
});

QUnit.module("compliance: retention on a real log", hooks => {
    let dir = "";
    hooks.beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), "dv-retention-")) });
    hooks.afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    QUnit.test("prune deletes old exported segments only, records each deletion first, and the log still verifies", async assert => {
        const file = path.join(dir, "log/audit.jsonl");
        const log = AuditLog.open(file, { maxBytes: 4000, maxAgeMs: 3600_000 });
        for (let i = 0; i < 80; i++)
            await log.append(entry(i));
        // the bus is not part of this test: an object server that only takes what the Audit object announces
        const server = { rootPath: "/org/debvisor/DebVisor1", publish: () => undefined } as unknown as ObjectServer;
        const jobs = {} as JobRegistry;
        const paths = { config: path.join(dir, "audit.json"), exported: path.join(dir, "exported.json"), evidenceDir: path.join(dir, "evidence"), signingKey: path.join(dir, "key") };
        const segments = listSegments(file);
        assert.true(segments.length >= 4, `${segments.length} segments`);
        const thirdLast = parseRecord(fs.readFileSync(segments[2].path, "utf8").trimEnd().split("\n").pop()!).seq;
        // exported up to the end of the third segment
        fs.writeFileSync(paths.exported, JSON.stringify([[1, thirdLast]]));
        fs.writeFileSync(paths.config, JSON.stringify({ retentionDays: 30, segmentMaxBytes: 65536, segmentMaxHours: 24, forwardSyslog: false }));
        const audit = new AuditObject(server, log, jobs, paths, async f => verifySegments(f));
        assert.deepEqual(await audit.prune(Date.now()), [], "nothing is 30 days old yet");
        const deleted = await audit.prune(Date.now() + 31 * 86_400_000);
        assert.deepEqual(deleted, segments.slice(0, 3).map(s => s.name), "the three exported segments, not the unexported fourth");
        assert.false(fs.existsSync(segments[0].path));
        assert.true(fs.existsSync(segments[3].path));
        const result = verifySegments(file);
        assert.true(result.ok, JSON.stringify(result));
        assert.deepEqual(result.pruned.map(p => p.segment), deleted, "each deletion is in the chain");
        assert.equal(result.firstSeq, thirdLast + 1);
        const page = await audit.index.query({}, 1000, 0);
        assert.equal(page.records.at(-1)!.seq, thirdLast + 1, "the index forgot the deleted records");
        assert.equal(fs.statSync(paths.signingKey).mode & 0o777, 0o600, "the signing key was made, root's alone");
    });
});
