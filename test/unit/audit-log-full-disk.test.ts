// The audit log on a real, tiny tmpfs mounted for the test: filled until a
// write fails with ENOSPC, then freed. The log must refuse appends with the
// reason meanwhile, and take up the chain again by itself once space returns.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import QUnit from "qunit";
import { verifyFile } from "../../helpers/lib/audit-chain.js";
import { AuditLog, type AuditEntry } from "../../helpers/debvisord/audit/audit-log.js";
import { waitFor } from "../lib/wait.js";

const entry = (i: number): AuditEntry => ({
    uid: 1000, loginuid: 1000, user: "ana", method: "Manager.ImportImage", object: "/org/debvisor/DebVisor1/manager",
    phase: "begin", result: "", args: [`image-${i}-${"x".repeat(200)}`],
});

/* Fills the file system of `dir` with one file until a write fails. */
export function fill(file: string): void {
    const fd = fs.openSync(file, "w");
    const block = Buffer.alloc(4096, 0x61);
    try {
        for (let i = 0; i < 1_000_000; i++)
            fs.writeSync(fd, block);
    } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "ENOSPC")
            throw e;
    } finally {
        fs.closeSync(fd);
    }
}

const canMount = process.getuid?.() === 0;

QUnit.module.if("audit log on a full file system (tmpfs, needs root)", canMount, hooks => {
    let dir = "";
    hooks.beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "auditlog-full-"));
        execFileSync("mount", ["-t", "tmpfs", "-o", "size=256k,mode=0700", "debvisor-test", dir]);
    });
    hooks.afterEach(() => {
        execFileSync("umount", [dir]);
        fs.rmSync(dir, { recursive: true, force: true });
    });

    QUnit.test("ENOSPC: appends are refused with the reason, and the log recovers by itself when space returns", async assert => {
        const file = path.join(dir, "audit.jsonl");
        const log = AuditLog.open(file, undefined, { firstMs: 200, maxMs: 400 });
        const problems: string[] = [];
        log.onProblem(p => problems.push(p));
        // a first record of exactly one page: tmpfs then has no room left in the log's last page
        const probe = AuditLog.open(path.join(dir, "probe.jsonl"));
        await probe.append({ ...entry(1), args: [""] });
        const pad = 4096 - fs.statSync(path.join(dir, "probe.jsonl")).size;
        probe.close();
        fs.rmSync(path.join(dir, "probe.jsonl"));
        await log.append({ ...entry(1), args: ["y".repeat(pad)] });
        assert.equal(fs.statSync(file).size, 4096);
        const filler = path.join(dir, "filler");
        fill(filler);

        // a batch larger than what is left fails; every caller of it hears why
        const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => log.append(entry(i + 2))));
        const rejected = results.filter(r => r.status === "rejected") as PromiseRejectedResult[];
        assert.true(rejected.length > 0, "appends fail on the full file system");
        assert.true(/cannot be written \(ENOSPC: no space left on its file system\)/.test((rejected[0].reason as Error).message), (rejected[0].reason as Error).message);
        assert.equal((rejected[0].reason as { errorName?: string }).errorName, "Failed");
        assert.true(log.problem.includes("ENOSPC"), log.problem);
        assert.true(verifyFile(file).ok, "what is on disk still verifies: an unacknowledged part was cut off");
        await assert.rejects(log.append(entry(99)), /cannot be written/, "while the disk is full, appends are refused at once");
        const accepted = results.filter(r => r.status === "fulfilled").length;

        // the cut freed a little: take that too, then attempts to write again fail
        fill(path.join(dir, "filler2"));
        await new Promise(r => setTimeout(r, 1000));
        assert.notEqual(log.problem, "", "no space yet: still a problem");
        await assert.rejects(log.append(entry(98)), /cannot be written/);

        fs.rmSync(filler);
        fs.rmSync(path.join(dir, "filler2"));
        await waitFor("the log to be writable again", () => log.problem === "", 10_000, 20);
        await log.append(entry(100));
        await log.drain();
        const verified = verifyFile(file);
        assert.true(verified.ok, JSON.stringify(verified));
        assert.equal(verified.records, log.recordCount);
        const records = log.tail(3);
        const recovered = records.find(r => r.phase === "recovered");
        assert.ok(recovered, "a record says the log could not be written");
        assert.true(/could not be written from .* \(ENOSPC: no space left on its file system\); \d+ records were refused meanwhile/.test(recovered!.result), recovered!.result);
        assert.equal(records[records.length - 1].args?.toString().slice(0, 10), "image-100-");
        assert.equal(verified.records, 1 + accepted + 2, "the first record, those written before the disk was full, the recovery record, the new one");
        assert.deepEqual(problems.map(p => p === "" ? "" : "problem"), ["problem", ""], "listeners hear of the problem and of the recovery");
        log.close();
    });
});
