// debvisorctl roles [add|remove]: who holds which DebVisor role (the groups
// debvisor-admin, -operator and -viewer), and putting users in or out.
import { MANAGER_IFACE } from "../../../generated/dbus-contract.js";
import { roleGroup, ROLES } from "../../lib/roles.js";
import { MANAGER_PATH, managerProperties } from "../bus.js";
import { JSON_OPTION, NO_ASK_OPTION, type Command } from "../command.js";
import { callCommand } from "../call-command.js";
import { print, printJson, table } from "../output.js";

const list: Command = {
    name: "roles",
    summary: "who holds which DebVisor role",
    options: JSON_OPTION,
    async run(values) {
        const members = (await managerProperties()).RoleMembers as Record<string, string[]>;
        if (values.json)
            printJson(members);
        else
            print(table(["ROLE", "GROUP", "MEMBERS"], ROLES.map(r => [r, roleGroup(r), (members[r] ?? []).join(", ") || "-"])));
        return 0;
    },
};

/* Putting a user into a role or out of it: the same call, other words. */
const membership = (verb: "add" | "remove", method: "AddRoleMember" | "RemoveRoleMember", summary: string, details: string, done: string) => callCommand({
    name: `roles ${verb}`,
    args: "USER ROLE",
    summary,
    details,
    options: NO_ASK_OPTION,
    path: MANAGER_PATH, iface: MANAGER_IFACE, method,
    prints: (_reply, [user, role]) => `${user} ${done} ${role}`,
});

const add = membership("add", "AddRoleMember", "put a user into a role (admin, operator or viewer); admins only",
    "The user has the role from their next login.", "added to");
const remove = membership("remove", "RemoveRoleMember", "take a user out of a role; the last admin stays",
    "Sessions that are open keep the role until they log out.", "removed from");

export const rolesCommands: Command[] = [list, add, remove];
