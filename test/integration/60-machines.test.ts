// Virtual machines through debvisord on the real libvirt (qemu:///system,
// TCG): a tiny guest without an OS is enough for the lifecycle, roles,
// changes made behind our back with virsh, and deletion with its disk.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import QUnit from "qunit";
import { onTheBus, type Typed } from "../lib/as-sent.js";
import { callAs, getProperty } from "../lib/call-as.js";
import { closeWatchBus, watchJobs } from "../lib/bus-watch.js";
import { waitFor, withTimeout } from "../lib/wait.js";
import { IMAGE_DIR, uniqueName } from "../lib/images.js";
import { ADMIN, NOBODY, OPERATOR, refusalOf, VIEWER } from "../lib/users.js";

const MACHINE = "org.debvisor.DebVisor1.Machine";
const NOT_AUTHORIZED = "org.debvisor.DebVisor1.Error.NotAuthorized";
const virsh = (...args: string[]) => execFileSync("virsh", ["-c", "qemu:///system", ...args], { encoding: "utf8", stdio: "pipe" });

/* undefined once the object is gone */
const machineProperty = (objectPath: string, name: string) => getProperty(objectPath, MACHINE, name).catch(() => undefined);


const waitForState = (objectPath: string, state: string) =>
    waitFor(`state ${state}`, async () => await machineProperty(objectPath, "State") === state, 30_000, 50);

/* The Port of the machine's display with its type, as the bus carries it: the contract says x, whatever the value. */
function displayPort(objectPath: string): Typed {
    const graphics = onTheBus(objectPath, MACHINE, "Graphics");
    return (graphics.data as Array<Record<string, Typed>>)[0].Port;
}

function machineCall(user: string | null, objectPath: string, method: string, options: Record<string, [string, unknown]> = {}, extra?: { signature: string; body: unknown[] }) {
    return callAs(user, { path: objectPath, iface: MACHINE, method, signature: extra?.signature ?? "a{sv}", body: extra?.body ?? [options] });
}

