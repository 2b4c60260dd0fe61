// The audit log in segments: rotation by size and by age, the seal record
// that opens each new segment, tail and recovery across a rotation, and
// verification of the whole series naming the segment and line of every kind
// of tampering.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import QUnit from "qunit";
import { AuditLog, type AuditEntry } from "../../helpers/debvisord/audit/audit-log.js";
import { parseRecord } from "../../helpers/lib/audit-chain.js";
import { listSegments, PRUNE_METHOD, pruneFields, SEAL_METHOD, verifySegments } from "../../helpers/lib/audit-segments.js";

const entry = (i: number): AuditEntry => ({
    uid: 1000, loginuid: 1000, user: "ana", method: "Manager.ImportImage", object: "/org/debvisor/DebVisor1/manager",
    phase: "begin", result: "", args: [`image-${i}`, "ünïcødé"],
});

/* A log of `n` appended records rotated every ~`maxBytes`. */
async function makeLog(dir: string, n: number, maxBytes = 2000): Promise<{ file: string; log: AuditLog }> {
    const file = path.join(dir, "audit.jsonl");
    const log = AuditLog.open(file, { maxBytes, maxAgeMs: 3600_000 });
    for (let i = 0; i < n; i++)
        await log.append(entry(i));
    return { file, log };
}

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../dist/debvisorctl.js");
const NO_BUS = { ...process.env, DBUS_SYSTEM_BUS_ADDRESS: "unix:path=/nonexistent/system_bus_socket" };

const lines = (file: string) => fs.readFileSync(file, "utf8").trimEnd().split("\n");
const writeLines = (file: string, l: string[]) => {
    fs.chmodSync(file, 0o600);
    fs.writeFileSync(file, l.join("\n") + "\n");
};

