// Cluster.PlanNodeChange, EnterMaintenance, LeaveMaintenance, RemoveNode and
// Leave: the facts a plan needs are read first (the members, the node's
// running machines over the channel, the monitors, managers, OSDs and pools
// from Ceph), the plan says what would be done and why it would be refused,
// and a change runs only when its plan has no refusal: a refused change has
// done nothing. The work is in maintenance.ts and removal.ts.
import * as z from "zod/mini";
import { invalidArgument, notFound } from "../../lib/errors.js";
import { method, type CallContext, type MethodTable } from "../bus/call-pipeline.js";
import { optionsSchema } from "../validation.js";
import { cephJson } from "../ceph/provision/tools.js";
import type { ClusterArea, PeerHandler } from "./cluster-area.js";
import { enterMaintenance, leaveMaintenance } from "./maintenance.js";
import { readMembers, type Member } from "./membership.js";
import { parseCephFacts, planFor, type CephFacts, type LocalCephUse, type MachineMove, type NodeChange, type NodePlan } from "./node-plan.js";
import { localCephUse } from "./local-ceph-use.js";
import { removeNode } from "./removal.js";
import { NODE_NAME } from "./ssh-channel.js";

const CHANGES = ["enter-maintenance", "leave-maintenance", "remove", "leave"] as const;
const nodeName = z.string().check(z.regex(NODE_NAME, "must be a node name (letters, digits, - and _, not starting with -)"));

export async function readCephFacts(): Promise<CephFacts> {
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
async function runningOn(area: ClusterArea, m: Member, user: string): Promise<string[] | null> {
    if (m.name === area.local?.name)
        return area.machines?.running() ?? [];
    try {
        const answer = await area.call(m, { call: "running-machines", user }) as { machines?: unknown };
        return Array.isArray(answer.machines) ? answer.machines.map(String) : null;
    } catch {
        return null;
    }
}

export interface PlannedChange { plan: NodePlan; member: Member; members: Member[]; ceph: CephFacts; local?: LocalCephUse; moves?: MachineMove[] }

/* What maintenance does with the machines that run on the node: nothing (refused while they run), shut them down, or move them away. */
export type RunningMachines = "refuse" | "shut-down" | "move";

export async function planChange(area: ClusterArea, ctx: CallContext, node: string, change: NodeChange, machines: RunningMachines = "refuse"): Promise<PlannedChange> {
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
        // another node's machines are moved by maintenance started there: the plan refuses it
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

function planDict(plan: NodePlan): Record<string, unknown> {
    return {
        Node: plan.node, Change: plan.change, Steps: plan.steps, Refusals: plan.refusals, Machines: plan.machines, MachinesKnown: plan.machinesKnown,
    };
}

/* What this node answers the other members for their plans: the machines that run here. */
export function nodeChangePeerCalls(area: ClusterArea): Record<string, PeerHandler> {
    return { "running-machines": async () => ({ node: area.local?.name ?? "", machines: area.machines?.running() ?? [] }) };
}

const machineOptions = optionsSchema({ "shut-down-machines": z.optional(z.boolean()), "move-machines": z.optional(z.boolean()) });

function runningMachines(options: { "shut-down-machines"?: boolean; "move-machines"?: boolean }): RunningMachines {
    if (options["shut-down-machines"] && options["move-machines"])
        throw invalidArgument("options: give \"shut-down-machines\" or \"move-machines\", not both");
    return options["move-machines"] ? "move" : options["shut-down-machines"] ? "shut-down" : "refuse";
}

export function nodeChangeMethods(area: ClusterArea): MethodTable {
    return {
        PlanNodeChange: method({
            args: z.tuple([nodeName, z.enum(CHANGES, { error: `must be one of ${CHANGES.join(", ")}` }), machineOptions]),
            run: async (ctx, [node, change, options]) => [planDict((await planChange(area, ctx, node, change, runningMachines(options))).plan)],
        }),
        EnterMaintenance: method({
            args: z.tuple([nodeName, machineOptions]),
            run: async (ctx, [node, options]) => [await enterMaintenance(area, ctx, node, runningMachines(options))],
        }),
        LeaveMaintenance: method({
            args: z.tuple([nodeName, optionsSchema({})]),
            run: async (ctx, [node]) => [await leaveMaintenance(area, ctx, node)],
        }),
        RemoveNode: method({
            args: z.tuple([nodeName, optionsSchema({})]),
            run: async (ctx, [node]) => [await removeNode(area, ctx, node, "remove")],
        }),
        Leave: method({
            args: z.tuple([optionsSchema({})]),
            run: async ctx => [await removeNode(area, ctx, area.local?.name ?? "", "leave")],
        }),
    };
}
