// The join, as the benches that make a cluster of nodes time it (migration:
// the second node; cluster view: the second and the third, which adds a
// third monitor): token → the new node up on every member, reported with the
// share spent waiting for Ceph, the new monitor in the quorum and the standby
// manager, read from the joining node's audited steps (Cluster.Join.step).
import fs from "node:fs";
import path from "node:path";
import type { ClusterNodes } from "../test/lib/cluster-nodes.js";
import { waitFor } from "../test/lib/wait.js";
import { report } from "./lib.js";

/* debvisorctl on node n, as a command its systemd runs (no login uid, like a service). */
export function clusterCtl(cluster: ClusterNodes, n: number, args: string[]): string {
    return cluster.nodes[n].mustExec(["systemd-run", "--wait", "--pipe", "--quiet", "--collect", "debvisorctl", ...args, "--no-ask"], 300_000);
}

/* When each step of the join ended, from the joining node's audit log (ms since the epoch). */
function joinStepTimes(node: ClusterNodes["nodes"][number]): Record<string, number> {
    const times: Record<string, number> = {};
    for (const line of fs.readFileSync(path.join(node.dir, "var/log/debvisor/audit.jsonl"), "utf8").split("\n")) {
        if (!line.includes("\"Cluster.Join.step\""))
            continue;
        const r = JSON.parse(line) as { args?: unknown[]; time?: string };
        times[String(r.args?.[0])] = Date.parse(r.time ?? "");
    }
    return times;
}

/* Node n joins through node `through` with a token made there; timed and reported. */
export async function timedJoin(cluster: ClusterNodes, n: number, through: number): Promise<void> {
    const token = (JSON.parse(clusterCtl(cluster, through, ["cluster", "token", "--json"])) as { token: string }).token;
    const started = Date.now();
    clusterCtl(cluster, n, ["cluster", "join", cluster.address(through), token, "--wait"]);
    const members = n + 1;
    const upOn = (i: number) => (JSON.parse(cluster.nodes[i].mustExec(["debvisorctl", "cluster", "status", "--json"])) as { Nodes: Array<{ Health: string }> }).Nodes;
    const everyoneUp = () => cluster.nodes.slice(0, members).every((_, i) => {
        const nodes = upOn(i);
        return nodes.length === members && nodes.every(x => x.Health === "up");
    });
    await waitFor(`node ${n + 1} to be up on every member`, everyoneUp, 60_000, 250);
    const total = Date.now() - started;
    const steps = joinStepTimes(cluster.nodes[n]);
    const ceph = (steps.manager ?? NaN) - (steps["ceph-config"] ?? NaN);
    report(`join: token → node ${n + 1} up on all ${members}`, `${(total / 1000).toFixed(1)} s`, `waiting for Ceph (monitor, manager) ${(ceph / 1000).toFixed(1)} s`,
        ceph / total, "share spent on Ceph");
}
