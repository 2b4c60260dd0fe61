// Runs a tool with an argument array (never a shell), a time limit, stdin
// closed unless there is input, and a failure that says what was being done,
// with the last lines the tool printed. The confined qemu-img and the syslog
// forwarder call execa themselves: they need the process while it runs
// (progress and cancel; a logger fed on stdin). A few others (lsblk, ip, nft,
// tsig-keygen, the hardening checks, the audit verifier) do too, because their
// error texts fall back to execa's own message, which runTool does not keep.
import { execa } from "execa";
import { failed } from "./errors.js";

export const TOOL_TIMEOUT_MS = 60_000;

export interface RunOptions {
    input?: string;
    timeout?: number;
    /** return a non-zero exit, a time-out or a missing tool in the result instead of throwing */
    allowFailure?: boolean;
    /** added to the environment */
    env?: Record<string, string>;
    maxBuffer?: number;
}

export interface RunResult {
    stdout: string;
    stderr: string;
    /** -1 when the tool did not exit by itself */
    exitCode: number;
    timedOut: boolean;
    /** the tool is not installed */
    missing: boolean;
}

export function lastLines(text: string, n = 6): string {
    return text.trim().split("\n").filter(Boolean).slice(-n).join("\n");
}

export async function runTool(tool: string, args: string[], what: string, options: RunOptions = {}): Promise<RunResult> {
    const timeout = options.timeout ?? TOOL_TIMEOUT_MS;
    const r = await execa(tool, args, {
        timeout, reject: false, forceKillAfterDelay: 2000, maxBuffer: options.maxBuffer,
        ...(options.input !== undefined ? { input: options.input } : { stdin: "ignore" as const }),
        env: { LC_ALL: "C", ...options.env },
    });
    const result: RunResult = {
        stdout: String(r.stdout ?? ""), stderr: String(r.stderr ?? ""), exitCode: r.exitCode ?? -1,
        timedOut: r.timedOut, missing: (r as { code?: string }).code === "ENOENT",
    };
    if (options.allowFailure)
        return result;
    if (result.timedOut)
        throw failed(`${what}: ${tool} did not finish within ${Math.round(timeout / 1000)} s`);
    if (result.missing)
        throw failed(`${what}: ${tool} is not installed`);
    if (result.exitCode !== 0)
        throw failed(`${what}: ${lastLines(result.stderr || result.stdout) || `${tool} failed with exit code ${result.exitCode}`}`);
    return result;
}
