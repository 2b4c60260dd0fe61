// Repeated denials of one caller and method become one record with a count
// per interval (and at shutdown), in the verifiable chain.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import QUnit from "qunit";
import { verifyFile } from "../../helpers/lib/audit-chain.js";
import { AuditLog, type AuditEntry } from "../../helpers/debvisord/audit/audit-log.js";
import { DenialCoalescer } from "../../helpers/debvisord/audit/denial-coalescer.js";
import { waitFor } from "../lib/wait.js";

const denial = (uid: number, method: string): AuditEntry => ({
    uid, loginuid: uid, user: `u${uid}`, method, object: "/org/debvisor/DebVisor1/manager", phase: "denied", result: "org.debvisor.machines.manage",
});

QUnit.module("audit: repeated denials", hooks => {
    let dir = "";
    hooks.beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), "dv-denials-")) });
    hooks.afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    QUnit.test("the first denial is written at once, repeats as one count at the interval's end, other callers apart", async assert => {
        const file = path.join(dir, "audit.jsonl");
        const log = AuditLog.open(file);
        const denials = new DenialCoalescer(log, 300);
        await denials.record(denial(1001, "Manager.ImportImage"));
        assert.equal(log.recordCount, 1, "the first denial is on disk when record() resolves");
        for (let i = 0; i < 500; i++)
            await denials.record(denial(1001, "Manager.ImportImage"));
        await denials.record(denial(1002, "Manager.ImportImage"));
        await denials.record(denial(1001, "Manager.CreateMachine"));
        assert.equal(log.recordCount, 3, "repeats are only counted");
        await waitFor("the interval to end", () => log.recordCount === 4, 5000, 20);
        const summary = log.tail(1)[0];
        assert.equal(summary.count, 500);
        assert.equal(summary.uid, 1001);
        assert.equal(summary.method, "Manager.ImportImage");
        assert.true(/^org\.debvisor\.machines\.manage: denied 500 more times from \S+ to \S+$/.test(summary.result), summary.result);

        // a loop that goes on gives one record per interval; a stop writes the count so far
        for (let i = 0; i < 7; i++)
            await denials.record(denial(1001, "Manager.ImportImage"));
        await denials.flush();
        await log.drain();
        assert.equal(log.recordCount, 5);
        assert.equal(log.tail(1)[0].count, 7);
        const verified = verifyFile(file);
        assert.true(verified.ok, JSON.stringify(verified));
        assert.equal(verified.records, 5);
        log.close();
    });
});
