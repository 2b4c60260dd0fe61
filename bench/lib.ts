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
