// What the logged-in user may change, as far as the page can know it: the
// groups of the DebVisor roles (see the polkit rules). debvisord decides; the
// page only disables the buttons that would be refused, and says why. While
// the groups are not known yet, nothing is disabled.
import { useEffect, useState } from "react";
import { cockpit } from "./cockpit";
import { _ } from "./gettext";

type Role = "admin" | "operator" | "viewer" | "none";

let known: Promise<Role> | null = null;

function roleOf(user: { id: number; groups: string[] }): Role {
    if (user.id === 0 || user.groups.includes("debvisor-admin"))
        return "admin";
    if (user.groups.includes("debvisor-operator"))
        return "operator";
    return user.groups.includes("debvisor-viewer") ? "viewer" : "none";
}

/** The user's role, as far as Cockpit knows the groups. */
export function userRole(): Promise<Role> {
    known ??= cockpit.user().then(roleOf, () => "admin" as Role);
    return known;
}

/** The user's role, or null until Cockpit told the page. */
export function useRole(): Role | null {
    const [role, setRole] = useState<Role | null>(null);
    useEffect(() => {
        let current = true;
        void userRole().then(r => { if (current) setRole(r) });
        return () => { current = false };
    }, []);
    return role;
}

/** Why a change is not offered to this role, or "" when it is. */
export function adminOnly(role: Role | null): string {
    return role === null || role === "admin" ? "" : _("Only members of debvisor-admin may change this.");
}
