// Audit queries over 1,000,000 records through the daemon: a segmented log
// is generated (10 segments of 100,000 records, sealed as debvisord seals
// them), a debvisord is started on it (the bus-activated one is stopped
// first and comes back by activation afterwards), and Audit.Query as an
// admin (polkit asked) is timed against grep -F over the same files.
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { formatRecord, GENESIS } from "../helpers/lib/audit-chain.js";
import { sealedName, sealFields } from "../helpers/lib/audit-segments.js";
import { busNameOwnerPid } from "../test/harness/harness.js";
import { callAs } from "../test/lib/call-as.js";
import { ADMIN } from "../test/lib/users.js";
import { median, report, rssMiB, timeMs } from "./lib.js";

const BUS_NAME = "org.debvisor.DebVisor1";
const AUDIT = { path: "/org/debvisor/DebVisor1/audit", iface: "org.debvisor.DebVisor1.Audit" };
const RECORDS = 1_000_000;
const PER_SEGMENT = 100_000;
const USERS = 20;

/* The log as debvisord would have written it over a month: segments, seals, 20 users. */
function generate(liveFile: string): string[] {
    let prev = GENESIS;
    let seq = 0;
    const start = Date.parse("2026-01-01T00:00:00Z");
    const files: string[] = [];
    const methods = ["Manager.ImportImage", "Machine.Start", "Machine.Shutdown", "Machine.Delete", "Job.Cancel"];
    for (let segmentStart = 1; segmentStart <= RECORDS; segmentStart += PER_SEGMENT) {
        const last = Math.min(RECORDS, segmentStart + PER_SEGMENT - 1);
        const name = last === RECORDS ? path.basename(liveFile) : sealedName(liveFile, segmentStart);
        const file = path.join(path.dirname(liveFile), name);
        const fd = fs.openSync(file, "w", 0o600);
        let chunk: string[] = [];
        const put = (fields: Parameters<typeof formatRecord>[1]) => {
            const { line, hash } = formatRecord(prev, fields);
            prev = hash;
            chunk.push(line);
            if (chunk.length === 10_000) {
                fs.writeSync(fd, chunk.join("\n") + "\n");
                chunk = [];
            }
        };
        while (seq < last) {
            seq++;
            const time = new Date(start + seq * 2500).toISOString();
            if (seq === segmentStart && seq > 1) {
                const before = sealedName(liveFile, segmentStart - PER_SEGMENT);
                put({ seq, time, ...sealFields({ segment: before, firstSeq: segmentStart - PER_SEGMENT, lastSeq: seq - 1, lastHash: prev, bytes: fs.statSync(files[files.length - 1]).size }) });
                continue;
            }
            const u = seq % USERS;
            put({
                seq, time, uid: 1000 + u, loginuid: 1000 + u, user: `user${u}`, method: methods[seq % methods.length],
                object: `/org/debvisor/DebVisor1/machines/${(seq % 997).toString(16).padStart(8, "0")}_1c2d_4e5f_8a9b_0c1d2e3f4a5b`,
                phase: seq % 2 ? "begin" : "end", result: seq % 2 ? "" : "ok", args: seq % 2 ? [{ "rate-limit": seq }] : undefined,
            });
        }
        if (chunk.length > 0)
            fs.writeSync(fd, chunk.join("\n") + "\n");
        fs.closeSync(fd);
        files.push(file);
    }
    return files;
}

async function stopDaemon(): Promise<void> {
    const pid = busNameOwnerPid(BUS_NAME);
    if (pid === null)
        return;
    process.kill(pid, "SIGTERM");
    for (let i = 0; i < 200 && busNameOwnerPid(BUS_NAME) !== null; i++)
        await new Promise(r => setTimeout(r, 50));
}

type Filter = Record<string, [string, unknown]>;
const query = (filter: Filter, limit: number, before = 0) =>
    callAs(ADMIN.name, { ...AUDIT, method: "Query", signature: "a{sv}uta{sv}", body: [filter, limit, before, {}] });

