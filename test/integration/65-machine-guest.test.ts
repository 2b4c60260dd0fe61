// A real tiny guest, created from an installer ISO through the bus as a user
// would: boot, serial console, snapshot, a change in the guest, revert (the
// change is gone), ACPI shutdown, delete with its disks (nothing left in
// libvirt or on disk). Plus who may do what, and bad input that must leave
// libvirt untouched.
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import QUnit from "qunit";
import { TINY_GUEST_PROMPT, tinyGuestIso } from "../harness/tiny-guest.js";
import { callAs, getProperty, MANAGER } from "../lib/call-as.js";
import { waitFor } from "../lib/wait.js";
import { uniqueName } from "../lib/images.js";
import { ADMIN, OPERATOR, VIEWER } from "../lib/users.js";

const MACHINE = "org.debvisor.DebVisor1.Machine";
const virsh = (...args: string[]) => execFileSync("virsh", ["-c", "qemu:///system", ...args], { encoding: "utf8", stdio: "pipe" });
const domainNames = () => virsh("list", "--all", "--name").split("\n").map(l => l.trim()).filter(Boolean);
const machineProperty = (objectPath: string, name: string) => getProperty(objectPath, MACHINE, name).catch(() => undefined);
const waitForState = (objectPath: string, state: string, ms = 60_000) =>
    waitFor(`state ${state}`, async () => await machineProperty(objectPath, "State") === state, ms, 100);

type Options = Record<string, [string, unknown]>;

function createMachine(user: string | null, name: unknown, options: Options) {
    return callAs(user, { ...MANAGER, method: "CreateMachine", signature: "sa{sv}", body: [name, options] });
}

function machineCall(user: string | null, objectPath: string, method: string, signature = "a{sv}", body: unknown[] = [{}]) {
    return callAs(user, { path: objectPath, iface: MACHINE, method, signature, body });
}

/* A serial console session: everything the guest printed, and a way to type. */
class SerialSession {
    text = "";
    private constructor(private readonly socket: net.Socket) {
        socket.on("data", (chunk: Buffer) => { this.text += chunk.toString("latin1") });
    }

    static async open(user: string, objectPath: string): Promise<SerialSession> {
        const reply = await machineCall(user, objectPath, "OpenConsole", "sa{sv}", ["serial", {}]);
        if (!reply.ok)
            throw new Error(`OpenConsole: ${reply.message}`);
        const socket = net.connect(reply.body[0] as string);
        await new Promise((resolve, reject) => { socket.once("connect", resolve); socket.once("error", reject) });
        return new SerialSession(socket);
    }

    /* Types a command, waits for what it must print, and returns what it printed. */
    async run(command: string, expect: RegExp | string, ms = 30_000): Promise<string> {
        const from = this.text.length;
        this.socket.write(`${command}\n`);
        await waitFor(`"${expect}" after "${command}"`, () => {
            const out = this.text.slice(from);
            return typeof expect === "string" ? out.includes(expect) : expect.test(out);
        }, ms, 50);
        return this.text.slice(from);
    }

    close(): void {
        this.socket.destroy();
    }
}

