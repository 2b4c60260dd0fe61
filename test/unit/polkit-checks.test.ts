// debvisord's polkit client against a stand-in authority on a private
// dbus-daemon of the test's own (the real polkitd's answers cannot be counted
// here): the same question asked again while polkitd has not answered yet
// waits for that answer instead of asking again. A page's first reads come
// together (a machine's six History series); polkitd answers one at a time.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import dbus from "dbus-next";
import QUnit from "qunit";
import { Polkit } from "../../helpers/debvisord/bus/polkit.js";
import type { Caller } from "../../helpers/debvisord/bus/caller.js";
import { waitFor } from "../lib/wait.js";

const { Message } = dbus;

QUnit.module("bus: polkit checks (stand-in authority on a private bus)", hooks => {
    let dir = "";
    let daemon: ChildProcess | null = null;
    let authority: dbus.MessageBus | null = null;
    let client: dbus.MessageBus | null = null;
    let asked = 0;
    let answer = true;

    hooks.before(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "dv-polkit-checks-"));
        const address = `unix:path=${path.join(dir, "bus")}`;
        daemon = spawn("dbus-daemon", ["--session", "--nofork", `--address=${address}`], { stdio: "ignore" });
        await waitFor("the test's dbus-daemon", () => fs.existsSync(path.join(dir, "bus")), 10_000);
        // answers CheckAuthorization after 50 ms, as polkitd would after running its rules
        authority = dbus.sessionBus({ busAddress: address });
        authority.addMethodHandler((msg: dbus.Message) => {
            if (msg.member !== "CheckAuthorization")
                return false;
            asked++;
            setTimeout(() => authority?.send(Message.newMethodReturn(msg, "(bba{ss})", [[answer, false, {}]])), 50);
            return true;
        });
        await authority.requestName("org.freedesktop.PolicyKit1", 0);
        client = dbus.sessionBus({ busAddress: address });
    });

    hooks.after(() => {
        client?.disconnect();
        authority?.disconnect();
        daemon?.kill();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    const caller = (sender: string): Caller => ({ sender, uid: 1000, pid: 1, loginuid: 1000, user: "viewer", loginUser: "viewer" });
    const details = { "debvisor.method": "Metrics.History", "debvisor.object": "/org/debvisor/DebVisor1/metrics" };

    QUnit.test("six identical checks at once ask polkit once; another question is asked on its own", async assert => {
        const polkit = new Polkit(client!);
        asked = 0;
        answer = true;
        const answers = await Promise.all(Array.from({ length: 6 }, () => polkit.check(caller(":1.50"), "org.debvisor.metrics.read", details, true)));
        assert.deepEqual(answers.map(a => a.authorized), [true, true, true, true, true, true]);
        assert.equal(asked, 1, "one CheckAuthorization for the six");
        await Promise.all([
            polkit.check(caller(":1.51"), "org.debvisor.metrics.read", details, true),
            polkit.check(caller(":1.50"), "org.debvisor.metrics.read", { ...details, "debvisor.object": "/other" }, true),
            polkit.check(caller(":1.50"), "org.debvisor.metrics.read", details, false),
        ]);
        assert.equal(asked, 4, "another connection, object or interaction is its own question");
    });

    QUnit.test("a no is shared by the checks that waited for it, and asked again afterwards", async assert => {
        const polkit = new Polkit(client!);
        asked = 0;
        answer = false;
        const answers = await Promise.all(Array.from({ length: 3 }, () => polkit.check(caller(":1.60"), "org.debvisor.metrics.read", details, true)));
        assert.deepEqual(answers.map(a => a.authorized), [false, false, false]);
        assert.equal(asked, 1);
        answer = true;
        assert.true((await polkit.check(caller(":1.60"), "org.debvisor.metrics.read", details, true)).authorized, "a later check is asked anew");
        assert.equal(asked, 2);
    });
});
