// Backup schedules on the installed daemon, with its time injected: the test
// starts its own debvisord with DEBVISOR_BACKUPS_TEST_CLOCK naming a file that
// holds "now", and lets days pass by writing it. A schedule for the machines
// with a tag fires once per day, its snapshots carry the injected time, and
// retention prunes exactly the schedule's oldest snapshot while a backup made
// by hand stays; a wrong password and a repository that is gone fail the run
// with the reason on the schedule and in the audit log, and nothing is pruned.
// A verify after the run (restic check) passes, and fails the run once a pack
// of the repository is damaged. Who may do what; bad input changes nothing;
// debvisorctl backup schedule.
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import QUnit from "qunit";
import { busNameOwnerPid } from "../harness/harness.js";
import { closeWatchBus, watchJobs } from "../lib/bus-watch.js";
import { jobSucceeded } from "../lib/job-step.js";
import { callAs, getProperty, MANAGER } from "../lib/call-as.js";
import { BUS_NAME, waitForArea } from "../lib/daemon.js";
import { randomImage, tempDir, uniqueName } from "../lib/images.js";
import { ADMIN, OPERATOR, VIEWER } from "../lib/users.js";
import { waitFor, withTimeout } from "../lib/wait.js";

const ROOT = "/org/debvisor/DebVisor1";
const BACKUPS = { path: `${ROOT}/backups`, iface: "org.debvisor.DebVisor1.Backups" };
const REPOSITORY = "org.debvisor.DebVisor1.BackupRepository";
const SCHEDULE = "org.debvisor.DebVisor1.BackupSchedule";
const MACHINE = "org.debvisor.DebVisor1.Machine";
const BACKUP_DIR = "/etc/debvisor/backup";
const SCHEDULES_FILE = path.join(BACKUP_DIR, "schedules.json");
const AUDIT_LOG = "/var/log/debvisor/audit.jsonl";

type Options = Record<string, [string, unknown]>;

const virsh = (...args: string[]) => execFileSync("virsh", ["-c", "qemu:///system", ...args], { encoding: "utf8", stdio: "pipe" });
const domainNames = () => virsh("list", "--all", "--name").split("\n").map(l => l.trim()).filter(Boolean);
const fileText = (file: string) => fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
/* A local time as the test clock file and Date take it (no zone: local). */
const local = (day: number, time: string) => `2030-01-${String(day).padStart(2, "0")}T${time}`;

interface Snapshot { short_id: string; time: string; tags?: string[] }

/* restic itself, as root, with the repository's password: what is really in the repository. */
function snapshots(repo: string, passwordFile: string): Snapshot[] {
    return JSON.parse(execFileSync("restic", ["-r", repo, "--password-file", passwordFile, "--no-cache", "snapshots", "--json"],
        { encoding: "utf8", stdio: "pipe" })) as Snapshot[];
}

