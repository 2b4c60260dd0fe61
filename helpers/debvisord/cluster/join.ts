// Cluster.Join on the new node. What can be checked before anything is done is
// checked before the Job starts (a bad token, this node's own address, a node
// that is in a cluster or has a Ceph cluster of its own already): an error
// then, and nothing changed. The member's answer tells its time: a node whose
// clock is too far off for Ceph (clock-offset.ts) stops there, with nothing
// done but the token spent. The Job's steps each leave an undo; a step that
// fails runs the undos of the steps before it, newest first, so a failed
// join leaves no half member: no monitor in the map, no member record, no
// Ceph configuration, no cluster state on this node.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { failed, invalidArgument, notSupported } from "../../lib/errors.js";
import { runTool } from "../../lib/tool-run.js";
import type { CallContext } from "../bus/call-pipeline.js";
import { readConf } from "../ceph/provision/config.js";
import {
    joinManager, joinMonitor, joinsAsMonitor, leaveManager, leaveMonitor, removeJoinedConfig, writeJoinedConfig, type JoinedCluster,
} from "../ceph/provision/monitor-join.js";
import type { ClusterHost, JoinRequest } from "./cluster-host.js";
import { clockProblem } from "./clock-offset.js";
import { hostAddresses } from "./host-addresses.js";
import { removeMember, STATE_FILE, writeLocalState, writeMember, type Member } from "./membership.js";
import { Rollback } from "./rollback.js";
import { ensureNodeKey, hostKey, knownHostsText, sshCall } from "./ssh-channel.js";
import { openSshPrivateKey } from "./ed25519-keys.js";
import { decodeToken } from "./token.js";

const ACCEPT_TIMEOUT_MS = 60_000;

interface Answer extends JoinedCluster {
    members: Member[];
    /** the member's time when it answered (ms), from members that tell it */
    time?: number;
}

function parseAnswer(text: string, fsid: string, address: string): Answer {
    let a: Partial<Answer>;
    try {
        a = JSON.parse(text) as Partial<Answer>;
    } catch {
        throw failed(`${address} answered the join with something other than JSON`);
    }
    if (a.fsid !== fsid || typeof a.adminKeyring !== "string" || typeof a.monKeyring !== "string" || !Array.isArray(a.monitors)
        || a.monitors.length === 0 || typeof a.publicNetwork !== "string" || !Array.isArray(a.members))
        throw failed(`${address} answered the join without the cluster's configuration`);
    return a as Answer;
}

/* Where this node is seen from ADDRESS: the source address of its route there. */
async function sourceAddressFor(address: string): Promise<string> {
    const own = await hostAddresses();
    const r = await runTool("ip", ["-j", "route", "get", address], `finding the route to ${address}`, { allowFailure: true });
    let src = "";
    try {
        src = (JSON.parse(r.stdout) as Array<{ prefsrc?: string }>)[0]?.prefsrc ?? "";
    } catch {
        // no route
    }
    if (!src || !own.some(a => a.address === src))
        throw invalidArgument(`address: this node has no route to ${address}`);
    return src;
}

export async function runJoin(area: ClusterHost, ctx: CallContext, address: string, tokenText: string): Promise<string> {
    const token = decodeToken(tokenText);
    const own = await hostAddresses();
    const myHostKey = hostKey();
    // said before "a member already": a member that runs a join with its own address and token was meant to run it elsewhere
    if (own.some(a => a.address === address) || token.hostKey === myHostKey)
        throw invalidArgument(`address: ${address} is this node itself; run the join on the node that is to join, with a member's address`);
    area.requireNoCluster();
    if (readConf() !== "")
        throw notSupported("this node has a Ceph cluster of its own (/etc/ceph/ceph.conf); a node joins a DebVisor cluster without one");
    const myAddress = await sourceAddressFor(address);
    const name = area.nodeName();

    area.setState("joining");
    const job = area.jobs.start({ operation: "cluster-join", description: `Joining ${name} to the cluster at ${address}`, caller: ctx.caller, objects: [area.path] },
        async control => {
            const rollback = new Rollback();
            const step = async (id: string, fraction: number, work: () => Promise<void>, undoWork?: () => Promise<void> | void) => {
                if (control.signal.aborted)
                    throw control.signal.reason as Error;
                if (undoWork)
                    rollback.add(id, undoWork);
                await work();
                control.setProgress(fraction);
                await ctx.auditStep("Cluster.Join.step", "ok", [id], { object: area.path }).catch(() => undefined);
            };
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "debvisor-join-"));
            try {
                const nodeKey = await ensureNodeKey(name);
                let answer: Answer | null = null;
                await step("contact", 0.1, async () => {
                    fs.writeFileSync(path.join(dir, "key"), openSshPrivateKey(token.seed, `debvisor-join-${token.id}`), { mode: 0o600 });
                    fs.writeFileSync(path.join(dir, "known_hosts"), knownHostsText([{ address, hostKey: token.hostKey }]), { mode: 0o600 });
                    const request: JoinRequest = { name, address: myAddress, nodeKey, hostKey: myHostKey };
                    const sent = area.clock.now().getTime();
                    const out = await sshCall({
                        address, key: path.join(dir, "key"), knownHosts: path.join(dir, "known_hosts"), input: JSON.stringify(request), timeoutMs: ACCEPT_TIMEOUT_MS,
                    }).catch((e: Error) => {
                        throw failed(/did not accept this node's key/.test(e.message)
                            ? `token: ${address} did not accept it: it was used already, it expired, or another node made it`
                            : e.message);
                    });
                    const answered = area.clock.now().getTime();
                    answer = parseAnswer(out, token.fsid, address);
                    const clock = typeof answer.time === "number" ? clockProblem({ sent, memberTime: answer.time, answered }, address) : "";
                    if (clock)
                        throw failed(clock);
                });
                const joined = answer as unknown as Answer;
                await step("ceph-config", 0.2, async () => writeJoinedConfig(name, myAddress, joined), removeJoinedConfig);
                const monitor = joinsAsMonitor(joined.monitors.length);
                if (monitor) {
                    await step("monitor", 0.7, async () => {
                        await joinMonitor(name, joined.monKeyring);
                    }, () => leaveMonitor(name));
                }
                await step("manager", 0.85, async () => {
                    await joinManager(name);
                }, () => leaveManager(name));
                const me: Member = { name, address: myAddress, nodeKey, hostKey: myHostKey, joined: Date.now() };
                await step("membership", 0.95, () => writeMember(me), () => removeMember(name));
                const local = { fsid: joined.fsid, name, address: myAddress };
                await step("local-state", 1, async () => writeLocalState(local), () => fs.rmSync(STATE_FILE, { force: true }));
                area.members = [...joined.members.filter(m => m.name !== name), me].sort((a, b) => a.name.localeCompare(b.name));
                area.setState("member", local);
                void area.refresh();
                return `${name} (${myAddress}) joined the cluster ${joined.fsid} through ${address}; ${monitor ? "its Ceph monitor is in the quorum" : `the cluster has its ${joined.monitors.length} monitors, so this node runs none`}`;
            } catch (e) {
                const error = await rollback.undo(e as Error);
                area.setState("none", null);
                throw error;
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
    return job.path;
}
