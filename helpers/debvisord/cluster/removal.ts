// Taking a node out of the cluster: RemoveNode on a member for a node that is
// gone (it does not answer), Leave on the node itself. The plan (node-plan.ts)
// refuses first what would break the cluster: the monitors' quorum, a pool
// below min_size, machines still running, the only member. Then each step
// goes in turn, and while it runs the member record says which steps are
// left: a step that fails stops the removal there, the record keeps what is
// left and why (the Nodes property shows it), and RemoveNode again carries on
// from there. Nothing is half done inside a step; Ceph refuses to undo a
// purged OSD, so a removal is finished, not rolled back.
import fs from "node:fs";
import type { CallContext } from "../bus/call-pipeline.js";
import { dataDir } from "../ceph/provision/config.js";
import { spreadPoolsAcrossHosts } from "../ceph/provision/host-placement.js";
import { leaveManager, removeJoinedConfig } from "../ceph/provision/monitor-join.js";
import { stopDaemon } from "../ceph/provision/services.js";
import { ceph } from "../ceph/provision/tools.js";
import type { ClusterHost } from "./cluster-host.js";
import { removeLibvirtRbdPool, unmountCephFs } from "./local-ceph-use.js";
import { readMembers, removeMember, STATE_FILE, TOKENS_FILE, writeMember } from "./membership.js";
import { planChange, refuse } from "./change-plan.js";
import { startNodeJob } from "./node-job.js";
import { KNOWN_HOSTS, NODE_KEY, writeAuthorizedKeys, authorizedKeysText } from "./ssh-channel.js";

interface Step { id: string; run: () => Promise<void> }

export async function removeNode(area: ClusterHost, ctx: CallContext, node: string, change: "remove" | "leave"): Promise<string> {
    const { plan, member, ceph: facts, local } = await planChange(area, ctx, node, change);
    refuse(plan);
    const leaving = change === "leave";
    const osds = facts.osdsByHost[node];
    const rbdPool = leaving ? local?.libvirtRbdPool ?? "" : "";
    const steps: Step[] = [
        // what this node uses of Ceph goes while its configuration is still there (as the plan says)
        ...leaving && local?.cephfsMounted ? [{ id: "CephFS mount", run: unmountCephFs }] : [],
        ...rbdPool ? [{ id: `libvirt pool ${rbdPool}`, run: () => removeLibvirtRbdPool(rbdPool) }] : [],
        ...(osds ?? []).map(id => ({
            id: `osd.${id}`,
            run: async () => {
                if (leaving)
                    await stopDaemon("osd", String(id));
                await ceph(["osd", "purge", String(id), "--yes-i-really-mean-it"], `purging osd.${id}`);
                // its data directory holds its key: a node that left keeps no key of the cluster
                if (leaving)
                    fs.rmSync(dataDir("osd", String(id)), { recursive: true, force: true });
            },
        })),
        ...osds !== undefined ? [{ id: `CRUSH host ${node}`, run: async () => void await ceph(["osd", "crush", "rm", node], `removing the CRUSH host bucket ${node}`) }] : [],
        // one host fewer: the pools keep as many copies as there are hosts left (three at most)
        ...(osds ?? []).length > 0 ? [{
            id: "pools on the hosts left",
            run: async () => void await spreadPoolsAcrossHosts(async (args, what) => (await ceph(args, what)).stdout),
        }] : [],
        ...facts.managers.includes(node) ? [{
            id: `mgr.${node}`,
            run: async () => leaving ? leaveManager(node) : void await ceph(["auth", "del", `mgr.${node}`], `removing the key of mgr.${node}`),
        }] : [],
        ...facts.metadataServers.includes(node) ? [{
            id: `mds.${node}`,
            run: async () => {
                if (leaving) {
                    await stopDaemon("mds", node);
                    fs.rmSync(dataDir("mds", node), { recursive: true, force: true });
                } else {
                    // a standby takes its rank now rather than when its beacons are missed
                    await ceph(["mds", "fail", node], `failing mds.${node} over`, { allowFailure: true });
                }
                await ceph(["auth", "del", `mds.${node}`], `removing the key of mds.${node}`);
            },
        }] : [],
    ];
    const record: Step = { id: "member record", run: () => removeMember(node) };
    const monitor: Step | null = facts.monitors.includes(node)
        ? {
            id: `mon.${node}`,
            run: async () => {
                // asked of the other monitors: the one removed stops itself, and a client talking to it would wait for an answer
                const others = Object.entries(facts.monitorAddresses).filter(([name]) => name !== node).map(([, a]) => a);
                await ceph([...others.length > 0 ? ["-m", others.join(",")] : [], "mon", "remove", node], `removing mon.${node} from the monitor map`);
                if (leaving) {
                    await stopDaemon("mon", node);
                    fs.rmSync(dataDir("mon", node), { recursive: true, force: true });
                }
            },
        }
        : null;
    // the same order as the plan's: a node that leaves needs the quorum for its record; one removed keeps its record to the end
    steps.push(...(leaving ? [record, monitor] : [monitor, record]).filter((s): s is Step => s !== null));

    return startNodeJob(area, ctx, leaving ? "Leave" : "RemoveNode", leaving ? `${node} leaving the cluster` : `Removing ${node} from the cluster`,
        async (control, auditStep) => {
            const started = Date.now();
            const note = async (left: Step[], problem: string) => {
                const now = (await readMembers().catch(() => [])).find(m => m.name === node);
                if (now)
                    await writeMember({ ...now, removal: { by: ctx.caller.user, started, left: left.map(s => s.id), problem } });
            };
            await note(steps, "");
            for (let i = 0; i < steps.length; i++) {
                try {
                    await steps[i].run();
                } catch (e) {
                    const message = (e as Error).message;
                    const left = steps.slice(i).map(s => s.id);
                    await note(steps.slice(i), message).catch(() => undefined);
                    throw Object.assign(e as Error, {
                        message: `${message}; the removal stopped there. Left to do: ${left.join(", ")}${left.includes("member record")
                            ? ` (${node}'s member record says so; remove it again to carry on)` : ""}`,
                    });
                }
                control.setProgress((i + 1) / (steps.length + 1));
                await auditStep(steps[i].id);
                // after the record is gone, the note would bring it back
                if (steps[i] !== record && steps.slice(i + 1).includes(record))
                    await note(steps.slice(i + 1), "").catch(() => undefined);
            }
            if (leaving) {
                removeJoinedConfig();
                for (const file of [STATE_FILE, TOKENS_FILE, NODE_KEY, `${NODE_KEY}.pub`, KNOWN_HOSTS])
                    fs.rmSync(file, { force: true });
                writeAuthorizedKeys(authorizedKeysText([], []));
                area.members = [];
                area.setState("none", null);
                return `${node} left the cluster (${member.address}); it is in no cluster now`;
            }
            area.members = area.members.filter(m => m.name !== node);
            void area.refresh();
            return `${node} was removed from the cluster: ${steps.map(s => s.id).join(", ")}`;
        });
}
