// Booted DebVisor nodes for a cluster, on a bridge of the test machine: each
// a copy of the prepared root (nspawn-node.ts) with the .debs, OpenSSH, Ceph's
// daemons and QEMU, a name and SSH host keys of its own, an
// address on the bridge, and what the migrating test guest boots from. Used
// by the cluster test and the migration benchmark; stopped by the nspawn PIDs
// and removed with the bridge by stop().
import crypto from "node:crypto";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { counterGuest } from "../harness/tiny-guest.js";
import { Node, nodeUnavailable, type NodeVariant } from "./nspawn-node.js";
import { waitFor } from "./wait.js";

/* What a cluster node has besides the .debs: sshd for the channel between nodes, Ceph's daemons, Cockpit's shell, QEMU for migrations. */
export const CLUSTER_NODE: NodeVariant = {
    name: "cluster", packages: ["openssh-server", "ceph-mon", "ceph-mgr", "ceph-osd", "ceph-mds", "ceph-common", "ceph-fuse", "libvirt-daemon-driver-storage-rbd", "qemu-block-extra",
        "cockpit-system", "qemu-system-x86"],
};
/** where the counting guest's kernel and initramfs are, on every node */
export const BOOT_DIR = "/var/lib/libvirt/boot";

const canBridge = () => process.getuid?.() === 0 && spawnSync("ip", ["link", "help"], { stdio: "ignore" }).status !== null;

/* Why nodes cannot be made here, or null. */
export function clusterNodesUnavailable(debs: string): string | null {
    return nodeUnavailable(debs) ?? (canBridge() ? null : "no ip(8) to make a bridge");
}

function ip(args: string[]): void {
    const r = spawnSync("ip", args, { encoding: "utf8" });
    if (r.status !== 0)
        throw new Error(`ip ${args.join(" ")} failed: ${r.stderr}`);
}

export class ClusterNodes {
    readonly nodes: Node[] = [];
    /** each node's host name, read once it booted (a killed node cannot be asked) */
    readonly names: string[] = [];
    bridge = "";
    /** whether the prepared root was built for this run (not from the cache) */
    built = false;

    /* `prefix`: the first three octets of the bridge's /24; the test machine has .1, node i has .(11 + i). */
    constructor(readonly prefix: string) {}

    address(i: number): string {
        return `${this.prefix}.${11 + i}`;
    }

    get hostAddress(): string {
        return `${this.prefix}.1`;
    }

    async boot(count: number, release: string, debs: string): Promise<void> {
        this.bridge = `dvcl${crypto.randomBytes(3).toString("hex")}`;
        ip(["link", "add", this.bridge, "type", "bridge"]);
        ip(["link", "set", this.bridge, "up"]);
        ip(["addr", "add", `${this.hostAddress}/24`, "dev", this.bridge]);
        const guest = counterGuest();
        for (let i = 0; i < count; i++) {
            const made = Node.create(release, debs, CLUSTER_NODE);
            this.built ||= made.cacheBuilt;
            this.nodes.push(made.node);
            const root = made.node.dir;
            // a name of its own (the copies share the prepared root's)
            const name = `dvc${i + 1}-${made.node.name.slice(-6)}`;
            fs.writeFileSync(path.join(root, "etc/hostname"), `${name}\n`);
            // and in /etc/hosts, as Debian's installer writes it (libvirt looks its own name up)
            fs.appendFileSync(path.join(root, "etc/hosts"), `127.0.1.1\t${name}\n`);
            // QEMU under the node's libvirt: the container's cgroup v1 hierarchies are read-only, so libvirt uses none there
            fs.appendFileSync(path.join(root, "etc/libvirt/qemu.conf"), "\ncgroup_controllers = [ ]\n");
            // what the migrating guest boots from, at the same path on every node
            fs.mkdirSync(path.join(root, BOOT_DIR.slice(1)), { recursive: true });
            fs.copyFileSync(guest.kernel, path.join(root, BOOT_DIR.slice(1), "vmlinuz"));
            fs.copyFileSync(guest.initrd, path.join(root, BOOT_DIR.slice(1), "initrd.gz"));
        }
        // /dev/fuse: the storage profile mounts the CephFS with ceph-fuse
        await Promise.all(this.nodes.map(n => n.boot(180_000, this.bridge, ["--bind=/dev/fuse"])));
        this.nodes.forEach((n, i) => {
            n.mustExec(["ip", "addr", "add", `${this.address(i)}/24`, "dev", "host0"]);
            n.mustExec(["ip", "link", "set", "host0", "up"]);
            // SSH host keys of its own, as a fresh install makes them
            n.mustExec(["sh", "-c", "rm -f /etc/ssh/ssh_host_* && ssh-keygen -A"]);
            this.names.push(n.mustExec(["hostname"]).trim());
            const restarted = n.exec(["systemctl", "restart", "ssh.service"]);
            if (restarted.status !== 0)
                throw new Error(`sshd on node ${i + 1} did not restart: ${restarted.stderr}\n${n.exec(["journalctl", "-b", "-u", "ssh.service", "--no-pager", "-o", "cat"]).stdout}`);
        });
        if (count > 1)
            await waitFor("the nodes to reach each other", () => this.nodes[0].exec(["ping", "-c1", "-W1", this.address(1)]).status === 0
                || this.nodes[0].exec(["bash", "-c", `exec 3<>/dev/tcp/${this.address(1)}/22`]).status === 0, 30_000, 500);
    }

    /* Boots node i again after it was stopped or killed, as its power coming back would: its address on host0
     * comes from /etc/network/interfaces (ifupdown) as on an installed node, before its systemd starts what is
     * enabled (debvisord, its Ceph daemons, which wait for the network). */
    async restart(i: number): Promise<void> {
        const n = this.nodes[i];
        fs.writeFileSync(path.join(n.dir, "etc/network/interfaces"),
            `auto lo\niface lo inet loopback\n\nauto host0\niface host0 inet static\n    address ${this.address(i)}/24\n`);
        try {
            await n.boot(300_000, this.bridge, ["--bind=/dev/fuse"]);
        } catch (e) {
            const jobs = n.initPid > 0 ? n.exec(["systemctl", "list-jobs", "--no-pager"]).stdout : "";
            throw new Error(`${(e as Error).message}\nits systemd's jobs:\n${jobs}`);
        }
    }

    async stop(): Promise<void> {
        await Promise.all(this.nodes.map(n => n.stop()));
        for (const n of this.nodes)
            n.remove();
        if (this.bridge)
            spawnSync("ip", ["link", "del", this.bridge]);
    }
}
