// A node change planned from the facts read now: the members, the node's
// running machines (over the channel for another member), the monitors,
// managers, OSDs and pools from Ceph; and the plan refused with every reason.
// Shared by the Plan method and the changes themselves (maintenance.ts,
// removal.ts), so a change runs exactly what its plan said.
import { invalidArgument, notFound } from "../../lib/errors.js";
import type { CallContext } from "../bus/call-pipeline.js";
import { cephJson } from "../ceph/provision/tools.js";
import type { ClusterHost } from "./cluster-host.js";
import { localCephUse } from "./local-ceph-use.js";
import { readMembers, type Member } from "./membership.js";
import { parseCephFacts, planFor, type CephFacts, type LocalCephUse, type MachineMove, type NodeChange, type NodePlan } from "./node-plan.js";

async function readCephFacts(): Promise<CephFacts> {
    const [q, m, t, p, f] = await Promise.all([
        cephJson(["quorum_status"], "reading the monitors' quorum"),
        cephJson(["mgr", "dump"], "reading the managers"),
        cephJson(["osd", "tree"], "reading the OSD tree"),
        cephJson(["osd", "pool", "ls", "detail"], "reading the pools"),
        cephJson(["fs", "dump"], "reading the CephFS map"),
    ]);
    return parseCephFacts(q, m, t, p, f);
}

/* Which machines run on the member: this node's own, another's asked over the channel; null when it does not answer. */
async function runningOn(area: ClusterHost, m: Member, user: string): Promise<string[] | null> {
    if (m.name === area.local?.name)
        return area.machines?.running() ?? [];
    try {
        const answer = await area.call(m, { call: "running-machines", user }) as { machines?: unknown };
        return Array.isArray(answer.machines) ? answer.machines.map(String) : null;
    } catch {
        return null;
    }
}

interface PlannedChange { plan: NodePlan; member: Member; members: Member[]; ceph: CephFacts; local?: LocalCephUse; moves?: MachineMove[] }

/* What maintenance does with the machines that run on the node: nothing (refused while they run), shut them down, or move them away. */
export type RunningMachines = "refuse" | "shut-down" | "move";

export async function planChange(area: ClusterHost, ctx: CallContext, node: string, change: NodeChange, machines: RunningMachines = "refuse"): Promise<PlannedChange> {
    if (area.state !== "member" || !area.local)
        throw invalidArgument("this node is in no cluster");
    const self = area.local.name;
    const members = await readMembers();
    area.members = members;
    const member = members.find(m => m.name === node);
    if (!member)
        throw notFound(`node: ${node} is not a member of this cluster (members: ${members.map(m => m.name).join(", ")})`);
    const moving = machines === "move" && change === "enter-maintenance";
    const [running, ceph, local, moves] = await Promise.all([runningOn(area, member, ctx.caller.user), readCephFacts(),
        change === "leave" ? localCephUse() : Promise.resolve(undefined),
        // another node plans the moves of its machines itself (remote-maintenance.ts); asked here, the plan refuses it
        moving ? node === self && area.moves ? area.moves.planMoves() : Promise.resolve([]) : Promise.resolve(undefined)]);
    const plan = planFor({
        node, self, members: members.map(m => m.name), inMaintenance: !!member.maintenance,
        up: node === self || (running !== null && area.health(node) === "up"), running, ceph, local, moves,
    }, change, machines === "shut-down");
    return { plan, member, members, ceph, local, moves };
}

/* The plan with a refusal: an error naming every reason, nothing done. */
export function refuse(plan: NodePlan): void {
    if (plan.refusals.length > 0)
        throw invalidArgument(`${plan.change} ${plan.node} is refused: ${plan.refusals.join("; ")}`);
}
