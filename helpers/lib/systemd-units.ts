// Asking systemd about a unit, where systemd runs this host (/run/systemd/system
// exists). Containers and test hosts without systemd run daemons by hand; the
// callers say what happens there instead.
import fs from "node:fs";
import { runTool } from "./tool-run.js";

export const hasSystemd = (dir = "/run/systemd/system") => fs.existsSync(dir);

export async function unitActive(unit: string): Promise<boolean> {
    const r = await runTool("systemctl", ["is-active", "--quiet", unit], `asking systemd about ${unit}`, { allowFailure: true });
    return r.exitCode === 0;
}

/* Restarts a unit; the reason in systemd's and the unit's words when it does not come back. */
export async function restartUnit(unit: string, timeoutMs = 60_000): Promise<string | null> {
    // an admin's change is not a restart loop: systemd's start limit (five starts in ten seconds)
    // would refuse the third quick change of the day
    await runTool("systemctl", ["reset-failed", unit], `resetting ${unit}'s start limit`, { allowFailure: true });
    const r = await runTool("systemctl", ["restart", unit], `restarting ${unit}`, { allowFailure: true, timeout: timeoutMs });
    if (r.exitCode === 0)
        return null;
    // systemctl only points at the journal: the unit's last lines say why
    const journal = await runTool("journalctl", ["--no-pager", "-o", "cat", "-n", "5", "-u", unit], `reading ${unit}'s journal`, { allowFailure: true });
    return [r.problem, journal.stdout.trim()].filter(Boolean).join("\n");
}
