// Who called is the uid the bus vouches for. The calling process's login uid
// is only a claim: a process whose login uid is unset may write any uid into
// /proc/self/loginuid, without privilege, and the audit log must not then
// name that user as the one who acted.
import { execFileSync } from "node:child_process";
import QUnit from "qunit";
import { callAs, MANAGER } from "../lib/call-as.js";
import { ADMIN, VIEWER } from "../lib/users.js";

type Row = Record<string, unknown>;

const uidOf = (name: string) => Number(execFileSync("id", ["-u", name], { encoding: "utf8" }).trim());

async function tail(): Promise<Row[]> {
    const reply = await callAs(null, { ...MANAGER, method: "AuditTail", signature: "ua{sv}", body: [200, {}] });
    if (!reply.ok)
        throw new Error(`AuditTail: ${reply.message}`);
    return reply.body[0] as Row[];
}

/* Runs `busctl call … ImportImage` in a new process that first writes `loginuid`
 * into its own /proc/self/loginuid; as `user`, or as root when null. */
function callClaiming(user: string | null, loginuid: number, source: string): string {
    const script = `echo ${loginuid} > /proc/self/loginuid && busctl --system call org.debvisor.DebVisor1 ${MANAGER.path} ${MANAGER.iface} ` +
        `ImportImage 'ssa{sv}' ${source} identity 0 2>&1 || true`;
    const command = user === null ? ["sh", "-c", script]
        : ["setpriv", "--reuid", user, "--regid", user, "--init-groups", "sh", "-c", script];
    return execFileSync(command[0], command.slice(1), { encoding: "utf8" });
}

QUnit.module("caller identity", hooks => {
    hooks.before(function () {
        // the premise: this test's own login uid is unset, as for any process not started by a PAM login
        if (execFileSync("cat", ["/proc/self/loginuid"], { encoding: "utf8" }).trim() !== "4294967295")
            throw new Error("the test runs with a login uid set; it needs an unset one to show the forgery");
    });

    QUnit.test("a user who writes another user's login uid is audited as themselves, the login user only as a claim", async assert => {
        const adminUid = uidOf(ADMIN.name);
        const viewerUid = uidOf(VIEWER.name);
        const newest = Math.max(0, ...(await tail()).map(r => Number(r.Seq)));
        // dvviewer, unprivileged, claims to be dvadmin's login and asks for an admin-only method
        const output = callClaiming(VIEWER.name, adminUid, `/nonexistent/forged-${process.pid}.raw`);
        assert.true(output.includes("not authorized"), output);
        const mine = (await tail()).filter(r => Number(r.Seq) > newest && r.Method === "Manager.ImportImage" && r.Uid === viewerUid);
        assert.equal(mine.length, 1, "one record of the refused call");
        assert.equal(mine[0]?.User, VIEWER.name, "the identity is the uid the bus vouches for");
        assert.equal(mine[0]?.LoginUidClaimed, adminUid);
        assert.equal(mine[0]?.LoginUserClaimed, ADMIN.name, "the forged login user is kept, labelled as a claim");
        assert.false("LoginUser" in (mine[0] ?? {}) || "LoginUid" in (mine[0] ?? {}), "no unlabelled login user");
    });

    QUnit.test("root with a login uid (as after ssh and sudo) is root, with the login user as its claim", async assert => {
        const adminUid = uidOf(ADMIN.name);
        const marker = `/nonexistent/identity-${process.pid}.raw`;
        const output = callClaiming(null, adminUid, marker);
        assert.true(output.includes("does not exist"), output);
        const mine = (await tail()).filter(r => String(r.Arguments).includes(marker));
        assert.equal(mine.length, 1, "one begin record names the call");
        assert.equal(mine[0]?.Uid, 0);
        assert.equal(mine[0]?.User, "root");
        assert.equal(mine[0]?.LoginUidClaimed, adminUid);
        assert.equal(mine[0]?.LoginUserClaimed, ADMIN.name);
    });
});
