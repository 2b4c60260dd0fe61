// A node in maintenance: no machine runs on it (moved to other members live,
// or shut down, when the admin said so), Ceph does not mark its OSDs out while it is away
// (noout on its CRUSH host bucket, so its data is not copied elsewhere for a
// reboot), and its member record says so, for every member's pages. Leaving
// maintenance undoes both. Each refused change (see node-plan.ts) does nothing.
import { failed } from "../../lib/errors.js";
import type { CallContext } from "../bus/call-pipeline.js";
import { ceph } from "../ceph/provision/tools.js";
import type { ClusterHost } from "./cluster-host.js";
import { readMembers, writeMember, type Member } from "./membership.js";
import { planChange, refuse, type RunningMachines } from "./change-plan.js";
import { startNodeJob } from "./node-job.js";

/* The member's record as Ceph has it now, changed by `change`. */
async function rewriteMember(area: ClusterHost, node: string, change: (m: Member) => Member): Promise<void> {
    const now = (await readMembers()).find(m => m.name === node);
    if (!now)
        throw failed(`${node} is no longer a member`);
    await writeMember(change(now));
    // shown before the Job ends: a status read right after --wait has it
    await area.reloadMembers();
}

const noout = (verb: "set-group" | "unset-group", node: string) =>
    ceph(["osd", verb, "noout", node], `${verb === "set-group" ? "setting" : "clearing"} noout on host ${node}`);

export async function enterMaintenance(area: ClusterHost, ctx: CallContext, node: string, machines: RunningMachines): Promise<string> {
    const { plan, ceph: facts, moves } = await planChange(area, ctx, node, "enter-maintenance", machines);
    refuse(plan);
    const hostBucket = facts.osdsByHost[node] !== undefined;
    return startNodeJob(area, ctx, "EnterMaintenance", `Putting ${node} in maintenance`, async (control, step) => {
        let forced: string[] = [];
        let moved: string[] = [];
        if (machines === "shut-down" && plan.machines.length > 0 && area.machines) {
            forced = await area.machines.shutDownAll(control.signal);
            await step("machines-shut-down", plan.machines.join(", "));
        }
        if (moves && moves.length > 0 && area.moves) {
            // each a migration of its own; one that fails stops here, before the node is marked
            moved = await area.moves.runMoves(ctx, moves, control.signal);
            await step("machines-moved", moved.join(", "));
        }
        control.setProgress(0.5);
        if (hostBucket) {
            await noout("set-group", node);
            await step("noout");
        }
        try {
            await rewriteMember(area, node, m => ({ ...m, maintenance: { since: Date.now(), by: ctx.actingFor ? `${ctx.actingFor.user} on ${ctx.actingFor.node}` : ctx.caller.user } }));
        } catch (e) {
            // not marked: no flag left behind that no member shows
            if (hostBucket)
                await noout("unset-group", node).catch(() => undefined);
            throw e;
        }
        await step("marked");
        return `${node} is in maintenance${hostBucket ? "; noout is set on its host" : ""}${machines === "shut-down" && plan.machines.length > 0 ? `; shut down: ${plan.machines.join(", ")}` : ""}`
            + `${forced.length > 0 ? ` (forced off: ${forced.join(", ")})` : ""}${moved.length > 0 ? `; moved: ${moved.join(", ")}` : ""}`;
    });
}

export async function leaveMaintenance(area: ClusterHost, ctx: CallContext, node: string): Promise<string> {
    const { plan, ceph: facts } = await planChange(area, ctx, node, "leave-maintenance");
    refuse(plan);
    const hostBucket = facts.osdsByHost[node] !== undefined;
    return startNodeJob(area, ctx, "LeaveMaintenance", `Taking ${node} out of maintenance`, async (_control, step) => {
        if (hostBucket) {
            await noout("unset-group", node);
            await step("noout-cleared");
        }
        await rewriteMember(area, node, ({ maintenance: _, ...m }) => m);
        await step("unmarked");
        return `${node} is out of maintenance${hostBucket ? "; noout is cleared on its host" : ""}`;
    });
}
