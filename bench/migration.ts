// Live migration between two DebVisor nodes (systemd-nspawn nodes on a bridge,
// test/lib/cluster-nodes.ts): an idle tiny guest (128 MiB, no disk) moved with
// `debvisorctl vm migrate NAME NODE --wait` against the same guest moved by
// hand with `virsh migrate --live --p2p --tunnelled` over root's SSH, the way
// an administrator would, each in turn between the same two nodes. Like with
// like: both move the memory through SSH (ours in a session of its own per
// stream, relayed to QEMU's UNIX sockets; theirs inside libvirt's tunnel),
// both define the guest on the target and undefine it at the source. The join
// that makes the two nodes one cluster is timed too: token → both nodes see
// each other up, with the share spent waiting for Ceph. Skipped,
// saying why, where nodes cannot be made.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { BOOT_DIR, ClusterNodes, clusterNodesUnavailable } from "../test/lib/cluster-nodes.js";
import { waitFor } from "../test/lib/wait.js";
import { median, report, timeMs } from "./lib.js";

const DEBS = path.join(path.resolve(path.dirname(fileURLToPath(import.meta.url)), ".."), "build/debs");
const GUEST = "bench-idle";
const ROUNDS = 5;

const guestXml = `<domain type='qemu'><name>${GUEST}</name><memory unit='MiB'>128</memory><vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><kernel>${BOOT_DIR}/vmlinuz</kernel><initrd>${BOOT_DIR}/initrd.gz</initrd><cmdline>console=ttyS0 quiet</cmdline></os>
  <devices><serial type='pty'/></devices></domain>`;

/* When each step of the join ended, from the joining node's audit log (Cluster.Join.step records, in ms since the epoch). */
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

/* Token → both nodes see each other up; the share spent waiting for Ceph: the new monitor in the quorum and the standby manager. */
function reportJoin(totalMs: number, steps: Record<string, number>): void {
    const cephMs = (steps.manager ?? NaN) - (steps["ceph-config"] ?? NaN);
    report("join: token → node up on both nodes", `${(totalMs / 1000).toFixed(1)} s`, `waiting for Ceph (monitor, manager) ${(cephMs / 1000).toFixed(1)} s`,
        cephMs / totalMs, "share spent on Ceph");
}

export async function migrationBench(): Promise<void> {
    const unavailable = clusterNodesUnavailable(DEBS);
    if (unavailable) {
        console.log(`live migration: skipped (${unavailable})`);
        return;
    }
    const cluster = new ClusterNodes("10.231.79");
    try {
        await cluster.boot(2, "bookworm", DEBS);
        const [a, b] = cluster.nodes;
        const ctl = (n: number, args: string[]) => cluster.nodes[n].mustExec(["systemd-run", "--wait", "--pipe", "--quiet", "--collect", "debvisorctl", ...args, "--no-ask"], 300_000);
        ctl(0, ["cluster", "create", cluster.address(0), "--wait"]);
        const token = (JSON.parse(ctl(0, ["cluster", "token", "--json"])) as { token: string }).token;
        const joinStarted = Date.now();
        ctl(1, ["cluster", "join", cluster.address(0), token, "--wait"]);
        const up = (n: number) => (JSON.parse(cluster.nodes[n].mustExec(["debvisorctl", "cluster", "status", "--json"])) as { Nodes: Array<{ Health: string }> }).Nodes.every(x => x.Health === "up");
        await waitFor("both nodes to see each other up", () => up(0) && up(1), 60_000, 250);
        reportJoin(Date.now() - joinStarted, joinStepTimes(b));
        // by hand: root's own SSH keys between the two nodes
        for (const [from, to, i] of [[a, b, 1], [b, a, 0]] as const) {
            from.mustExec(["sh", "-c", "test -e /root/.ssh/id_ed25519 || ssh-keygen -q -t ed25519 -N '' -f /root/.ssh/id_ed25519"]);
            const key = fs.readFileSync(path.join(from.dir, "root/.ssh/id_ed25519.pub"), "utf8");
            to.mustExec(["sh", "-c", `mkdir -p /root/.ssh && echo '${key.trim()}' >> /root/.ssh/authorized_keys`]);
            from.mustExec(["sh", "-c", `ssh-keyscan -t ed25519 ${cluster.address(i)} >> /root/.ssh/known_hosts 2>/dev/null`]);
        }
        fs.writeFileSync(path.join(a.dir, "root/bench.xml"), guestXml);
        a.mustExec(["sh", "-c", `virsh define /root/bench.xml && virsh start ${GUEST}`]);
        await new Promise(r => setTimeout(r, 5000));
        const ours: number[] = [], theirs: number[] = [];
        for (let round = 0; round < ROUNDS; round++) {
            ours.push(await timeMs(() => ctl(0, ["vm", "migrate", GUEST, cluster.names[1], "--wait"])));
            theirs.push(await timeMs(() => b.mustExec(["virsh", "migrate", "--live", "--p2p", "--tunnelled", "--persistent", "--undefinesource", GUEST,
                `qemu+ssh://root@${cluster.address(0)}/system`], 300_000)));
        }
        report("live migration of an idle 128 MiB guest", `${(median(ours) / 1000).toFixed(2)} s`, `virsh migrate --live by hand (${(median(theirs) / 1000).toFixed(2)} s)`,
            median(ours) / median(theirs), "≤ 1.2×");
    } finally {
        await cluster.stop();
    }
}
