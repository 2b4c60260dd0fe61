// debvisorctl's bus connection against a private dbus-daemon of the test's
// own: a call left unanswered must not keep the command alive once it has
// disconnected (after a job's end, Ctrl-C's Cancel may still be unanswered:
// debvisorctl then lingered until the call's 60 s time limit).
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import dbus from "dbus-next";
import QUnit from "qunit";
import { waitFor, withTimeout } from "../lib/wait.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const SILENT_NAME = "org.debvisor.test.Silent";

QUnit.module("debvisorctl bus connection", hooks => {
    let dir = "";
    let address = "";
    let daemon: ChildProcess | null = null;
    let silent: dbus.MessageBus | null = null;
    let received = 0;

    hooks.before(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "dv-ctl-bus-"));
        address = `unix:path=${path.join(dir, "bus")}`;
        daemon = spawn("dbus-daemon", ["--session", "--nofork", `--address=${address}`], { stdio: "ignore" });
        await waitFor("the test's dbus-daemon", () => fs.existsSync(path.join(dir, "bus")), 10_000);
        // a service that takes every call and never answers
        silent = dbus.sessionBus({ busAddress: address });
        silent.addMethodHandler(() => {
            received++;
            return true;
        });
        await silent.requestName(SILENT_NAME, 0);
    });

    hooks.after(() => {
        silent?.disconnect();
        daemon?.kill();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    QUnit.test("a call still unanswered at disconnect ends with a message, and the process exits", async assert => {
        const child = spawn(process.execPath, ["--import", "tsx", path.join(root, "test/fixtures/cli/unanswered-call.ts"), SILENT_NAME],
            { cwd: root, env: { ...process.env, DBUS_SYSTEM_BUS_ADDRESS: address }, stdio: ["ignore", "pipe", "inherit"] });
        let stdout = "";
        child.stdout?.on("data", d => { stdout += String(d) });
        const exited = new Promise<number | null>(resolve => child.on("close", code => resolve(code)));
        try {
            await waitFor("the call to reach the silent service", () => received === 1, 30_000);
            child.kill("SIGUSR1");
            // the call's own time limit is 600 s: exiting well within 30 s means nothing waits for it
            const code = await withTimeout(exited, 30_000, "the process to exit after disconnect");
            assert.equal(code, 0);
            assert.equal(stdout, "the connection to the system bus was closed before the answer came\n");
        } finally {
            child.kill("SIGKILL");
        }
    });
});
