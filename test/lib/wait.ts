// Bounded waiting for tests and the harness: every wait has a limit and
// names what it waited for when the limit passes.
import fs from "node:fs";

/* With DEBVISOR_TEST_TRACE_WAITS set, every wait of a second or more is
 * printed with its length: where a slow module spends its time. */
const traceWaits = Boolean(process.env.DEBVISOR_TEST_TRACE_WAITS);

/* Checks every `intervalMs`, or twice as long as the last check took: a
 * check that runs a tool (ceph, debvisorctl, ~0.5 s of CPU each) then keeps
 * at most a third of a core busy, not a whole one, while the test waits. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000, intervalMs = 100): Promise<void> {
    const started = Date.now();
    const deadline = started + timeoutMs;
    while (Date.now() < deadline) {
        const checked = Date.now();
        if (await check()) {
            if (traceWaits && Date.now() - started >= 1000)
                console.log(`# waited ${((Date.now() - started) / 1000).toFixed(1)} s for ${what}`);
            return;
        }
        await new Promise(r => setTimeout(r, Math.max(intervalMs, 2 * (Date.now() - checked))));
    }
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/* Whether a process runs; one that exited and waits to be reaped (a zombie) does not. */
export function processRunning(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return !/^State:\s+Z/m.test(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    } catch {
        return false; // gone, also between the two looks
    }
}

export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    try {
        return await Promise.race([promise, new Promise<T>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
        })]);
    } finally {
        clearTimeout(timer);
    }
}
