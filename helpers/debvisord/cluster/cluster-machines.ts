// The machines of the other members, for one list of the whole cluster: each
// member's answer to this node's ping every round carries its machines
// (no call of its own), kept here as last known; a member that stops
// answering keeps its machines listed, marked stale. Cluster.MachineCall
// starts, shuts down or forces off a machine on the member that has it: that
// member's debvisord checks the person's role and audits it, as for a
// migration.
import * as z from "zod/mini";
import { failed, invalidArgument, notAuthorized, notFound } from "../../lib/errors.js";
import { method } from "../bus/call-pipeline.js";
import type { Machines, MachineSummary } from "../machines/machines.js";
import { optionsSchema } from "../validation.js";
import { peerValue, type ClusterHost, type PeerHandler } from "./cluster-host.js";
import { listInAnswer, otherMembersRows } from "./member-reports.js";
import { peerActor, roleAllows, roleOf } from "./remote-roles.js";
import { NODE_NAME } from "./ssh-channel.js";

const LIFECYCLE_ACTION = "org.debvisor.machines.lifecycle";
const CALL_TIMEOUT_MS = 30_000;
/** the calls another node may have run here: the ones a list's row offers */
const REMOTE_ACTIONS = ["Start", "Shutdown", "ForceOff"] as const;
type RemoteAction = typeof REMOTE_ACTIONS[number];

const summary = z.object({
    name: z.string().check(z.maxLength(255)), uuid: z.string().check(z.maxLength(64)), state: z.string().check(z.maxLength(32)),
    vcpus: z.number(), memoryMiB: z.number(), disks: z.number(), autostart: z.boolean(),
    addresses: z.optional(z.array(z.string().check(z.maxLength(64))).check(z.maxLength(64))),
});
const callArgs = z.object({ name: z.string().check(z.maxLength(255)), action: z.enum(REMOTE_ACTIONS) });

/* The machines in a member's ping answer; null when it sent none (a member of an older version) or garbage. */
export function machinesInAnswer(answer: unknown): MachineSummary[] | null {
    return listInAnswer(answer, "machines", summary);
}

/* Cluster.ListMachines: the other members' machines, by node then name; a member that does not answer now is stale. */
export function machinesList(known: ReadonlyMap<string, MachineSummary[]>, members: string[], self: string,
    health: (node: string) => string): Array<Record<string, unknown>> {
    return otherMembersRows(known, members, self, health, m => ({
        Name: m.name, Uuid: m.uuid, State: m.state, Vcpus: m.vcpus, MemoryMiB: m.memoryMiB, Disks: m.disks, Autostart: m.autostart,
    }));
}

/* ListMachines' rows of this node's own machines (option "include-self"), by name: what a list shows before it has
 * read the Machine objects, which are the live view of them. */
export function ownMachinesRows(own: MachineSummary[], self: string): Array<Record<string, unknown>> {
    return own.map(m => ({
        Node: self, Name: m.name, Uuid: m.uuid, State: m.state, Vcpus: m.vcpus, MemoryMiB: m.memoryMiB, Disks: m.disks, Autostart: m.autostart,
        Stale: false, Local: true,
    })).sort((a, b) => a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0);
}

export function machineCallMethod(cluster: ClusterHost) {
    return method({
        args: z.tuple([z.string().check(z.regex(NODE_NAME, "must be a node name")), z.string().check(z.minLength(1, "must not be empty"), z.maxLength(255)),
            z.enum(REMOTE_ACTIONS, { error: `must be one of ${REMOTE_ACTIONS.join(", ")}` }), optionsSchema({})]),
        run: async (ctx, [node, name, action]) => {
            if (cluster.state !== "member" || !cluster.local)
                throw invalidArgument("this node is in no cluster");
            if (node === cluster.local.name)
                throw invalidArgument(`node: ${node} is this node: call the machine's own method`);
            const target = cluster.node(node);
            if (!target)
                throw invalidArgument(`node: ${node} is not a member of this cluster`);
            if (target.health !== "up")
                throw failed(`node: ${node} is ${target.health}${target.problem ? ` (${target.problem})` : ""}: its machines cannot be reached`);
            const role = await roleOf(ctx.caller);
            await cluster.call(target.member, { call: "machine-call", user: ctx.caller.user, role, args: { name, action } }, CALL_TIMEOUT_MS);
            // the list shows the new state at once, not at the next round
            void cluster.refresh();
            return [];
        },
    });
}

/* What this node answers another member's MachineCall with. */
export function machinePeerCalls(machines: Machines): Record<string, PeerHandler> {
    return {
        "machine-call": async (ctx, from, request) => {
            const who = peerActor(from, request);
            if (!roleAllows(request.role, LIFECYCLE_ACTION))
                throw notAuthorized(`${who} may not start or stop machines`);
            const { name, action } = peerValue(callArgs, request.args, "machine-call");
            const facts = machines.list().find(m => m.name === name);
            if (!facts)
                throw notFound(`there is no machine named ${name} on this node`);
            let result = "ok";
            try {
                await machines.lifecycle(facts.path, action as RemoteAction);
            } catch (e) {
                result = `Failed: ${(e as Error).message}`;
                throw e;
            } finally {
                await ctx.auditStep("Cluster.PeerCall.machine-call", result, [who, name, action], { object: facts.path }).catch(() => undefined);
            }
            return { ok: true };
        },
    };
}