export async function auditQueryBench(): Promise<void> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dv-bench-query-"));
    const live = path.join(dir, "audit.jsonl");
    const files = generate(live);
    const bytes = files.reduce((n, f) => n + fs.statSync(f).size, 0);
    await stopDaemon();
    const daemon = spawn("/usr/libexec/debvisord", [], { env: { ...process.env, DEBVISOR_AUDIT_LOG: live }, stdio: "ignore" });
    try {
        // the first answer comes once the index is built from the files
        const startMs = Date.now();
        for (let i = 0; i < 600 && busNameOwnerPid(BUS_NAME) !== daemon.pid; i++)
            await new Promise(r => setTimeout(r, 50));
        const first = await query({}, 1);
        const buildMs = Date.now() - startMs;
        if (!first.ok)
            throw new Error(`Query: ${first.message}`);
        const total = first.body[1] as number;
        if (total < RECORDS)
            throw new Error(`the daemon indexed ${total} records, not ${RECORDS}`);
        // the daemon verifies the whole log after it starts: let it finish, so that is not measured here
        for (let i = 0; i < 1200; i++) {
            const v = await callAs(null, { path: AUDIT.path, iface: "org.freedesktop.DBus.Properties", method: "Get", signature: "ss", body: [AUDIT.iface, "VerifiedTime"] });
            if (v.ok && (v.body[0] as number) > 0)
                break;
            await new Promise(r => setTimeout(r, 100));
        }

        const user = "user7";
        const needle = `"user":"${user}"`;
        execFileSync("cat", files, { stdio: "ignore", maxBuffer: 1 << 30 }); // the same page cache for grep
        const runs = async (fn: () => Promise<unknown> | unknown) => {
            const out: number[] = [];
            for (let i = 0; i < 5; i++) out.push(await timeMs(fn));
            return median(out);
        };
        let matching = 0;
        const oneUser = await runs(async () => {
            const r = await query({ user: ["s", user] }, 100);
            if (!r.ok) throw new Error(r.message);
            matching = r.body[1] as number;
        });
        const grepCount = await runs(() => execFileSync("grep", ["-c", "-F", needle, ...files], { encoding: "utf8", maxBuffer: 1 << 26 }));
        const counted = execFileSync("grep", ["-h", "-c", "-F", needle, ...files], { encoding: "utf8" }).trim().split("\n").reduce((n, c) => n + Number(c), 0);
        if (counted !== matching)
            throw new Error(`the daemon found ${matching} events of ${user}, grep ${counted}`);
        report(`audit query, one user of 1 M records (${(bytes / 2 ** 20).toFixed(0)} MiB)`, `${oneUser.toFixed(0)} ms`,
            `grep -c -F over the segments (${grepCount.toFixed(0)} ms)`, oneUser / grepCount, "≤ 1 s");
        const combined = await runs(() => query({ user: ["s", user], action: ["s", "machine.start"], since: ["x", Date.parse("2026-01-10T00:00:00Z") * 1000] }, 100));
        report("audit query, user + action + since, 1 M", `${combined.toFixed(0)} ms`, `grep -c -F over the segments (${grepCount.toFixed(0)} ms)`, combined / grepCount, "≤ 1 s");
        const deep = await runs(() => query({ user: ["s", user] }, 1000, 300_000));
        report("audit query, one user, a page deep in the log", `${deep.toFixed(0)} ms`, `grep -c -F over the segments (${grepCount.toFixed(0)} ms)`, deep / grepCount, "≤ 1 s");
        const rss = rssMiB(daemon.pid as number);
        console.log(`${"".padEnd(44)} (index built at start in ${(buildMs / 1000).toFixed(1)} s; daemon RSS with it ${rss.toFixed(0)} MiB)`);
    } finally {
        daemon.kill("SIGTERM");
        for (let i = 0; i < 200 && busNameOwnerPid(BUS_NAME) === daemon.pid; i++)
            await new Promise(r => setTimeout(r, 50));
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
