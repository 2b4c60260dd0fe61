// kill -9 during a burst of audited calls, 20 times: after every restart the
// whole audit log (all segments) verifies, and every call that got its answer
// has its records in the log — a record is on disk before its caller hears back.
import fs from "node:fs";
import QUnit from "qunit";
import { listSegments, verifySegments } from "../../helpers/lib/audit-segments.js";
import { busNameOwnerPid } from "../harness/harness.js";
import { callAs, MANAGER } from "../lib/call-as.js";
import { waitFor } from "../lib/wait.js";

const AUDIT_LOG = "/var/log/debvisor/audit.jsonl";
const ROUNDS = 20;
const BURST = 40;

/* Answers the daemon gave (an error of its own counts: the call was audited and answered). */
const answered = (r: Awaited<ReturnType<typeof callAs>>) => r.ok || r.errorName.startsWith("org.debvisor.DebVisor1.Error.");

QUnit.module("compliance: crash safety of the audit log", () => {
    QUnit.test(`kill -9 during a burst of audited calls, ${ROUNDS} times: the chain verifies and no answered call is missing`, async assert => {
        const acknowledged: string[] = [];
        let lost = 0;
        for (let round = 0; round < ROUNDS; round++) {
            // make sure a daemon runs, then fire the burst and kill it in the middle
            await callAs(null, { path: MANAGER.path, iface: "org.freedesktop.DBus.Properties", method: "Get", signature: "ss", body: [MANAGER.iface, "Version"] });
            const pid = busNameOwnerPid("org.debvisor.DebVisor1");
            assert.notEqual(pid, null, `round ${round}: a daemon runs`);
            const tags = Array.from({ length: BURST }, (_, i) => `crash-${Date.now()}-${round}-${i}`);
            const calls = tags.map((tag, i) => new Promise<void>(resolve => setTimeout(resolve, i * 2)).then(() =>
                callAs(null, { ...MANAGER, method: "ImportImage", signature: "ssa{sv}", body: [`/nonexistent/${tag}.raw`, tag.slice(0, 60), {}] })
                    .then(r => { if (answered(r)) acknowledged.push(tag); else lost++ })));
            await new Promise(resolve => setTimeout(resolve, 15 + (round * 7) % 50));
            process.kill(pid as number, "SIGKILL");
            await Promise.all(calls);
            await waitFor("the killed daemon to be gone", () => busNameOwnerPid("org.debvisor.DebVisor1") !== pid, 10_000, 20);
        }
        // the next call starts a new daemon, which repairs a torn tail and carries on
        const reply = await callAs(null, { path: MANAGER.path, iface: "org.freedesktop.DBus.Properties", method: "Get", signature: "ss", body: [MANAGER.iface, "AuditRecordCount"] });
        assert.true(reply.ok, "debvisord comes back");
        const result = verifySegments(AUDIT_LOG);
        assert.true(result.ok, JSON.stringify({ ...result, segments: result.segments.length }));
        assert.true(lost > 0, `some calls were cut off by the kills (${lost}), so the kills hit bursts in flight`);
        assert.true(acknowledged.length > 0, `${acknowledged.length} calls were answered`);
        const text = listSegments(AUDIT_LOG).map(s => fs.readFileSync(s.path, "utf8")).join("");
        const missing = acknowledged.filter(tag => !text.includes(`"args":["/nonexistent/${tag}.raw"`));
        assert.deepEqual(missing, [], "every answered call has its begin record");
    });
});
