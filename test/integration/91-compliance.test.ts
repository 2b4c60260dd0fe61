// The Audit object of the installed daemon on the real bus and polkit:
// who may query, export and configure; queries that find exactly the calls a
// user made; bad input refused and nothing changed; an evidence bundle that
// the installed debvisorctl verifies offline with the host's public key;
// rotation to sealed segments and verification of the whole series.
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import QUnit from "qunit";
import { verifySegments } from "../../helpers/lib/audit-segments.js";
import { busNameOwnerPid } from "../harness/harness.js";
import { ownSyslog, SYSLOG_FILE } from "../harness/syslog.js";
import { callAs, getProperty } from "../lib/call-as.js";
import { ADMIN, NOBODY, OPERATOR, refusalOf, VIEWER } from "../lib/users.js";
import { waitFor } from "../lib/wait.js";

const AUDIT = { path: "/org/debvisor/DebVisor1/audit", iface: "org.debvisor.DebVisor1.Audit" };
const MANAGER = { path: "/org/debvisor/DebVisor1/manager", iface: "org.debvisor.DebVisor1.Manager" };
const AUDIT_LOG = "/var/log/debvisor/audit.jsonl";
const KEY = "/etc/debvisor/audit-signing.key";
const NOT_AUTHORIZED = "org.debvisor.DebVisor1.Error.NotAuthorized";
const INVALID = "org.debvisor.DebVisor1.Error.InvalidArgument";

type Dict = Record<string, unknown>;
const property = (name: string) => getProperty(AUDIT.path, AUDIT.iface, name);

function query(user: string | null, filter: Record<string, [string, unknown]>, limit = 100, before = 0) {
    return callAs(user, { ...AUDIT, method: "Query", signature: "a{sv}uta{sv}", body: [filter, limit, before, {}] });
}

/* Waits for a job to end; returns [state, message]. */
async function jobOutcome(jobPath: string): Promise<[string, string]> {
    await waitFor(`${jobPath} to end`, async () => (await getProperty(jobPath, "org.debvisor.DebVisor1.Job", "State")) !== "running", 120_000, 200);
    return [String(await getProperty(jobPath, "org.debvisor.DebVisor1.Job", "State")), String(await getProperty(jobPath, "org.debvisor.DebVisor1.Job", "Message"))];
}

/* An audited call that fails fast: an import of a file that is not there. */
const failingImport = (user: string, tag: string) =>
    callAs(user, { ...MANAGER, method: "ImportImage", signature: "ssa{sv}", body: [`/nonexistent/${tag}.raw`, tag, {}] });

