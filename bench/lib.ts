// Small timing helpers for the benchmarks.
import { execFileSync } from "node:child_process";

export function now(): number {
    return Number(process.hrtime.bigint()) / 1e6;
}

export async function timeMs(fn: () => Promise<unknown> | unknown): Promise<number> {
    const start = now();
    await fn();
    return now() - start;
}

/* The time `fn` took, or null when it timed out (a Playwright TimeoutError, or its limit passed): the other
 * side of a comparison that does not finish is reported as "> limit", and the run goes on. */
export async function timeWithin(limitMs: number, fn: (limitMs: number) => Promise<unknown>): Promise<number | null> {
    const start = now();
    try {
        await fn(limitMs);
    } catch (e) {
        if ((e as Error).name === "TimeoutError" || now() - start >= limitMs)
            return null;
        throw e;
    }
    return now() - start;
}

/* Like report(), for a comparison whose other side may not have finished within its limit. */
export function reportAgainstLimit(name: string, ours: number, theirs: Array<number | null>, versus: string, limitMs: number, target?: string): void {
    const finished = theirs.filter((t): t is number => t !== null);
    if (finished.length === theirs.length) {
        report(name, `${ours.toFixed(0)} ms`, `${versus} (${median(finished).toFixed(0)} ms)`, ours / median(finished), target);
        return;
    }
    // the ratio is at most ours/limit: said as such, not as a figure that was measured
    console.log(`${name.padEnd(44)} ${`${ours.toFixed(0)} ms`.padStart(14)}   vs ${`${versus} (> ${(limitMs / 1000).toFixed(0)} s, ${theirs.length - finished.length} of ${theirs.length} not finished)`.padEnd(40)} ratio < ${(ours / limitMs).toFixed(3)}${target ? `   target ${target}` : ""}`);
}

export function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)];
}

export function rssMiB(pid: number): number {
    const status = execFileSync("cat", [`/proc/${pid}/status`], { encoding: "utf8" });
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return kb / 1024;
}

export function report(name: string, value: string, versus: string, ratio: number, target?: string): void {
    console.log(`${name.padEnd(44)} ${value.padStart(14)}   vs ${versus.padEnd(40)} ratio ${ratio.toFixed(2).padStart(7)}${target ? `   target ${target}` : ""}`);
}

/* Runs `count` calls with at most `parallel` in flight (the bus caps pending replies per connection). */
export async function bounded(count: number, parallel: number, call: (i: number) => Promise<unknown>): Promise<void> {
    let next = 0;
    const worker = async () => {
        while (next < count) {
            const i = next++;
            await call(i);
        }
    };
    await Promise.all(Array.from({ length: parallel }, worker));
}
