// Cluster.PlanNodeChange, EnterMaintenance, LeaveMaintenance, RemoveNode and
// Leave: the facts a plan needs are read first (the members, the node's
// running machines over the channel, the monitors, managers, OSDs and pools
// from Ceph), the plan says what would be done and why it would be refused,
// and a change runs only when its plan has no refusal: a refused change has
// done nothing. The plan is made in change-plan.ts, the work is in
// maintenance.ts and removal.ts; another member's maintenance that moves or
// shuts down its machines is planned and done there (remote-maintenance.ts).
import * as z from "zod/mini";
import { invalidArgument } from "../../lib/errors.js";
import { contractMethods, method, type MethodTable } from "../bus/call-pipeline.js";
import { optionsSchema } from "../validation.js";
import { planChange, type RunningMachines } from "./change-plan.js";
import type { ClusterHost, PeerHandler } from "./cluster-host.js";
import { enterMaintenance, leaveMaintenance } from "./maintenance.js";
import type { NodePlan } from "./node-plan.js";
import { enterThere, maintenanceDoneThere, maintenancePeerCalls, planThere } from "./remote-maintenance.js";
import { removeNode } from "./removal.js";
import { NODE_NAME } from "./ssh-channel.js";
import { CLUSTER_IFACE } from "../../../generated/dbus-contract.js";

const CHANGES = ["enter-maintenance", "leave-maintenance", "remove", "leave"] as const;
const nodeName = z.string().check(z.regex(NODE_NAME, "must be a node name (letters, digits, - and _, not starting with -)"));

function planDict(plan: NodePlan): Record<string, unknown> {
    return {
        Node: plan.node, Change: plan.change, Steps: plan.steps, Refusals: plan.refusals, Machines: plan.machines, MachinesKnown: plan.machinesKnown,
    };
}

/* What this node answers the other members for their plans: the machines that run here. */
export function nodeChangePeerCalls(area: ClusterHost): Record<string, PeerHandler> {
    return {
        "running-machines": async () => ({ node: area.local?.name ?? "", machines: area.machines?.running() ?? [] }),
        ...maintenancePeerCalls(area),
    };
}

const machineOptions = optionsSchema({ "shut-down-machines": z.optional(z.boolean()), "move-machines": z.optional(z.boolean()) });

function runningMachines(options: { "shut-down-machines"?: boolean; "move-machines"?: boolean }): RunningMachines {
    if (options["shut-down-machines"] && options["move-machines"])
        throw invalidArgument("options: give \"shut-down-machines\" or \"move-machines\", not both");
    return options["move-machines"] ? "move" : options["shut-down-machines"] ? "shut-down" : "refuse";
}

export function nodeChangeMethods(area: ClusterHost): MethodTable {
    return contractMethods(CLUSTER_IFACE, {
        PlanNodeChange: method({
            args: z.tuple([nodeName, z.enum(CHANGES, { error: `must be one of ${CHANGES.join(", ")}` }), machineOptions]),
            run: async (ctx, [node, change, options]) => {
                const machines = runningMachines(options);
                const there = maintenanceDoneThere(area, node, change, machines);
                return [planDict(there ? await planThere(area, ctx, there, machines) : (await planChange(area, ctx, node, change, machines)).plan)];
            },
        }),
        EnterMaintenance: method({
            args: z.tuple([nodeName, machineOptions]),
            run: async (ctx, [node, options]) => {
                const machines = runningMachines(options);
                const there = maintenanceDoneThere(area, node, "enter-maintenance", machines);
                return [there ? await enterThere(area, ctx, there, machines) : await enterMaintenance(area, ctx, node, machines)];
            },
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
    });
}
