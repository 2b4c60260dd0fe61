// The installed debvisorctl against the installed daemon, as root and as
// the test users: listings as text and JSON, import --wait to the end and
// Ctrl-C cancelling it, audit verify of the live log while records are being
// written, polkit's password question on a terminal, help and usage errors.
// DEBVISORCTL=dist/debvisorctl.js tries a build that is not packaged yet.
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import QUnit from "qunit";
import { COMMANDS } from "../../helpers/debvisorctl/commands/index.js";
import { callAs, MANAGER } from "../lib/call-as.js";
import { craftImages, makeSecret } from "../lib/crafted-images.js";
import { IMAGE_DIR, imageDirListing, qemuImgFormat, randomImage, removeImage, tempDir, uniqueName } from "../lib/images.js";
import { ADMIN, makeSpareUser, NOBODY, removeSpareUser, VIEWER } from "../lib/users.js";
import { waitFor, withTimeout } from "../lib/wait.js";

const CTL = path.resolve(process.env.DEBVISORCTL ?? "/usr/bin/debvisorctl");
const LIVE_LOG = "/var/log/debvisor/audit.jsonl";
const JOB_PATH = /^\/org\/debvisor\/DebVisor1\/jobs\/(\d+)$/m;

interface Run { code: number | null; stdout: string; stderr: string }

