// Cluster.Create: this node's Ceph monitor and manager on its address, the
// cluster and this node recorded in the monitors' store, and this node's own
// record. What can be checked before anything is done is checked before the
// Job starts (an address that is not this node's or is a loopback one, a node
// in a cluster already or with a Ceph cluster of its own): an error then, and
// nothing changed. A create that fails takes away what it made (the records
// in Ceph go with the monitor's store), so the node is as it was and the same
// Create can run again. What was there before is noted first (creating.json):
// a create cut short by a debvisord that stopped is taken away by the next
// Create before it begins.
import fs from "node:fs";
import { ensureDirectory, writeJsonAtomically } from "../../lib/atomic-file.js";
import { failed, invalidArgument, notSupported } from "../../lib/errors.js";
import type { CallContext } from "../bus/call-pipeline.js";
import { coreBefore, undoCore, type CoreBefore } from "../ceph/provision/bootstrap.js";
import { CEPH_CONF, fsidOfConf, readConf } from "../ceph/provision/config.js";
import { prepareCluster, type ProgressCallback } from "../ceph/provision/index.js";
import type { ClusterHost } from "./cluster-host.js";
import { networkOf } from "../../lib/cidr.js";
import { hostAddresses } from "./host-addresses.js";
import { STATE_FILE, writeClusterRecord, writeLocalState, writeMember, type Member } from "./membership.js";
import { Rollback } from "./rollback.js";
import { CLUSTER_DIR, ensureNodeKey, hostKey } from "./ssh-channel.js";

const UNFINISHED_FILE = `${CLUSTER_DIR}/creating.json`;

/* What was there before a create that has not ended (one under way, or cut short); null when none began. */
function unfinishedCreate(): CoreBefore | null {
    try {
        const b = JSON.parse(fs.readFileSync(UNFINISHED_FILE, "utf8")) as Partial<CoreBefore>;
        if (Array.isArray(b.present) && Array.isArray(b.running))
            return { present: b.present.filter(p => typeof p === "string"), running: b.running.filter(t => t === "mon" || t === "mgr") };
    } catch {
        // none
    }
    return null;
}

export async function runCreate(area: ClusterHost, ctx: CallContext, addr: string): Promise<string> {
    area.requireNoCluster();
    const own = await hostAddresses();
    const mine = own.find(a => a.address === addr);
    if (!mine)
        throw invalidArgument(`address: ${addr} is not an address of this node (it has ${own.map(a => a.address).join(", ") || "none"})`);
    if (addr.startsWith("127."))
        throw invalidArgument("address: the other nodes must reach it; a loopback address cannot be a cluster's");
    const unfinished = unfinishedCreate();
    if (readConf() !== "" && !unfinished)
        throw notSupported(`this node has a Ceph cluster of its own already (${CEPH_CONF}); a DebVisor cluster is created on a node without one`);
    const name = area.nodeName();
    const host = hostKey();
    area.setState("creating");
    const job = area.jobs.start({ operation: "cluster-create", description: `Creating a cluster on ${name} (${addr})`, caller: ctx.caller, objects: [area.path] },
        async control => {
            const rollback = new Rollback();
            try {
                if (unfinished) {
                    await undoCore(name, unfinished).catch((e: Error) => {
                        throw failed(`taking away what a create cut short left: ${e.message}`);
                    });
                    await ctx.auditStep("Cluster.Create.step", "ok", ["unfinished-create", "undone"], { object: area.path }).catch(() => undefined);
                }
                const before = unfinished ?? await coreBefore(name);
                ensureDirectory(CLUSTER_DIR, 0o700);
                writeJsonAtomically(UNFINISHED_FILE, before, 0o600);
                rollback.add("the Ceph monitor and manager", async () => {
                    await undoCore(name, before);
                    fs.rmSync(UNFINISHED_FILE, { force: true });
                });
                const progress: ProgressCallback = async r => {
                    control.setProgress(r.fraction * 0.9);
                    await ctx.auditStep("Cluster.Create.step", "ok", [r.id, r.result], { object: area.path }).catch(() => undefined);
                };
                await prepareCluster(0, { monitorAddress: addr, publicNetwork: networkOf(addr, mine.prefix)?.cidr ?? "" }, progress, control.signal);
                const fsid = fsidOfConf(readConf());
                const nodeKey = await ensureNodeKey(name);
                await writeClusterRecord(fsid, ctx.caller.user);
                const me: Member = { name, address: addr, nodeKey, hostKey: host, joined: Date.now() };
                await writeMember(me);
                const local = { fsid, name, address: addr };
                rollback.add("this node's record", () => fs.rmSync(STATE_FILE, { force: true }));
                writeLocalState(local);
                fs.rmSync(UNFINISHED_FILE, { force: true });
                area.members = [me];
                area.setState("member", local);
                void area.refresh();
                return `Created the cluster ${fsid} on ${name} (${addr}); its Ceph monitor listens there`;
            } catch (e) {
                const error = await rollback.undo(e as Error);
                area.setState("none", null);
                throw error;
            }
        });
    return job.path;
}
