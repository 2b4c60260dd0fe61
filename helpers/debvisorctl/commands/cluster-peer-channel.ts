// What another member's SSH session asks of debvisor-peer's forced command
// besides a call on standard input: for a live migration, libvirt's
// connection to this node's libvirtd, or one of the migration's data streams.
// Each is let through only when this node's debvisord says that it expects a
// migration from that member (Cluster.PeerCall), so the session decides
// nothing by itself.
import { spawn } from "node:child_process";
import net from "node:net";
import { CLUSTER_IFACE, ROOT_PATH } from "../../../generated/dbus-contract.js";
import { waitForGo } from "../../lib/migration-stream.js";
import { UsageError } from "../args.js";
import { callMethod } from "../method.js";

const CLUSTER_PATH = `${ROOT_PATH}/cluster`;
const VIRT_SSH_HELPER = "/usr/bin/virt-ssh-helper";
const STREAM = /^migration-stream ([0-9a-f]{16}) (memory|disks)$/;

async function peerCall(from: string, request: Record<string, unknown>): Promise<Record<string, unknown>> {
    const [answer] = await callMethod(CLUSTER_PATH, CLUSTER_IFACE, "PeerCall", [from, JSON.stringify(request)], { "no-ask": true }) as [string];
    return JSON.parse(answer) as Record<string, unknown>;
}

/* Runs what the session asked for (SSH_ORIGINAL_COMMAND); its exit code. */
export async function peerChannel(from: string, asked: string): Promise<number> {
    // libvirt's ssh transport asks for virt-ssh-helper (or nc) with its own shell script; this node runs its own helper
    if (/\bvirt-ssh-helper\b|libvirt-sock/.test(asked)) {
        await peerCall(from, { call: "migration-connect", user: "debvisord" });
        // spawned, not run through runTool: the helper is the session, on the session's own stdin and stdout
        const helper = spawn(VIRT_SSH_HELPER, ["qemu:///system"], { stdio: "inherit" });
        return new Promise(resolve => {
            helper.on("error", e => { process.stderr.write(`debvisorctl: ${VIRT_SSH_HELPER}: ${e.message}\n`); resolve(1); });
            helper.on("exit", code => resolve(code ?? 1));
        });
    }
    const stream = STREAM.exec(asked);
    if (!stream)
        throw new UsageError(`this key runs debvisord's calls only, not "${asked.slice(0, 80)}"`);
    const answer = await peerCall(from, { call: "migration-stream", user: "debvisord", args: { id: stream[1], kind: stream[2] } });
    // the session is opened before QEMU needs it: QEMU's socket here is connected once the other node says go
    const first = await waitForGo(process.stdin);
    if (first === null)
        return 0; // not needed after all (the migration ended or failed first)
    const socket = net.connect(String(answer.socket));
    return new Promise(resolve => {
        socket.once("connect", () => {
            if (first.length > 0)
                socket.write(first);
            process.stdin.pipe(socket);
            socket.pipe(process.stdout);
        });
        socket.once("error", e => { process.stderr.write(`debvisorctl: the migration's ${stream[2]} stream: ${e.message}\n`); resolve(1); });
        socket.once("close", () => resolve(0));
    });
}