function ctl(args: string[], user?: string) {
    const [command, argv] = user ? ["setpriv", ["--reuid", user, "--regid", user, "--init-groups", "debvisorctl", ...args]] : ["debvisorctl", args];
    const r = spawnSync(command, argv, { encoding: "utf8", timeout: 120_000 });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

QUnit.module("backups: schedules and retention, with the time injected", hooks => {
    let daemon: ChildProcess | null = null;
    let dir = "";
    let clockFile = "";
    let repoDir = "";
    let passwordFile = "";
    let repoPath = "";
    let machinePath = "";
    let schedulePath = "";
    let savedSchedules: string | null = null;
    const password = `dv-${crypto.randomBytes(12).toString("hex")}`;
    const repoName = uniqueName("dvschedrepo");
    const machineName = uniqueName("dvsched");
    const scheduleName = uniqueName("dvnightly");
    const tag = uniqueName("dvtag");
    const scheduled = () => (s: Snapshot) => (s.tags ?? []).includes(`debvisor-schedule=${scheduleName}`);

    const setClock = (when: string) => fs.writeFileSync(clockFile, `${when}\n`);
    const prop = (name: string) => getProperty(schedulePath, SCHEDULE, name);
    /* Lets the clock reach `when` and waits for the run it starts to end; returns its result and message. */
    const runAt = async (when: string): Promise<[string, string]> => {
        const before = BigInt(await prop("LastRun") as bigint);
        setClock(when);
        await waitFor(`the schedule's run at ${when}`, async () => BigInt(await prop("LastRun") as bigint) !== before, 120_000, 250);
        return [String(await prop("LastResult")), String(await prop("LastMessage"))];
    };

    hooks.before(async () => {
        dir = tempDir("dv-schedules-");
        clockFile = path.join(dir, "now");
        repoDir = path.join(dir, "repo");
        passwordFile = path.join(dir, "password");
        fs.writeFileSync(passwordFile, password, { mode: 0o600 });
        savedSchedules = fs.existsSync(SCHEDULES_FILE) ? fileText(SCHEDULES_FILE) : null;
        setClock(local(7, "12:00:00"));
        const old = busNameOwnerPid(BUS_NAME);
        if (old !== null) {
            process.kill(old, "SIGTERM");
            await waitFor("the running debvisord to exit", () => busNameOwnerPid(BUS_NAME) === null);
        }
        daemon = spawn("/usr/libexec/debvisord", [], { env: { ...process.env, DEBVISOR_BACKUPS_TEST_CLOCK: clockFile }, stdio: ["ignore", "ignore", "inherit"] });
        await waitFor("the test's debvisord on the bus", () => busNameOwnerPid(BUS_NAME) === daemon?.pid, 30_000);
        await waitForArea("backups", "ready", 30_000);
        await waitForArea("machines", "ready", 60_000);
    });

    hooks.after(async () => {
        if (domainNames().includes(machineName))
            virsh("undefine", machineName, "--remove-all-storage");
        if (schedulePath)
            await callAs(null, { path: schedulePath, iface: SCHEDULE, method: "Remove", signature: "a{sv}", body: [{}] });
        if (repoPath)
            await callAs(null, { path: repoPath, iface: REPOSITORY, method: "Remove", signature: "a{sv}", body: [{}] });
        if (daemon) {
            const pid = daemon.pid!;
            daemon.kill("SIGTERM");
            await waitFor("the test's debvisord to exit", () => busNameOwnerPid(BUS_NAME) !== pid);
        }
        if (savedSchedules === null)
            fs.rmSync(SCHEDULES_FILE, { force: true });
        else if (savedSchedules !== fileText(SCHEDULES_FILE))
            fs.writeFileSync(SCHEDULES_FILE, savedSchedules, { mode: 0o600 });
        fs.rmSync(dir, { recursive: true, force: true });
        closeWatchBus();
    });

    QUnit.test("a machine gets a tag; a repository; bad schedules are refused and nothing is saved; only an admin adds one", async assert => {
        const watch = await watchJobs();
        const created = await callAs(ADMIN.name, { ...MANAGER, method: "CreateMachine", signature: "sa{sv}",
            body: [machineName, { source: ["s", "image"], image: ["s", randomImage(dir, "disk.raw", 8)] }] });
        assert.true(created.ok, created.ok ? "created" : created.message);
        if (!created.ok) return;
        machinePath = String(created.body[0]);
        const [ok, message] = await withTimeout(watch(String(created.body[1])).completed, 120_000, "the import");
        assert.true(ok, message);
        const operatorTags = await callAs(OPERATOR.name, { path: machinePath, iface: MACHINE, method: "SetTags", signature: "asa{sv}", body: [[tag], {}] });
        assert.true(!operatorTags.ok && operatorTags.errorName.endsWith(".NotAuthorized"), "an operator may not tag machines");
        const badTag = await callAs(ADMIN.name, { path: machinePath, iface: MACHINE, method: "SetTags", signature: "asa{sv}", body: [["a b"], {}] });
        assert.true(!badTag.ok && /^tags\.0: /.test(badTag.message), badTag.ok ? "ok" : badTag.message);
        const tagged = await callAs(ADMIN.name, { path: machinePath, iface: MACHINE, method: "SetTags", signature: "asa{sv}", body: [[tag, "other", tag], {}] });
        assert.true(tagged.ok, tagged.ok ? "tagged" : tagged.message);
        assert.deepEqual(await getProperty(machinePath, MACHINE, "Tags"), [tag, "other"].sort(), "sorted, once each");
        assert.true(new RegExp(`<([\\w-]+:)?tag name="${tag}"/>`).test(virsh("dumpxml", "--inactive", machineName)), "kept in the stored definition");

        const added = await callAs(ADMIN.name, { ...BACKUPS, method: "AddRepository", signature: "sssa{sv}", body: [repoName, repoDir, password, {}] });
        assert.true(added.ok, added.ok ? "added" : added.message);
        if (!added.ok) return;
        repoPath = String(added.body[0]);

        const uuid = String(await getProperty(machinePath, MACHINE, "UUID"));
        const before = fileText(SCHEDULES_FILE);
        const add = (user: string, name: string, repository: string, options: Options) =>
            callAs(user, { ...BACKUPS, method: "AddSchedule", signature: "ssa{sv}", body: [name, repository, options] });
        const refused: Array<[string, string, Options, RegExp]> = [
            ["ok", repoName, {}, /give the machine to back up/],
            ["ok", repoName, { machine: ["s", uuid], tag: ["s", tag] }, /not both/],
            ["ok", repoName, { tag: ["s", tag], time: ["s", "25:00"] }, /^options\.time: must be HH:MM/],
            ["ok", repoName, { tag: ["s", tag], frequency: ["s", "hourly"] }, /^options\.frequency: /],
            ["ok", repoName, { tag: ["s", tag], weekday: ["u", 7] }, /^options\.weekday: /],
            ["ok", repoName, { tag: ["s", tag], "keep-daily": ["u", 100_000] }, /^options\.keep-daily: must be at most/],
            ["ok", repoName, { tag: ["s", "a,b"] }, /^options\.tag: /],
            ["ok", repoName, { machine: ["s", "not-a-uuid"] }, /^options\.machine: /],
            ["ok", repoName, { machine: ["s", "00000000-0000-4000-8000-000000000000"] }, /^options\.machine: there is no machine/],
            ["ok", "no-such-repository", { tag: ["s", tag] }, /^repository: there is no backup repository/],
            ["a/b", repoName, { tag: ["s", tag] }, /^name: /],
            ["ok", repoName, { tag: ["s", tag], nonsense: ["b", true] }, /unknown option "nonsense"/],
        ];
        for (const [name, repository, options, expected] of refused) {
            const reply = await add(ADMIN.name, name, repository, options);
            assert.true(!reply.ok && expected.test(reply.message), `${JSON.stringify(options)}: ${reply.ok ? "accepted" : reply.message}`);
        }
        for (const user of [OPERATOR.name, VIEWER.name]) {
            const reply = await add(user, scheduleName, repoName, { tag: ["s", tag] });
            assert.true(!reply.ok && reply.errorName.endsWith(".NotAuthorized"), `${user} may not add a schedule`);
        }
        assert.equal(fileText(SCHEDULES_FILE), before, "nothing was saved");
    });

    QUnit.test("the schedule fires once a day on the injected clock; retention prunes the oldest scheduled backup, never the one made by hand", async assert => {
        const watch = await watchJobs();
        const added = await callAs(ADMIN.name, { ...BACKUPS, method: "AddSchedule", signature: "ssa{sv}",
            body: [scheduleName, repoName, { tag: ["s", tag], time: ["s", "02:00"], "keep-daily": ["u", 2] }] });
        assert.true(added.ok, added.ok ? "added" : added.message);
        if (!added.ok) return;
        schedulePath = String(added.body[0]);
        const viewer = await callAs(VIEWER.name, { path: schedulePath, iface: "org.freedesktop.DBus.Properties", method: "GetAll", signature: "s", body: [SCHEDULE] });
        assert.true(viewer.ok, "a viewer sees the schedule");
        if (viewer.ok) {
            const p = viewer.body[0] as Record<string, unknown>;
            assert.deepEqual([p.Name, p.Repository, p.Tag, p.Machine, p.Frequency, p.Time, p.Keep, p.LastResult],
                [scheduleName, repoName, tag, "", "daily", "02:00", { daily: 2 }, ""]);
            assert.equal(Number(BigInt(p.NextRun as bigint) / 1000n), Date.parse(local(8, "02:00:00")), "next: tomorrow at 02:00 (clock time)");
        }

        // a backup made by hand before the schedule's
        const manual = await callAs(OPERATOR.name, { path: machinePath, iface: MACHINE, method: "Backup", signature: "sa{sv}", body: [repoName, {}] });
        if (!await jobSucceeded(assert, watch, manual, { job: 0, within: 120_000, what: "the backup by hand", taken: "backing up by hand" })) return;
        const manualId = snapshots(repoDir, passwordFile)[0]?.short_id;

        setClock(local(7, "23:59:00"));
        await new Promise(r => setTimeout(r, 2500));
        assert.equal(await prop("LastRun"), 0n, "not due before its time");

        const runs = [local(8, "02:00:30"), local(9, "02:01:00"), local(10, "02:00:05")];
        for (const [i, when] of runs.entries()) {
            const [result, message] = await runAt(when);
            assert.equal(result, "succeeded", message);
            assert.true(message.includes(`Backed up ${machineName} to ${repoName}`), message);
            if (i < 2)
                assert.true(/Retention kept all \d+ of the schedule's backups/.test(message), message);
            else
                assert.true(/Retention kept 2 of the schedule's backups and pruned 1/.test(message), message);
        }
        // the same day again: nothing new
        setClock(local(10, "13:00:00"));
        await new Promise(r => setTimeout(r, 2500));
        const all = snapshots(repoDir, passwordFile);
        const ours = all.filter(scheduled()).map(s => Date.parse(s.time)).sort();
        assert.deepEqual(ours, [Date.parse(runs[1]), Date.parse(runs[2])], "the schedule's two newest, with the clock's times");
        assert.deepEqual(all.filter(s => !scheduled()(s)).map(s => s.short_id), [manualId], "the backup made by hand stays");
        assert.equal(Number(BigInt(await prop("NextRun") as bigint) / 1000n), Date.parse(local(11, "02:00:00")));

        const audit = fileText(AUDIT_LOG).split("\n").filter(l => l.includes("\"BackupSchedule.Run\"") && l.includes(scheduleName));
        assert.equal(audit.length, 3, "each run is in the audit log");
        assert.true(audit.every(l => l.includes("\"user\":\"debvisord\"") && l.includes("succeeded")), audit.join("\n"));
    });

    QUnit.test("a wrong password and a repository that is gone: the run fails with the reason, and nothing is pruned", async assert => {
        if (!schedulePath) {
            assert.true(false, "needs the schedule of the test before");
            return;
        }
        const kept = snapshots(repoDir, passwordFile).map(s => s.short_id).sort();
        /* The run at `when` with the repository broken by `breakIt` (undone by what it returns): failed, saying why and that nothing was pruned. */
        const failsWhile = async (when: string, why: RegExp, breakIt: () => () => void) => {
            const undo = breakIt();
            try {
                const [result, message] = await runAt(when);
                assert.equal(result, "failed");
                assert.true(why.test(message) && /nothing was pruned/.test(message), message);
            } finally {
                undo();
            }
        };
        const stored = path.join(BACKUP_DIR, `${repoName}.password`);
        await failsWhile(local(11, "02:00:10"), /wrong password for the restic repository/, () => {
            fs.writeFileSync(stored, "not-the-password");
            return () => fs.writeFileSync(stored, password);
        });
        const moved = `${repoDir}.away`;
        await failsWhile(local(12, "02:00:10"), /there is no restic repository at/, () => {
            fs.renameSync(repoDir, moved);
            return () => fs.renameSync(moved, repoDir);
        });
        assert.deepEqual(snapshots(repoDir, passwordFile).map(s => s.short_id).sort(), kept, "no snapshot was added or pruned");
        const audit = fileText(AUDIT_LOG).split("\n").filter(l => l.includes("\"BackupSchedule.Run\"") && l.includes(scheduleName));
        assert.equal(audit.filter(l => l.includes("\"result\":\"failed: ")).length, 2, "both failures are in the audit log");
    });

    QUnit.test("Update to keep-last 1 with a verify, RunNow: one scheduled backup left, verified; a damaged pack fails the verify; the repository cannot go while the schedule uses it; Remove", async assert => {
        if (!schedulePath) {
            assert.true(false, "needs the schedule of the test before");
            return;
        }
        const watch = await watchJobs();
        const call = (user: string, member: string, signature: string, body: unknown[]) => callAs(user, { path: schedulePath, iface: SCHEDULE, method: member, signature, body });
        const operator = await call(OPERATOR.name, "RunNow", "a{sv}", [{}]);
        assert.true(!operator.ok && operator.errorName.endsWith(".NotAuthorized"), "an operator may not run a schedule");
        const updated = await call(ADMIN.name, "Update", "a{sv}", [{ "keep-daily": ["u", 0], "keep-last": ["u", 1], "verify-percent": ["u", 100] }]);
        assert.true(updated.ok, updated.ok ? "updated" : updated.message);
        assert.deepEqual(await prop("Keep"), { last: 1 });
        assert.equal(await prop("VerifyPercent"), 100);
        const run = await call(ADMIN.name, "RunNow", "a{sv}", [{}]);
        assert.true(run.ok, run.ok ? "running" : run.message);
        if (!run.ok) return;
        const busy = await call(ADMIN.name, "RunNow", "a{sv}", [{}]);
        assert.true(!busy.ok && busy.errorName.endsWith(".Busy"), "not twice at once");
        const [ok, message] = await withTimeout(watch(String(run.body[0])).completed, 120_000, "the run");
        assert.true(ok, message);
        assert.true(/pruned 2/.test(message), message);
        assert.true(/Verified .*restic check read 100% of the data and found no errors/.test(message), message);
        const all = snapshots(repoDir, passwordFile);
        assert.equal(all.filter(scheduled()).length, 1, "one scheduled backup left");
        assert.equal(all.filter(s => !scheduled()(s)).length, 1, "and the one made by hand");

        const listed = JSON.parse(ctl(["backup", "schedule", "list", "--json"], VIEWER.name).stdout) as Array<Record<string, unknown>>;
        assert.deepEqual(listed.filter(s => s.Name === scheduleName).map(s => [s.Repository, s.Tag, s.LastResult]), [[repoName, tag, "succeeded"]]);
        const table = ctl(["backup", "schedule", "list"]).stdout;
        assert.true(table.includes(scheduleName) && table.includes("last=1"), table);

        const removeRepo = await callAs(ADMIN.name, { path: repoPath, iface: REPOSITORY, method: "Remove", signature: "a{sv}", body: [{}] });
        assert.true(!removeRepo.ok && /backup schedule .* backs up to/.test(removeRepo.message), removeRepo.ok ? "removed" : removeRepo.message);

        const cliName = uniqueName("dvcli");
        const cliAdd = ctl(["backup", "schedule", "add", cliName, repoName, "--machine", machineName, "--weekly", "sat", "--at", "03:15", "--keep-weekly", "4"]);
        assert.equal(cliAdd.code, 0, cliAdd.stderr);
        const cli = JSON.parse(ctl(["backup", "schedule", "list", "--json"]).stdout) as Array<Record<string, unknown>>;
        assert.deepEqual(cli.filter(s => s.Name === cliName).map(s => [s.Machine, s.Frequency, s.Weekday, s.Time, s.Keep]),
            [[String(await getProperty(machinePath, MACHINE, "UUID")), "weekly", 6, "03:15", { weekly: 4 }]]);
        assert.equal(ctl(["backup", "schedule", "remove", cliName], VIEWER.name).code === 0, false, "a viewer may not remove one");
        assert.equal(ctl(["backup", "schedule", "remove", cliName]).code, 0);
        assert.equal(ctl(["vm", "tag", machineName]).stdout.trim().split("\n").sort().join(" "), [tag, "other"].sort().join(" "));

        // a pack of the repository damaged: the backup and (no retention) nothing pruned, but the verify fails the run
        const noRetention = await call(ADMIN.name, "Update", "a{sv}", [{ "keep-last": ["u", 0] }]);
        assert.true(noRetention.ok, noRetention.ok ? "updated" : noRetention.message);
        const packs = fs.readdirSync(path.join(repoDir, "data"), { recursive: true }).map(String).map(f => path.join(repoDir, "data", f))
            .filter(f => fs.statSync(f).isFile()).sort((a, b) => fs.statSync(b).size - fs.statSync(a).size);
        const fd = fs.openSync(packs[0], "r+");
        fs.writeSync(fd, Buffer.alloc(64, 0x55), 0, 64, Math.floor(fs.statSync(packs[0]).size / 2));
        fs.closeSync(fd);
        const damaged = await call(ADMIN.name, "RunNow", "a{sv}", [{}]);
        assert.true(damaged.ok, damaged.ok ? "running" : damaged.message);
        if (damaged.ok) {
            const [verifyOk, verifyMessage] = await withTimeout(watch(String(damaged.body[0])).completed, 120_000, "the run");
            assert.false(verifyOk, verifyMessage);
            assert.true(/^verify: restic check of .* found errors/.test(verifyMessage), verifyMessage);
            assert.equal(await prop("LastResult"), "failed");
            assert.equal(await prop("LastMessage"), verifyMessage, "kept on the schedule");
        }

        const removed = await call(ADMIN.name, "Remove", "a{sv}", [{}]);
        assert.true(removed.ok, removed.ok ? "removed" : removed.message);
        schedulePath = "";
        assert.false(fileText(SCHEDULES_FILE).includes(scheduleName), "gone from the file");
        assert.equal(snapshots(repoDir, passwordFile).length, 3, "its backups stay");
    });
});
