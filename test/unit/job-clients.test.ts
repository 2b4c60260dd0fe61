// The clients that follow a job keep its values the D-Bus way (all of them
// first, then each PropertiesChanged merged in), because the object server
// signals only what changed: once ProgressValid stays true, a progress step
// is a PropertiesChanged with Progress alone. debvisorctl's follower and the
// tests' job watcher, fed the signals the real object server sends.
import dbus from "dbus-next";
import QUnit from "qunit";
import { FollowedJob, ProgressReporter } from "../../helpers/debvisorctl/job-follow.js";
import { KnownProperties } from "../../helpers/lib/known-properties.js";
import { unwrap } from "../../helpers/lib/variants.js";
import { jobWatch } from "../lib/bus-watch.js";
import { heldJob, recordingServer } from "../lib/recording-server.js";

type Message = InstanceType<typeof dbus.Message>;

/* A non-terminal stand-in for stdout: the follower prints a line per percent. */
function printedProgress() {
    const lines: string[] = [];
    const stream = { isTTY: false, write: (s: string) => lines.push(s.trim()) > 0 } as unknown as NodeJS.WriteStream;
    return { reporter: new ProgressReporter(stream), lines };
}

/* debvisorctl's follower reads a PropertiesChanged as it does from the bus. */
function feed(job: FollowedJob, messages: Message[]): void {
    for (const m of messages)
        if (m.member === "PropertiesChanged")
            job.changed(unwrap(m.body[1]) as Record<string, unknown>, m.body[2] as string[]);
}

const wait = (ms: number) => new Promise(r => setTimeout(r, ms));

QUnit.module("job clients: values as last known", () => {
    QUnit.test("KnownProperties: all values, then a signal's changes merged in, invalidated names forgotten", assert => {
        const known = new KnownProperties();
        known.replace({ Progress: 0, ProgressValid: false, State: "running" });
        known.merge({ Progress: 0.5, ProgressValid: true });
        known.merge({ Progress: 0.75 });
        assert.deepEqual(known.values, { Progress: 0.75, ProgressValid: true, State: "running" }, "a value left out is the one known before");
        known.merge({ State: "failed" }, ["Progress"]);
        assert.deepEqual(known.values, { ProgressValid: true, State: "failed" }, "an invalidated property is no longer known");
        known.replace({ State: "running" });
        assert.deepEqual(known.values, { State: "running" }, "GetAll replaces everything");
    });

    QUnit.test("a job published by the object server: each progress step shows, though later steps carry Progress alone", async assert => {
        const { server, objects, sent } = recordingServer();
        const { job: started, control, finish } = heldJob(server);
        const { reporter, lines } = printedProgress();
        const followed = new FollowedJob(reporter);
        followed.all(objects.get(started.path)!.properties());
        const watched = jobWatch(started.path);

        // the server signals progress at most every 200 ms: one step per interval
        for (const step of [0.2, 0.5, 0.9]) {
            control.setProgress(step);
            await wait(210);
        }
        finish("imported");
        await wait(10);
        const changed = sent.filter(m => m.member === "PropertiesChanged").map(m => Object.keys(m.body[1] as object));
        assert.deepEqual(changed.slice(0, 3), [["Progress", "ProgressValid"], ["Progress"], ["Progress"]],
            "what the publisher sends: ProgressValid only when it changed");

        feed(followed, sent);
        assert.deepEqual(lines, ["progress 20%", "progress 50%", "progress 90%", "progress 100%"], "debvisorctl shows every step");
        assert.equal(followed.state, "succeeded");

        for (const m of sent) watched.handle(m);
        assert.deepEqual(watched.watch.progress, [0.2, 0.5, 0.9, 1], "the tests' watcher records every step");
        assert.deepEqual(watched.watch.states, ["succeeded"]);
        assert.deepEqual(await watched.watch.completed, [true, "imported"]);
    });

    QUnit.test("Progress alone counts with the validity known before it, never more", assert => {
        const path = "/org/debvisor/DebVisor1/jobs/7";
        const JOB = "org.debvisor.DebVisor1.Job";
        const v = (signature: string, value: unknown) => new dbus.Variant(signature, value);
        const changed = (props: Record<string, InstanceType<typeof dbus.Variant>>) =>
            dbus.Message.newSignal(path, "org.freedesktop.DBus.Properties", "PropertiesChanged", "sa{sv}as", [JOB, props, []]);
        const added = dbus.Message.newSignal("/org/debvisor/DebVisor1", "org.freedesktop.DBus.ObjectManager", "InterfacesAdded", "oa{sa{sv}}",
            [path, { [JOB]: { Progress: v("d", 0), ProgressValid: v("b", false), State: v("s", "running") } }]);

        const { reporter, lines } = printedProgress();
        const followed = new FollowedJob(reporter);
        feed(followed, [changed({ Progress: v("d", 0.3) })]);
        assert.deepEqual(lines, [], "before GetAll answered, the validity is not known: nothing shown");
        followed.all({ Progress: 0.3, ProgressValid: false, State: "running" });
        feed(followed, [changed({ Progress: v("d", 0.4) })]);
        assert.deepEqual(lines, [], "not valid: a Progress alone shows nothing");
        feed(followed, [changed({ ProgressValid: v("b", true) }), changed({ Progress: v("d", 0.6) })]);
        assert.deepEqual(lines, ["progress 40%", "progress 60%"], "ProgressValid alone shows the Progress known before it");

        const watched = jobWatch(path);
        for (const m of [added, changed({ Progress: v("d", 0.1) }), changed({ ProgressValid: v("b", true) }), changed({ Progress: v("d", 0.2) })])
            watched.handle(m);
        assert.deepEqual(watched.watch.progress, [0.1, 0.2], "the watcher takes the validity from InterfacesAdded, then from the signals");
        assert.deepEqual(watched.watch.states, []);
    });
});
