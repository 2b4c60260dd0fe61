// DebVisor's roles and the groups that give them, and the grammar of a user
// name that may be put into one: pages, CLI and daemon use the same rules.
// A name reaches gpasswd's argument list, so it is checked, never escaped.

export const ROLES = ["admin", "operator", "viewer"] as const;
export type RoleName = typeof ROLES[number];

export const roleGroup = (role: RoleName) => `debvisor-${role}`;

const USER_NAME_MAX = 32;

/* What is wrong with a user name (Debian's rule: a lower-case letter or "_" first, then
 * lower-case letters, digits, "_", "-" and "."; at most 32 characters), or null. */
export function userNameProblem(name: string): string | null {
    if (name.length === 0)
        return "must not be empty";
    if (name.length > USER_NAME_MAX)
        return `must be at most ${USER_NAME_MAX} characters`;
    if (!/^[a-z_][a-z0-9_.-]*$/.test(name))
        return "must start with a lower-case letter or \"_\" and contain only lower-case letters, digits, \"_\", \"-\" and \".\"";
    return null;
}
