import { execFileSync, spawnSync } from "node:child_process";
// The local accounts the integration and browser tests act as. The harness
// creates them (with these groups and passwords) before any test runs.
export interface TestUser { name: string; password: string; groups: string[] }

export const ADMIN: TestUser = { name: "dvadmin", password: "dvadmin-Passw0rd", groups: ["sudo", "debvisor-admin"] };
export const OPERATOR: TestUser = { name: "dvoperator", password: "dvoperator-Passw0rd", groups: ["debvisor-operator"] };
export const VIEWER: TestUser = { name: "dvviewer", password: "dvviewer-Passw0rd", groups: ["debvisor-viewer"] };
export const NOBODY: TestUser = { name: "dvnobody", password: "dvnobody-Passw0rd", groups: [] };

export const TEST_USERS = [ADMIN, OPERATOR, VIEWER, NOBODY];

const DEBVISOR_GROUPS = ["debvisor-admin", "debvisor-operator", "debvisor-viewer"];

/* The error a refused call of `user` gets: the bus itself refuses anyone in
 * no DebVisor group (dbus/org.debvisor.DebVisor1.conf); polkit the others. */
export function refusalOf(user: string): string {
    const account = TEST_USERS.find(u => u.name === user);
    return account && !account.groups.some(g => DEBVISOR_GROUPS.includes(g))
        ? "org.freedesktop.DBus.Error.AccessDenied" : "org.debvisor.DebVisor1.Error.NotAuthorized";
}

/* A throwaway account without a password or home, made anew (a leftover of an earlier run is removed first). */
export function makeSpareUser(name: string): void {
    removeSpareUser(name);
    execFileSync("useradd", ["--no-create-home", "--shell", "/usr/sbin/nologin", name]);
}

export function removeSpareUser(name: string): void {
    spawnSync("userdel", [name], { stdio: "ignore" });
}
