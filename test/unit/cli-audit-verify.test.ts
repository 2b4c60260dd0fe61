// `debvisorctl audit verify` on log files made here with the daemon's own
// record format: run as the built program (dist/debvisorctl.js, from
// `npm run build`), offline, with no system bus at all; and the comparison
// with a daemon's chain head, in process, on the same kind of files (a live
// log is checked as a series, so the comparison is checkSegments').
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import QUnit from "qunit";
import { formatRecord, GENESIS } from "../../helpers/lib/audit-chain.js";
import { checkSegments, readLine } from "../../helpers/debvisorctl/audit-verify.js";

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../dist/debvisorctl.js");
// no bus: verifying a file must not need one
const NO_BUS = { ...process.env, DBUS_SYSTEM_BUS_ADDRESS: "unix:path=/nonexistent/system_bus_socket" };

function verify(...args: string[]) {
    const r = spawnSync(process.execPath, [CLI, "audit", "verify", ...args], { encoding: "utf8", env: NO_BUS, timeout: 30_000 });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/* n chained records as the daemon writes them; returns the lines and the hash of each. */
function makeLog(n: number, first = GENESIS): { lines: string[]; hashes: string[] } {
    let prev = first;
    const lines: string[] = [];
    const hashes: string[] = [];
    for (let seq = 1; seq <= n; seq++) {
        const { line, hash } = formatRecord(prev, {
            seq, time: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString(), uid: 1000, loginuid: 1000, user: "alice",
            method: "Manager.ImportImage", object: "/org/debvisor/DebVisor1/manager", phase: seq % 2 ? "begin" : "end",
            result: seq % 2 ? "" : "ok", args: { image_name: `web${seq}`, note: "ü€ multi-byte text" },
        });
        lines.push(line);
        hashes.push(hash);
        prev = hash;
    }
    return { lines, hashes };
}

let dir = "";

function write(name: string, text: string): string {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
}

QUnit.module("debvisorctl audit verify", hooks => {
    hooks.beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "dv-cli-verify-"));
    });
    hooks.afterEach(() => {
        fs.rmSync(dir, { recursive: true, force: true });
    });

    QUnit.test("an intact log: OK, the record count and the chain head, exit 0", assert => {
        const { lines, hashes } = makeLog(12);
        const r = verify(write("audit.jsonl", lines.join("\n") + "\n"));
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, `OK: 12 records, chain head ${hashes[11]}\n`);
        assert.equal(r.stderr, "");
        const empty = verify(write("empty.jsonl", ""));
        assert.equal(empty.stdout, `OK: 0 records, chain head ${GENESIS}\n`, "an empty log is an empty chain");
    });

    QUnit.test("tampering: exit 1 and the first broken line with the reason", assert => {
        const { lines } = makeLog(10);
        const cases: Array<[string, string[], number, RegExp]> = [
            ["one byte changed", lines.map((l, i) => i === 4 ? l.replace("\"uid\":1000", "\"uid\":1001") : l), 5, /content was changed/],
            ["one byte of multi-byte text changed", lines.map((l, i) => i === 6 ? l.replace("€", "£") : l), 7, /content was changed/],
            ["a hash changed", lines.map((l, i) => i === 8 ? l.slice(0, -3) + (l.at(-3) === "0" ? "1" : "0") + "\"}" : l), 9, /content was changed/],
            ["a line removed", lines.filter((_l, i) => i !== 2), 3, /does not follow the record before it/],
            ["the first line removed", lines.slice(1), 1, /first record does not start the chain/],
            ["two lines swapped", [lines[0], lines[2], lines[1], ...lines.slice(3)], 2, /does not follow/],
            ["a line inserted twice", [...lines.slice(0, 6), lines[5], ...lines.slice(6)], 7, /does not follow/],
            ["a line that is no record", [...lines.slice(0, 3), "hello", ...lines.slice(3)], 4, /not an audit record/],
        ];
        for (const [label, tampered, line, reason] of cases) {
            const r = verify(write(`${label.replace(/ /g, "-")}.jsonl`, tampered.join("\n") + "\n"));
            assert.equal(r.code, 1, label);
            assert.equal(r.stdout, "", `${label}: no OK`);
            assert.true(r.stderr.includes(`: line ${line}: `), `${label}: ${r.stderr}`);
            assert.true(reason.test(r.stderr), `${label}: ${r.stderr}`);
        }
    });

    QUnit.test("a torn last record fails at its line, whether cut mid-record or only missing its newline", assert => {
        const { lines } = makeLog(6);
        const cut = verify(write("cut.jsonl", lines.slice(0, 5).join("\n") + "\n" + lines[5].slice(0, 50)));
        assert.equal(cut.code, 1);
        assert.true(cut.stderr.includes(": line 6: "), cut.stderr);
        const unterminated = verify(write("unterminated.jsonl", lines.join("\n")));
        assert.equal(unterminated.code, 1);
        assert.true(/line 6: the last record is not terminated/.test(unterminated.stderr), unterminated.stderr);
    });

    QUnit.test("--json: the same verdict for scripts", assert => {
        const { lines, hashes } = makeLog(4);
        const ok = verify(write("ok.jsonl", lines.join("\n") + "\n"), "--json");
        assert.equal(ok.code, 0);
        assert.deepEqual(JSON.parse(ok.stdout), { ok: true, records: 4, head: hashes[3], file: path.join(dir, "ok.jsonl"), daemon: null });
        const bad = verify(write("bad.jsonl", [lines[1], lines[0]].join("\n") + "\n"), "--json");
        assert.equal(bad.code, 1);
        const verdict = JSON.parse(bad.stdout);
        assert.deepEqual([verdict.ok, verdict.brokenLine, verdict.records], [false, 1, 0]);
    });

    QUnit.test("a file that is not there or not a file is wrong usage (exit 2)", assert => {
        const missing = verify(path.join(dir, "missing.jsonl"));
        assert.equal(missing.code, 2);
        assert.true(missing.stderr.includes("does not exist"), missing.stderr);
        assert.equal(verify(dir).code, 2, "a directory");
        assert.equal(verify("a.jsonl", "b.jsonl").code, 2, "two files");
    });

    QUnit.test("readLine finds a line by number across chunk boundaries, torn last line included", assert => {
        const { lines } = makeLog(3);
        const long = "x".repeat(3 << 20); // longer than a read chunk
        const file = write("lines.txt", `${lines[0]}\n${long}\n${lines[1]}\n${lines[2]}`);
        assert.equal(readLine(file, 1), lines[0]);
        assert.equal(readLine(file, 2), long);
        assert.equal(readLine(file, 3), lines[1]);
        assert.equal(readLine(file, 4), lines[2], "the unterminated last line");
        assert.equal(readLine(file, 5), null);
        assert.equal(readLine(write("ends.txt", "a\nb\n"), 3), null, "nothing after the last newline");
    });
});

