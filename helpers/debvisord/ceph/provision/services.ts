// Starting the cluster's daemons. Where systemd runs (/run/systemd/system
// exists) each daemon is its ceph-TYPE@ID unit, enabled and started, so it
// comes back at boot. Without systemd (containers, CI) the daemon binary is
// started directly: it daemonizes and writes its pid file under /run/ceph,
// by which it is found (and by which a test stops it) — never by name.
import fs from "node:fs";
import { failed } from "../../../lib/errors.js";
import { hasSystemd, unitActive } from "../../../lib/systemd-units.js";
import { CLUSTER, pidFile, RUN_DIR, type DaemonType } from "./config.js";
import { run } from "./tools.js";

export { hasSystemd } from "../../../lib/systemd-units.js";

const BINARY: Record<DaemonType, string> = { mon: "ceph-mon", mgr: "ceph-mgr", osd: "ceph-osd", mds: "ceph-mds" };
const START_TIMEOUT_MS = 120_000;

const unitName = (type: DaemonType, id: string) => `ceph-${type}@${id}.service`;

/* The pid in the daemon's pid file when that process is alive and is the daemon; 0 otherwise. */
export function runningPid(type: DaemonType, id: string, file = pidFile(type, id)): number {
    let pid = 0;
    try {
        pid = Number(fs.readFileSync(file, "utf8").trim());
    } catch {
        return 0;
    }
    if (!Number.isInteger(pid) || pid <= 1)
        return 0;
    try {
        const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
        // a stale pid file whose number now belongs to another process does not count
        return cmdline[0]?.endsWith(BINARY[type]) ? pid : 0;
    } catch {
        return 0;
    }
}

export async function daemonRunning(type: DaemonType, id: string): Promise<boolean> {
    return hasSystemd() ? unitActive(unitName(type, id)) : runningPid(type, id) > 0;
}

/**
 * Starts the daemon if it does not run, and (with systemd) enables it for boot.
 * Returns "kept" when it ran already, "ok" when it was started.
 */
export async function startDaemon(type: DaemonType, id: string): Promise<"ok" | "kept"> {
    fs.mkdirSync(RUN_DIR, { recursive: true, mode: 0o770 });
    if (hasSystemd()) {
        const unit = unitName(type, id);
        const wasActive = await unitActive(unit);
        await run("systemctl", ["enable", "--now", unit], `starting ${unit}`, { timeout: START_TIMEOUT_MS });
        // the type's target pulls the instance in at boot
        await run("systemctl", ["enable", `ceph-${type}.target`, "ceph.target"], `enabling ceph-${type}.target`, { allowFailure: true });
        return wasActive ? "kept" : "ok";
    }
    if (runningPid(type, id) > 0)
        return "kept";
    fs.rmSync(pidFile(type, id), { force: true });
    // no -f: the daemon forks into the background once it is set up, and writes its pid file
    await run(BINARY[type], ["--cluster", CLUSTER, "--id", id, "--setuser", "ceph", "--setgroup", "ceph"], `starting ${type}.${id}`,
        { timeout: START_TIMEOUT_MS });
    for (let i = 0; i < 100 && runningPid(type, id) === 0; i++)
        await new Promise(r => setTimeout(r, 100));
    if (runningPid(type, id) === 0)
        throw failed(`starting ${type}.${id}: the daemon did not stay up (see /var/log/ceph/${CLUSTER}-${type}.${id}.log)`);
    return "ok";
}

/* Stops the daemon and (with systemd) disables it; nothing when it does not run. */
export async function stopDaemon(type: DaemonType, id: string): Promise<void> {
    if (hasSystemd()) {
        await run("systemctl", ["disable", "--now", unitName(type, id)], `stopping ${unitName(type, id)}`, { timeout: START_TIMEOUT_MS, allowFailure: true });
        return;
    }
    const pid = runningPid(type, id);
    if (pid === 0)
        return;
    process.kill(pid, "SIGTERM");
    for (let i = 0; i < 100 && runningPid(type, id) === pid; i++)
        await new Promise(r => setTimeout(r, 100));
}
