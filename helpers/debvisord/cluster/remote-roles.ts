// The role a person acts in, carried by calls between the nodes of a
// cluster: the sending node names it, the receiving node checks it against
// the same table the shipped polkit rule (dbus/50-debvisor.rules) gives the
// local groups, since a person on another node is no polkit subject here.
import { runTool } from "../../lib/tool-run.js";
import type { CallContext } from "../bus/call-pipeline.js";
import type { Caller } from "../bus/caller.js";
import type { PeerRequest } from "./cluster-host.js";

type Role = "admin" | "operator" | "viewer";

/** What an operator may do besides reading: the rule's debvisorOperatorActions. */
export const OPERATOR_ACTIONS = [
    "org.debvisor.machines.lifecycle",
    "org.debvisor.machines.snapshot",
    "org.debvisor.machines.console",
    "org.debvisor.machines.migrate",
    "org.debvisor.jobs.cancel",
    "org.debvisor.dns.register",
    "org.debvisor.backups.create",
    "org.debvisor.backups.restore",
];

export function roleAllows(role: Role | undefined, action: string): boolean {
    if (role === "admin")
        return true;
    const reading = action.endsWith(".read");
    if (role === "operator")
        return reading || OPERATOR_ACTIONS.includes(action);
    return role === "viewer" && reading;
}

/* The role of a local caller that polkit let through, by the groups the rule looks at (root is an admin). */
export async function roleOf(caller: Caller): Promise<Role> {
    if (caller.uid === 0)
        return "admin";
    const r = await runTool("id", ["-nG", "--", caller.user], `reading the groups of ${caller.user}`, { allowFailure: true });
    const groups = r.stdout.trim().split(/\s+/);
    return groups.includes("debvisor-admin") ? "admin" : groups.includes("debvisor-operator") ? "operator" : "viewer";
}

/* Who acts, and in which role: the person on another member a peer call acts for, else the local caller. */
export async function actorOf(ctx: CallContext): Promise<{ user: string; role: Role }> {
    return ctx.actingFor ?? { user: ctx.caller.user, role: await roleOf(ctx.caller) };
}

/* "NODE: USER (ROLE)": how a peer call's person is named in this node's audit records and errors. */
export const peerActor = (from: string, request: PeerRequest) => `${from}: ${request.user} (${request.role ?? "no role"})`;

/* The context of work a peer call does for the person who called on `from` (after their role was checked here):
 * their role travels on with any call this work makes to other members, and each audit record of it names them. */
export function actingFor(ctx: CallContext, from: string, request: PeerRequest): CallContext {
    const who = peerActor(from, request);
    return {
        ...ctx,
        actingFor: { node: from, user: request.user, role: request.role ?? "viewer" },
        auditStep: (method, result, args, where) => ctx.auditStep(method, result, [who, ...args === undefined ? [] : Array.isArray(args) ? args : [args]], where),
    };
}
