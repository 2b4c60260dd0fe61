// The role a person acts in, carried by calls between the nodes of a
// cluster: the sending node names it, the receiving node checks it against
// the same table the shipped polkit rule (dbus/50-debvisor.rules) gives the
// local groups, since a person on another node is no polkit subject here.
import { runTool } from "../../lib/tool-run.js";
import type { Caller } from "../bus/caller.js";

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
