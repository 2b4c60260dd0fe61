// On a terminal, polkit may ask a user who is not root for a password (the
// actions default to auth_admin_keep). Over ssh there is usually no agent to
// ask it, so, like udisksctl, debvisorctl runs polkit's text agent for its own
// process while it calls: the question comes where the command was typed.
// Not as a --fallback agent: polkit ignores a fallback agent for a process
// outside any login session (setpriv, su without pam_systemd).
// --no-ask skips all this and fails instead of asking.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import { setInteractive } from "./bus.js";

const PKTTYAGENT = "/usr/bin/pkttyagent";
const REGISTRATION_TIMEOUT_MS = 5_000;

let agent: ChildProcess | null = null;

function agentWanted(noAsk: boolean): boolean {
    return !noAsk && process.stdin.isTTY === true && process.getuid?.() !== 0 && fs.existsSync(PKTTYAGENT);
}

/* Starts the agent once and waits until polkit knows it; without one, calls simply run non-interactively. */
export async function startPasswordAgent(noAsk: boolean): Promise<void> {
    if (agent || !agentWanted(noAsk))
        return;
    // spawned, not run through runTool: the agent lives as long as the command, on our terminal
    const child = spawn(PKTTYAGENT, ["--process", String(process.pid), "--notify-fd", "3"],
        { stdio: ["inherit", "inherit", "inherit", "pipe"] });
    agent = child;
    const registered = await new Promise<boolean>(resolve => {
        const timer = setTimeout(() => resolve(false), REGISTRATION_TIMEOUT_MS);
        const done = (ok: boolean) => {
            clearTimeout(timer);
            resolve(ok);
        };
        // pkttyagent closes the notify fd once it is registered (and when it exits)
        child.stdio[3]?.on("data", () => undefined).on("end", () => done(child.exitCode === null)).on("error", () => done(false));
        child.on("error", () => done(false));
        child.on("exit", () => done(false));
    });
    if (registered) {
        setInteractive(true);
    } else {
        stopPasswordAgent();
    }
}

// the agent is registered for this process only: it must not outlive it
process.on("exit", () => stopPasswordAgent());

export function stopPasswordAgent(): void {
    setInteractive(false);
    if (agent && agent.exitCode === null && agent.signalCode === null)
        agent.kill("SIGTERM");
    agent = null;
}
