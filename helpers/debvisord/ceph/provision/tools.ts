// Runs the Ceph tools the bootstrap needs: an argument array, never a shell,
// each with a timeout, the first lines of stderr in the error.
import { execa } from "execa";
import { failed } from "../../../lib/errors.js";
import { CEPH_CONF } from "./config.js";

export const TOOL_TIMEOUT_MS = 60_000;
/* A monitor that does not answer makes "ceph" wait: bounded, so a step fails instead of hanging. */
export const CEPH_CONNECT_TIMEOUT_S = 20;

export interface RunOptions {
    input?: string;
    timeout?: number;
    /** exit codes that are not failures (the caller reads exitCode) */
    allowFailure?: boolean;
}

export interface RunResult { stdout: string; stderr: string; exitCode: number }

function firstLines(text: string, n = 6): string {
    return text.trim().split("\n").filter(Boolean).slice(-n).join("\n");
}

export async function run(tool: string, args: string[], what: string, options: RunOptions = {}): Promise<RunResult> {
    const r = await execa(tool, args, {
        timeout: options.timeout ?? TOOL_TIMEOUT_MS, reject: false, input: options.input, stdin: options.input === undefined ? "ignore" : undefined,
        env: { LC_ALL: "C" },
    });
    const result = { stdout: r.stdout ?? "", stderr: r.stderr ?? "", exitCode: r.exitCode ?? -1 };
    if (r.timedOut)
        throw failed(`${what}: ${tool} did not finish within ${Math.round((options.timeout ?? TOOL_TIMEOUT_MS) / 1000)} s`);
    if (result.exitCode !== 0 && !options.allowFailure)
        throw failed(`${what}: ${firstLines(result.stderr || result.stdout) || `${tool} failed with exit code ${result.exitCode}`}`);
    return result;
}

/* The "ceph" CLI as client.admin on this host's cluster. */
export async function ceph(args: string[], what: string, options: RunOptions = {}): Promise<RunResult> {
    return run("ceph", ["--conf", CEPH_CONF, "--connect-timeout", String(CEPH_CONNECT_TIMEOUT_S), ...args], what,
        { timeout: (CEPH_CONNECT_TIMEOUT_S + 40) * 1000, ...options });
}

export async function cephJson<T>(args: string[], what: string): Promise<T> {
    const r = await ceph([...args, "--format", "json"], what);
    try {
        return JSON.parse(r.stdout) as T;
    } catch {
        throw failed(`${what}: ceph answered no JSON`);
    }
}
