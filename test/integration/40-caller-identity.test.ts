// A root caller is attributed to the person who logged in: debvisord reads
// the calling process's login uid, which sudo and su keep.
import { execFileSync } from "node:child_process";
import QUnit from "qunit";
import { callAs, MANAGER } from "../lib/call-as.js";
import { ADMIN } from "../lib/users.js";

QUnit.module("caller identity", () => {
    QUnit.test("a root call from a login session of dvadmin is audited as dvadmin", async assert => {
        const adminUid = Number(execFileSync("id", ["-u", ADMIN.name], { encoding: "utf8" }).trim());
        const marker = `/nonexistent/identity-${process.pid}.raw`;
        // a new process whose login uid is dvadmin's, as after `ssh dvadmin@host; sudo -i`
        const result = execFileSync("sh", ["-c",
            `echo ${adminUid} > /proc/self/loginuid && busctl --system call org.debvisor.DebVisor1 ${MANAGER.path} ${MANAGER.iface} ImportImage 'ssa{sv}' ${marker} identity 0 2>&1 || true`],
        { encoding: "utf8" });
        assert.true(result.includes("does not exist"), result);
        const tail = await callAs(null, { ...MANAGER, method: "AuditTail", signature: "ua{sv}", body: [20, {}] });
        const records = (tail.ok ? tail.body[0] : []) as Array<Record<string, unknown>>;
        const mine = records.filter(r => String(r.Arguments).includes(marker));
        assert.equal(mine.length, 1, "one begin record names the call");
        assert.equal(mine[0]?.Uid, 0);
        assert.equal(mine[0]?.User, "root");
        assert.equal(mine[0]?.LoginUid, adminUid);
        assert.equal(mine[0]?.LoginUser, ADMIN.name);
    });
});