/* Runs debvisorctl (as `user` when given, with that user's groups). */
function ctl(args: string[], options: { user?: string; cwd?: string } = {}): Run {
    const [command, argv] = options.user
        ? ["setpriv", ["--reuid", options.user, "--regid", options.user, "--init-groups", CTL, ...args]]
        : [CTL, args];
    const r = spawnSync(command, argv, { encoding: "utf8", timeout: 120_000, cwd: options.cwd });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/* The same without blocking this process, for work that must go on meanwhile. */
function ctlAsync(args: string[]): Promise<Run> {
    return new Promise(resolve => {
        const child = spawn(CTL, args, { stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", d => { stdout += String(d) });
        child.stderr.on("data", d => { stderr += String(d) });
        child.on("close", code => resolve({ code, stdout, stderr }));
    });
}

/* A call that fails validation after authorization: two audit records (begin and end) each time. */
function auditedCall(): Promise<unknown> {
    return callAs(null, { ...MANAGER, method: "ImportImage", signature: "ssa{sv}", body: ["/nonexistent/cli-load.raw", uniqueName("load"), {}] });
}

QUnit.module("debvisorctl (installed, against debvisord)", hooks => {
    let dir = "";
    hooks.before(() => {
        dir = tempDir("dv-cli-");
    });
    hooks.after(() => {
        fs.rmSync(dir, { recursive: true, force: true });
    });

    QUnit.test("status: the Manager's properties as text and JSON", assert => {
        const json = ctl(["status", "--json"]);
        assert.equal(json.code, 0, json.stderr);
        const props = JSON.parse(json.stdout);
        assert.equal(props.Version, ctl(["--version"]).stdout.trim(), "the daemon and the CLI are one version");
        assert.true(/^[0-9a-f]{64}$/.test(props.AuditChainHead), props.AuditChainHead);
        assert.equal(typeof props.AuditRecordCount, "number");
        assert.equal(typeof props.RunningJobs, "number");
        assert.true(Array.isArray(props.Features));
        const text = ctl(["status"]);
        assert.equal(text.code, 0, text.stderr);
        for (const label of ["Version", "Host name", "Storage profile", "Backends", "Audit records", "Audit chain head", "Running jobs"])
            assert.true(new RegExp(`^${label} +\\S`, "m").test(text.stdout), label);
    });

    QUnit.test("disks: JSON parses and holds the OS disk; the table has its columns", assert => {
        const json = ctl(["disks", "--json"]);
        assert.equal(json.code, 0, json.stderr);
        const disks = JSON.parse(json.stdout) as Array<{ Name: string; Role: string; Size: number; RoleReason: string }>;
        const os = disks.filter(d => d.Role === "os");
        assert.true(os.length >= 1, `the OS disk is listed: ${json.stdout}`);
        assert.true(os.every(d => d.Size > 0 && d.RoleReason !== ""));
        const text = ctl(["disks"]);
        assert.true(/^NAME +SIZE +ROLE +MODEL +SERIAL +REASON$/m.test(text.stdout), text.stdout);
        assert.true(text.stdout.split("\n").some(l => l.startsWith(`${os[0].Name} `) && / os /.test(l)), text.stdout);
    });

    QUnit.test("audit tail: the newest records, as JSON and as a table", async assert => {
        await auditedCall();
        await auditedCall();
        await auditedCall();
        const json = ctl(["audit", "tail", "-n", "5", "--json"]);
        assert.equal(json.code, 0, json.stderr);
        const records = JSON.parse(json.stdout) as Array<{ Seq: number; Hash: string; Method: string; Phase: string }>;
        assert.equal(records.length, 5);
        assert.deepEqual(records.map(r => r.Seq), records.map((_r, i) => records[0].Seq + i), "oldest first, consecutive");
        assert.true(records.every(r => /^[0-9a-f]{64}$/.test(r.Hash)));
        assert.equal(records.at(-1)?.Method, "Manager.ImportImage");
        const text = ctl(["audit", "tail", "--lines=3"]);
        assert.equal(text.code, 0, text.stderr);
        const lines = text.stdout.trimEnd().split("\n");
        assert.true(/^SEQ +TIME +USER +METHOD +OBJECT +PHASE +RESULT$/.test(lines[0]), lines[0]);
        assert.equal(lines.length, 4, "the header and three records");
    });

    QUnit.test("audit verify of the live log: matches the daemon, also while records are being written", async assert => {
        const quiet = ctl(["audit", "verify"]);
        assert.equal(quiet.code, 0, quiet.stderr);
        // every segment of the live log, as one chain
        assert.true(/^OK: \d+ records in \d+ segments \(records \d+ to \d+.*\), chain head [0-9a-f]{64} \(matches the daemon\)$/.test(quiet.stdout.trim()), quiet.stdout);
        // a stream of audited calls while verifying again and again: a head read
        // before the file must never look like records cut from the end
        let writing = true;
        const load = (async () => {
            let calls = 0;
            while (writing) {
                await Promise.all([auditedCall(), auditedCall(), auditedCall()]);
                calls += 3;
            }
            return calls;
        })();
        const runs: Run[] = [];
        for (let i = 0; i < 8; i++)
            runs.push(await ctlAsync(["audit", "verify"]));
        writing = false;
        const calls = await load;
        assert.true(calls > 8, `${calls} calls were made while verifying`);
        for (const r of runs)
            assert.equal(r.code, 0, r.stderr || r.stdout);
        const json = ctl(["audit", "verify", "--json"]);
        const verdict = JSON.parse(json.stdout);
        assert.true(verdict.ok && verdict.daemon && verdict.lastSeq >= verdict.daemon.count, json.stdout);
    });

    QUnit.test("audit verify offline: a copy, as a user who cannot read the live log", assert => {
        const denied = ctl(["audit", "verify"], { user: NOBODY.name });
        assert.equal(denied.code, 1);
        assert.true(denied.stderr.includes("permission denied"), denied.stderr);
        const copy = path.join(dir, "audit-copy.jsonl");
        fs.copyFileSync(LIVE_LOG, copy);
        fs.chmodSync(copy, 0o644);
        const offline = ctl(["audit", "verify", copy], { user: NOBODY.name });
        assert.equal(offline.code, 0, offline.stderr);
        // after a rotation the live file is a segment that continues the sealed one before it
        assert.true(/^OK: \d+ records, chain head [0-9a-f]{64}( \(a segment: it continues audit-\d+\.jsonl, which is not checked here\))?$/.test(offline.stdout.trim()), offline.stdout);
        const lines = fs.readFileSync(copy, "utf8").trimEnd().split("\n");
        fs.writeFileSync(copy, [...lines.slice(0, 3), ...lines.slice(4)].join("\n") + "\n");
        const tampered = ctl(["audit", "verify", copy]);
        assert.equal(tampered.code, 1);
        assert.true(tampered.stderr.includes(": line 4: "), tampered.stderr);
    });

    QUnit.test("import --wait follows the job to its end; the job is listed; a finished job cannot be cancelled", assert => {
        randomImage(dir, "cli.raw", 8);
        const name = uniqueName("cli");
        try {
            // SOURCE relative to the working directory
            const r = ctl(["import", "cli.raw", name, "--wait", "--rate-limit", "4M"], { cwd: dir });
            assert.equal(r.code, 0, r.stderr);
            const job = JOB_PATH.exec(r.stdout);
            assert.true(job !== null, r.stdout);
            assert.true(/^progress \d+%$/m.test(r.stdout), "progress lines when not on a terminal");
            assert.true(r.stdout.includes(`Imported cli.raw as ${IMAGE_DIR}/${name}.qcow2`), r.stdout);
            assert.equal(qemuImgFormat(`${IMAGE_DIR}/${name}.qcow2`), "qcow2");

            const listed = (JSON.parse(ctl(["jobs", "--json"]).stdout) as Array<Record<string, unknown>>).find(j => j.Path === job?.[0]);
            assert.deepEqual([listed?.Number, listed?.Operation, listed?.State, listed?.Progress], [Number(job?.[1]), "image-import", "succeeded", 1]);
            assert.true(ctl(["jobs"]).stdout.split("\n").some(l => new RegExp(`^${job?.[1]} +image-import +100% +succeeded +Importing cli.raw`).test(l)));
            const late = ctl(["jobs", "cancel", String(job?.[1])]);
            assert.equal(late.code, 1);
            assert.true(late.stderr.startsWith("debvisorctl: Failed: The job has already completed"), late.stderr);
        } finally {
            removeImage(`${name}.qcow2`);
        }
    });

    QUnit.test("Ctrl-C during import --wait cancels the job and leaves no file", async assert => {
        randomImage(dir, "slow.raw", 64);
        const name = uniqueName("cli-cancel");
        const child = spawn(CTL, ["import", path.join(dir, "slow.raw"), name, "--wait", "--rate-limit", "1M"], { stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", d => { stdout += String(d) });
        child.stderr.on("data", d => { stderr += String(d) });
        const exited = new Promise<number | null>(resolve => child.on("close", code => resolve(code)));
        try {
            await waitFor("the job's path", () => JOB_PATH.test(stdout), 30_000);
            await new Promise(r => setTimeout(r, 500));
            child.kill("SIGINT");
            const code = await withTimeout(exited, 30_000, "debvisorctl to end after Ctrl-C");
            assert.equal(code, 1, stderr);
            assert.true(stderr.includes("cancelling job "), stderr);
            assert.true(/debvisorctl: cancelled: Cancelled by root/.test(stderr), stderr);
            const job = JOB_PATH.exec(stdout)?.[0];
            const listed = (JSON.parse(ctl(["jobs", "--json"]).stdout) as Array<Record<string, unknown>>).find(j => j.Path === job);
            assert.equal(listed?.State, "cancelled");
            assert.deepEqual(imageDirListing().filter(f => f.includes(name)), [], "neither the image nor a partial file");
        } finally {
            child.kill("SIGKILL");
            removeImage(`${name}.qcow2`);
        }
    });

    QUnit.test("errors: a missing source, a job that is not there; exit 1 with the error's name", assert => {
        const missing = ctl(["import", path.join(dir, "missing.raw"), uniqueName("cli")]);
        assert.equal(missing.code, 1);
        assert.true(missing.stderr.startsWith(`debvisorctl: NotFound: source_path: ${path.join(dir, "missing.raw")} `), missing.stderr);
        assert.false(missing.stderr.includes("    at "), "no stack trace");
        assert.equal(missing.stdout, "");
        const noJob = ctl(["jobs", "cancel", "999999"]);
        assert.equal(noJob.code, 1);
        assert.true(noJob.stderr.startsWith("debvisorctl: NotFound: there is no job 999999"), noJob.stderr);
        const badFormat = ctl(["import", path.join(dir, "missing.raw"), uniqueName("cli"), "--format", "vmdk"]);
        assert.equal(badFormat.code, 1);
        assert.true(badFormat.stderr.startsWith("debvisorctl: InvalidArgument: options.format: "), badFormat.stderr);
    });

    QUnit.test("import of an image that references another file: the refusal says why, exit 1, no job", assert => {
        const secret = makeSecret(dir);
        const crafted = craftImages(dir, secret).find(c => c.file.endsWith("flat.vmdk"));
        const name = uniqueName("cli");
        const r = ctl(["import", crafted?.file ?? "", name, "--wait"]);
        assert.equal(r.code, 1);
        assert.equal(r.stderr, `debvisorctl: InvalidArgument: source_path: ${crafted?.file} is a VMDK descriptor (createType "monolithicFlat") ` +
            "whose data lies in other files; import a single-file (monolithicSparse or streamOptimized) .vmdk\n");
        assert.equal(r.stdout, "", "no job path");
        assert.deepEqual(imageDirListing().filter(f => f.includes(name)), []);
    });

    QUnit.test("roles: without a group the bus refuses (exit 1, and says which groups admit), a viewer reads but cannot import", assert => {
        for (const args of [["disks"], ["disks", "--no-ask"], ["audit", "tail"], ["status"]]) {
            const r = ctl(args, { user: NOBODY.name });
            assert.equal(r.code, 1, args.join(" "));
            assert.true(r.stderr.startsWith("debvisorctl: AccessDenied: the system bus refused the call: you are not in a DebVisor group " +
                "(debvisor-admin, debvisor-operator, debvisor-viewer)"), r.stderr);
            assert.false(r.stderr.includes("matched rules"), "not the bus's raw refusal");
        }
        const viewer = ctl(["disks", "--json"], { user: VIEWER.name });
        assert.equal(viewer.code, 0, viewer.stderr);
        const source = path.join(dir, "viewer.raw");
        fs.writeFileSync(source, Buffer.alloc(1 << 20));
        const imported = ctl(["import", source, uniqueName("viewer")], { user: VIEWER.name });
        assert.equal(imported.code, 1);
        assert.true(imported.stderr.startsWith("debvisorctl: NotAuthorized: "), imported.stderr);
    });

    QUnit.test("dns dhcp: set adds and changes a range, list shows it with its leases in use, remove; bad input and a viewer change nothing", assert => {
        const listed = () => JSON.parse(ctl(["dns", "dhcp", "list", "--json"]).stdout) as Array<Record<string, unknown>>;
        const original = listed();
        const name = uniqueName("cli").toLowerCase().replace(/[^a-z0-9-]/g, "-").slice(0, 32);
        try {
            const added = ctl(["dns", "dhcp", "set", name, "--interface", "br0", "--start", "10.254.30.10", "--end", "10.254.30.19", "--lease", "3600", "--no-ask"]);
            assert.equal(added.code, 0, added.stderr);
            assert.equal(added.stdout.trim(), `added DHCP range ${name}`);
            let range = listed().find(r => r.Name === name);
            assert.deepEqual(range && [range.Start, range.End, range.Netmask, range.LeaseSeconds, range.DnsServer, range.Addresses, range.Leased],
                ["10.254.30.10", "10.254.30.19", "255.255.255.0", 3600, "", 10, 0]);
            const table = ctl(["dns", "dhcp", "list"]);
            assert.true(new RegExp(`^${name} +br0 +10\\.254\\.30\\.10 +10\\.254\\.30\\.19 .* 0/10$`, "m").test(table.stdout), table.stdout);

            const dry = ctl(["dns", "dhcp", "set", name, "--end", "10.254.30.29", "--dry-run"]);
            assert.true(dry.code === 0 && dry.stdout.includes(`dhcp-range=set:${name},10.254.30.10,10.254.30.29,`), dry.stdout + dry.stderr);
            assert.equal(listed().find(r => r.Name === name)?.End, "10.254.30.19", "a dry run changes nothing");
            const changed = ctl(["dns", "dhcp", "set", name, "--end", "10.254.30.29", "--dns-server", "10.254.30.1"]);
            assert.equal(changed.code, 0, changed.stderr);
            range = listed().find(r => r.Name === name);
            assert.deepEqual(range && [range.Start, range.End, range.DnsServer, range.Addresses], ["10.254.30.10", "10.254.30.29", "10.254.30.1", 20], "only what was given changed");

            const before = JSON.stringify(listed());
            for (const [args, expected] of [
                [["--end", "10.254.31.5"], /InvalidArgument: .*not in the same \/24 network/],
                [["--start", "10.254.30.300"], /InvalidArgument: .*not an IPv4 address/],
                [["--interface", "br0\ndhcp-range=evil"], /InvalidArgument: [^]*not an interface name/],
                [["--lease", "ten"], /--lease takes a whole number/],
            ] as Array<[string[], RegExp]>) {
                const r = ctl(["dns", "dhcp", "set", name, ...args]);
                assert.true(r.code !== 0 && expected.test(r.stderr), `${args.join(" ")}: ${r.stderr}`);
            }
            const newWithoutEnd = ctl(["dns", "dhcp", "set", "cli-nothing-yet", "--start", "10.254.32.1"]);
            assert.true(newWithoutEnd.code === 2 && /needs --start and --end/.test(newWithoutEnd.stderr), newWithoutEnd.stderr);
            const viewer = ctl(["dns", "dhcp", "remove", name, "--no-ask"], { user: VIEWER.name });
            assert.true(viewer.code === 1 && viewer.stderr.startsWith("debvisorctl: NotAuthorized: "), viewer.stderr);
            assert.equal(ctl(["dns", "dhcp", "list", "--json"], { user: VIEWER.name }).code, 0, "a viewer lists the ranges");
            const unknown = ctl(["dns", "dhcp", "remove", "no-such-range"]);
            assert.true(unknown.code === 1 && /no DHCP range "no-such-range"/.test(unknown.stderr), unknown.stderr);
            assert.equal(JSON.stringify(listed()), before, "nothing changed");

            const removed = ctl(["dns", "dhcp", "remove", name]);
            assert.equal(removed.code, 0, removed.stderr);
            assert.false(listed().some(r => r.Name === name));
        } finally {
            if (listed().some(r => r.Name === name))
                ctl(["dns", "dhcp", "remove", name]);
        }
        assert.deepEqual(listed(), original, "the host's ranges as they were");
    });

    QUnit.test("roles: lists each role's members; add and remove a user; a viewer is refused; bad names exit 1 with the reason", assert => {
        const user = "dvclirole";
        makeSpareUser(user);
        try {
            const listed = () => JSON.parse(ctl(["roles", "--json"]).stdout) as Record<string, string[]>;
            assert.true(listed().admin.includes(ADMIN.name), JSON.stringify(listed()));
            const added = ctl(["roles", "add", user, "viewer", "--no-ask"]);
            assert.equal(added.code, 0, added.stderr);
            assert.equal(added.stdout.trim(), `${user} added to viewer`);
            assert.true(listed().viewer.includes(user));
            const table = ctl(["roles"]);
            assert.true(new RegExp(`^viewer +debvisor-viewer +.*\\b${user}\\b`, "m").test(table.stdout), table.stdout);
            const refused = ctl(["roles", "remove", user, "viewer", "--no-ask"], { user: VIEWER.name });
            assert.true(refused.code === 1 && refused.stderr.startsWith("debvisorctl: NotAuthorized: "), refused.stderr);
            // "--": a name with a leading dash reaches the daemon, which refuses it
            for (const [name, expected] of [["-r", /InvalidArgument: user: must start/], ["a\nb", /InvalidArgument: user: must start/], ["nosuchuser-dv", /there is no user/]] as const) {
                const r = ctl(["roles", "add", "--", name, "viewer"]);
                assert.true(r.code === 1 && expected.test(r.stderr), `${JSON.stringify(name)}: ${r.stderr}`);
            }
            const removed = ctl(["roles", "remove", user, "viewer"]);
            assert.equal(removed.code, 0, removed.stderr);
            assert.false(listed().viewer.includes(user));
        } finally {
            removeSpareUser(user);
        }
    });

    QUnit.test("on a terminal, polkit's question for an admin's password is asked and answered", async assert => {
        const run = (extra: string[]) => new Promise<{ code: number | null; output: string }>(resolve => {
            // script(1) gives debvisorctl a terminal, as over ssh
            // a viewer asks for what only admins may do: polkit lets an admin authenticate for it
            const command = ["setpriv", "--reuid", VIEWER.name, "--regid", VIEWER.name, "--init-groups", CTL, "security", "fix", "sysctl-kernel.kptr_restrict", "--dry-run", ...extra].join(" ");
            const child = spawn("script", ["-qec", command, "/dev/null"], { stdio: ["pipe", "pipe", "pipe"] });
            let output = "";
            let answered = false;
            child.stdout.on("data", d => {
                output += String(d);
                const choice = /(\d+)\. .*\bdvadmin\b/.exec(output);
                if (/Choose identity to authenticate as/.test(output) && choice && !output.includes("choice sent")) {
                    child.stdin.write(`${choice[1]}\n`);
                    output += "choice sent";
                }
                if (!answered && /Password:\s*$/.test(output)) {
                    answered = true;
                    // the agent turns echo off after its prompt, discarding what was typed before:
                    // answer a moment later, as a person would
                    setTimeout(() => child.stdin.write(`${ADMIN.password}\n`), 1_000);
                }
            });
            child.on("close", code => resolve({ code, output }));
            setTimeout(() => child.kill("SIGKILL"), 60_000).unref();
        });
        const asked = await run([]);
        assert.true(asked.output.includes("AUTHENTICATING FOR org.debvisor.security.harden"), asked.output);
        assert.false(asked.output.includes("NotAuthorized"), `authorized once dvadmin answered: ${asked.output}`);
        const notAsked = await run(["--no-ask"]);
        assert.equal(notAsked.code, 1, notAsked.output);
        assert.false(notAsked.output.includes("AUTHENTICATING"), "--no-ask: no question");
        assert.true(notAsked.output.includes("NotAuthorized"), notAsked.output);
    });

    QUnit.test("--help works for every command; an unknown command or option is wrong usage (exit 2)", assert => {
        for (const name of [...COMMANDS.map(c => c.name), "audit", "vm"]) {
            const r = ctl([...name.split(" "), "--help"]);
            assert.equal(r.code, 0, name);
            assert.true(r.stdout.startsWith(`Usage: debvisorctl ${name}`), `${name}: ${r.stdout}`);
        }
        assert.equal(ctl(["--help"]).code, 0);
        const unknown = ctl(["frobnicate"]);
        assert.equal(unknown.code, 2);
        assert.true(unknown.stderr.includes("unknown command \"frobnicate\"") && unknown.stderr.includes("Usage: debvisorctl COMMAND"), unknown.stderr);
        const flag = ctl(["jobs", "--frobnicate"]);
        assert.equal(flag.code, 2);
        assert.true(flag.stderr.includes("unknown option --frobnicate") && flag.stderr.includes("Usage: debvisorctl jobs"), flag.stderr);
    });
});
