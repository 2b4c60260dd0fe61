// The data of a live migration between two nodes, over the cluster's SSH
// channel. libvirt moves the machine's memory (and, for disks that are not
// shared, their blocks) through UNIX sockets at the same path on both nodes
// (virsh migrate --migrateuri/--disks-uri unix://…). On the sending node
// debvisord listens on those sockets; every connection QEMU opens becomes
// one SSH session to the other node as debvisor-peer, whose forced command
// asks that node's debvisord whether the migration is expected and then
// joins the session to the socket QEMU listens on there. So no port is
// opened for the migration and nothing travels unencrypted or unauthenticated.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import { ensureDirectory } from "../../lib/atomic-file.js";
import { STREAM_GO } from "../../lib/migration-stream.js";
import { userId } from "../../lib/system-ids.js";
import { PEER_USER } from "./ssh-channel.js";

const MIGRATION_DIR = "/run/debvisor/migration";
/** ssh with the cluster's key and pinned host keys (libvirt's ssh transport runs it too) */
export const CLUSTER_SSH = "/usr/lib/debvisor/cluster-ssh";
/** the user QEMU runs as (Debian's libvirt); it connects to the sending side's sockets */
const QEMU_USER = "libvirt-qemu";

type StreamKind = "memory" | "disks";
export const STREAM_KINDS: StreamKind[] = ["memory", "disks"];
export const MIGRATION_ID = /^[0-9a-f]{16}$/;

export const migrationDir = (id: string) => `${MIGRATION_DIR}/${id}`;
export const streamSocket = (id: string, kind: StreamKind) => `${migrationDir(id)}/${kind}.sock`;

/* The directory of one migration: the parent is not listable, so its random name is the only way in. */
export function makeMigrationDir(id: string, mode: number): string {
    ensureDirectory("/run/debvisor", 0o755);
    ensureDirectory(MIGRATION_DIR, 0o711);
    const dir = migrationDir(id);
    fs.mkdirSync(dir, { mode });
    fs.chmodSync(dir, mode);
    return dir;
}

export function removeMigrationDir(id: string): void {
    fs.rmSync(migrationDir(id), { recursive: true, force: true });
}

export interface Relay {
    /** what the SSH sessions said when they failed, for the job's message */
    readonly problems: string[];
    close(): void;
}

/** one SSH session to the other node for one connection of QEMU's */
interface Session {
    ssh: ChildProcess;
    said: string;
    socket: net.Socket | null;
}

/* Listens on the migration's sockets here and carries each connection to the same socket on the node at `address`.
 * A session per stream is opened at once and waits (helpers/lib/migration-stream.ts): QEMU's first connection finds it ready. */
export async function openRelay(id: string, address: string, kinds: StreamKind[]): Promise<Relay> {
    makeMigrationDir(id, 0o711);
    const problems: string[] = [];
    const sessions = new Set<Session>();
    const open = (kind: StreamKind): Session => {
        const ssh = spawn(CLUSTER_SSH, ["-T", "-l", PEER_USER, address, `migration-stream ${id} ${kind}`], { stdio: ["pipe", "pipe", "pipe"] });
        const session: Session = { ssh, said: "", socket: null };
        sessions.add(session);
        ssh.stderr!.on("data", (d: Buffer) => { session.said = `${session.said}${d.toString()}`.slice(-2000); });
        ssh.stdin!.on("error", () => session.socket?.destroy());
        ssh.on("error", e => { problems.push(`${kind}: ${e.message}`); session.socket?.destroy(); });
        ssh.on("exit", code => {
            sessions.delete(session);
            if (code !== 0 && session.said.trim())
                problems.push(`${kind}: ${session.said.trim().split("\n").slice(-2).join(" ")}`);
            session.socket?.end();
        });
        return session;
    };
    const waiting = new Map(kinds.map(kind => [kind, open(kind)]));
    const listening = Promise.all(kinds.map(kind => new Promise<net.Server>((resolve, reject) => {
        const server = net.createServer(socket => {
            let session = waiting.get(kind);
            waiting.delete(kind);
            if (!session || session.ssh.exitCode !== null || session.ssh.signalCode !== null)
                session = open(kind);
            session.socket = socket;
            const { ssh } = session;
            ssh.stdin!.write(Buffer.of(STREAM_GO));
            socket.pipe(ssh.stdin!);
            ssh.stdout!.pipe(socket);
            // a broken pipe on either side ends both
            socket.on("error", () => ssh.kill());
        });
        server.once("error", reject);
        const file = streamSocket(id, kind);
        server.listen(file, () => {
            // QEMU connects as its own user, and no one else may
            const uid = userId(QEMU_USER);
            if (uid !== undefined) {
                fs.chownSync(file, uid, 0);
                fs.chmodSync(file, 0o600);
            } else {
                fs.chmodSync(file, 0o666);
            }
            resolve(server);
        });
    })));
    const servers = await listening.catch((e: unknown) => {
        for (const session of sessions)
            session.ssh.kill();
        throw e;
    });
    return {
        problems,
        close() {
            for (const server of servers)
                server.close();
            for (const session of sessions)
                session.ssh.kill();
            removeMigrationDir(id);
        },
    };
}
