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

const add = callCommand({
    name: "roles add",
    args: "USER ROLE",
    summary: "put a user into a role (admin, operator or viewer); admins only",
    details: "The user has the role from their next login.",
    options: NO_ASK_OPTION,
    path: MANAGER_PATH, iface: MANAGER_IFACE, method: "AddRoleMember",
    prints: (_reply, [user, role]) => `${user} added to ${role}`,
});

const remove = callCommand({
    name: "roles remove",
    args: "USER ROLE",
    summary: "take a user out of a role; the last admin stays",
    details: "Sessions that are open keep the role until they log out.",
    options: NO_ASK_OPTION,
    path: MANAGER_PATH, iface: MANAGER_IFACE, method: "RemoveRoleMember",
    prints: (_reply, [user, role]) => `${user} removed from ${role}`,
});

export const rolesCommands: Command[] = [list, add, remove];
