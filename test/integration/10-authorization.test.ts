// Who may call what, for every method of the installed daemon. The methods
// are read from the daemon's own introspection data, so a method added
// later is covered without touching this test.
import { execFileSync } from "node:child_process";
import QUnit from "qunit";
import { parseIntrospection, splitSignature, type MethodSpec } from "../../helpers/lib/dbus-xml.js";
import { callAs, heardBy, listenAs, MANAGER, type HeardSignal } from "../lib/call-as.js";
import { randomImage, removeImage, tempDir, uniqueName } from "../lib/images.js";
import { ADMIN, NOBODY, OPERATOR, VIEWER } from "../lib/users.js";
import { waitFor } from "../lib/wait.js";

const MUTATING = "org.debvisor.DebVisor1.Mutating";
const ROOT = "/org/debvisor/DebVisor1";
const OBJECT_MANAGER = "org.freedesktop.DBus.ObjectManager";
const PROPERTIES = "org.freedesktop.DBus.Properties";

/* How many of the newest 1000 audit records name `user` as the caller. */
async function recordsBy(user: string): Promise<number> {
    const tail = await callAs(null, { ...MANAGER, method: "AuditTail", signature: "ua{sv}", body: [1000, {}] });
    if (!tail.ok)
        throw new Error(`AuditTail: ${tail.message}`);
    return (tail.body[0] as Array<Record<string, unknown>>).filter(r => r.User === user).length;
}

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
        assert.deepEqual(names, ["Job.Cancel", "Manager.AddRoleMember", "Manager.ApplyProfile", "Manager.AuditTail", "Manager.CreateMachine", "Manager.GetDisks",
            "Manager.ImportImage", "Manager.PlanProfile", "Manager.RemoveRoleMember"]);
        for (const t of targets)
            splitSignature(t.method.args.map(a => a.type).join(""));
    });

    QUnit.test("the bus refuses a user in no DebVisor group everything: methods, properties, introspection, signals", async assert => {
        const denied = "org.freedesktop.DBus.Error.AccessDenied";
        const before = await recordsBy(NOBODY.name);
        // every object the daemon exports, with every method of its interfaces
        const all = await callAs(null, { path: ROOT, iface: OBJECT_MANAGER, method: "GetManagedObjects", signature: "", body: [] });
        assert.true(all.ok, "root lists the objects");
        const objects = all.ok ? all.body[0] as Record<string, Record<string, unknown>> : {};
        const everyTarget = (await Promise.all(Object.keys(objects).map(introspectTargets))).flat();
        assert.true(everyTarget.length > targets.length, `${everyTarget.length} methods on ${Object.keys(objects).length} objects`);
        for (const t of everyTarget) {
            const reply = await call(NOBODY.name, t);
            assert.equal(reply.ok ? "ok" : reply.errorName, denied, `${t.path} ${t.method.name}`);
        }
        const standard: Array<[string, string, string, string, unknown[]]> = [
            [ROOT, "org.freedesktop.DBus.Introspectable", "Introspect", "", []],
            [MANAGER.path, "org.freedesktop.DBus.Introspectable", "Introspect", "", []],
            [ROOT, OBJECT_MANAGER, "GetManagedObjects", "", []],
            [MANAGER.path, PROPERTIES, "Get", "ss", [MANAGER.iface, "Version"]],
            [MANAGER.path, PROPERTIES, "GetAll", "s", [MANAGER.iface]],
            [ROOT, "org.freedesktop.DBus.Peer", "Ping", "", []],
        ];
        for (const [path, iface, method, signature, body] of standard) {
            const reply = await callAs(NOBODY.name, { path, iface, method, signature, body });
            assert.equal(reply.ok ? "ok" : reply.errorName, denied, `${iface}.${method} on ${path}`);
            if (!reply.ok)
                assert.false(reply.message.includes(MANAGER.iface) && /Version|Profile|Hostname/.test(reply.message), "the refusal carries no data");
        }
        assert.equal(await recordsBy(NOBODY.name), before, "nothing reached debvisord: no audit record was written");
    });

    QUnit.test("a subscribed user in no DebVisor group hears none of the daemon's signals; a viewer hears them", async assert => {
        const rule = "type='signal',sender='org.debvisor.DebVisor1',path_namespace='/org/debvisor/DebVisor1'";
        for (const user of [NOBODY.name, VIEWER.name]) {
            const added = await listenAs(user, rule);
            assert.true(added.ok, `${user} may add the match rule (the bus driver allows it): ${added.ok ? "" : added.message}`);
            await heardBy(user);
        }
        // a new job: InterfacesAdded, then PropertiesChanged as it runs, and the Manager's audit properties change
        const source = randomImage(dir, "signals.raw", 8);
        const name = uniqueName("signals");
        const started = await callAs(null, { ...MANAGER, method: "ImportImage", signature: "ssa{sv}", body: [source, name, { "rate-limit": ["t", 4 << 20] }] });
        assert.true(started.ok, started.ok ? "a job started" : started.message);
        try {
            const viewerHeard: HeardSignal[] = [];
            await waitFor("the viewer to hear InterfacesAdded and PropertiesChanged", async () => {
                viewerHeard.push(...await heardBy(VIEWER.name));
                return viewerHeard.some(s => s.member === "InterfacesAdded") && viewerHeard.some(s => s.member === "PropertiesChanged");
            });
            // the bus queued each signal to every subscriber it admits at once; a round trip on
            // dvnobody's connection comes back after anything queued before it
            await callAs(NOBODY.name, { destination: "org.freedesktop.DBus", path: "/org/freedesktop/DBus", iface: "org.freedesktop.DBus", method: "GetId", signature: "", body: [] });
            const nobodyHeard = await heardBy(NOBODY.name);
            assert.deepEqual(nobodyHeard.map(s => `${s.path} ${s.member}`), [], "dvnobody heard nothing");
        } finally {
            if (started.ok)
                await callAs(null, { path: started.body[0] as string, iface: "org.debvisor.DebVisor1.Job", method: "Cancel", signature: "a{sv}", body: [{}] });
            removeImage(`${name}.qcow2`);
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

    QUnit.test("a user taken out of the admin group is refused on a connection already open, within the 5 s polkit's yes is kept", async assert => {
        const connection = "revoked";
        const importMissing = () => callAs(ADMIN.name, { ...MANAGER, method: "ImportImage", signature: "ssa{sv}",
            body: ["/nonexistent/debvisor-revoked.raw", uniqueName("revoked"), {}] }, connection);
        const before = await importMissing();
        assert.true(!before.ok && before.errorName.endsWith(".NotFound"), `authorized, then the source is missing: ${before.ok ? "ok" : before.message}`);
        execFileSync("gpasswd", ["-d", ADMIN.name, "debvisor-admin"], { stdio: "ignore" });
        try {
            let last = "";
            await waitFor("the open connection to be refused", async () => {
                const r = await importMissing();
                last = r.ok ? "ok" : `${r.errorName}: ${r.message}`;
                return !r.ok && r.errorName.endsWith(".NotAuthorized");
            }, 15_000, 500);
            assert.true(last.includes("not authorized to call Manager.ImportImage"), last);
        } finally {
            execFileSync("gpasswd", ["-a", ADMIN.name, "debvisor-admin"], { stdio: "ignore" });
        }
    });

    QUnit.test("refusals are in the audit log under the caller's name", async assert => {
        const tail = await callAs(null, { ...MANAGER, method: "AuditTail", signature: "ua{sv}", body: [200, {}] });
        assert.true(tail.ok);
        const records = (tail.ok ? tail.body[0] : []) as Array<Record<string, unknown>>;
        const mutating = targets.filter(t => t.method.annotations[MUTATING] === "true").length;
        const denied = records.filter(r => r.Phase === "denied" && r.User === VIEWER.name);
        assert.true(denied.length >= mutating, `${denied.length} refusals recorded for ${VIEWER.name}`);
    });
});
