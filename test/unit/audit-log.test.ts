import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import QUnit from "qunit";
import { claimedLogin, formatRecord, GENESIS, NO_LOGINUID, verifyFile } from "../../helpers/lib/audit-chain.js";
import { AuditLog, type AuditEntry } from "../../helpers/debvisord/audit/audit-log.js";

const entry = (i: number): AuditEntry => ({
    uid: 1000, loginuid: 1000, user: "ana", method: "Manager.ImportImage", object: "/org/debvisor/DebVisor1/manager",
    phase: "begin", result: "", args: [`image-${i}`],
});

QUnit.module("audit log (group commit, recovery)", hooks => {
    let dir = "";
    hooks.beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), "auditlog-")) });
    hooks.afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    QUnit.test("concurrent appends land in call order, 0600, and verify", async assert => {
        const file = path.join(dir, "sub/audit.jsonl");
        const log = AuditLog.open(file);
        const results = await Promise.all(Array.from({ length: 500 }, (_, i) => log.append(entry(i))));
        assert.deepEqual(results.map(r => r.seq), Array.from({ length: 500 }, (_, i) => i + 1));
        assert.equal(fs.statSync(file).mode & 0o777, 0o600);
        const verified = verifyFile(file);
        assert.true(verified.ok);
        assert.equal(verified.records, 500);
        assert.equal(verified.head, log.chainHead);
        assert.deepEqual(log.tail(2).map(r => (r.args as string[])[0]), ["image-498", "image-499"]);
    });

    QUnit.test("a login uid is recorded only as the caller's claim, beside the uid; records of the old layout still verify", async assert => {
        const file = path.join(dir, "audit.jsonl");
        // a log written before the claim was labelled: loginuid and loginuser as plain fields
        const old = formatRecord(GENESIS, { seq: 1, time: new Date().toISOString(), uid: 0, loginuid: 1000, user: "root", loginuser: "ana",
            method: "Manager.ImportImage", object: "/org/debvisor/DebVisor1/manager", phase: "begin", result: "" });
        fs.writeFileSync(file, old.line + "\n", { mode: 0o600 });
        const log = AuditLog.open(file);
        await log.append({ ...entry(2), uid: 1004, user: "eve", loginuid: 1000, loginuser: "ana" });
        await log.append({ ...entry(3), loginuid: NO_LOGINUID, loginuser: "" });
        const lines = fs.readFileSync(file, "utf8").trimEnd().split("\n").map(l => JSON.parse(l) as Record<string, unknown>);
        assert.equal(lines[1].uid, 1004);
        assert.equal(lines[1].user, "eve", "the identity is the uid the bus vouched for");
        assert.equal(lines[1].loginuid_claimed, 1000);
        assert.equal(lines[1].loginuser_claimed, "ana", "the login user is labelled a claim");
        assert.false("loginuid" in lines[1] || "loginuser" in lines[1], "no unlabelled login fields in a new record");
        assert.false("loginuid_claimed" in lines[2] || "loginuser_claimed" in lines[2], "no claim when the login uid is unset");
        assert.deepEqual(log.tail(3).map(r => claimedLogin(r).user), ["ana", "ana", ""], "old records' login user reads as a claim too");
        const verified = verifyFile(file);
        assert.true(verified.ok, verified.reason);
        assert.equal(verified.records, 3);
    });

    QUnit.test("the announced head and count are those of records already on disk", async assert => {
        const file = path.join(dir, "audit.jsonl");
        const log = AuditLog.open(file);
        await log.append(entry(1));
        const head = log.chainHead;
        const pending = log.append(entry(2));
        assert.equal(log.recordCount, 1, "a queued record is not counted yet");
        assert.equal(log.chainHead, head);
        await pending;
        assert.equal(log.recordCount, 2);
        assert.equal(log.chainHead, verifyFile(file).head);
    });

    QUnit.test("reopening continues the chain", async assert => {
        const file = path.join(dir, "audit.jsonl");
        const first = AuditLog.open(file);
        await first.append(entry(1));
        await first.append(entry(2));
        const second = AuditLog.open(file);
        assert.equal(second.recordCount, 2);
        await second.append(entry(3));
        const verified = verifyFile(file);
        assert.true(verified.ok);
        assert.equal(verified.records, 3);
    });

    QUnit.test("a record torn by a killed daemon is cut off and the cut is recorded", async assert => {
        const file = path.join(dir, "audit.jsonl");
        const log = AuditLog.open(file);
        await log.append(entry(1));
        await log.append(entry(2));
        const complete = fs.readFileSync(file, "utf8");
        fs.appendFileSync(file, complete.split("\n")[1].slice(0, 70)); // half a record, no newline
        assert.false(verifyFile(file).ok, "the torn file does not verify as it is");
        const reopened = AuditLog.open(file);
        await reopened.drain();
        const verified = verifyFile(file);
        assert.true(verified.ok);
        assert.equal(verified.records, 3);
        const last = reopened.tail(1)[0];
        assert.equal(last.phase, "recovered");
        assert.equal(last.result, "removed 70 bytes of an unterminated record at the end of the log");
    });
});
