import { spawnSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import QUnit from "qunit";
import { removeStalePidFile } from "../harness/stale-pid.js";

QUnit.module("test harness: stale pid files", hooks => {
    let dir = "";
    hooks.beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), "dv-pid-")) });
    hooks.afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    QUnit.test("a pid file naming a process that is gone is removed", assert => {
        const gone = spawnSync("true").pid!;
        const file = path.join(dir, "pid");
        fs.writeFileSync(file, `${gone}\n`);
        assert.true(removeStalePidFile(file, "dbus-daemon"));
        assert.false(fs.existsSync(file));
    });

    QUnit.test("a pid file naming another program (the pid was reused) is removed", assert => {
        const file = path.join(dir, "pid");
        fs.writeFileSync(file, `${process.pid}\n`);
        assert.true(removeStalePidFile(file, "dbus-daemon"));
        assert.false(fs.existsSync(file));
    });

    QUnit.test("a pid file of the running program is kept", async assert => {
        const sleeper = spawn("sleep", ["30"], { stdio: "ignore" });
        try {
            const file = path.join(dir, "pid");
            fs.writeFileSync(file, `${sleeper.pid}\n`);
            assert.false(removeStalePidFile(file, "sleep"));
            assert.true(fs.existsSync(file));
        } finally {
            sleeper.kill();
        }
    });

    QUnit.test("no pid file, nothing to do", assert => {
        assert.false(removeStalePidFile(path.join(dir, "absent"), "dbus-daemon"));
    });
});
