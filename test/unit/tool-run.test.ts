// The one way debvisord runs a tool: real processes, their exit codes,
// output, time limits and a tool that is not there.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import QUnit from "qunit";
import { lastLines, missingTool, runTool, startTool } from "../../helpers/lib/tool-run.js";

async function failure(promise: Promise<unknown>): Promise<Error & { errorName?: string }> {
    try {
        await promise;
    } catch (e) {
        return e as Error & { errorName?: string };
    }
    throw new Error("no failure");
}

QUnit.module("tool-run: running a tool", () => {
    QUnit.test("output, input and the environment it adds", async assert => {
        const r = await runTool("/bin/sh", ["-c", "read x; echo \"$x $LC_ALL $EXTRA\""], "echoing", { input: "hello\n", env: { EXTRA: "more" } });
        assert.deepEqual([r.stdout, r.exitCode, r.timedOut, r.missing], ["hello C more", 0, false, false]);
    });

    QUnit.test("a failure says what was being done, with the tool's last lines", async assert => {
        const e = await failure(runTool("/bin/sh", ["-c", "for i in 1 2 3 4 5 6 7 8; do echo line$i >&2; done; exit 3"], "reading the thing"));
        assert.equal(e.errorName, "Failed");
        assert.equal(e.message, "reading the thing: line3\nline4\nline5\nline6\nline7\nline8");
        const quiet = await failure(runTool("/bin/false", [], "asking"));
        assert.equal(quiet.message, "asking: /bin/false failed with exit code 1");
    });

    QUnit.test("allowFailure hands back the exit code, a time-out and a missing tool", async assert => {
        const r = await runTool("/bin/sh", ["-c", "echo out; exit 2"], "x", { allowFailure: true });
        assert.deepEqual([r.stdout, r.exitCode], ["out", 2]);
        const slow = await runTool("/bin/sleep", ["30"], "x", { allowFailure: true, timeout: 300 });
        assert.deepEqual([slow.timedOut, slow.exitCode], [true, -1]);
        const gone = await runTool("/nonexistent/tool", [], "x", { allowFailure: true });
        assert.true(gone.missing);
        assert.deepEqual([r.problem, slow.problem, gone.problem], ["out", "/bin/sleep did not finish within 0 s", "/nonexistent/tool is not installed"],
            "problem says why in the words a thrown failure would use");
        assert.equal((await runTool("/bin/true", [], "x", { allowFailure: true })).problem, "", "no problem when it worked");
    });

    QUnit.test("without allowFailure a time-out and a missing tool are clear errors", async assert => {
        assert.equal((await failure(runTool("/bin/sleep", ["30"], "waiting", { timeout: 300 }))).message, "waiting: /bin/sleep did not finish within 0 s");
        assert.equal((await failure(runTool("/nonexistent/tool", [], "running it"))).message, "running it: /nonexistent/tool is not installed");
    });

    QUnit.test("lastLines keeps the last non-empty lines", assert => {
        assert.equal(lastLines("a\n\nb\nc\n", 2), "b\nc");
    });

    QUnit.test("ownEnv gives the tool nothing of this process's environment but PATH", async assert => {
        process.env.DEBVISOR_TOOL_RUN_TEST = "leaked";
        try {
            const r = await runTool("/bin/sh", ["-c", "echo \"${DEBVISOR_TOOL_RUN_TEST:-none} $LC_ALL $EXTRA ${PATH:+path}\""], "x", { ownEnv: true, env: { EXTRA: "more" } });
            assert.equal(r.stdout, "none C more path");
        } finally {
            delete process.env.DEBVISOR_TOOL_RUN_TEST;
        }
    });

    QUnit.test("a tool on the terminal keeps the person's locale (whiptail wraps its text by it)", async assert => {
        const before = process.env.LC_ALL;
        process.env.LC_ALL = "C.UTF-8";
        try {
            const r = await runTool("/bin/sh", ["-c", "echo \"$LC_ALL\" >&2"], "x", { terminal: true });
            assert.equal(r.stderr.trim(), "C.UTF-8");
        } finally {
            if (before === undefined)
                delete process.env.LC_ALL;
            else
                process.env.LC_ALL = before;
        }
    });

    QUnit.test("inherited descriptors, output to a descriptor and interleaved output", async assert => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tool-run-"));
        try {
            fs.writeFileSync(path.join(dir, "in"), "from fd 3\n");
            const inFd = fs.openSync(path.join(dir, "in"), "r");
            const outFd = fs.openSync(path.join(dir, "out"), "w");
            try {
                const r = await runTool("/bin/cat", ["/dev/fd/3"], "x", { fds: [inFd], stdoutFd: outFd });
                assert.equal(r.stdout, "", "the output went to the descriptor");
            } finally {
                fs.closeSync(inFd);
                fs.closeSync(outFd);
            }
            assert.equal(fs.readFileSync(path.join(dir, "out"), "utf8"), "from fd 3\n");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
        const mixed = await runTool("/bin/sh", ["-c", "echo one; sleep 0.1; echo two >&2; sleep 0.1; echo three"], "x", { interleaved: true });
        assert.deepEqual([mixed.all, mixed.stdout], ["one\ntwo\nthree", "one\nthree"]);
    });

    QUnit.test("a cancel signal stops the tool with SIGINT and throws the signal's reason", async assert => {
        const stop = new AbortController();
        const running = runTool("/bin/sh", ["-c", "trap 'echo interrupted; exit 7' INT; while :; do sleep 0.05; done"], "x",
            { signal: stop.signal, interruptGraceMs: 5000 });
        setTimeout(() => stop.abort(new Error("stopped by the test")), 200);
        assert.equal((await failure(running)).message, "stopped by the test");
    });
});

QUnit.module("tool-run: a tool used while it runs", () => {
    QUnit.test("its output streams as it comes; a missing tool shows in the result", async assert => {
        const child = startTool("/bin/sh", ["-c", "echo a; echo b"], { stdout: "stream" });
        let seen = "";
        child.stdout?.on("data", (chunk: Buffer) => { seen += chunk.toString() });
        const r = await child;
        assert.deepEqual([seen, r.exitCode, r.stdout], ["a\nb\n", 0, undefined]);
        const fed = startTool("/bin/cat", [], { stdin: "pipe" });
        fed.stdin?.end("fed\n");
        assert.equal((await fed).stdout, "fed");
        assert.true(missingTool(await startTool("/nonexistent/tool", [])));
    });
});
