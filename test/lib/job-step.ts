// A test's steps with a job over the bus: the call that starts it checked to
// have been taken and its job followed to its end, or the job cancelled.
import type { CallResult } from "./bus-client.js";
import { callAs } from "./call-as.js";
import type { JobWatch } from "./bus-watch.js";
import { withTimeout } from "./wait.js";

export interface JobStep {
    /** where in the reply's body the job's path is */
    job: number;
    /** how long the job may take (ms), and what it is, for the timeout's message */
    within: number;
    what: string;
    /** the assertion's message when the call was taken */
    taken: string;
}

/**
 * Asserts that `reply` was taken (its refusal as the message where it was not) and that the job it
 * started succeeded within the time (the job's own message). The reply's body and the job's message;
 * null where the call was refused, for the test to stop there.
 */
export async function jobSucceeded(assert: Assert, watch: (path: string) => JobWatch, reply: CallResult, step: JobStep): Promise<{ body: unknown[]; message: string } | null> {
    assert.true(reply.ok, reply.ok ? step.taken : reply.message);
    if (!reply.ok)
        return null;
    const [ok, message] = await withTimeout(watch(String(reply.body[step.job])).completed, step.within, step.what);
    assert.true(ok, message);
    return { body: reply.body, message };
}

/**
 * Cancels `job` as `user` while it runs and waits for its end (at most 120 s, `what` naming it for the
 * timeout): asserts the Cancel was taken, and that the job failed and ended in the state cancelled.
 */
export async function cancelJob(assert: Assert, watch: (path: string) => JobWatch, user: string, job: string, what: string): Promise<void> {
    const w = watch(job);
    const cancel = await callAs(user, { path: job, iface: "org.debvisor.DebVisor1.Job", method: "Cancel", signature: "a{sv}", body: [{}] });
    assert.true(cancel.ok, cancel.ok ? "cancelled" : cancel.message);
    const [ok, message] = await withTimeout(w.completed, 120_000, what);
    assert.false(ok, message);
    assert.equal(w.states.at(-1), "cancelled", message);
}
