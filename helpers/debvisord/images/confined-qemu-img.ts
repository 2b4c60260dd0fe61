// qemu-img parses images that anyone may have crafted, so it never runs as
// root: it runs as the system user debvisor-img (made by the package), with
// no supplementary groups, no way to gain privileges, and limits on address
// space and CPU time, as OpenStack does after CVE-2022-47951/CVE-2024-32498.
// It is handed the files it may touch as inherited descriptors; the only
// files it can open by name are those that debvisor-img could read anyway.
import fs from "node:fs";
import { failed } from "../../lib/errors.js";
import { startTool, type StartedTool } from "../../lib/tool-run.js";

const IMAGE_TOOL_USER = "debvisor-img";
/* `qemu-img info` needs little: OpenStack's limits */
export const INFO_LIMITS = { addressSpace: 1 << 30, cpuSeconds: 30 };

export interface ToolUser { uid: number; gid: number }

export interface Limits { addressSpace: number; cpuSeconds: number }

/* Convert: room for qemu-img's I/O threads; the CPU time grows with the image (at least 32 MiB per CPU second). */
export function convertLimits(virtualSize: number): Limits {
    return { addressSpace: 4 * 2 ** 30, cpuSeconds: Math.max(600, Math.ceil(virtualSize / (32 << 20))) };
}

/* The uid and gid of debvisor-img, from the passwd database. */
export function toolUser(passwd = "/etc/passwd"): ToolUser {
    for (const line of fs.readFileSync(passwd, "utf8").split("\n")) {
        const [name, , uid, gid] = line.split(":");
        if (name === IMAGE_TOOL_USER && Number(uid) > 0 && Number(gid) > 0)
            return { uid: Number(uid), gid: Number(gid) };
    }
    throw failed(`the system user ${IMAGE_TOOL_USER} is missing; reinstall debvisord to create it`);
}

/* qemu-img, or any tool that parses an image (sfdisk, blkid, debugfs on a backed-up disk), confined. setpriv and
 * prlimit both exec the next program: the tool keeps the pid startTool knows, so cancel reaches it. */
export function confinedToolCommand(user: ToolUser, limits: Limits, tool: string, args: string[]): string[] {
    return [
        "setpriv", `--reuid=${user.uid}`, `--regid=${user.gid}`, "--clear-groups", "--no-new-privs",
        // if debvisord dies, the tool dies with it instead of writing on into a file the next daemon removes
        "--pdeathsig", "SIGTERM", "--",
        "prlimit", `--as=${limits.addressSpace}`, `--cpu=${limits.cpuSeconds}`, "--",
        tool, ...args,
    ];
}

interface ConfinedRun {
    user: ToolUser;
    limits: Limits;
    args: string[];
    /** descriptors the child gets as 3, 4, …: qemu-img opens them as /dev/fd/3, /dev/fd/4 … */
    fds: number[];
    signal?: AbortSignal;
    timeout?: number;
}

/* Starts confined qemu-img with a clean environment and the given descriptors. */
export function runConfined(run: ConfinedRun): StartedTool {
    const [tool, ...args] = confinedToolCommand(run.user, run.limits, "qemu-img", run.args);
    return startTool(tool, args, {
        cwd: "/", ownEnv: true, env: CONFINED_PATH, fds: run.fds, signal: run.signal, timeout: run.timeout, keepFinalNewline: true,
    });
}

/* what a confined tool finds by name: the system's directories, never the daemon's PATH */
export const CONFINED_PATH = { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" };

/* Whether debvisor-img may open this inode again through /proc/self/fd: the kernel checks the inode's mode there. */
export function readableBy(user: ToolUser, stat: fs.Stats): boolean {
    if (stat.uid === user.uid)
        return (stat.mode & 0o400) !== 0;
    if (stat.gid === user.gid)
        return (stat.mode & 0o040) !== 0;
    return (stat.mode & 0o004) !== 0;
}
