// Who holds which DebVisor role: the members of the groups debvisor-admin,
// debvisor-operator and debvisor-viewer as the name service lists them
// (getent group), and adding or removing one with gpasswd. The last admin is
// never removed; a user the name service does not know is never added. Kept
// in step with changes made outside DebVisor (adduser, usermod) by watching
// /etc for the group file.
import fs from "node:fs";
import * as z from "zod/mini";
import { failed, invalidArgument } from "../../lib/errors.js";
import { roleGroup, ROLES, userNameProblem, type RoleName } from "../../lib/roles.js";
import { lastLines, runTool } from "../../lib/tool-run.js";
import { contractMethods, method, type MethodTable } from "../bus/call-pipeline.js";
import { optionsSchema } from "../validation.js";
import { MANAGER_IFACE } from "../../../generated/dbus-contract.js";
import { oneAtATime } from "../../lib/one-at-a-time.js";

type Members = Record<RoleName, string[]>;

const LOOKUP_TIMEOUT_MS = 5_000;

/* The member list of a getent group line ("name:x:gid:a,b"). */
export function groupMembers(line: string): string[] {
    const fields = line.trim().split(":");
    return fields.length >= 4 && fields[3] ? fields[3].split(",").filter(Boolean).sort() : [];
}

const roleArg = z.enum(ROLES, { error: `must be one of ${ROLES.join(", ")}` });
const userArg = z.string().check(z.refine(n => userNameProblem(n) === null, {
    error: issue => userNameProblem(String(issue.input)) ?? "is not a user name",
}));

export class RoleMembers {
    private members: Members = { admin: [], operator: [], viewer: [] };
    /** one change at a time, so the last-admin check holds */
    private readonly exclusive = oneAtATime();

    constructor(private readonly onRead: () => void, private readonly getent = "getent", private readonly gpasswd = "gpasswd") {}

    get value(): Members {
        return this.members;
    }

    async start(): Promise<void> {
        await this.refresh();
        try {
            fs.watch("/etc", { persistent: false }, (_event, file) => {
                if (file === "group")
                    void this.refresh();
            });
        } catch {
            // without inotify the members are read after DebVisor's own changes only
        }
    }

    async refresh(): Promise<void> {
        const next = { ...this.members };
        for (const role of ROLES) {
            const r = await runTool(this.getent, ["group", roleGroup(role)], "reading a role's group", { timeout: LOOKUP_TIMEOUT_MS, allowFailure: true });
            next[role] = r.exitCode === 0 ? groupMembers(r.stdout.split("\n")[0]) : [];
        }
        this.members = next;
        this.onRead();
    }

    methods(): MethodTable {
        return contractMethods(MANAGER_IFACE, {
            AddRoleMember: method({
                args: z.tuple([userArg, roleArg, optionsSchema({})]),
                run: (_ctx, [user, role]) => this.exclusive(async () => {
                    await this.mustExist(user);
                    await this.refresh();
                    if (this.members[role].includes(user))
                        throw invalidArgument(`user: ${user} is in ${roleGroup(role)} already`);
                    await this.change(["-a", user, roleGroup(role)], `adding ${user} to ${roleGroup(role)}`);
                    return [];
                }),
            }),
            RemoveRoleMember: method({
                args: z.tuple([userArg, roleArg, optionsSchema({})]),
                run: (_ctx, [user, role]) => this.exclusive(async () => {
                    await this.refresh();
                    if (!this.members[role].includes(user))
                        throw invalidArgument(`user: ${user} is not in ${roleGroup(role)}`);
                    if (role === "admin" && this.members.admin.length === 1)
                        throw invalidArgument(`user: ${user} is the last member of debvisor-admin; add another admin first`);
                    await this.change(["-d", user, roleGroup(role)], `removing ${user} from ${roleGroup(role)}`);
                    return [];
                }),
            }),
        });
    }

    private async mustExist(user: string): Promise<void> {
        const r = await runTool(this.getent, ["passwd", user], "looking up a user", { timeout: LOOKUP_TIMEOUT_MS, allowFailure: true });
        if (r.exitCode === 2)
            throw invalidArgument(`user: there is no user ${user} on this host`);
        if (r.exitCode !== 0)
            throw failed(`looking up ${user}: the name service did not answer (${lastLines(r.stderr) || `exit ${r.exitCode}`})`);
    }

    private async change(args: string[], what: string): Promise<void> {
        const r = await runTool(this.gpasswd, args, what, { allowFailure: true, timeout: 30_000 });
        await this.refresh();
        if (r.exitCode !== 0)
            throw failed(`${what}: gpasswd failed: ${lastLines(r.stderr || r.stdout) || `exit ${r.exitCode}`}`);
    }
}