QUnit.module("compliance: the Audit object", () => {
    QUnit.test("roles: viewers query, only admins export and configure", async assert => {
        assert.true((await query(VIEWER.name, {}, 1)).ok, "a viewer may read");
        assert.true((await query(OPERATOR.name, {}, 1)).ok, "an operator may read");
        const nobody = await query(NOBODY.name, {}, 1);
        assert.false(nobody.ok);
        assert.equal(!nobody.ok && nobody.errorName, refusalOf(NOBODY.name));
        for (const user of [OPERATOR.name, VIEWER.name]) {
            const exported = await callAs(user, { ...AUDIT, method: "Export", signature: "xxa{sv}", body: [0, 1, { "auth.no_user_interaction": ["b", true] }] });
            assert.equal(!exported.ok && exported.errorName, NOT_AUTHORIZED, `${user} may not export`);
            const configured = await callAs(user, { ...AUDIT, method: "Configure", signature: "a{sv}a{sv}", body: [{ "retention-days": ["u", 1] }, { "auth.no_user_interaction": ["b", true] }] });
            assert.equal(!configured.ok && configured.errorName, NOT_AUTHORIZED, `${user} may not configure`);
        }
    });

    QUnit.test("a query finds exactly one user's calls, newest first, page by page", async assert => {
        const testStart = Date.now();
        const tag = `q${testStart}`;
        // a daemon of its own: repeated denials are counted from the first one this daemon recorded
        const restart = async () => {
            const pid = busNameOwnerPid("org.debvisor.DebVisor1");
            if (pid !== null) {
                process.kill(pid, "SIGTERM"); // writes the counts of repeated denials
                await waitFor("debvisord to exit", () => busNameOwnerPid("org.debvisor.DebVisor1") !== pid, 20_000, 20);
            }
        };
        await restart();
        const deniedBefore = await query(ADMIN.name, { user: ["s", OPERATOR.name], result: ["s", "denied"] }, 1);
        for (let i = 0; i < 7; i++) {
            await failingImport(ADMIN.name, `${tag}-${i}`);
            await failingImport(OPERATOR.name, `${tag}-${i}`); // refused: operators do not import
        }
        await restart();
        const deniedAfter = await query(ADMIN.name, { user: ["s", OPERATOR.name], result: ["s", "denied"] }, 2);
        assert.equal(deniedAfter.ok && deniedAfter.body[1], (deniedBefore.ok ? deniedBefore.body[1] as number : NaN) + 2,
            "the operator's 7 refusals: the first recorded at once, the 6 repeats as one record with their count");
        const newest = (deniedAfter.ok ? deniedAfter.body[0] : []) as Dict[];
        assert.true(/: denied 6 more times from /.test(String(newest[0]?.Result)), String(newest[0]?.Result));
        // from this test's start: a host's log holds any number of earlier imports (every test run adds to it)
        const filter = {
            user: ["s", ADMIN.name] as [string, unknown], object: ["s", "Manager"] as [string, unknown], action: ["s", "importimage"] as [string, unknown],
            since: ["x", testStart * 1000] as [string, unknown],
        };
        const seen: Dict[] = [];
        let before = 0;
        let total = -1;
        for (let page = 0; page < 100; page++) {
            const r = await query(ADMIN.name, filter, 3, before);
            assert.true(r.ok, JSON.stringify(r));
            if (!r.ok)
                return;
            const [records, matching, next] = r.body as [Dict[], number, number];
            total = matching;
            seen.push(...records);
            if (next === 0)
                break;
            before = next;
        }
        assert.equal(seen.length, total, "the pages hold every match once");
        assert.true(total >= 14, `${total} matches: at least this test's 7 calls, begin and end`);
        const mine = seen.filter(r => String(r.Arguments).includes(tag));
        // the begin record of each call holds its arguments
        assert.equal(mine.length, 7, `${mine.length} records of this test's calls`);
        assert.true(mine.every(r => r.Phase === "begin"));
        assert.true(seen.every(r => (r.User === ADMIN.name || r.LoginUserClaimed === ADMIN.name) && String(r.Method) === "Manager.ImportImage"));
        const seqs = seen.map(r => Number(r.Seq));
        assert.deepEqual(seqs, [...seqs].sort((a, b) => b - a), "newest first");
        const failedOnly = await query(ADMIN.name, { ...filter, result: ["s", "failed"] }, 1000);
        assert.true(failedOnly.ok && (failedOnly.body[0] as Dict[]).every(r => r.Phase === "end" && r.Result !== "ok"));
        const future = await query(ADMIN.name, { since: ["x", (Date.now() + 3600_000) * 1000] }, 10);
        assert.deepEqual(future.ok && future.body.slice(1), [0, 0], "nothing in the future");
        const facets = await callAs(VIEWER.name, { ...AUDIT, method: "GetFacets", signature: "a{sv}", body: [{}] });
        assert.true(facets.ok && (facets.body[0] as string[]).includes(OPERATOR.name));
    });

    QUnit.test("bad filters, limits, ranges and settings are refused by name and change nothing", async assert => {
        const before = await property("RetentionDays");
        const cases: Array<[string, Promise<Awaited<ReturnType<typeof callAs>>>, RegExp]> = [
            ["unknown filter", query(ADMIN.name, { color: ["s", "red"] }), /filter: unknown option "color"/],
            ["newline in user", query(ADMIN.name, { user: ["s", "a\nb"] }), /filter\.user: must not contain control characters/],
            ["huge object", query(ADMIN.name, { object: ["s", "x".repeat(5000)] }), /filter\.object: must be at most 256/],
            ["bad result", query(ADMIN.name, { result: ["s", "maybe"] }), /filter\.result: must be one of ok, failed/],
            ["wrong type", query(ADMIN.name, { since: ["s", "yesterday"] }), /filter\.since/],
            ["limit 0", query(ADMIN.name, {}, 0), /limit: must be at least 1/],
            ["limit too big", query(ADMIN.name, {}, 100_000), /limit: must be at most 1000/],
            ["until before since", callAs(ADMIN.name, { ...AUDIT, method: "Export", signature: "xxa{sv}", body: [2000, 1000, {}] }), /until: must not be before since/],
            ["negative since", callAs(ADMIN.name, { ...AUDIT, method: "Export", signature: "xxa{sv}", body: [-5, 1000, {}] }), /since: must not be before 1970/],
            ["retention too long", callAs(ADMIN.name, { ...AUDIT, method: "Configure", signature: "a{sv}a{sv}", body: [{ "retention-days": ["u", 99999] }, {}] }), /settings\.retention-days: must be at most 36500/],
            ["tiny segments", callAs(ADMIN.name, { ...AUDIT, method: "Configure", signature: "a{sv}a{sv}", body: [{ "segment-max-bytes": ["t", 10] }, {}] }), /settings\.segment-max-bytes: must be at least 65536/],
            ["unknown setting", callAs(ADMIN.name, { ...AUDIT, method: "Configure", signature: "a{sv}a{sv}", body: [{ "keep-forever": ["b", true] }, {}] }), /settings: unknown option "keep-forever"/],
        ];
        for (const [label, call, reason] of cases) {
            const r = await call;
            assert.false(r.ok, label);
            if (!r.ok) {
                assert.equal(r.errorName, INVALID, `${label}: ${r.message}`);
                assert.true(reason.test(r.message), `${label}: ${r.message}`);
            }
        }
        assert.equal(await property("RetentionDays"), before, "settings unchanged");
    });

    QUnit.test("an evidence export verifies offline with the host's key; a changed copy does not", async assert => {
        const keyStat = fs.statSync(KEY);
        assert.equal(keyStat.mode & 0o777, 0o600, "the private key is root's alone");
        const fingerprint = String(await property("SigningKeyFingerprint"));
        assert.true(/^SHA256:[A-Za-z0-9+/]{43}$/.test(fingerprint), fingerprint);
        assert.true(String(await property("SigningKey")).startsWith("-----BEGIN PUBLIC KEY-----"));

        const tag = `x${Date.now()}`;
        const since = Date.now() - 1000;
        await failingImport(ADMIN.name, tag);
        const until = Date.now() + 1000;
        const r = await callAs(ADMIN.name, { ...AUDIT, method: "Export", signature: "xxa{sv}", body: [since * 1000, until * 1000, {}] });
        assert.true(r.ok, JSON.stringify(r));
        if (!r.ok)
            return;
        const [job, bundle] = r.body as [string, string];
        assert.true(bundle.startsWith("/var/lib/debvisor/evidence/") && bundle.endsWith(".tar"), bundle);
        const [state, message] = await jobOutcome(job);
        assert.equal(state, "succeeded", message);
        assert.true(/Exported records \d+ to \d+ .* the log verified/.test(message), message);
        const stat = fs.statSync(bundle);
        assert.equal(stat.mode & 0o777, 0o640);
        assert.equal(stat.gid, Number(execFileSync("getent", ["group", "debvisor-admin"], { encoding: "utf8" }).split(":")[2]));

        const check = spawnSync("debvisorctl", ["audit", "verify-bundle", "--key", `${KEY}.pub`, bundle], { encoding: "utf8", timeout: 30_000 });
        assert.equal(check.status, 0, check.stderr);
        assert.true(check.stdout.includes(`signed by the trusted key ${fingerprint}`), check.stdout);
        const records = execFileSync("tar", ["-xOf", bundle, "records.jsonl"], { encoding: "utf8" });
        assert.true(records.includes(tag), "the range holds the call made in it");

        const copy = path.join(fs.mkdtempSync("/tmp/dv-bundle-"), "changed.tar");
        fs.writeFileSync(copy, fs.readFileSync(bundle, "latin1").replace(tag, tag.toUpperCase()), "latin1");
        const changed = spawnSync("debvisorctl", ["audit", "verify-bundle", copy], { encoding: "utf8", timeout: 30_000 });
        assert.equal(changed.status, 1);
        assert.true(/records\.jsonl: .*(content was changed|SHA-256 differs)/.test(changed.stderr), changed.stderr);

        // the same from the command line: a job followed to its end, the bundle copied out
        const out = path.join(path.dirname(copy), "cli.tar");
        const cli = spawnSync("debvisorctl", ["audit", "export", "--since", "10m", "-o", out], { encoding: "utf8", timeout: 120_000 });
        assert.equal(cli.status, 0, cli.stderr);
        assert.true(cli.stdout.trim().endsWith(out), cli.stdout);
        assert.equal(spawnSync("debvisorctl", ["audit", "verify-bundle", out], { encoding: "utf8" }).status, 0);
        const bad = spawnSync("debvisorctl", ["audit", "export", "--since", "yesterday-ish"], { encoding: "utf8" });
        assert.equal(bad.status, 2, "a time that is none is wrong usage");
        assert.true(bad.stderr.includes("--since: \"yesterday-ish\" is not a time"), bad.stderr);
        fs.rmSync(path.dirname(copy), { recursive: true });
    });

    QUnit.test("rotation seals segments on the live log; Verify checks the whole series", async assert => {
        const set = (settings: Record<string, [string, unknown]>) =>
            callAs(ADMIN.name, { ...AUDIT, method: "Configure", signature: "a{sv}a{sv}", body: [settings, {}] });
        const previous = await property("SegmentMaxBytes");
        assert.true((await set({ "segment-max-bytes": ["t", 65536] })).ok);
        try {
            const start = (await property("Segments") as Dict[]).length;
            // about 500 bytes a record: a few hundred calls fill a 64 KiB segment
            for (let round = 0; round < 40 && (await property("Segments") as Dict[]).length < start + 2; round++)
                await Promise.all(Array.from({ length: 20 }, (_, i) => failingImport(ADMIN.name, `rot-${round}-${i}`)));
            const segments = await property("Segments") as Dict[];
            assert.true(segments.length >= start + 2, `${segments.length} segments`);
            assert.true(segments.slice(0, -1).every(s => s.Sealed === true), "all but the live one are sealed");
            assert.equal(segments[segments.length - 1].Name, "audit.jsonl");
            const files = verifySegments(AUDIT_LOG);
            assert.true(files.ok, JSON.stringify({ ...files, segments: undefined }));
            const v = await callAs(VIEWER.name, { ...AUDIT, method: "Verify", signature: "a{sv}", body: [{}] });
            assert.true(v.ok, JSON.stringify(v));
            const [state, message] = await jobOutcome((v.ok ? v.body[0] : "") as string);
            assert.equal(state, "succeeded", message);
            assert.true(await property("VerifiedOk") as boolean);
            assert.true((await property("VerifiedSeq") as number) >= files.lastSeq);
            const cli = spawnSync("debvisorctl", ["audit", "verify"], { encoding: "utf8", timeout: 60_000 });
            assert.equal(cli.status, 0, cli.stderr);
            assert.true(/^OK: \d+ records in \d+ segments .*\(matches the daemon\)/.test(cli.stdout), cli.stdout);
        } finally {
            await set({ "segment-max-bytes": ["t", previous] });
        }
    });

    QUnit.test("forwarding sends each record, exactly as logged, to syslog through /dev/log (rsyslogd here)", async assert => {
        if (!ownSyslog()) {
            // another syslog daemon serves /dev/log on this host: its output cannot be read back here
            assert.true(fs.existsSync("/dev/log"), "a syslog socket exists");
            return;
        }
        const set = (on: boolean) => callAs(ADMIN.name, { ...AUDIT, method: "Configure", signature: "a{sv}a{sv}", body: [{ "forward-syslog": ["b", on] }, {}] });
        const logged = () => fs.existsSync(SYSLOG_FILE) ? fs.readFileSync(SYSLOG_FILE, "utf8") : "";
        assert.true((await set(true)).ok);
        try {
            assert.true(await property("ForwardSyslog") as boolean);
            const tag = `fwd${Date.now()}`;
            await failingImport(ADMIN.name, tag);
            await waitFor("the record in syslog", () => logged().includes(tag), 30_000, 100);
            const line = logged().split("\n").find(l => l.includes(tag))!;
            assert.true(/debvisord-audit(\[\d+\])?: \{"prev":"[0-9a-f]{64}","seq":\d+,/.test(line), line);
            const record = line.slice(line.indexOf("{\"prev\""));
            const inLog = fs.readFileSync(AUDIT_LOG, "utf8").split("\n").find(l => l.includes(tag));
            assert.equal(record, inLog, "the same bytes as in the log, so a collector can check the chain");
        } finally {
            assert.true((await set(false)).ok);
        }
        const off = `nofwd${Date.now()}`;
        await failingImport(ADMIN.name, off);
        const marker = `marker${Date.now()}`;
        execFileSync("logger", ["-u", "/dev/log", "-p", "authpriv.info", "-t", "test", marker]);
        await waitFor("a later message in syslog", () => logged().includes(marker), 30_000, 100);
        assert.false(logged().includes(off), "nothing is forwarded once it is turned off");
    });
});
