// JobRegistry against a recording stand-in for the bus (fake: the bus side
// is covered by the integration tests): progress throttling, completion,
// cancel, and removal after the linger time.
import QUnit from "qunit";
import { JobRegistry } from "../../helpers/debvisord/jobs/jobs.js";
import type { ObjectServer } from "../../helpers/debvisord/bus/object-server.js";
import type { AuditLog } from "../../helpers/debvisord/audit/audit-log.js";

interface Event { kind: string; path: string; detail: unknown }

function fakeServer(events: Event[]) {
    return {
        rootPath: "/org/debvisor/DebVisor1",
        publish: (path: string, _iface: string, props: Record<string, unknown>) => events.push({ kind: "publish", path, detail: props }),
        unexport: (path: string) => events.push({ kind: "unexport", path, detail: null }),
        emit: (path: string, _iface: string, member: string, args: unknown[]) => events.push({ kind: member, path, detail: args }),
    } as unknown as ObjectServer;
}

const fakeAudit = (records: unknown[]) => ({ append: async (r: unknown) => { records.push(r); return { seq: records.length, hash: "" } } }) as unknown as AuditLog;
const caller = { sender: ":1.9", uid: 1000, pid: 1, loginuid: 1000, user: "ana", loginUser: "ana" };
const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

QUnit.module("jobs (fake bus)", () => {
    QUnit.test("progress is throttled, the end is signalled and audited, the object goes after the linger time", async assert => {
        const events: Event[] = [];
        const audit: unknown[] = [];
        const registry = new JobRegistry(fakeServer(events), fakeAudit(audit), 150);
        const job = registry.start({ operation: "test", description: "Testing", caller }, async control => {
            for (let i = 1; i <= 100; i++) control.setProgress(i / 100); // a burst: one signal, not a hundred
            await sleep(250);
            control.setProgress(1);
            return "done";
        });
        assert.equal(job.path, "/org/debvisor/DebVisor1/jobs/1");
        await sleep(400);
        // the first is the export; the object server then signals what differs from the last
        const progressPublished = events.filter(e => e.kind === "publish" && (e.detail as { State: string }).State === "running").slice(1);
        assert.true(progressPublished.length >= 1 && progressPublished.length <= 3, `${progressPublished.length} progress publishes for 101 updates`);
        assert.equal((progressPublished.at(-1)?.detail as { Progress: number }).Progress, 1, "the last value always");
        const completed = events.find(e => e.kind === "Completed");
        assert.deepEqual(completed?.detail, [true, "done"]);
        assert.equal(job.state, "succeeded");
        assert.deepEqual((audit[0] as { result: string }).result, "succeeded: done");
        await sleep(100);
        assert.true(events.some(e => e.kind === "unexport" && e.path === job.path), "removed after lingering");
    });

    QUnit.test("a failing job reports its error; an aborted one is cancelled", async assert => {
        const events: Event[] = [];
        const registry = new JobRegistry(fakeServer(events), fakeAudit([]), 10_000);
        const failing = registry.start({ operation: "test", description: "Failing", caller }, async () => { throw new Error("disk full") });
        const endless = registry.start({ operation: "test", description: "Endless", caller }, control =>
            new Promise((_, reject) => control.signal.addEventListener("abort", () => reject(control.signal.reason))));
        await sleep(10);
        endless.abort.abort(new Error("Cancelled by ana"));
        await sleep(10);
        assert.equal(failing.state, "failed");
        assert.equal(failing.message, "disk full");
        assert.equal(endless.state, "cancelled");
        assert.equal(endless.message, "Cancelled by ana");
        assert.deepEqual(registry.running(), []);
    });

    QUnit.test("a finished-job listener that throws costs neither the end record nor the other listeners", async assert => {
        const audit: unknown[] = [];
        const registry = new JobRegistry(fakeServer([]), fakeAudit(audit), 10_000);
        const heard: string[] = [];
        registry.onFinished(() => { throw new Error("a broken listener") });
        registry.onFinished(job => heard.push(job.state));
        const quiet = process.stderr.write;
        process.stderr.write = () => true;
        try {
            registry.start({ operation: "test", description: "Listened to", caller }, async () => "done");
            await sleep(50);
        } finally {
            process.stderr.write = quiet;
        }
        assert.deepEqual(audit.map(r => (r as { result: string }).result), ["succeeded: done"], "the end record is written");
        assert.deepEqual(heard, ["succeeded"], "the next listener still hears the end");
    });
});
