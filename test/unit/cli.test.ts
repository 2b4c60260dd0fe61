// debvisorctl's own logic, and `audit verify` run as the built program on
// log files made here (no daemon involved: the files are not the live log).
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import QUnit from "qunit";
import { formatRecord, GENESIS } from "../../helpers/lib/audit-chain.js";
import { parse, UsageError } from "../../helpers/debvisorctl/args.js";
import { jobPath } from "../../helpers/debvisorctl/commands/jobs.js";
import { formatBytes } from "../../helpers/lib/bytes.js";
import { table } from "../../helpers/debvisorctl/output.js";

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../dist/debvisorctl.js");

function cli(...args: string[]) {
    const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8" });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function writeLog(file: string, n: number): string[] {
    let prev = GENESIS;
    const lines: string[] = [];
    for (let seq = 1; seq <= n; seq++) {
        const { line, hash } = formatRecord(prev, { seq, time: new Date(0).toISOString(), uid: 0, loginuid: 1000, user: "root",
            method: "Manager.ImportImage", object: "/org/debvisor/DebVisor1/Manager", phase: "end", result: "ok" });
        lines.push(line);
        prev = hash;
    }
    fs.writeFileSync(file, lines.join("\n") + "\n");
    return lines;
}

QUnit.module("debvisorctl", () => {
    QUnit.test("arguments: --opt value, --opt=value, unknown options and counts", assert => {
        const options = { format: { type: "string" as const }, wait: { type: "boolean" as const } };
        assert.deepEqual(parse(["a", "--format", "raw", "b"], options, { min: 2, max: 2 }).values.format, "raw");
        assert.deepEqual(parse(["--format=qcow2", "a", "b", "--wait"], options, { min: 2, max: 2 }).values, { format: "qcow2", wait: true });
        assert.throws(() => parse(["a", "b", "--bogus"], options, { min: 2, max: 2 }), UsageError);
        assert.throws(() => parse(["a"], options, { min: 2, max: 2 }), /missing arguments/);
        assert.throws(() => parse(["a", "b", "c"], options, { min: 2, max: 2 }), /unexpected argument "c"/);
        assert.true(parse(["--help"], options, { min: 2, max: 2 }).help, "--help needs no arguments");
    });

    QUnit.test("job numbers and paths; tables; sizes", assert => {
        assert.equal(jobPath("7"), "/org/debvisor/DebVisor1/jobs/7");
        assert.equal(jobPath("/org/debvisor/DebVisor1/jobs/12"), "/org/debvisor/DebVisor1/jobs/12");
        assert.throws(() => jobPath("../Manager"), UsageError);
        assert.throws(() => jobPath("/org/debvisor/DebVisor1/Manager"), UsageError);
        assert.equal(table(["A", "BB"], [["xyz", "1"], ["q", "22"]]), "A    BB\nxyz  1\nq    22");
        assert.equal(formatBytes(274877906944), "256 GiB");
        assert.equal(formatBytes(1536), "1.5 KiB");
    });

    QUnit.test("`audit verify FILE` passes an intact log and names the first broken line otherwise", assert => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dv-cli-"));
        const file = path.join(dir, "audit.jsonl");
        const lines = writeLog(file, 8);
        const ok = cli("audit", "verify", file);
        assert.equal(ok.code, 0, ok.stderr);
        assert.true(ok.stdout.startsWith("OK: 8 records, chain head "), ok.stdout);

        const cases: Array<[string, string[], number]> = [
            ["one byte changed", lines.map((l, i) => i === 4 ? l.replace("\"uid\":0", "\"uid\":1") : l), 5],
            ["a line removed", lines.filter((_, i) => i !== 2), 3],
            ["two lines swapped", [lines[0], lines[2], lines[1], ...lines.slice(3)], 2],
        ];
        for (const [label, tampered, line] of cases) {
            fs.writeFileSync(file, tampered.join("\n") + "\n");
            const r = cli("audit", "verify", file);
            assert.equal(r.code, 1, label);
            assert.true(r.stderr.includes(`line ${line}:`), `${label}: ${r.stderr}`);
        }
        fs.writeFileSync(file, lines.join("\n") + "\n" + lines[0].slice(0, 40));
        const torn = cli("audit", "verify", file);
        assert.equal(torn.code, 1, "a torn last record fails");
        assert.true(torn.stderr.includes("line 9:"), torn.stderr);
        const json = cli("audit", "verify", file, "--json");
        assert.false(JSON.parse(json.stdout).ok);
        fs.rmSync(dir, { recursive: true });
    });

    QUnit.test("usage errors exit 2, help exits 0", assert => {
        assert.equal(cli("bogus").code, 2);
        assert.equal(cli("disks", "--bogus").code, 2);
        assert.equal(cli("audit", "frobnicate").code, 2);
        assert.equal(cli("audit", "verify", "/nonexistent/audit.jsonl").code, 2);
        for (const command of ["status", "disks", "jobs", "import", "audit"]) {
            const r = cli(command, "--help");
            assert.equal(r.code, 0, command);
            assert.true(r.stdout.startsWith(`Usage: debvisorctl ${command}`), r.stdout);
        }
        assert.equal(cli("--help").code, 0);
    });
});
