// The Ceph CLI as the bootstrap uses it: client.admin on this host's own
// cluster (/etc/ceph/ceph.conf), with a longer connect time than the reading
// side allows, since a monitor that has just started may take a while.
import { failed } from "../../../lib/errors.js";
import { runTool, type RunOptions, type RunResult } from "../../../lib/tool-run.js";
import { CEPH_CONF } from "./config.js";

export { runTool as run } from "../../../lib/tool-run.js";

/* A monitor that does not answer makes "ceph" wait: bounded, so a step fails instead of hanging. */
const CEPH_CONNECT_TIMEOUT_S = 20;

export async function ceph(args: string[], what: string, options: RunOptions = {}): Promise<RunResult> {
    return runTool("ceph", ["--conf", CEPH_CONF, "--connect-timeout", String(CEPH_CONNECT_TIMEOUT_S), ...args], what,
        { timeout: (CEPH_CONNECT_TIMEOUT_S + 40) * 1000, ...options });
}

/* The answer of a `ceph … --format json` run; anything else fails naming `what`. */
export function jsonAnswer<T>(stdout: string, what: string): T {
    try {
        return JSON.parse(stdout) as T;
    } catch {
        throw failed(`${what}: ceph answered no JSON`);
    }
}

export async function cephJson<T>(args: string[], what: string): Promise<T> {
    return jsonAnswer<T>((await ceph([...args, "--format", "json"], what)).stdout, what);
}

export async function poolNames(): Promise<string[]> {
    return (await cephJson<Array<{ pool_name: string }>>(["osd", "pool", "ls", "detail"], "listing the pools")).map(p => p.pool_name);
}
