// The installed debvisord as the bus starts it: stop the running one (by the
// PID that owns its name) so that the next call activates a fresh one, and
// read how each of its areas is doing (Manager.Areas).
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import { busNameOwnerPid } from "../harness/harness.js";
import { CEPH_SESSION_HELPER } from "../../helpers/debvisord/ceph/ceph-session.js";
import { getProperty, MANAGER } from "./call-as.js";
import { waitFor } from "./wait.js";

export const BUS_NAME = "org.debvisor.DebVisor1";

export interface AreaStatus { state: string; reason: string; nextAttempt: number }

/* Stops the debvisord that owns the name, if any. */
export async function stopDaemon(): Promise<void> {
    const pid = busNameOwnerPid(BUS_NAME);
    if (pid === null)
        return;
    process.kill(pid, "SIGTERM");
    await waitFor("debvisord to exit", () => !fs.existsSync(`/proc/${pid}`), 30_000);
}

/* Stops debvisord and lets the bus start it again with a call; returns the new one's PID. */
export async function reactivateDaemon(): Promise<number> {
    await stopDaemon();
    await getProperty(MANAGER.path, MANAGER.iface, "Version");
    const pid = busNameOwnerPid(BUS_NAME);
    if (pid === null)
        throw new Error("the bus did not start debvisord");
    return pid;
}

/* Replaces the running debvisord with one the test starts with `env` added (paths and
 * addresses of the test's own); resolves once it owns the name. */
export async function spawnDaemon(env: Record<string, string>): Promise<ChildProcess> {
    await stopDaemon();
    const daemon = spawn("/usr/libexec/debvisord", [], { env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "inherit"] });
    await waitFor("the test's debvisord on the bus", () => busNameOwnerPid(BUS_NAME) === daemon.pid, 30_000);
    return daemon;
}

/* Stops a debvisord from spawnDaemon; the next call activates the installed one again. */
export async function stopSpawnedDaemon(daemon: ChildProcess): Promise<void> {
    const pid = daemon.pid;
    daemon.kill("SIGTERM");
    await waitFor("the test's debvisord to exit", () => busNameOwnerPid(BUS_NAME) !== pid && !fs.existsSync(`/proc/${pid}`));
}

/* Every area's (state, reason, next attempt µs). */
export async function areas(): Promise<Record<string, AreaStatus>> {
    const raw = await getProperty(MANAGER.path, MANAGER.iface, "Areas") as Record<string, [string, string, number]>;
    return Object.fromEntries(Object.entries(raw).map(([name, [state, reason, next]]) => [name, { state, reason, nextAttempt: next }]));
}

/* Waits until `area` is in `state`; returns its status then. */
export async function waitForArea(area: string, state: string, timeoutMs: number): Promise<AreaStatus> {
    let last: AreaStatus | undefined;
    try {
        await waitFor(`the ${area} area to be ${state}`, async () => {
            last = (await areas())[area];
            return last?.state === state;
        }, timeoutMs, 250);
    } catch (e) {
        throw new Error(`${(e as Error).message}; it is ${JSON.stringify(last)}`);
    }
    return last!;
}

export interface CephSessionProcess { pid: number; conf: string; tcpConnections: number }

/* The Ceph sessions (ceph-session helpers) the running debvisord has started: the configuration each
 * was given and how many established TCP connections it holds (its monitors and managers). */
export function cephSessions(): CephSessionProcess[] {
    const daemon = busNameOwnerPid(BUS_NAME);
    if (daemon === null)
        return [];
    const established = new Set<string>();
    for (const table of ["/proc/net/tcp", "/proc/net/tcp6"])
        for (const row of (fs.existsSync(table) ? fs.readFileSync(table, "utf8") : "").split("\n").slice(1)) {
            const f = row.trim().split(/\s+/);
            if (f[3] === "01") // TCP_ESTABLISHED
                established.add(f[9]);
        }
    const sessions: CephSessionProcess[] = [];
    for (const entry of fs.readdirSync("/proc").filter(e => /^\d+$/.test(e))) {
        try {
            // the field after the parenthesised name is the state, then the parent's pid
            const ppid = Number(fs.readFileSync(`/proc/${entry}/stat`, "utf8").replace(/^.*\) /s, "").split(" ")[1]);
            const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
            if (ppid !== daemon || !cmdline.includes(CEPH_SESSION_HELPER[CEPH_SESSION_HELPER.length - 1]))
                continue;
            const sockets = fs.readdirSync(`/proc/${entry}/fd`).map(fd => /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${entry}/fd/${fd}`))?.[1])
                .filter(inode => inode !== undefined && established.has(inode));
            sessions.push({ pid: Number(entry), conf: cmdline[cmdline.indexOf("--conf") + 1] ?? "", tcpConnections: sockets.length });
        } catch {
            // ended while looked at
        }
    }
    return sessions;
}
