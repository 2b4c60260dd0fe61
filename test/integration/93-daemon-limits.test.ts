// What callers cost the daemon before they are refused: large arguments are
// refused (or held until polkit allowed the call) without being read, one
// connection's calls in flight are bounded, a loop of denied calls gives a
// count instead of a record per call, a full disk under the audit log is
// survived without a restart, and temporary files a killed daemon left are
// removed at start.
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import QUnit from "qunit";
import { parseRecord, type AuditRecord } from "../../helpers/lib/audit-chain.js";
import { listSegments, verifySegments } from "../../helpers/lib/audit-segments.js";
import { busNameOwnerPid } from "../harness/harness.js";
import { callAs, getProperty, MANAGER } from "../lib/call-as.js";
import { ADMIN, VIEWER } from "../lib/users.js";
import { waitFor } from "../lib/wait.js";

const BUS_NAME = "org.debvisor.DebVisor1";
const AUDIT_LOG = "/var/log/debvisor/audit.jsonl";
const FIREWALL = { path: "/org/debvisor/DebVisor1/firewall", iface: "org.debvisor.DebVisor1.Firewall" };
const BIG = 4.6 * 1024 * 1024;

const readVersion = () => callAs(null, { path: MANAGER.path, iface: "org.freedesktop.DBus.Properties", method: "Get", signature: "ss", body: [MANAGER.iface, "Version"] });
// each call its own image name: two imports of one name are Busy for a reason of their own
let imported = 0;
const importImage = (user: string | null, source: string) =>
    callAs(user, { ...MANAGER, method: "ImportImage", signature: "ssa{sv}", body: [source, `limits-${imported++}`, {}] });

/* Stops the running daemon with SIGTERM (it writes what it counted) and waits until it is gone. */
async function stopDaemon(): Promise<void> {
    const pid = busNameOwnerPid(BUS_NAME);
    if (pid === null)
        return;
    process.kill(pid, "SIGTERM");
    await waitFor("debvisord to exit", () => busNameOwnerPid(BUS_NAME) !== pid, 20_000, 20);
}

function records(file: string): AuditRecord[] {
    return listSegments(file).flatMap(s => fs.readFileSync(s.path, "utf8").split("\n").filter(l => l !== "").map(parseRecord));
}

const uidOf = (user: string) => Number(execFileSync("id", ["-u", user], { encoding: "utf8" }).trim());

