// The Ceph area's long-lived session (ceph-session.ts) against a stand-in
// helper written here: a node script that speaks ceph-session.py's JSON lines
// and behaves as the configuration file it is given says (answers, answers in
// reverse order, keeps silent, dies, cannot connect, is refused by Ceph). No
// cluster runs in the unit tests: the real helper against a real cluster is
// the integration tests' (77-ceph). Checked: replies matched by id, the
// commands as Ceph's dictionaries to mon or mgr, a silent helper timed out and
// stopped, restarts after a pause that doubles, a new helper for a new
// configuration, and every read the session cannot answer made with the CLI.
// The real helper (ceph-session.py) is run too: without a configuration file,
// and with a stand-in for python3-rados for its request loop.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import QUnit from "qunit";
import { testUnless } from "../lib/skip.js";
import { processRunning, waitFor } from "../lib/wait.js";
import { CEPH_READS, CEPH_SESSION_HELPER, CephSession, type CephRead, type SessionTiming } from "../../helpers/debvisord/ceph/ceph-session.js";
import { CephTools } from "../../helpers/debvisord/ceph/tools.js";

const STAND_IN = `#!${process.execPath}
// stand-in for ceph-session.py: answers as the JSON in the file given as --conf says
import { spawn } from "node:child_process";
import fs from "node:fs";
import readline from "node:readline";
const arg = name => process.argv[process.argv.indexOf(name) + 1];
const mode = JSON.parse(fs.readFileSync(arg("--conf"), "utf8"));
fs.appendFileSync(path(), JSON.stringify({ pid: process.pid, args: process.argv.slice(2) }) + "\\n");
function path() { return arg("--conf").replace(/[^/]*$/, "starts"); }
const say = m => process.stdout.write(JSON.stringify(m) + "\\n");
if (mode.notReady) {
    say({ ready: false, error: "TimedOut: [errno 110] RADOS timed out (error connecting to the cluster)" });
    process.exit(1);
}
say({ ready: true });
let count = 0;
let held = [];
readline.createInterface({ input: process.stdin }).on("line", line => {
    const r = JSON.parse(line);
    if (++count > (mode.dieAfter ?? Infinity))
        process.exit(3);
    if (mode.silent)
        return;
    const ret = mode.retFor?.[r.command.prefix] ?? mode.ret ?? 0;
    const reply = { id: r.id, ret, out: JSON.stringify({ target: r.target, command: r.command, timeout: r.timeout }), outs: ret ? "refused" : "" };
    if (!mode.hold)
        return say(reply);
    held.push(reply);
    if (held.length === mode.hold) {
        say({ id: 99999, ret: 0, out: "nobody asked", outs: "" });
        for (const h of held.reverse())
            say(h);
        held = [];
    }
});
`;

/* The CLI's side: records the reads that fell back to it. */
class CliTools extends CephTools {
    cli: string[] = [];
    override cephJson(args: string[]): Promise<string> {
        this.cli.push(args.join(" "));
        return Promise.resolve(`cli: ${args.join(" ")}`);
    }
}

interface Setup {
    dir: string;
    tools: CliTools;
    session: CephSession;
    /** what the stand-in does from its next start on */
    mode(m: Record<string, unknown>): void;
    starts(): Array<{ pid: number; args: string[] }>;
}

const timing: SessionTiming = { requestMs: 1500, readyMs: 5000, pauseMs: 300, maxPauseMs: 1000 };

function setup(helper?: string[], times = timing): Setup {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ceph-session-"));
    fs.writeFileSync(path.join(dir, "stand-in-ceph-session.mjs"), STAND_IN, { mode: 0o755 });
    fs.writeFileSync(path.join(dir, "ceph.json"), JSON.stringify({ conf: path.join(dir, "ceph.conf"), keyring: path.join(dir, "keyring") }));
    const tools = new CliTools(path.join(dir, "ceph.json"));
    const mode = (m: Record<string, unknown>) => fs.writeFileSync(path.join(dir, "ceph.conf"), JSON.stringify(m));
    mode({});
    const starts = () => fs.existsSync(path.join(dir, "starts"))
        ? fs.readFileSync(path.join(dir, "starts"), "utf8").trim().split("\n").map(l => JSON.parse(l) as { pid: number; args: string[] }) : [];
    return { dir, tools, session: new CephSession(tools, helper ?? [path.join(dir, "stand-in-ceph-session.mjs")], times), mode, starts };
}

