// How first boot runs its tools: argument arrays with time limits, and, for
// the test hook DEBVISOR_FIRSTBOOT_TEST_NETNS, in a network namespace the test
// made (ip -n NS, and `ip netns exec NS` for nft), so the host's own network
// and firewall are never touched by a test.
import { runTool } from "../lib/tool-run.js";

const TOOL_TIMEOUT_MS = 120_000;

class ToolError extends Error {}

export interface RunResult { exitCode: number; stdout: string; stderr: string }

export class Host {
    /** null: the host's own network namespace */
    constructor(readonly netns: string | null = null) {}

    async run(program: string, args: string[], options: { input?: string; timeoutMs?: number } = {}): Promise<RunResult> {
        const r = await runTool(program, args, program, { input: options.input, timeout: options.timeoutMs ?? TOOL_TIMEOUT_MS, allowFailure: true });
        // a tool that did not run or did not exit by itself: why, in place of its stderr
        return r.exitCode < 0 ? { exitCode: -1, stdout: "", stderr: r.problem } : { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr };
    }

    /* Runs a tool and returns its output; a failure throws with its stderr. */
    async must(program: string, args: string[], what: string, options: { input?: string } = {}): Promise<string> {
        const r = await this.run(program, args, options);
        if (r.exitCode !== 0)
            throw new ToolError(`${what}: ${(r.stderr || r.stdout).trim().split("\n").slice(0, 6).join("\n") || `exit code ${r.exitCode}`}`);
        return r.stdout;
    }

    ipArgs(args: string[]): string[] {
        return this.netns ? ["-n", this.netns, ...args] : args;
    }

    ip(args: string[], what: string): Promise<string> {
        return this.must("ip", this.ipArgs(args), what);
    }

    async ipJson<T>(args: string[], what: string): Promise<T[]> {
        const out = await this.ip(["-j", ...args], what);
        return out.trim() === "" ? [] : JSON.parse(out) as T[];
    }

    /* nft in the namespace of this host. */
    nft(args: string[], what: string, input?: string): Promise<string> {
        return this.netns
            ? this.must("ip", ["netns", "exec", this.netns, "nft", ...args], what, { input })
            : this.must("nft", args, what, { input });
    }
}
