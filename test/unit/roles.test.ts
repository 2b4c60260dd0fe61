import QUnit from "qunit";
import { groupMembers } from "../../helpers/debvisord/host/role-members.js";
import { roleGroup, userNameProblem } from "../../helpers/lib/roles.js";

QUnit.module("roles", () => {
    QUnit.test("a user name is checked against Debian's grammar, never escaped", assert => {
        for (const good of ["alice", "_svc", "a.b-c_d", "x".repeat(32)])
            assert.strictEqual(userNameProblem(good), null, good);
        for (const bad of ["", "-a", "alice\nbob", "alice\n", "Alice", "1abc", "a b", "a:b", "a,b", "x".repeat(33), "x".repeat(1 << 20), "../root", "älice"])
            assert.notStrictEqual(userNameProblem(bad), null, JSON.stringify(bad.slice(0, 40)));
        assert.strictEqual(userNameProblem("x".repeat(1 << 20)), "must be at most 32 characters", "a huge name: its length, not its text");
    });

    QUnit.test("members from a getent group line; a group without members has none", assert => {
        assert.deepEqual(groupMembers("debvisor-admin:x:995:zed,alice\n"), ["alice", "zed"]);
        assert.deepEqual(groupMembers("debvisor-viewer:x:996:"), []);
        assert.deepEqual(groupMembers(""), []);
        assert.strictEqual(roleGroup("operator"), "debvisor-operator");
    });
});