QUnit.module("debvisorctl audit verify against a daemon's chain head", hooks => {
    hooks.beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "dv-cli-verify-"));
    });
    hooks.afterEach(() => {
        fs.rmSync(dir, { recursive: true, force: true });
    });

    QUnit.test("records cut from the end: the chain still verifies, the daemon's head shows the loss", async assert => {
        const { lines, hashes } = makeLog(10);
        const file = write("audit.jsonl", lines.slice(0, 7).join("\n") + "\n");
        const check = await checkSegments(file, { count: 10, head: hashes[9] }, 200);
        assert.false(check.ok);
        assert.equal(check.brokenLine, 8, "the first missing line");
        assert.true(/ends at record 7, but debvisord has written 10.*cut from the end/.test(check.reason ?? ""), check.reason);
    });

    QUnit.test("a file ahead of the head read earlier is fine when the head's record is in it", async assert => {
        const { lines, hashes } = makeLog(10);
        const file = write("audit.jsonl", lines.join("\n") + "\n");
        const check = await checkSegments(file, { count: 6, head: hashes[5] }, 0);
        assert.true(check.ok, check.reason);
        assert.deepEqual([check.records, check.head], [10, hashes[9]]);
        assert.true((await checkSegments(file, { count: 0, head: GENESIS }, 0)).ok, "a daemon that has written nothing yet");
    });

    QUnit.test("a rewritten log with a valid chain of its own is found by the head's hash", async assert => {
        const original = makeLog(8);
        const forged = makeLog(9).lines.map(l => l.replace("alice", "mallory"));
        // re-chain the forged records so that the file verifies on its own
        let prev = GENESIS;
        const rechained = forged.map(l => {
            const { hash: _hash, prev: _prev, ...fields } = JSON.parse(l);
            const { line, hash } = formatRecord(prev, fields);
            prev = hash;
            return line;
        });
        const file = write("audit.jsonl", rechained.join("\n") + "\n");
        const check = await checkSegments(file, { count: 8, head: original.hashes[7] }, 0);
        assert.false(check.ok);
        assert.equal(check.brokenLine, 8);
        assert.true(/differs from record 8 as debvisord wrote it.*rewritten/.test(check.reason ?? ""), check.reason);
    });

    QUnit.test("a record still being written when the file is read is waited for, not reported", async assert => {
        const { lines, hashes } = makeLog(5);
        const file = write("audit.jsonl", lines.slice(0, 4).join("\n") + "\n" + lines[4].slice(0, 30));
        // the writer finishes its record a moment later, as debvisord does
        setTimeout(() => fs.appendFileSync(file, lines[4].slice(30) + "\n"), 150);
        const check = await checkSegments(file, { count: 5, head: hashes[4] }, 2_000);
        assert.true(check.ok, check.reason);
        assert.equal(check.records, 5);
        const offline = await checkSegments(write("torn.jsonl", lines.slice(0, 4).join("\n") + "\n" + lines[4].slice(0, 30)), null);
        assert.false(offline.ok, "without a daemon, a torn end is a failure at once");
    });
});