QUnit.module("machines: a real tiny guest from an ISO", hooks => {
    const name = uniqueName("dvguest");
    let iso = "";
    let objectPath = "";

    hooks.before(() => { iso = tinyGuestIso() });
    hooks.after(() => {
        if (domainNames().includes(name)) {
            try { virsh("destroy", name) } catch { /* not running */ }
            virsh("undefine", name, "--remove-all-storage", "--snapshots-metadata");
        }
    });

    QUnit.test("create from the ISO, console, snapshot, revert, ACPI shutdown, delete with disks", async assert => {
        const created = await createMachine(ADMIN.name, name, {
            source: ["s", "iso"], iso: ["s", iso], "disk-size": ["t", 64 * 1024 ** 2], "memory-mib": ["t", 256],
            network: ["s", "none"], os: ["s", "http://libosinfo.org/linux/2022"], start: ["b", true],
        });
        assert.true(created.ok, created.ok ? "created" : created.message);
        if (!created.ok) return;
        [objectPath] = created.body as [string, string];
        assert.equal(created.body[1], "/", "no job for an ISO install");
        assert.equal(await machineProperty(objectPath, "Name"), name, "the object exists when the reply arrives");
        assert.equal(await machineProperty(objectPath, "CreatedBy"), ADMIN.name);
        assert.equal(await machineProperty(objectPath, "OsInfo"), "Linux (2022)");
        const disks = await machineProperty(objectPath, "Disks") as Array<Record<string, unknown>>;
        assert.deepEqual(disks.map(d => [d.Target, d.Device, d.Source]), [["vda", "disk", `default/${name}.qcow2`], ["sda", "cdrom", iso]]);
        await waitForState(objectPath, "running");

        const viewerConsole = await machineCall(VIEWER.name, objectPath, "OpenConsole", "sa{sv}", ["serial", {}]);
        assert.false(viewerConsole.ok, "a viewer gets no console");

        // the console socket belongs to the caller: another user cannot connect
        const operatorSocket = await machineCall(OPERATOR.name, objectPath, "OpenConsole", "sa{sv}", ["serial", {}]);
        assert.true(operatorSocket.ok, "an operator may use the console");
        if (operatorSocket.ok) {
            const stat = fs.statSync(operatorSocket.body[0] as string);
            assert.equal(stat.mode & 0o777, 0o600);
            assert.equal(stat.uid, Number(execFileSync("id", ["-u", OPERATOR.name], { encoding: "utf8" })));
        }

        const serial = await SerialSession.open(ADMIN.name, objectPath);
        try {
            await waitFor("the guest's prompt", () => serial.text.includes(TINY_GUEST_PROMPT), 120_000, 100);
            assert.true(serial.text.includes("tiny guest ready"), "the console shows the boot from its start");

            const snap = await machineCall(OPERATOR.name, objectPath, "CreateSnapshot", "sa{sv}", ["before", { description: ["s", "clean boot"] }]);
            assert.true(snap.ok, snap.ok ? "an operator takes a snapshot" : snap.message);
            const snapshots = await machineProperty(objectPath, "Snapshots") as Array<Record<string, unknown>>;
            assert.deepEqual(snapshots.map(s => [s.Name, s.Description, s.State, s.Current]), [["before", "clean boot", "running", true]]);
            assert.true(Math.abs(Number(snapshots[0].CreationTime) / 1000 - Date.now()) < 600_000, "CreationTime in microseconds, as every time in the contract");

            await serial.run("echo written-after-snapshot > /root/mark; cat /root/mark", "written-after-snapshot\r\n");
        } finally {
            serial.close();
        }

        const revert = await machineCall(OPERATOR.name, objectPath, "RevertSnapshot", "sa{sv}", ["before", {}]);
        assert.true(revert.ok, revert.ok ? "reverted" : revert.message);
        await waitForState(objectPath, "running");
        const after = await SerialSession.open(ADMIN.name, objectPath);
        try {
            assert.true((await after.run("cat /root/mark", "No such file")).includes("No such file"), "the file written after the snapshot is gone");
        } finally {
            after.close();
        }

        // the same console from debvisorctl, as the operator, with input from a pipe
        const cli = await new Promise<string>(resolve => {
            const child = spawn("setpriv", ["--reuid", OPERATOR.name, "--regid", OPERATOR.name, "--init-groups",
                "/usr/bin/debvisorctl", "vm", "console", name, "--no-ask"], { stdio: ["pipe", "pipe", "pipe"] });
            let out = "";
            child.stdout.on("data", d => { out += String(d) });
            child.stdin.write("echo typed-through-debvisorctl-$((6*7))\n");
            // keep the pipe open until the answer came, at most 30 s
            const check = setInterval(() => { if (out.includes("typed-through-debvisorctl-42")) child.stdin.end() }, 100);
            const limit = setTimeout(() => child.kill(), 30_000);
            child.on("close", () => { clearInterval(check); clearTimeout(limit); resolve(out) });
        });
        assert.true(cli.includes("typed-through-debvisorctl-42"), "debvisorctl vm console reaches the guest's shell");

        const deleteRunning = await machineCall(ADMIN.name, objectPath, "Delete", "a{sv}", [{ "delete-disks": ["b", true] }]);
        assert.false(deleteRunning.ok, "a running machine is not deleted without force");
        if (!deleteRunning.ok) assert.equal(deleteRunning.errorName, "org.debvisor.DebVisor1.Error.Busy");

        const shutdown = await machineCall(OPERATOR.name, objectPath, "Shutdown");
        assert.true(shutdown.ok, "ACPI shutdown asked");
        await waitForState(objectPath, "shutoff", 90_000);
        assert.equal(virsh("domstate", name).trim(), "shut off", "the guest powered off on the ACPI power button");

        const volume = virsh("vol-path", "--pool", "default", `${name}.qcow2`).trim();
        assert.true(fs.existsSync(volume));
        const del = await machineCall(ADMIN.name, objectPath, "Delete", "a{sv}", [{ "delete-disks": ["b", true] }]);
        assert.true(del.ok, del.ok ? "deleted" : del.message);
        await waitFor("the object to go", async () => await machineProperty(objectPath, "Name") === undefined, 10_000);
        assert.false(domainNames().includes(name), "libvirt has no such domain");
        assert.false(fs.existsSync(volume), "its disk is gone");
        assert.true(fs.existsSync(iso), "the installer ISO is kept");
    });

    QUnit.test("who may create: only admins", async assert => {
        for (const user of [OPERATOR.name, VIEWER.name]) {
            const reply = await createMachine(user, uniqueName("dvnope"), { network: ["s", "none"] });
            assert.false(reply.ok, `${user} cannot create`);
            if (!reply.ok) assert.equal(reply.errorName, "org.debvisor.DebVisor1.Error.NotAuthorized");
        }
    });

    QUnit.test("bad input is refused with the argument named, and nothing is defined", async assert => {
        const before = domainNames();
        const cases: Array<[unknown, Options, RegExp]> = [
            ["a/b", {}, /^name: /],
            ["..", {}, /^name: /],
            ["evil\nname", {}, /^name: /],
            ["quo\"te", {}, /^name: /],
            ["-rf", {}, /^name: /],
            ["x".repeat(10_000), {}, /^name: /],
            ["ok-name", { "memory-mib": ["t", 0] }, /memory-mib/],
            ["ok-name", { "memory-mib": ["t", 1024 * 1024 * 16] }, /memory-mib/],
            ["ok-name", { vcpus: ["u", 0] }, /vcpus/],
            ["ok-name", { source: ["s", "iso"] }, /needs the option "iso"/],
            ["ok-name", { source: ["s", "iso"], iso: ["s", "/no/such.iso"] }, /options\.iso/],
            ["ok-name", { source: ["s", "iso"], iso: ["s", "/etc/../etc/passwd"] }, /options\.iso/],
            ["ok-name", { "cloud-init.user": ["s", "root\nevil"] }, /cloud-init\.user/],
            ["ok-name", { network: ["s", "bridge:br0;rm"] }, /network/],
            ["ok-name", { unknown: ["s", "x"] }, /unknown option "unknown"/],
        ];
        for (const [name, options, message] of cases) {
            const reply = await createMachine(ADMIN.name, name, options);
            assert.false(reply.ok, `refused: ${JSON.stringify(name).slice(0, 40)} ${JSON.stringify(options)}`);
            if (!reply.ok) {
                assert.equal(reply.errorName, "org.debvisor.DebVisor1.Error.InvalidArgument");
                assert.true(message.test(reply.message), reply.message);
            }
        }
        assert.deepEqual(domainNames(), before, "libvirt is unchanged");
    });
});
