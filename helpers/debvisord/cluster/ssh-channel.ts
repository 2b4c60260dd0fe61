// The channel between nodes: SSH. Each node has a key of its own for the
// cluster (made when it creates or joins one); every member's key is accepted
// on every other member by the user debvisor-peer, for one forced command
// that hands the call to that node's debvisord, naming the calling node. So
// the receiving debvisord, not the SSH login, decides and audits what happens.
// A join token's key is accepted the same way, for one call that only asks to
// join, until it expires. Host keys are pinned: a member is known by the host
// key it published in the cluster's membership, a token's maker by the one in
// the token; ssh never accepts a new one by itself.
import fs from "node:fs";
import path from "node:path";
import { ensureDirectory, writeFileAtomically } from "../../lib/atomic-file.js";
import { failed } from "../../lib/errors.js";
import { runTool, lastLines } from "../../lib/tool-run.js";
import { isHostKey, sshExpiryTime } from "./token.js";

export const CLUSTER_DIR = "/etc/debvisor/cluster";
export const NODE_KEY = `${CLUSTER_DIR}/node_key`;
export const KNOWN_HOSTS = `${CLUSTER_DIR}/known_hosts`;
const HOST_KEY_FILE = "/etc/ssh/ssh_host_ed25519_key.pub";
export const PEER_USER = "debvisor-peer";
const PEER_HOME = "/var/lib/debvisor/peer";
export const AUTHORIZED_KEYS = `${PEER_HOME}/.ssh/authorized_keys`;
const CTL = "/usr/bin/debvisorctl";
const CONNECT_TIMEOUT_S = 5;
/** where the connections to the members wait for the next call (as cluster-ssh has it too): root's only */
const MUX_DIR = "/run/debvisor/ssh";
/** a member's connection is closed after this many seconds without a call (the pings come every 10 s) */
const MUX_PERSIST_S = 60;

/** a node's name in the cluster: its Ceph daemons' name (short host name) */
export const NODE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;

/* "TYPE BASE64" of an OpenSSH public key line (its comment left off). */
function publicKeyOf(line: string): string {
    return line.trim().split(/\s+/).slice(0, 2).join(" ");
}

export function hostKey(file = HOST_KEY_FILE): string {
    let text = "";
    try {
        text = fs.readFileSync(file, "utf8");
    } catch {
        throw failed(`this node has no SSH host key (${file}): install openssh-server, which makes it`);
    }
    const key = publicKeyOf(text);
    if (!isHostKey(key))
        throw failed(`${file} holds no Ed25519 host key`);
    return key;
}

/* This node's key for the cluster, made once. */
export async function ensureNodeKey(name: string): Promise<string> {
    ensureDirectory(CLUSTER_DIR, 0o700);
    if (!fs.existsSync(NODE_KEY) || !fs.existsSync(`${NODE_KEY}.pub`)) {
        fs.rmSync(NODE_KEY, { force: true });
        fs.rmSync(`${NODE_KEY}.pub`, { force: true });
        await runTool("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", `debvisor-node-${name}`, "-f", NODE_KEY], "making this node's cluster key");
    }
    return publicKeyOf(fs.readFileSync(`${NODE_KEY}.pub`, "utf8"));
}

interface AcceptedMember { name: string; nodeKey: string }
interface AcceptedToken { id: string; expires: number; publicKey: string }

/* debvisor-peer's authorized_keys: the other members' keys and this node's unexpired tokens, each for its forced command only. */
export function authorizedKeysText(members: AcceptedMember[], tokens: AcceptedToken[]): string {
    const lines = [
        "# Written by debvisord from the cluster's membership; changes here are overwritten.",
        ...members.filter(m => NODE_NAME.test(m.name) && isHostKey(m.nodeKey))
            .map(m => `restrict,command="${CTL} cluster peer-call --from ${m.name}" ${m.nodeKey} debvisor-node-${m.name}`),
        ...tokens.map(t => `restrict,expiry-time="${sshExpiryTime(t.expires)}",command="${CTL} cluster accept-join ${t.id}" ${t.publicKey} debvisor-join-${t.id}`),
    ];
    return `${lines.join("\n")}\n`;
}

/* Written every round from the membership: only when it changed. */
export function writeIfChanged(file: string, text: string, mode: number): void {
    let current = "";
    try {
        current = fs.readFileSync(file, "utf8");
    } catch {
        // none yet
    }
    if (current !== text)
        writeFileAtomically(file, text, mode);
}

export function writeAuthorizedKeys(text: string): void {
    // root's, readable by sshd's check as the user; the user cannot change it
    ensureDirectory(PEER_HOME, 0o755);
    ensureDirectory(path.dirname(AUTHORIZED_KEYS), 0o755);
    writeIfChanged(AUTHORIZED_KEYS, text, 0o644);
}

export function knownHostsText(hosts: Array<{ address: string; hostKey: string }>): string {
    return hosts.filter(h => isHostKey(h.hostKey)).map(h => `${h.address} ${h.hostKey}\n`).join("");
}

interface SshCall {
    address: string; key: string; knownHosts: string; input: string; timeoutMs: number;
    /** over the one connection kept to that member (this node's key only: the connection is the key's, and so is the forced command) */
    multiplexed?: boolean;
}

/* One SSH connection per member, its calls sessions in it: a call is spared the key exchange and login (about half its time). */
function multiplexing(): string[] {
    ensureDirectory(MUX_DIR, 0o700);
    return ["-o", "ControlMaster=auto", "-o", `ControlPath=${MUX_DIR}/%C`, "-o", `ControlPersist=${MUX_PERSIST_S}`];
}

/* Calls the forced command at ADDRESS as debvisor-peer with the key; its answer on stdout. Fails with words a user can act on. */
export async function sshCall(c: SshCall): Promise<string> {
    const r = await runTool("ssh", ["-F", "/dev/null", "-i", c.key, "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
        "-o", "StrictHostKeyChecking=yes", "-o", `UserKnownHostsFile=${c.knownHosts}`, "-o", "GlobalKnownHostsFile=/dev/null",
        "-o", `ConnectTimeout=${CONNECT_TIMEOUT_S}`, "-o", "ServerAliveInterval=5", "-o", "ServerAliveCountMax=2",
        "-o", "LogLevel=ERROR", ...c.multiplexed ? multiplexing() : [], "-T", `${PEER_USER}@${c.address}`], `calling ${c.address}`, { input: c.input, timeout: c.timeoutMs, allowFailure: true });
    if (r.missing)
        throw failed("ssh is not installed (openssh-client)");
    if (r.timedOut)
        throw failed(`${c.address} did not answer within ${Math.round(c.timeoutMs / 1000)} s`);
    if (r.exitCode === 0)
        return r.stdout;
    const said = lastLines(r.stderr, 3);
    if (r.exitCode === 255) {
        if (/Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|No .* host key is known/i.test(said))
            throw failed(`${c.address} is not the node expected there: its SSH host key differs`);
        if (/Permission denied/i.test(said))
            throw failed(`${c.address} did not accept this node's key (${said})`);
        throw failed(`${c.address} does not answer on SSH (port 22): ${said || "no answer"}`);
    }
    // the forced command's own failure: debvisord's words on the other node
    throw failed(`${c.address} refused: ${said.replace(/^debvisorctl: /gm, "") || `exit code ${r.exitCode}`}`);
}