QUnit.module("compliance: audit segments", hooks => {
    let dir = "";
    hooks.beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), "dv-segments-")) });
    hooks.afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    QUnit.test("rotation by size: sealed segments named by their first record, each next one opened by its seal", async assert => {
        const { file, log } = await makeLog(dir, 60);
        const segments = listSegments(file);
        assert.true(segments.length >= 4, `${segments.length} segments`);
        assert.true(segments[segments.length - 1].live);
        assert.equal(segments[0].name, "audit-000000000001.jsonl");
        for (const s of segments.filter(s => !s.live)) {
            assert.equal(fs.statSync(s.path).mode & 0o777, 0o400, `${s.name} is read-only once sealed`);
            assert.true(fs.statSync(s.path).size < 2000 + 600, `${s.name} stays near the limit`);
        }
        for (let i = 1; i < segments.length; i++) {
            const seal = parseRecord(lines(segments[i].path)[0]);
            const before = lines(segments[i - 1].path);
            const last = parseRecord(before[before.length - 1]);
            assert.equal(seal.method, SEAL_METHOD);
            assert.equal(seal.phase, "sealed");
            assert.deepEqual(seal.args, {
                segment: segments[i - 1].name, firstSeq: segments[i - 1].firstSeq, lastSeq: last.seq, lastHash: last.hash,
                bytes: fs.statSync(segments[i - 1].path).size,
            });
            assert.equal(seal.prev, last.hash, "the chain runs on across the rotation");
        }
        const result = verifySegments(file);
        assert.true(result.ok, JSON.stringify(result));
        assert.equal(result.lastSeq, log.recordCount);
        assert.equal(result.head, log.chainHead);
        assert.equal(result.segments.filter(s => s.sealed).length, segments.length - 1);
        const tail = log.tail(30);
        assert.deepEqual(tail.map(r => r.seq), Array.from({ length: 30 }, (_, i) => log.recordCount - 29 + i), "tail reads across segments");
    });

    QUnit.test("rotation by age, also of an idle log", async assert => {
        const file = path.join(dir, "audit.jsonl");
        // long enough that a loaded machine cannot make it due before the first check
        const log = AuditLog.open(file, { maxBytes: 1 << 30, maxAgeMs: 1500 });
        await log.append(entry(1));
        assert.equal(log.rotateIfDue(), null, "not due yet");
        await new Promise(r => setTimeout(r, 1600));
        await log.rotateIfDue();
        assert.equal(listSegments(file).length, 2);
        assert.equal(parseRecord(lines(file)[0]).method, SEAL_METHOD);
        assert.equal(lines(file).length, 1, "the new live segment holds only its seal");
        assert.equal(log.rotateIfDue(), null, "the seal alone is not rotated again");
        assert.true(verifySegments(file).ok);
    });

    QUnit.test("reopening after the daemon died between the rename and the seal writes the seal first", async assert => {
        const { file } = await makeLog(dir, 20);
        const before = verifySegments(file);
        // as a crash right after the rename leaves it: no live file
        const liveFirst = parseRecord(lines(file)[0]).seq;
        fs.renameSync(file, path.join(dir, `audit-${String(liveFirst).padStart(12, "0")}.jsonl`));
        const resumed = AuditLog.open(file, { maxBytes: 2000, maxAgeMs: 3600_000 });
        await resumed.append(entry(100));
        const seal = parseRecord(lines(file)[0]);
        assert.equal(seal.method, SEAL_METHOD, "the missing seal is written first");
        assert.equal((seal.args as { lastSeq: number }).lastSeq, before.lastSeq);
        const after = verifySegments(file);
        assert.true(after.ok, JSON.stringify(after));
        assert.equal(after.lastSeq, before.lastSeq + 2, "the seal and the new record");
    });

    QUnit.test("tampering in any segment is named by segment and line", async assert => {
        await makeLog(dir, 60);
        const file = path.join(dir, "audit.jsonl");
        const pristine = new Map(listSegments(file).map(s => [s.path, fs.readFileSync(s.path, "utf8")]));
        const restore = () => {
            for (const f of fs.readdirSync(dir)) fs.rmSync(path.join(dir, f), { force: true });
            for (const [p, text] of pristine) fs.writeFileSync(p, text, { mode: 0o600 });
        };
        const segments = listSegments(file);
        const middle = segments[1];
        const m = lines(middle.path);

        const check = (label: string, tamper: () => void, segment: string, line: number, reason: RegExp) => {
            restore();
            tamper();
            const result = verifySegments(file);
            assert.false(result.ok, label);
            assert.equal(result.segment, segment, `${label}: ${result.reason}`);
            assert.equal(result.brokenLine, line, `${label}: ${result.reason}`);
            assert.true(reason.test(result.reason ?? ""), `${label}: ${result.reason}`);
        };
        check("one byte changed", () => writeLines(middle.path, m.map((l, i) => i === 2 ? l.replace("image-", "imagE-") : l)),
            middle.name, 3, /content was changed/);
        check("a record deleted", () => writeLines(middle.path, m.filter((_, i) => i !== 2)), middle.name, 3, /does not follow/);
        check("two records swapped", () => writeLines(middle.path, [m[0], m[2], m[1], ...m.slice(3)]), middle.name, 2, /does not follow/);
        check("the tail of a sealed segment cut", () => writeLines(middle.path, m.slice(0, -2)), middle.name, m.length - 1,
            /ends at record \d+, but its seal in .* says it ends at record \d+.*cut from its end/);
        check("the live tail torn", () => fs.appendFileSync(file, lines(file)[0].slice(0, 40)), "audit.jsonl", lines(file).length + 1,
            /not terminated|not an audit record/);
        check("a whole middle segment removed", () => fs.rmSync(middle.path), segments[2].name, 1,
            new RegExp(`segment before it, ${middle.name} \\(records ${middle.firstSeq} to \\d+\\), is missing`));
        check("the first segment removed", () => fs.rmSync(segments[0].path), middle.name, 1,
            /audit-000000000001.jsonl .* is missing, and no retention record says it was deleted/);
        check("a segment renamed out of place", () => fs.renameSync(middle.path, path.join(dir, "audit-000000000002.jsonl")),
            "audit-000000000002.jsonl", 1, /the seal of audit-000000000001.jsonl|name says it begins at record 2/);
        restore();
        assert.true(verifySegments(file).ok, "the untouched series verifies");
    });

    QUnit.test("a pruned beginning verifies when the chain records the deletion", async assert => {
        const { file, log } = await makeLog(dir, 40);
        const oldest = listSegments(file)[0];
        const old = lines(oldest.path);
        const last = parseRecord(old[old.length - 1]);
        const seal = { segment: oldest.name, firstSeq: 1, lastSeq: last.seq, lastHash: last.hash, bytes: fs.statSync(oldest.path).size };
        fs.rmSync(oldest.path);
        assert.false(verifySegments(file).ok, "deleted without a record");
        await log.append(pruneFields(seal, "older than 30 days"));
        const result = verifySegments(file);
        assert.true(result.ok, JSON.stringify(result));
        assert.equal(result.firstSeq, last.seq + 1);
        assert.deepEqual(result.pruned.map(p => p.segment), [oldest.name]);
        assert.equal(parseRecord(lines(file).pop()!).method, PRUNE_METHOD);
        // a prune record that names another hash does not account for the gap
        fs.rmSync(dir, { recursive: true, force: true });
        fs.mkdirSync(dir);
        const other = await makeLog(dir, 40);
        fs.rmSync(listSegments(other.file)[0].path);
        await other.log.append(pruneFields({ ...seal, lastHash: "f".repeat(64) }, "forged"));
        assert.false(verifySegments(other.file).ok, "a prune record with the wrong hash");
    });

    QUnit.test("debvisorctl audit verify --segments checks a copied series offline and names a missing segment", async assert => {
        const { file, log } = await makeLog(dir, 40);
        const run = (...args: string[]) => spawnSync(process.execPath, [CLI, "audit", "verify", ...args], { encoding: "utf8", env: NO_BUS, timeout: 30_000 });
        const ok = run("--segments", file);
        assert.equal(ok.status, 0, ok.stderr);
        const count = listSegments(file).length;
        assert.equal(ok.stdout, `OK: ${log.recordCount} records in ${count} segments (records 1 to ${log.recordCount}), chain head ${log.chainHead}\n`);
        const json = JSON.parse(run("--segments", "--json", file).stdout);
        assert.deepEqual([json.ok, json.segments.length, json.head], [true, count, log.chainHead]);
        const second = listSegments(file)[1];
        fs.rmSync(second.path);
        const bad = run("--segments", file);
        assert.equal(bad.status, 1);
        assert.true(new RegExp(`${listSegments(file)[1].name}: line 1: the segment before it, ${second.name} .* is missing`).test(bad.stderr), bad.stderr);
        const single = run(listSegments(file)[0].path);
        assert.equal(single.status, 0, `one segment alone still verifies: ${single.stderr}`);
        const later = listSegments(file)[2];
        const sealedOne = run(later.path);
        assert.equal(sealedOne.status, 0, sealedOne.stderr);
        assert.true(/^OK: \d+ records, chain head [0-9a-f]{64} \(a segment: it continues audit-\d{12}\.jsonl, which is not checked here\)\n$/.test(sealedOne.stdout), sealedOne.stdout);
        writeLines(later.path, lines(later.path).filter((_, i) => i !== 3));
        const broken = run(later.path);
        assert.equal(broken.status, 1);
        assert.true(broken.stderr.includes(`${later.name}: line 4: does not follow`), broken.stderr);
    });
});