QUnit.module("daemon limits", () => {
    QUnit.test("4.6 MiB of arguments from a viewer: refused unread, or held until polkit said no; the daemon answers on", async assert => {
        const tooLarge = await importImage(VIEWER.name, "/" + "a".repeat(BIG));
        assert.false(tooLarge.ok);
        if (!tooLarge.ok) {
            assert.equal(tooLarge.errorName, "org.debvisor.DebVisor1.Error.InvalidArgument", tooLarge.message);
            assert.true(/arguments of ImportImage take 4\.6 MiB, more than the 1\.0 MiB it accepts; refused unread/.test(tooLarge.message), tooLarge.message);
        }
        // the firewall takes large lists: the viewer's is held and refused by polkit, unread
        const list = Array.from({ length: 240_000 }, (_, i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32`);
        const denied = await callAs(VIEWER.name, { ...FIREWALL, method: "Block", signature: "asa{sv}", body: [list, {}] });
        assert.false(denied.ok);
        if (!denied.ok)
            assert.equal(denied.errorName, "org.debvisor.DebVisor1.Error.NotAuthorized", denied.message);
        // an admin's large call is read after polkit allowed it, then validated as always (nothing changes)
        const invalid = await callAs(ADMIN.name, { ...FIREWALL, method: "Block", signature: "asa{sv}", body: [["x".repeat(BIG)], {}] });
        assert.false(invalid.ok);
        if (!invalid.ok) {
            assert.equal(invalid.errorName, "org.debvisor.DebVisor1.Error.InvalidArgument", invalid.message);
            assert.true(invalid.message.startsWith("cidrs.0: "), invalid.message);
        }
        assert.true((await readVersion()).ok, "the daemon still answers");
    });

    QUnit.test("one connection with 128 calls at once: beyond 64 waiting, Busy; every call is answered", async assert => {
        // the daemon is stopped while the calls are sent, so they all wait for it at once: a busy machine
        // might otherwise send them more slowly than the daemon answers, and never have 64 waiting
        const pid = busNameOwnerPid(BUS_NAME);
        assert.notEqual(pid, null, "the daemon runs");
        process.kill(pid as number, "SIGSTOP");
        let results: Awaited<ReturnType<typeof importImage>>[];
        try {
            const calls = Promise.all(Array.from({ length: 120 }, (_, i) => importImage(ADMIN.name, `/nonexistent/limits-${i}.raw`)));
            await new Promise(r => setTimeout(r, 2000));
            process.kill(pid as number, "SIGCONT");
            results = await calls;
        } finally {
            process.kill(pid as number, "SIGCONT");
        }
        const busy = results.filter(r => !r.ok && r.errorName === "org.debvisor.DebVisor1.Error.Busy");
        const answered = results.filter(r => !r.ok && r.errorName === "org.debvisor.DebVisor1.Error.NotFound" || r.ok);
        assert.true(busy.length > 0, `${busy.length} calls were refused with Busy`);
        assert.true(busy.length <= 120 - 64, `at least 64 were taken (${120 - busy.length})`);
        assert.equal(busy.length + answered.length, 120, JSON.stringify(results.find(r => !busy.includes(r) && !answered.includes(r))));
        if (busy.length > 0 && !busy[0].ok)
            assert.true(/already has 64 calls waiting for their answers \(at most 64\)/.test(busy[0].message), busy[0].message);
    });

    QUnit.test("300 denied calls in a loop: the first is recorded at once, the rest as a count, written at SIGTERM", async assert => {
        await stopDaemon();
        assert.true((await readVersion()).ok, "a new daemon (no counting window open)");
        const start = Number(await getProperty(MANAGER.path, MANAGER.iface, "AuditRecordCount"));
        const uid = uidOf(VIEWER.name);
        const notDenied: unknown[] = [];
        for (let i = 0; i < 300; i++) {
            const r = await importImage(VIEWER.name, "/nonexistent/denied.raw");
            if (r.ok || r.errorName !== "org.debvisor.DebVisor1.Error.NotAuthorized")
                notDenied.push(r);
        }
        assert.deepEqual(notDenied, [], "every call is denied");
        await stopDaemon();
        const denials = records(AUDIT_LOG).filter(r => r.seq > start && r.uid === uid && r.phase === "denied" && r.method === "Manager.ImportImage");
        assert.true(denials.length >= 2 && denials.length <= 3, `${denials.length} records for 300 denials`);
        assert.equal(denials[0].count, undefined, "the first denial is a record of its own");
        assert.equal(denials.reduce((n, r) => n + (r.count ?? 1), 0), 300, "the counts add up to every denial");
        assert.true(/denied \d+ more times from /.test(denials[denials.length - 1].result), denials[denials.length - 1].result);
        const verified = verifySegments(AUDIT_LOG);
        assert.true(verified.ok, JSON.stringify({ ...verified, segments: verified.segments.length }));
    });

    QUnit.test("a temporary file of a write that a killed daemon left is removed at start; a live one is kept", async assert => {
        await stopDaemon();
        fs.mkdirSync("/etc/debvisor", { recursive: true });
        const gone = spawn("true");
        await new Promise(resolve => gone.on("exit", resolve));
        const stale = `/etc/debvisor/zfs-schedule.json.${gone.pid}.tmp`;
        const living = spawn("sh", ["-c", "sleep 60", "debvisorctl"], { stdio: "ignore" });
        const live = `/etc/debvisor/zfs-schedule.json.${living.pid}.tmp`;
        try {
            fs.writeFileSync(stale, "{");
            fs.writeFileSync(live, "{");
            assert.true((await readVersion()).ok, "the daemon starts");
            assert.false(fs.existsSync(stale), `${stale} was removed`);
            assert.true(fs.existsSync(live), "the file of a running DebVisor process is kept");
        } finally {
            living.kill();
            fs.rmSync(live, { force: true });
            fs.rmSync(stale, { force: true });
        }
    });

    QUnit.test("the audit log's file system fills up: changes are refused with the reason, and the log recovers by itself", async assert => {
        await stopDaemon();
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dv-full-"));
        execFileSync("mount", ["-t", "tmpfs", "-o", "size=512k,mode=0700", "debvisor-test", dir]);
        const log = path.join(dir, "audit.jsonl");
        const daemon = spawn("/usr/libexec/debvisord", [], { env: { ...process.env, DEBVISOR_AUDIT_LOG: log }, stdio: "ignore" });
        const fill = (name: string) => {
            try {
                execFileSync("dd", ["if=/dev/zero", `of=${path.join(dir, name)}`, "bs=4k"], { stdio: "ignore" });
            } catch {
                // dd stops at ENOSPC: that is the point
            }
        };
        try {
            await waitFor("the test's debvisord to own the name", () => busNameOwnerPid(BUS_NAME) === daemon.pid, 30_000, 50);
            const before = await importImage(null, "/nonexistent/full-0.raw");
            assert.false(before.ok);
            if (!before.ok)
                assert.equal(before.errorName, "org.debvisor.DebVisor1.Error.NotFound", "audited and answered as usual");
            fill("filler");
            let refused: Awaited<ReturnType<typeof importImage>> | null = null;
            for (let i = 1; i <= 100 && !refused; i++) {
                const r = await importImage(null, `/nonexistent/full-${i}.raw`);
                if (!r.ok && r.errorName === "org.debvisor.DebVisor1.Error.Failed")
                    refused = r;
            }
            assert.ok(refused, "a change is refused once the audit log cannot be written");
            if (refused && !refused.ok)
                assert.true(/^the audit log \S+ cannot be written \(ENOSPC: no space left on its file system\) since .*debvisord tries again by itself$/.test(refused.message), refused.message);
            const problem = await getProperty(MANAGER.path, MANAGER.iface, "AuditProblem") as string;
            assert.true(problem.includes("ENOSPC"), `AuditProblem: ${problem}`);
            fill("filler2"); // what the cut-off record freed

            fs.rmSync(path.join(dir, "filler"));
            fs.rmSync(path.join(dir, "filler2"));
            await waitFor("AuditProblem to clear", async () => await getProperty(MANAGER.path, MANAGER.iface, "AuditProblem") === "", 60_000, 200);
            const after = await importImage(null, "/nonexistent/full-after.raw");
            assert.false(after.ok);
            if (!after.ok)
                assert.equal(after.errorName, "org.debvisor.DebVisor1.Error.NotFound", `audited again without a restart: ${after.message}`);
            assert.equal(busNameOwnerPid(BUS_NAME), daemon.pid, "the same daemon");
            const verified = verifySegments(log);
            assert.true(verified.ok, JSON.stringify({ ...verified, segments: verified.segments.length }));
            const all = records(log);
            const recovered = all.find(r => r.phase === "recovered");
            assert.ok(recovered, "a record says the log could not be written");
            assert.true(/could not be written from .* \(ENOSPC: no space left on its file system\); \d+ records? (was|were) refused meanwhile/.test(recovered?.result ?? ""), recovered?.result);
            assert.true(all.some(r => JSON.stringify(r.args ?? "").includes("full-after.raw")), "the call after recovery is in the log");
        } finally {
            daemon.kill("SIGTERM");
            await waitFor("the test's debvisord to exit", () => daemon.exitCode !== null || daemon.signalCode !== null, 20_000, 50).catch(() => undefined);
            execFileSync("umount", [dir]);
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
