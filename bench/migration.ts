// Live migration between two DebVisor nodes (systemd-nspawn nodes on a bridge,
// test/lib/cluster-nodes.ts): an idle tiny guest (128 MiB, no disk) moved with
// `debvisorctl vm migrate NAME NODE --wait` against the same guest moved by
// hand with `virsh migrate --live --p2p --tunnelled` over root's SSH, the way
// an administrator would, each in turn between the same two nodes. Like with
// like: both move the memory through SSH (ours in a session of its own per
// stream, relayed to QEMU's UNIX sockets; theirs inside libvirt's tunnel),
// both define the guest on the target and undefine it at the source. The join
// that makes the two nodes one cluster is timed too (cluster-join.ts).
// Skipped, saying why, where nodes cannot be made.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { BOOT_DIR, ClusterNodes, clusterNodesUnavailable } from "../test/lib/cluster-nodes.js";
import { clusterCtl, timedJoin } from "./cluster-join.js";
import { median, report, timeMs } from "./lib.js";

const DEBS = path.join(path.resolve(path.dirname(fileURLToPath(import.meta.url)), ".."), "build/debs");
const GUEST = "bench-idle";
const ROUNDS = 5;

const guestXml = `<domain type='qemu'><name>${GUEST}</name><memory unit='MiB'>128</memory><vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><kernel>${BOOT_DIR}/vmlinuz</kernel><initrd>${BOOT_DIR}/initrd.gz</initrd><cmdline>console=ttyS0 quiet</cmdline></os>
  <devices><serial type='pty'/></devices></domain>`;

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
        const ctl = (n: number, args: string[]) => clusterCtl(cluster, n, args);
        ctl(0, ["cluster", "create", cluster.address(0), "--wait"]);
        await timedJoin(cluster, 1, 0);
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
