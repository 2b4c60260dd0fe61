// Who may call what, for every method of the installed daemon. The methods
// are read from the daemon's own introspection data, so a method added
// later is covered without touching this test.
import QUnit from "qunit";
import { parseIntrospection, splitSignature, type MethodSpec } from "../../helpers/lib/dbus-xml.js";
import { callAs, MANAGER } from "../lib/call-as.js";
import { randomImage, removeImage, tempDir, uniqueName } from "../lib/images.js";
import { ADMIN, NOBODY, OPERATOR, VIEWER } from "../lib/users.js";

const MUTATING = "org.debvisor.DebVisor1.Mutating";

/* Some value of each type: authorization is checked before the arguments. */
function dummy(type: string): unknown {
    switch (type[0]) {
    case "s": return "x";
    case "o": return "/";
    case "b": return false;
    case "d": return 0;
    case "a": return type.startsWith("a{") ? {} : [];
    default: return 1;
    }
}

interface Target { path: string; iface: string; method: MethodSpec }

async function introspectTargets(path: string): Promise<Target[]> {
    const reply = await callAs(null, { path, iface: "org.freedesktop.DBus.Introspectable", method: "Introspect", signature: "", body: [] });
    if (!reply.ok)
        throw new Error(`Introspect ${path}: ${reply.message}`);
    return parseIntrospection(reply.body[0] as string)
        .filter(i => i.name.startsWith("org.debvisor."))
        .flatMap(i => i.methods.map(method => ({ path, iface: i.name, method })));
}

/* Arguments a method needs to succeed at all, where the dummies do not do. */
const VALID_ARGUMENTS: Record<string, unknown[]> = { PlanProfile: ["zfs", {}] };

function call(user: string | null, t: Target) {
    const ins = t.method.args.filter(a => a.direction === "in");
    return callAs(user, {
        path: t.path, iface: t.iface, method: t.method.name,
        signature: ins.map(a => a.type).join(""), body: VALID_ARGUMENTS[t.method.name] ?? ins.map(a => dummy(a.type)),
    });
}

QUnit.module("authorization (installed daemon, real polkit)", hooks => {
    let targets: Target[] = [];
    let jobPath = "";
    let dir = "";
    let imageName = "";

    hooks.before(async () => {
        // a running job, so that the Job interface's methods are enumerated too
        dir = tempDir("dv-auth-");
        const source = randomImage(dir, "auth.raw", 24);
        imageName = uniqueName("auth");
        const started = await callAs(null, { ...MANAGER, method: "ImportImage", signature: "ssa{sv}",
            body: [source, imageName, { "rate-limit": ["t", 1 << 20] }] });
        if (!started.ok)
            throw new Error(`cannot start a job: ${started.message}`);
        jobPath = started.body[0] as string;
        targets = [...await introspectTargets(MANAGER.path), ...await introspectTargets(jobPath)];
    });

    hooks.after(async () => {
        await callAs(null, { path: jobPath, iface: "org.debvisor.DebVisor1.Job", method: "Cancel", signature: "a{sv}", body: [{}] });
        removeImage(`${imageName}.qcow2`);
    });

    QUnit.test("the contract's methods are all exported", assert => {
        const names = targets.map(t => `${t.iface.split(".").pop()}.${t.method.name}`).sort();
        assert.deepEqual(names, ["Job.Cancel", "Manager.ApplyProfile", "Manager.AuditTail", "Manager.CreateMachine", "Manager.GetDisks", "Manager.ImportImage",
            "Manager.PlanProfile"]);
        for (const t of targets)
            splitSignature(t.method.args.map(a => a.type).join(""));
    });

    QUnit.test("a user in no DebVisor group is refused every method, with nothing learned", async assert => {
        for (const t of targets) {
            const reply = await call(NOBODY.name, t);
            assert.false(reply.ok, `${t.method.name} refused`);
            if (!reply.ok) {
                assert.equal(reply.errorName, "org.debvisor.DebVisor1.Error.NotAuthorized", t.method.name);
                assert.false(/argument|must|invalid/i.test(reply.message), `no validation detail leaks: ${reply.message}`);
            }
        }
    });

    QUnit.test("a viewer may read but may change nothing", async assert => {
        for (const t of targets) {
            const reply = await call(VIEWER.name, t);
            const mutating = t.method.annotations[MUTATING] === "true";
            const refused = !reply.ok && reply.errorName === "org.debvisor.DebVisor1.Error.NotAuthorized";
            assert.equal(refused, mutating, `${t.method.name}: ${reply.ok ? "ok" : reply.message}`);
        }
        const disks = await callAs(VIEWER.name, { ...MANAGER, method: "GetDisks", signature: "a{sv}", body: [{}] });
        assert.true(disks.ok && (disks.body[0] as unknown[]).length > 0, "the viewer sees the disks");
    });

    QUnit.test("an operator may not cancel a job somebody else started", async assert => {
        const reply = await callAs(OPERATOR.name, { path: jobPath, iface: "org.debvisor.DebVisor1.Job", method: "Cancel", signature: "a{sv}", body: [{}] });
        assert.false(reply.ok);
        if (!reply.ok)
            assert.true(reply.message.includes("org.debvisor.jobs.cancel-other-user"), reply.message);
    });

    QUnit.test("an admin may call everything that reads", async assert => {
        for (const t of targets.filter(t => t.method.annotations[MUTATING] !== "true")) {
            const reply = await call(ADMIN.name, t);
            assert.true(reply.ok, `${t.method.name}: ${reply.ok ? "ok" : reply.message}`);
        }
    });

    QUnit.test("refusals are in the audit log under the caller's name", async assert => {
        const tail = await callAs(null, { ...MANAGER, method: "AuditTail", signature: "ua{sv}", body: [200, {}] });
        assert.true(tail.ok);
        const records = (tail.ok ? tail.body[0] : []) as Array<Record<string, unknown>>;
        const denied = records.filter(r => r.Phase === "denied" && r.User === NOBODY.name);
        assert.true(denied.length >= targets.length, `${denied.length} refusals recorded for ${NOBODY.name}`);
    });
});
