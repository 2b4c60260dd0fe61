// Every tool the daemon, first boot and the installer run starts here: with an
// argument array (never a shell), LC_ALL=C, stdin closed unless there is
// input, and a time limit or a cancel signal. runTool waits for a tool and
// turns a failure into an error that says what was being done, with the last
// lines the tool printed; startTool hands back a process that is used while it
// runs (restic's progress and dump, the confined qemu-img, the syslog
// forwarder's logger). Children that speak a protocol on their pipes and need
// node's own stream handling spawn themselves: zfs's event watch, the
// migration's virsh and SSH streams, and the CLI's password agent and peer
// channel.
import { execa, type Options, type ResultPromise } from "execa";
import { failed } from "./errors.js";

const TOOL_TIMEOUT_MS = 60_000;
const SEARCH_PATH = "/usr/sbin:/usr/bin:/sbin:/bin";

export interface ToolOptions {
    timeout?: number;
    /** added to the environment */
    env?: Record<string, string>;
    /** nothing of the daemon's environment but PATH: LC_ALL=C, PATH and `env` only (a tool that holds credentials, a confined tool) */
    ownEnv?: boolean;
    cwd?: string;
    /** stops the tool; runTool then throws the signal's reason */
    signal?: AbortSignal;
    /** stop the tool with SIGINT and give it this long before SIGKILL (restic removes its lock on SIGINT) */
    interruptGraceMs?: number;
    /** descriptors the tool inherits as 3, 4, … (it opens them as /dev/fd/3 …) */
    fds?: number[];
}

export interface RunOptions extends ToolOptions {
    input?: string;
    /** return a non-zero exit, a time-out or a missing tool in the result instead of throwing */
    allowFailure?: boolean;
    maxBuffer?: number;
    /** the tool's standard output goes to this descriptor, not into the result */
    stdoutFd?: number;
    /** stdout and stderr interleaved as the tool printed them, in the result's `all` */
    interleaved?: boolean;
    /** the tool talks to the terminal (stdin and stdout inherited, the locale kept); its stderr is still read (whiptail's answer) */
    terminal?: boolean;
}

export interface RunResult {
    stdout: string;
    stderr: string;
    /** stdout and stderr interleaved; "" unless `interleaved` */
    all: string;
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

function execaOptions(options: ToolOptions): Options {
    return {
        reject: false, timeout: options.timeout, cwd: options.cwd, cancelSignal: options.signal,
        forceKillAfterDelay: options.interruptGraceMs ?? 2000,
        ...options.interruptGraceMs !== undefined ? { killSignal: "SIGINT" as const } : {},
        ...options.ownEnv
            ? { extendEnv: false, env: { LC_ALL: "C", PATH: process.env.PATH ?? SEARCH_PATH, ...options.env } }
            : { env: { LC_ALL: "C", ...options.env } },
    };
}

export async function runTool(tool: string, args: string[], what: string, options: RunOptions = {}): Promise<RunResult> {
    const timeout = options.timeout ?? TOOL_TIMEOUT_MS;
    const stdin = options.terminal ? "inherit" : options.input !== undefined ? "pipe" : "ignore";
    const stdout = options.terminal ? "inherit" : options.stdoutFd ?? "pipe";
    const r = await execa(tool, args, {
        ...execaOptions({ ...options, timeout }), maxBuffer: options.maxBuffer, all: options.interleaved,
        // a person reads the terminal in their own locale (whiptail wraps its text by it)
        ...options.terminal ? { env: options.env ?? {} } : {},
        ...options.input !== undefined ? { input: options.input } : {},
        stdio: [stdin, stdout, "pipe", ...options.fds ?? []],
    } as Options & { reject: false });
    if (r.isCanceled && options.signal?.aborted)
        throw options.signal.reason;
    const result = {
        stdout: String(r.stdout ?? ""), stderr: String(r.stderr ?? ""), all: String(r.all ?? ""), exitCode: r.exitCode ?? -1,
        timedOut: r.timedOut, missing: (r as { code?: string }).code === "ENOENT",
    };
    const problem = result.timedOut ? `${tool} did not finish within ${Math.round(timeout / 1000)} s`
        : result.missing ? `${tool} is not installed`
            : result.exitCode !== 0 ? lastLines(result.stderr || result.stdout) || `${tool} failed with exit code ${result.exitCode}` : "";
    if (problem && !options.allowFailure)
        throw failed(`${what}: ${problem}`);
    return { ...result, problem };
}

interface StartOptions extends ToolOptions {
    /** "pipe" to write to the tool while it runs */
    stdin?: "pipe" | "ignore";
    /** "stream": read as it comes (subprocess.stdout), not kept for the result */
    stdout?: "pipe" | "stream" | "ignore";
    stderr?: "pipe" | "ignore";
    /** the result's output as bytes, not text */
    binary?: boolean;
    /** keep the output's final newline */
    keepFinalNewline?: boolean;
}

export type StartedTool = ResultPromise<{ reject: false }>;

/* A tool used while it runs: its streams are the caller's, its end is the promise. A missing tool
 * shows as the result's code "ENOENT" (see missingTool). */
export function startTool(tool: string, args: string[], options: StartOptions = {}): StartedTool {
    const stdout = options.stdout === "stream" ? "pipe" : options.stdout ?? "pipe";
    return execa(tool, args, {
        ...execaOptions(options), stripFinalNewline: !options.keepFinalNewline,
        stdio: [options.stdin ?? "ignore", stdout, options.stderr ?? "pipe", ...options.fds ?? []],
        ...options.stdout === "stream" ? { buffer: { stdout: false, stderr: true }, lines: false } : {},
        ...options.binary ? { encoding: "buffer" as const } : {},
    } as Options) as unknown as StartedTool;
}

/* Whether a finished startTool process could not start because the tool is not installed. */
export function missingTool(result: object): boolean {
    return (result as { code?: string }).code === "ENOENT";
}