QUnit.module("machines (real libvirt, TCG)", hooks => {
    const name = uniqueName("dvvm");
    const disk = path.join(IMAGE_DIR, `${name}.qcow2`);
    let objectPath = "";

    hooks.before(async () => {
        execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", disk, "64M"]);
        const xml = `<domain type='qemu'><name>${name}</name><memory unit='MiB'>32</memory><vcpu>1</vcpu>
            <os><type arch='x86_64' machine='pc'>hvm</type></os>
            <devices><disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='${disk}'/><target dev='vda' bus='virtio'/></disk>
            <graphics type='vnc' port='-1' autoport='yes' listen='127.0.0.1'/><serial type='pty'/></devices></domain>`;
        const file = path.join(fs.mkdtempSync("/tmp/dv-vm-"), "domain.xml");
        fs.writeFileSync(file, xml);
        virsh("define", file);
        const uuid = virsh("domuuid", name).trim();
        objectPath = `/org/debvisor/DebVisor1/machines/${uuid.replace(/-/g, "_")}`;
        // the daemon may be starting and reading libvirt for the first time
        await waitFor("the machine object", async () => await machineProperty(objectPath, "Name") === name, 90_000);
    });

    hooks.after(() => {
        try { virsh("destroy", name) } catch { /* not running */ }
        try { virsh("undefine", name) } catch { /* already gone */ }
        fs.rmSync(disk, { force: true });
        closeWatchBus();
    });

    QUnit.test("a domain defined with virsh appears with its properties", async assert => {
        assert.equal(await machineProperty(objectPath, "State"), "shutoff");
        assert.equal(await machineProperty(objectPath, "MemoryMiB"), 32);
        assert.equal(await machineProperty(objectPath, "Emulated"), true);
        const disks = await machineProperty(objectPath, "Disks") as Array<Record<string, unknown>>;
        assert.deepEqual(disks.map(d => [d.Target, d.Source, d.Format]), [["vda", disk, "qcow2"]]);
        assert.deepEqual(displayPort(objectPath), { type: "x", data: -1 }, "not running: no port, as int64");
    });

    QUnit.test("Cluster.ListMachines with include-self lists this node's machines for a viewer (a list's first rows); without it, none outside a cluster", async assert => {
        const list = (options: Record<string, [string, unknown]>) =>
            callAs(VIEWER.name, { path: "/org/debvisor/DebVisor1/cluster", iface: "org.debvisor.DebVisor1.Cluster", method: "ListMachines", signature: "a{sv}", body: [options] });
        const own = await list({ "include-self": ["b", true] });
        assert.true(own.ok, own.ok ? "" : own.message);
        const rows = (own.ok ? own.body[0] : []) as Array<Record<string, unknown>>;
        const row = rows.find(r => r.Name === name);
        assert.deepEqual(row && [row.Node, row.State, row.MemoryMiB, row.Disks, row.Local, row.Stale], ["", "shutoff", 32, 1, true, false], JSON.stringify(row));
        assert.deepEqual(rows.map(r => r.Name), [...rows.map(r => String(r.Name))].sort(), "by name");
        const others = await list({});
        assert.deepEqual(others.ok ? others.body[0] : others.message, [], "a node in no cluster: no other members' machines");
        const wrong = await list({ "include-self": ["s", "yes"] });
        assert.false(wrong.ok, "include-self must be a boolean");
    });

    QUnit.test("who may do what: nobody and viewers nothing, operators the lifecycle, admins delete", async assert => {
        for (const user of [NOBODY.name, VIEWER.name]) {
            const reply = await machineCall(user, objectPath, "Start");
            assert.false(reply.ok, `${user} cannot start`);
            if (!reply.ok) assert.equal(reply.errorName, refusalOf(user));
        }
        const start = await machineCall(OPERATOR.name, objectPath, "Start");
        assert.true(start.ok, start.ok ? "" : start.message);
        await waitForState(objectPath, "running");
        const del = await machineCall(OPERATOR.name, objectPath, "Delete");
        assert.false(del.ok, "an operator cannot delete");
        if (!del.ok) assert.equal(del.errorName, NOT_AUTHORIZED);
        const autostart = await machineCall(OPERATOR.name, objectPath, "SetAutostart", {}, { signature: "ba{sv}", body: [true, {}] });
        assert.false(autostart.ok, "an operator cannot change autostart");
        const tail = await callAs(null, { path: "/org/debvisor/DebVisor1/manager", iface: "org.debvisor.DebVisor1.Manager", method: "AuditTail", signature: "ua{sv}", body: [50, {}] });
        const records = (tail.ok ? tail.body[0] : []) as Array<Record<string, unknown>>;
        assert.true(records.some(r => r.Method === "Machine.Start" && r.User === OPERATOR.name && r.Phase === "end" && r.Result === "ok"),
            "the operator's start is audited under their name");
    });

    QUnit.test("changes made with virsh show up; pause, resume and force off", async assert => {
        virsh("suspend", name);
        await waitForState(objectPath, "paused");
        assert.equal(await machineProperty(objectPath, "State"), "paused");
        const resume = await machineCall(OPERATOR.name, objectPath, "Resume");
        assert.true(resume.ok);
        await waitForState(objectPath, "running");
        const port = displayPort(objectPath);
        assert.true(port.type === "x" && Number(port.data) >= 5900, `running: its VNC port, as int64 (${JSON.stringify(port)})`);
        const refused = await machineCall(ADMIN.name, objectPath, "Delete");
        assert.false(refused.ok, "a running machine is not deleted without force");
        if (!refused.ok) assert.equal(refused.errorName, "org.debvisor.DebVisor1.Error.Busy");
        const off = await machineCall(OPERATOR.name, objectPath, "ForceOff");
        assert.true(off.ok);
        await waitForState(objectPath, "shutoff");
        assert.equal(virsh("domstate", name).trim(), "shut off");
    });

    QUnit.test("Shutdown with a timeout forces off a guest that does not react", async assert => {
        await machineCall(OPERATOR.name, objectPath, "Start");
        await waitForState(objectPath, "running");
        const watch = await watchJobs();
        const reply = await machineCall(OPERATOR.name, objectPath, "Shutdown", { timeout: ["u", 2] });
        assert.true(reply.ok, reply.ok ? "" : reply.message);
        const job = reply.ok ? reply.body[0] as string : "";
        const [success, message] = await withTimeout(watch(job).completed, 30_000, "the shutdown job");
        assert.true(success);
        assert.equal(message, "The guest did not shut down within 2 s and was forced off");
        await waitForState(objectPath, "shutoff");
    });

    QUnit.test("bad input changes nothing", async assert => {
        for (const [options, pattern] of [
            [{ timeout: ["u", 100_000] }, /^options\.timeout: must be at most 86400 seconds/],
            [{ timeout: ["s", "10"] }, /^options\.timeout: /],
            [{ bogus: ["b", true] }, /^options: unknown option "bogus"/],
        ] as Array<[Record<string, [string, unknown]>, RegExp]>) {
            const reply = await machineCall(ADMIN.name, objectPath, "Shutdown", options);
            assert.false(reply.ok);
            if (!reply.ok) assert.true(pattern.test(reply.message), reply.message);
        }
        const unknown = await machineCall(ADMIN.name, "/org/debvisor/DebVisor1/machines/00000000_0000_0000_0000_000000000000", "Start");
        assert.false(unknown.ok);
        if (!unknown.ok) assert.equal(unknown.errorName, "org.freedesktop.DBus.Error.UnknownObject");
        assert.equal(await machineProperty(objectPath, "State"), "shutoff");
    });

    QUnit.test("debvisorctl vm lists the machine and drives it by name", async assert => {
        const ctl = (...args: string[]) => execFileSync("/usr/bin/debvisorctl", ["vm", ...args], { encoding: "utf8", stdio: "pipe" });
        const list = JSON.parse(ctl("list", "--json")) as Array<Record<string, unknown>>;
        assert.deepEqual(list.filter(m => m.Name === name).map(m => [m.State, m.Path]), [["shutoff", objectPath]]);
        ctl("start", name);
        await waitForState(objectPath, "running");
        ctl("pause", name);
        await waitForState(objectPath, "paused");
        assert.true(ctl("list").split("\n").some(l => l.startsWith(name) && l.includes("paused")), "the table shows the state");
        ctl("force-off", name);
        await waitForState(objectPath, "shutoff");
        assert.throws(() => ctl("start", "no-such-machine"), /no virtual machine named "no-such-machine"/);
    });

    QUnit.test("Delete with its disk removes the domain, the object and the image", async assert => {
        const reply = await machineCall(ADMIN.name, objectPath, "Delete", { "delete-disks": ["b", true] });
        assert.true(reply.ok, reply.ok ? "" : reply.message);
        await waitFor("the object to go", async () => await machineProperty(objectPath, "Name") === undefined);
        assert.false(fs.existsSync(disk), "the disk image is gone");
        assert.throws(() => virsh("dominfo", name), "libvirt no longer knows the domain");
    });
});