const REAL_HELPER = fileURLToPath(new URL("../../helpers/debvisord/ceph/ceph-session.py", import.meta.url));
const PYTHON_DIR = "/usr/lib/python3/dist-packages";
const noRados = fs.existsSync(PYTHON_DIR) && fs.readdirSync(PYTHON_DIR).some(f => /^rados\..*\.so$/.test(f)) ? null : "python3-rados is not installed";

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));
/* waits (at most 2 s) for a process to end */
async function ended(pid: number): Promise<boolean> {
    await waitFor(`process ${pid} to end`, () => !processRunning(pid), 2000, 50).catch(() => undefined);
    return !processRunning(pid);
}
const asked = (out: string) => JSON.parse(out) as { target: string; command: Record<string, string>; timeout: number };

QUnit.module("ceph: the periodic reads' session", hooks => {
    let s: Setup;
    hooks.afterEach(() => {
        s.session.stop();
        fs.rmSync(s.dir, { recursive: true, force: true });
    });

    QUnit.test("one helper, started on the first read with the CLI's configuration; replies matched by id in any order; mon and mgr commands as Ceph's dictionaries", async assert => {
        s = setup();
        s.mode({ hold: 4 });
        const reads: CephRead[] = [CEPH_READS.report, CEPH_READS.osdDfTree, CEPH_READS.dfDetail, CEPH_READS.mgrDump];
        assert.deepEqual(s.starts(), [], "nothing started before a read");
        const outs = await Promise.all(reads.map(r => s.session.read(r, "reading")));
        assert.deepEqual(outs.map(asked), [
            { target: "mon", command: { prefix: "report", format: "json" }, timeout: 8 },
            { target: "mgr", command: { prefix: "osd df", output_method: "tree", format: "json" }, timeout: 8 },
            { target: "mon", command: { prefix: "df", detail: "detail", format: "json" }, timeout: 8 },
            { target: "mon", command: { prefix: "mgr dump", format: "json" }, timeout: 8 },
        ], "each read got its own reply although they came in reverse, after one nobody asked for");
        assert.deepEqual(s.tools.cli, [], "nothing from the CLI");
        assert.deepEqual(s.starts().map(x => x.args), [["--conf", path.join(s.dir, "ceph.conf"), "--keyring", path.join(s.dir, "keyring"),
            "--connect-timeout", "6", "--op-timeout", "8"]]);
        s.mode({});
        await Promise.all(reads.map(r => s.session.read(r, "reading")));
        assert.equal(s.starts().length, 2, "the configuration file changed (the stand-in's mode): a new helper for it");
        assert.true(await ended(s.starts()[0].pid), "the one for the old configuration is stopped");
        await s.session.read(CEPH_READS.report, "reading");
        assert.equal(s.starts().length, 2, "and then kept");
        const pid = s.starts()[1].pid;
        s.session.stop();
        assert.true(await ended(pid), "stop ends it");
        assert.equal(asked(await s.session.read(CEPH_READS.report, "reading")).command.prefix, "report", "the next read starts one again");
        assert.equal(s.starts().length, 3);
    });

    QUnit.test("a helper that does not answer: the read times out to the CLI, the helper is stopped, and a new one starts only after the pause", async assert => {
        s = setup();
        s.mode({ silent: true });
        assert.equal(await s.session.read(CEPH_READS.report, "reading"), "cli: report");
        assert.true(s.session.problem.includes("no answer to report within 1.5 s"), s.session.problem);
        assert.true(await ended(s.starts()[0].pid), "the silent helper is stopped");
        s.mode({});
        assert.equal(await s.session.read(CEPH_READS.mgrDump, "reading"), "cli: mgr dump", "during the pause: the CLI");
        assert.equal(s.starts().length, 1, "nothing started during the pause");
        await sleep(timing.pauseMs + 50);
        assert.equal(asked(await s.session.read(CEPH_READS.mgrDump, "reading")).command.prefix, "mgr dump", "after it: the session again");
        assert.equal(s.starts().length, 2);
        assert.deepEqual(s.tools.cli, ["report", "mgr dump"]);
        assert.equal(s.session.problem, "", "answering again");
    });

    QUnit.test("a helper that dies: the waiting read and the ones in the pause go to the CLI; restarted after it", async assert => {
        s = setup();
        s.mode({ dieAfter: 1 });
        assert.equal(asked(await s.session.read(CEPH_READS.report, "reading")).command.prefix, "report");
        assert.equal(await s.session.read(CEPH_READS.dfDetail, "reading"), "cli: df detail", "it died with this one waiting");
        assert.true(s.session.problem.includes("ended"), s.session.problem);
        assert.equal(await s.session.read(CEPH_READS.report, "reading"), "cli: report");
        await sleep(timing.pauseMs + 50);
        assert.equal(asked(await s.session.read(CEPH_READS.report, "reading")).command.prefix, "report");
        assert.equal(s.starts().length, 2);
    });

    QUnit.test("a helper that cannot connect: the CLI; the pause doubles with each failure", async assert => {
        s = setup(undefined, { ...timing, pauseMs: 400, maxPauseMs: 800 });
        s.mode({ notReady: true });
        assert.equal(await s.session.read(CEPH_READS.report, "reading"), "cli: report");
        assert.true(s.session.problem.includes("cannot connect: TimedOut"), s.session.problem);
        await sleep(450); // the first pause: 400 ms
        await s.session.read(CEPH_READS.report, "reading");
        assert.equal(s.starts().length, 2, "tried again after the first pause");
        await sleep(450); // the second: 800 ms
        await s.session.read(CEPH_READS.report, "reading");
        assert.equal(s.starts().length, 2, "the second pause is twice as long");
        await sleep(600);
        await s.session.read(CEPH_READS.report, "reading");
        assert.equal(s.starts().length, 3, "tried again after it");
        assert.equal(s.tools.cli.length, 4, "every read answered, by the CLI");
    });

    QUnit.test("a command Ceph refuses in the session goes to the CLI with the helper kept; a timed-out one also restarts it", async assert => {
        s = setup();
        s.mode({ ret: -22 });
        assert.equal(await s.session.read(CEPH_READS.osdDfTree, "reading"), "cli: osd df tree");
        assert.equal(await s.session.read(CEPH_READS.osdDfTree, "reading"), "cli: osd df tree");
        assert.equal(s.starts().length, 1, "the session itself works: kept");
        assert.true(s.session.problem.includes("refused osd df tree"), s.session.problem);
        s.session.stop();
        s.mode({ ret: -110 });
        assert.equal(await s.session.read(CEPH_READS.report, "reading"), "cli: report");
        assert.true(await ended(s.starts()[1].pid), "librados gave up: this connection is not trusted again");
        assert.true(s.session.problem.includes("timed out"), s.session.problem);
    });

    QUnit.test("a manager's command that times out (no manager active yet, one failing over) goes to the CLI with the helper kept for the monitors' reads", async assert => {
        s = setup();
        s.mode({ retFor: { "osd df": -110 } });
        assert.equal(await s.session.read(CEPH_READS.osdDfTree, "reading"), "cli: osd df tree");
        assert.equal(asked(await s.session.read(CEPH_READS.report, "reading")).command.prefix, "report", "the next read in the session, no pause");
        assert.equal(s.starts().length, 1, "the same helper");
        assert.deepEqual(s.tools.cli, ["osd df tree"]);
    });

    QUnit.test("no helper installed: every read from the CLI", async assert => {
        s = setup(["/nonexistent/ceph-session"]);
        assert.equal(await s.session.read(CEPH_READS.report, "reading"), "cli: report");
        assert.true(s.session.problem.includes("/nonexistent/ceph-session is not installed"), s.session.problem);
        assert.equal(await s.session.read(CEPH_READS.mgrDump, "reading"), "cli: mgr dump");
        assert.deepEqual(s.tools.cli, ["report", "mgr dump"]);
    });

    testUnless("the real helper, run as debvisord runs it, with no configuration file: says it cannot connect, and the read goes to the CLI", noRados, async assert => {
        s = setup([...CEPH_SESSION_HELPER.slice(0, -1), REAL_HELPER]);
        fs.rmSync(path.join(s.dir, "ceph.conf"));
        assert.equal(await s.session.read(CEPH_READS.report, "reading"), "cli: report");
        assert.true(s.session.problem.includes("cannot connect: ObjectNotFound"), s.session.problem);
    });

    testUnless("the real helper's request loop, on a stand-in rados module: mon and mgr commands, one reply per request, its timeout, a bad line, the end with its input", fs.existsSync("/usr/bin/python3") ? null : "no /usr/bin/python3", async assert => {
        s = setup();
        // stand-in for python3-rados: answers what it was sent and how; "mgr dump" takes 1 s
        fs.writeFileSync(path.join(s.dir, "rados.py"), [
            "import json, time",
            "class Rados:",
            "    def __init__(self, conffile=None, conf=None):",
            "        self.conf = conf",
            "    def connect(self):",
            "        pass",
            "    def answer(self, via, cmd):",
            "        if json.loads(cmd)['prefix'] == 'mgr dump':",
            "            time.sleep(1)",
            "        return 0, json.dumps({'via': via, 'cmd': json.loads(cmd), 'conf': self.conf}).encode(), 'ok'",
            "    def mon_command(self, cmd, inbuf):",
            "        return self.answer('mon', cmd)",
            "    def mgr_command(self, cmd, inbuf):",
            "        return self.answer('mgr', cmd)",
        ].join("\n") + "\n");
        const helper = spawn("/usr/bin/python3", [REAL_HELPER, "--conf", "/nonexistent/ceph.conf", "--keyring", "/k", "--connect-timeout", "3", "--op-timeout", "4"],
            { env: { PYTHONPATH: s.dir, PATH: "/usr/bin:/bin" }, stdio: ["pipe", "pipe", "inherit"] });
        const exited = new Promise<number | null>(resolve => helper.on("exit", code => resolve(code)));
        let out = "";
        helper.stdout.on("data", (d: Buffer) => out += d.toString());
        const request = (id: number, r: CephRead, timeout: number) =>
            helper.stdin.write(JSON.stringify({ id, target: r.target, command: { ...r.command, format: "json" }, timeout }) + "\n");
        request(1, CEPH_READS.report, 5);
        request(2, CEPH_READS.osdDfTree, 5);
        request(3, CEPH_READS.mgrDump, 0.3);
        helper.stdin.write("not json\n");
        await sleep(1500); // mgr dump has come back by now, after its timeout
        helper.stdin.end();
        assert.equal(await exited, 0, "it ends when its input closes");
        const lines = out.trim().split("\n").map(l => JSON.parse(l) as Record<string, unknown>);
        assert.deepEqual(lines[0], { ready: true });
        const reply = (id: number) => lines.filter(l => l.id === id);
        const body = (id: number) => JSON.parse(String(reply(id)[0].out)) as Record<string, unknown>;
        assert.deepEqual(body(1), { via: "mon", cmd: { prefix: "report", format: "json" }, conf: { client_mount_timeout: "3", rados_mon_op_timeout: "4", keyring: "/k" } });
        assert.deepEqual([reply(1)[0].ret, reply(1)[0].outs], [0, "ok"]);
        assert.deepEqual(body(2).via, "mgr", "osd df goes to the managers");
        assert.deepEqual(reply(3), [{ id: 3, ret: -110, out: "", outs: "timed out after 0.3 s" }], "mgr dump: timed out, and its late answer not sent");
        assert.equal(lines.find(l => l.id === null)?.ret, -22, "the bad line is refused");
        assert.equal(lines.length, 5);
    });
});
