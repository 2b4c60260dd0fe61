// Who holds which role, changed through the installed daemon with the real
// polkit rules: only an admin may add or remove members (a viewer, an
// operator and a sudo user without the admin role are refused even though
// polkit's administrator could be asked), bad names and unknown users are
// refused before gpasswd runs, the last admin stays, every change is in the
// audit log, and RoleMembers follows the group file (also changes made with
// gpasswd directly).
import { execFileSync } from "node:child_process";
import QUnit from "qunit";
import { callAs, getProperty, MANAGER } from "../lib/call-as.js";
import { ADMIN, makeSpareUser, OPERATOR, removeSpareUser, VIEWER } from "../lib/users.js";
import { waitFor } from "../lib/wait.js";

const SPARE = "dvrolestest";
const groupLine = (group: string) => execFileSync("getent", ["group", group], { encoding: "utf8" }).trim();
const members = async () => await getProperty(MANAGER.path, MANAGER.iface, "RoleMembers") as Record<string, string[]>;
const add = (caller: string | null, user: string, role: string) =>
    callAs(caller, { ...MANAGER, method: "AddRoleMember", signature: "ssa{sv}", body: [user, role, { "auth.no_user_interaction": ["b", true] }] });
const remove = (caller: string | null, user: string, role: string) =>
    callAs(caller, { ...MANAGER, method: "RemoveRoleMember", signature: "ssa{sv}", body: [user, role, { "auth.no_user_interaction": ["b", true] }] });

QUnit.module("roles: who holds which role (installed daemon, real polkit, gpasswd)", hooks => {
    hooks.before(() => makeSpareUser(SPARE));
    hooks.after(() => removeSpareUser(SPARE));

    QUnit.test("an admin adds and removes a member; RoleMembers and the audit log follow", async assert => {
        const added = await add(ADMIN.name, SPARE, "operator");
        assert.true(added.ok, added.ok ? "added" : added.message);
        assert.true(groupLine("debvisor-operator").split(":")[3].split(",").includes(SPARE), "in the group file");
        await waitFor("RoleMembers to name the new operator", async () => (await members()).operator?.includes(SPARE));
        assert.true((await members()).admin.includes(ADMIN.name), "the admins are listed too");
        const again = await add(ADMIN.name, SPARE, "operator");
        assert.true(!again.ok && again.errorName.endsWith("InvalidArgument") && /already/.test(again.message), again.ok ? "ok" : again.message);

        const removed = await remove(ADMIN.name, SPARE, "operator");
        assert.true(removed.ok, removed.ok ? "removed" : removed.message);
        await waitFor("RoleMembers to drop the operator", async () => !(await members()).operator?.includes(SPARE));
        const notMember = await remove(ADMIN.name, SPARE, "operator");
        assert.true(!notMember.ok && /is not in debvisor-operator/.test(notMember.message), notMember.ok ? "ok" : notMember.message);

        const tail = await callAs(null, { ...MANAGER, method: "AuditTail", signature: "ua{sv}", body: [50, {}] });
        const records = (tail.ok ? tail.body[0] : []) as Array<Record<string, unknown>>;
        for (const method of ["AddRoleMember", "RemoveRoleMember"])
            assert.true(records.some(r => String(r.Method).endsWith(method) && r.User === ADMIN.name && r.Phase === "begin" && String(r.Arguments).includes(SPARE)) &&
                records.some(r => String(r.Method).endsWith(method) && r.User === ADMIN.name && r.Phase === "end" && r.Result === "ok"),
                `${method} audited, with its arguments and its result`);
    });

    QUnit.test("a viewer and an operator are refused; nothing changes", async assert => {
        const before = groupLine("debvisor-admin");
        for (const caller of [VIEWER.name, OPERATOR.name]) {
            for (const r of [await add(caller, SPARE, "admin"), await add(caller, caller, "admin"), await remove(caller, ADMIN.name, "admin")])
                assert.true(!r.ok && r.errorName.endsWith("NotAuthorized"), `${caller}: ${r.ok ? "ok" : r.message}`);
        }
        assert.equal(groupLine("debvisor-admin"), before, "debvisor-admin unchanged");
    });

    QUnit.test("bad names and unknown users are refused with the reason, before gpasswd runs", async assert => {
        const before = ["admin", "operator", "viewer"].map(r => groupLine(`debvisor-${r}`)).join("\n");
        const cases: Array<[string, string, RegExp]> = [
            [`${SPARE}\nroot`, "admin", /user: must start with a lower-case letter/],
            ["-r", "admin", /user: must start with a lower-case letter/],
            ["--help", "viewer", /user: must start with a lower-case letter/],
            ["x".repeat(100_000), "admin", /user: must be at most 32 characters/],
            ["", "viewer", /user: must not be empty/],
            ["root:x", "viewer", /user: must start/],
            [SPARE, "root", /role: must be one of admin, operator, viewer/],
            ["nosuchuser-dv", "viewer", /user: there is no user nosuchuser-dv on this host/],
        ];
        for (const [user, role, expected] of cases) {
            const r = await add(ADMIN.name, user, role);
            assert.true(!r.ok && r.errorName.endsWith("InvalidArgument") && expected.test(r.message), `${JSON.stringify(user.slice(0, 20))} ${role}: ${r.ok ? "ok" : r.message}`);
            if (!r.ok)
                assert.true(r.message.length < 300, "the message does not echo a huge argument");
        }
        assert.equal(["admin", "operator", "viewer"].map(r => groupLine(`debvisor-${r}`)).join("\n"), before, "no group changed");
    });

    QUnit.test("the last admin stays; a change made with gpasswd shows in RoleMembers", async assert => {
        const admins = groupLine("debvisor-admin").split(":")[3].split(",").filter(Boolean);
        const others = admins.filter(a => a !== ADMIN.name);
        // leave ADMIN the only member for this test, then put the group back as it was
        for (const other of others)
            execFileSync("gpasswd", ["-d", other, "debvisor-admin"], { stdio: "ignore" });
        try {
            await waitFor("RoleMembers to follow gpasswd", async () => JSON.stringify((await members()).admin) === JSON.stringify([ADMIN.name]));
            const r = await remove(ADMIN.name, ADMIN.name, "admin");
            assert.true(!r.ok && r.errorName.endsWith("InvalidArgument") && /last member of debvisor-admin/.test(r.message), r.ok ? "ok" : r.message);
            const asRoot = await remove(null, ADMIN.name, "admin");
            assert.true(!asRoot.ok && /last member/.test(asRoot.message), "not even root empties it");
            assert.deepEqual(groupLine("debvisor-admin").split(":")[3].split(","), [ADMIN.name]);
        } finally {
            for (const other of others)
                execFileSync("gpasswd", ["-a", other, "debvisor-admin"], { stdio: "ignore" });
        }
    });
});
