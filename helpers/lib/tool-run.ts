// Runs a tool with an argument array (never a shell), a time limit, stdin
// closed unless there is input, LC_ALL=C, and a failure that says what was being
// done, with the last lines the tool printed. Every short-lived tool the daemon,
// first boot and the installer run goes through here. Processes that are used
// while they run call execa (or spawn) themselves: the confined qemu-img (limits,
// inherited descriptors, progress), restic (cancelled by SIGINT with a grace
// period, in an environment of its own that carries the repository's password;
// backup's progress), the syslog forwarder (a logger fed on stdin), zfs's event
// watch, the migration's virsh and SSH streams, the installer's logged steps
// and whiptail, and the CLI's password agent and peer channel.
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
    /** why it failed in words (time-out, not installed, its last lines or its exit code); "" when it did not */
    problem: string;
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
    const result = {
        stdout: String(r.stdout ?? ""), stderr: String(r.stderr ?? ""), exitCode: r.exitCode ?? -1,
        timedOut: r.timedOut, missing: (r as { code?: string }).code === "ENOENT",
    };
    const problem = result.timedOut ? `${tool} did not finish within ${Math.round(timeout / 1000)} s`
        : result.missing ? `${tool} is not installed`
            : result.exitCode !== 0 ? lastLines(result.stderr || result.stdout) || `${tool} failed with exit code ${result.exitCode}` : "";
    if (problem && !options.allowFailure)
        throw failed(`${what}: ${problem}`);
    return { ...result, problem };
}
