// Maintenance asked for on one member for another whose running machines are
// to move away or shut down: the node in question plans and does it itself,
// as its machines are its own (its libvirt, its Machine.Migrate Jobs). The
// asking node sends the request over the channel with the person and their
// role; the node checks the role again (maintenance is an admin's), plans
// from its own facts, so the plan is the same from every member, and runs the
// change as its own Job, each audit record of it naming the asking node and
// the person. The asking node's Job follows that Job to its end; cancelling
// it cancels that Job.
import * as z from "zod/mini";
import { cancelled, failed, notAuthorized, notFound } from "../../lib/errors.js";
import type { CallContext } from "../bus/call-pipeline.js";
import type { Job } from "../jobs/jobs.js";
import { planChange, type RunningMachines } from "./change-plan.js";
import { peerValue, type ClusterHost, type PeerHandler } from "./cluster-host.js";
import { enterMaintenance } from "./maintenance.js";
import type { Member } from "./membership.js";
import type { NodeChange, NodePlan } from "./node-plan.js";
import { requireNoNodeJob, startNodeJob } from "./node-job.js";
import { actingFor, actorOf, peerActor, roleAllows } from "./remote-roles.js";

const READ_ACTION = "org.debvisor.cluster.read";
const MANAGE_ACTION = "org.debvisor.cluster.manage";
/** planning there reads Ceph and libvirt */
const CALL_TIMEOUT_MS = 60_000;
const FOLLOW_EVERY_MS = 2_000;
/** how long the node may fail to say how its Job goes before the Job here stops following it */
const FOLLOW_GIVE_UP_MS = 60_000;

const machinesArgs = z.object({ machines: z.enum(["shut-down", "move"]) });
const jobArgs = z.object({ job: z.string().check(z.maxLength(255)) });
const planAnswer = z.object({
    node: z.string(), change: z.literal("enter-maintenance"), steps: z.array(z.string()), refusals: z.array(z.string()),
    machines: z.array(z.string()), machinesKnown: z.boolean(),
});
const jobAnswer = z.object({ state: z.enum(["running", "succeeded", "failed", "cancelled"]), progress: z.number(), message: z.string() });

/* The member whose maintenance asked for here is its own to plan and do: another member, shown up, whose machines are to move or shut down. */
export function maintenanceDoneThere(area: ClusterHost, node: string, change: NodeChange, machines: RunningMachines): Member | null {
    if (change !== "enter-maintenance" || machines === "refuse" || !area.local || node === area.local.name || area.health(node) !== "up")
        return null;
    return area.members.find(m => m.name === node) ?? null;
}

async function ask(area: ClusterHost, ctx: CallContext, member: Member, call: string, args: unknown): Promise<unknown> {
    const { user, role } = await actorOf(ctx);
    return area.call(member, { call, user, role, args }, CALL_TIMEOUT_MS);
}

/* The node's own plan for its maintenance. */
export async function planThere(area: ClusterHost, ctx: CallContext, member: Member, machines: RunningMachines): Promise<NodePlan> {
    return peerValue(planAnswer, await ask(area, ctx, member, "maintenance-plan", { machines }), `the plan of ${member.name}`);
}

/* EnterMaintenance passed on to the node: refused there (nothing done), or its Job started there and followed by a Job here. */
export async function enterThere(area: ClusterHost, ctx: CallContext, member: Member, machines: RunningMachines): Promise<string> {
    requireNoNodeJob();
    const { job } = peerValue(jobArgs, await ask(area, ctx, member, "maintenance-enter", { machines }), `the answer of ${member.name}`);
    return startNodeJob(area, ctx, "EnterMaintenance", `Putting ${member.name} in maintenance (its job ${job} there)`, async (control, step) => {
        await step("passed-on", `${member.name} ${job}`);
        const cancel = () => void ask(area, ctx, member, "maintenance-cancel", { job }).catch(() => undefined);
        control.signal.addEventListener("abort", cancel, { once: true });
        let heard = Date.now();
        try {
            for (;;) {
                await new Promise(resolve => setTimeout(resolve, FOLLOW_EVERY_MS));
                let now: z.infer<typeof jobAnswer>;
                try {
                    now = peerValue(jobAnswer, await ask(area, ctx, member, "maintenance-job", { job }), `the answer of ${member.name}`);
                    heard = Date.now();
                } catch (e) {
                    if (Date.now() - heard > FOLLOW_GIVE_UP_MS)
                        throw failed(`${member.name} no longer says how its maintenance job goes (${(e as Error).message}): how it ends is not known here`);
                    continue;
                }
                if (now.state === "running") {
                    control.setProgress(now.progress);
                    continue;
                }
                // the mark shows here before this Job ends
                await area.reloadMembers().catch(() => undefined);
                if (now.state === "succeeded")
                    return now.message;
                throw now.state === "cancelled" ? cancelled(now.message) : failed(now.message);
            }
        } finally {
            control.signal.removeEventListener("abort", cancel);
        }
    });
}

/* What this node answers a member that asks for its maintenance. */
export function maintenancePeerCalls(area: ClusterHost): Record<string, PeerHandler> {
    /** the Jobs started for other members: path → the member */
    const passedOn = new Map<string, string>();
    const self = () => area.local?.name ?? "";
    const theirs = (from: string, args: unknown, call: string): Job => {
        const { job } = peerValue(jobArgs, args, call);
        const found = passedOn.get(job) === from ? area.jobs.jobs.get(job) : undefined;
        if (!found)
            throw notFound(`no maintenance job ${job} started for ${from} is on this node`);
        return found;
    };
    return {
        "maintenance-plan": async (ctx, from, request) => {
            if (!roleAllows(request.role, READ_ACTION))
                throw notAuthorized(`${peerActor(from, request)} may not read this node's plans`);
            const { machines } = peerValue(machinesArgs, request.args, "maintenance-plan");
            return (await planChange(area, actingFor(ctx, from, request), self(), "enter-maintenance", machines)).plan;
        },
        "maintenance-enter": async (ctx, from, request) => {
            if (!roleAllows(request.role, MANAGE_ACTION))
                throw notAuthorized(`${peerActor(from, request)} may not put this node in maintenance`);
            const { machines } = peerValue(machinesArgs, request.args, "maintenance-enter");
            const acting = actingFor(ctx, from, request);
            let result = "ok";
            try {
                const job = await enterMaintenance(area, acting, self(), machines);
                for (const path of passedOn.keys())
                    if (!area.jobs.jobs.has(path))
                        passedOn.delete(path);
                passedOn.set(job, from);
                return { job };
            } catch (e) {
                result = `Failed: ${(e as Error).message}`;
                throw e;
            } finally {
                await acting.auditStep("Cluster.PeerCall.maintenance-enter", result, [self(), machines]).catch(() => undefined);
            }
        },
        "maintenance-job": async (_ctx, from, request) => {
            const job = theirs(from, request.args, "maintenance-job");
            return { state: job.state, progress: job.progress, message: job.message };
        },
        "maintenance-cancel": async (_ctx, from, request) => {
            const job = theirs(from, request.args, "maintenance-cancel");
            if (job.state === "running")
                job.abort.abort(cancelled(`Cancelled by ${peerActor(from, request)}`));
            return { ok: true };
        },
    };
}
