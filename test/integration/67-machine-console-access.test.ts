// Who can reach a machine's screen and keyboard. A local user in no group
// must find no TCP port of qemu's that answers with a VNC (RFB) banner, and
// cannot enter the display's socket; the console DebVisor hands out with
// OpenConsole still speaks RFB. A machine DebVisor made with the earlier
// VNC on 127.0.0.1 moves to the socket when started; one defined elsewhere
// keeps its TCP port, and its Graphics property says every local user can
// connect (which the same probe confirms, so the probe is shown to work).
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import QUnit from "qunit";
import { tinyGuestIso } from "../harness/tiny-guest.js";
import { callAs, getProperty, MANAGER } from "../lib/call-as.js";
import { uniqueName } from "../lib/images.js";
import { NOBODY, OPERATOR, ADMIN } from "../lib/users.js";
import { waitFor } from "../lib/wait.js";

const MACHINE = "org.debvisor.DebVisor1.Machine";
const DEBVISOR_XMLNS = "https://debvisor.org/xmlns/machine/1";
const virsh = (...args: string[]) => execFileSync("virsh", ["-c", "qemu:///system", ...args], { encoding: "utf8", stdio: "pipe" });
const domainNames = () => virsh("list", "--all", "--name").split("\n").map(l => l.trim()).filter(Boolean);
const machineProperty = (objectPath: string, name: string) => getProperty(objectPath, MACHINE, name).catch(() => undefined);
const pathOf = (uuid: string) => `/org/debvisor/DebVisor1/machines/${uuid.replace(/-/g, "_")}`;
type Graphics = { Type: string; Port: number | bigint; Listen: string; Socket: string; Access: string };

function machineCall(user: string | null, objectPath: string, method: string, signature = "a{sv}", body: unknown[] = [{}]) {
    return callAs(user, { path: objectPath, iface: MACHINE, method, signature, body });
}

/* "0100007F:170C" (little-endian words, as /proc/net/tcp* prints them) → [address, port]. */
function procAddress(hex: string): [string, number] {
    const [addr, port] = hex.split(":");
    const words = addr.match(/.{8}/g)!.map(w => Buffer.from(w, "hex").reverse());
    const bytes = Buffer.concat(words);
    const text = bytes.length === 4 ? [...bytes].join(".") : bytes.toString("hex").match(/.{4}/g)!.join(":");
    return [text, parseInt(port, 16)];
}

/* The TCP addresses a process listens on, found by its sockets' inodes. */
function tcpListeners(pid: number): Array<{ host: string; port: number }> {
    const inodes = new Set<string>();
    for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
        const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`, { encoding: "utf8" }) as string);
        if (m) inodes.add(m[1]);
    }
    const found: Array<{ host: string; port: number }> = [];
    for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
        for (const line of fs.readFileSync(table, "utf8").split("\n").slice(1)) {
            const f = line.trim().split(/\s+/);
            if (f.length < 10 || f[3] !== "0A" || !inodes.has(f[9]))
                continue;
            const [address, port] = procAddress(f[1]);
            const any = /^0\.0\.0\.0$|^[0:]+$/.test(address);
            found.push({ host: any ? (address.includes(":") ? "::1" : "127.0.0.1") : net.isIP(address) ? address : "127.0.0.1", port });
        }
    }
    return found;
}

const PROBE = `const net = require("node:net");
const [where, port] = process.argv.slice(1);
const s = port ? net.connect(Number(port), where) : net.connect(where);
let got = Buffer.alloc(0);
const done = text => { process.stdout.write(JSON.stringify(text)); s.destroy(); process.exit(0) };
s.on("data", d => { got = Buffer.concat([got, d]); if (got.length >= 12) done(got.toString("latin1", 0, 12)) });
s.on("error", e => done("error: " + e.code));
setTimeout(() => done(got.toString("latin1")), 3000);`;

/* What the first 12 bytes are that `user` gets from a TCP port or a UNIX socket. */
function probeAs(user: string, where: string, port?: number): string {
    const out = execFileSync("setpriv", ["--reuid", user, "--regid", user, "--init-groups", process.execPath, "-e", PROBE, where, ...(port ? [String(port)] : [])],
        { encoding: "utf8", timeout: 10_000, cwd: "/" });
    return JSON.parse(out) as string;
}

function qemuPid(name: string): number {
    return Number(fs.readFileSync(`/run/libvirt/qemu/${name}.pid`, "utf8").trim());
}

/* RFB through a socket OpenConsole returned: the server's version, then (after ours) its security types. */
async function rfbHandshake(socketPath: string): Promise<{ version: string; securityTypes: number[] }> {
    const socket = net.connect(socketPath);
    let got = Buffer.alloc(0);
    socket.on("data", (d: Buffer) => { got = Buffer.concat([got, d]) });
    try {
        await new Promise((resolve, reject) => { socket.once("connect", resolve); socket.once("error", reject) });
        await waitFor("the RFB version", () => got.length >= 12, 10_000, 20);
        const version = got.toString("latin1", 0, 12);
        socket.write("RFB 003.008\n");
        await waitFor("the security types", () => got.length >= 13 && got.length >= 13 + got[12], 10_000, 20);
        return { version, securityTypes: [...got.subarray(13, 13 + got[12])] };
    } finally {
        socket.destroy();
    }
}

async function graphicsOf(objectPath: string): Promise<Graphics[]> {
    return await machineProperty(objectPath, "Graphics") as Graphics[];
}

/* A diskless domain as DebVisor defined them before (VNC on 127.0.0.1), or as someone else might. */
function defineTcpVnc(name: string, debvisorMade: boolean): string {
    const metadata = debvisorMade
        ? `<metadata><debvisor:machine xmlns:debvisor="${DEBVISOR_XMLNS}"><debvisor:created-by user="${ADMIN.name}" uid="0" time="2026-01-01T00:00:00Z"/></debvisor:machine></metadata>`
        : "";
    const xml = `<domain type='qemu'><name>${name}</name>${metadata}<memory unit='MiB'>64</memory><vcpu>1</vcpu>
        <os><type arch='x86_64' machine='pc'>hvm</type></os>
        <devices><serial type='pty'/>
        <graphics type='vnc' port='-1' autoport='yes' listen='127.0.0.1'><listen type='address' address='127.0.0.1'/></graphics>
        <video><model type='vga'/></video></devices></domain>`;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dv-vnc-"));
    try {
        fs.writeFileSync(path.join(dir, "domain.xml"), xml);
        virsh("define", path.join(dir, "domain.xml"));
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
    return pathOf(virsh("domuuid", name).trim());
}

function removeDomain(name: string): void {
    if (!domainNames().includes(name))
        return;
    try { virsh("destroy", name) } catch { /* not running */ }
    virsh("undefine", name, "--remove-all-storage", "--snapshots-metadata");
}

QUnit.module("machines: consoles are not open to every local user", hooks => {
    const guest = uniqueName("dvconsole");
    const old = uniqueName("dvoldvnc");
    const foreign = uniqueName("dvforeign");

    hooks.after(() => { for (const name of [guest, old, foreign]) removeDomain(name) });

    QUnit.test("a new machine: no TCP port answers with RFB, its socket is closed to others, OpenConsole speaks RFB", async assert => {
        const created = await callAs(ADMIN.name, { ...MANAGER, method: "CreateMachine", signature: "sa{sv}", body: [guest, {
            source: ["s", "iso"], iso: ["s", tinyGuestIso()], "disk-size": ["t", 64 * 1024 ** 2], "memory-mib": ["t", 256],
            network: ["s", "none"], start: ["b", true],
        }] });
        assert.true(created.ok, created.ok ? "created and started" : created.message);
        if (!created.ok) return;
        const [objectPath] = created.body as [string];
        await waitFor("running", async () => await machineProperty(objectPath, "State") === "running", 60_000);

        const listeners = tcpListeners(qemuPid(guest));
        const banners = listeners.map(l => `${l.host}:${l.port} ${probeAs(NOBODY.name, l.host, l.port)}`);
        assert.deepEqual(banners.filter(b => b.includes("RFB")), [], `as ${NOBODY.name}, no TCP port of qemu's answers with RFB (${listeners.length} listening)`);

        const [graphics] = await graphicsOf(objectPath);
        assert.equal(graphics.Access, "private");
        assert.equal(Number(graphics.Port), -1, "no TCP port advertised");
        assert.true(graphics.Socket.startsWith("/var/lib/libvirt/qemu/"), `in libvirt's per-machine directory: ${graphics.Socket}`);
        assert.true(probeAs(NOBODY.name, graphics.Socket).startsWith("error: EACCES"), `${NOBODY.name} cannot connect to the display's socket`);

        const opened = await machineCall(OPERATOR.name, objectPath, "OpenConsole", "sa{sv}", ["vnc", {}]);
        assert.true(opened.ok, opened.ok ? "an operator opens the VNC console" : opened.message);
        if (!opened.ok) return;
        const rfb = await rfbHandshake(opened.body[0] as string);
        assert.equal(rfb.version, "RFB 003.008\n", "the relay reaches qemu's VNC server");
        assert.true(rfb.securityTypes.length > 0, `security types offered: ${rfb.securityTypes.join(", ")}`);
    });

    QUnit.test("a machine DebVisor made with VNC on 127.0.0.1 moves to the socket when started", async assert => {
        const objectPath = defineTcpVnc(old, true);
        await waitFor("the machine object", async () => await machineProperty(objectPath, "Name") === old, 30_000);
        // debvisord rewrote the definition on its own when it read it: that change is audited
        let moves: Array<Record<string, unknown>> = [];
        await waitFor("the display move in the audit log", async () => {
            const tail = await callAs(null, { ...MANAGER, method: "AuditTail", signature: "ua{sv}", body: [500, {}] });
            moves = (tail.ok ? tail.body[0] as Array<Record<string, unknown>> : []).filter(r => r.Method === "Machine.MoveDisplayToSocket" && r.Object === objectPath);
            return moves.length > 0;
        }, 30_000);
        assert.equal(moves.length, 1, "one record");
        assert.equal(moves[0].User, "debvisord");
        assert.equal(moves[0].Result, "ok");
        const started = await machineCall(OPERATOR.name, objectPath, "Start");
        assert.true(started.ok, started.ok ? "started" : started.message);
        await waitFor("running", async () => await machineProperty(objectPath, "State") === "running", 60_000);

        assert.true(/<listen type='socket'/.test(virsh("dumpxml", old)), "it runs with its display on a socket");
        assert.false(/<listen type='address'/.test(virsh("dumpxml", "--inactive", old)), "its stored definition has no TCP display left");
        const listeners = tcpListeners(qemuPid(old));
        assert.deepEqual(listeners.filter(l => probeAs(NOBODY.name, l.host, l.port).includes("RFB")), [], "no TCP port answers with RFB");
        await waitFor("Graphics to show the socket", async () => (await graphicsOf(objectPath))[0]?.Access === "private", 10_000);
        const [graphics] = await graphicsOf(objectPath);
        assert.equal(Number(graphics.Port), -1, "no TCP port advertised");
        assert.true(virsh("dumpxml", "--inactive", old).includes(DEBVISOR_XMLNS), "its metadata is kept");

        const opened = await machineCall(OPERATOR.name, objectPath, "OpenConsole", "sa{sv}", ["vnc", {}]);
        assert.true(opened.ok, opened.ok ? "console opened" : opened.message);
        if (opened.ok) assert.equal((await rfbHandshake(opened.body[0] as string)).version, "RFB 003.008\n");
    });

    QUnit.test("a machine defined elsewhere keeps its TCP port, and Graphics says every local user can reach it", async assert => {
        const objectPath = defineTcpVnc(foreign, false);
        await waitFor("the machine object", async () => await machineProperty(objectPath, "Name") === foreign, 30_000);
        const started = await machineCall(OPERATOR.name, objectPath, "Start");
        assert.true(started.ok, started.ok ? "started" : started.message);
        await waitFor("running", async () => await machineProperty(objectPath, "State") === "running", 60_000);
        assert.true(/<listen type='address' address='127.0.0.1'/.test(virsh("dumpxml", "--inactive", foreign)), "its definition is left as it was");

        await waitFor("Graphics with the port", async () => Number((await graphicsOf(objectPath))[0]?.Port) > 0, 10_000);
        const [graphics] = await graphicsOf(objectPath);
        assert.equal(graphics.Access, "local-users");
        assert.equal(graphics.Listen, "127.0.0.1");
        assert.true(tcpListeners(qemuPid(foreign)).some(l => l.port === Number(graphics.Port)), "the advertised port is the one qemu listens on");
        // on the wire with the contract's type, int64, also when positive
        const wire = JSON.parse(execFileSync("busctl", ["--system", "--json=short", "get-property", "org.debvisor.DebVisor1", objectPath, MACHINE, "Graphics"],
            { encoding: "utf8" })) as { data: Array<Record<string, { type: string }>> };
        assert.equal(wire.data[0].Port.type, "x", "Port is sent as int64");
        // the probe the other tests rely on does see an open display
        assert.equal(probeAs(NOBODY.name, "127.0.0.1", Number(graphics.Port)), "RFB 003.008\n", `as ${NOBODY.name}: the display answers`);

        const opened = await machineCall(OPERATOR.name, objectPath, "OpenConsole", "sa{sv}", ["vnc", {}]);
        assert.true(opened.ok, opened.ok ? "console opened" : opened.message);
        if (opened.ok) assert.equal((await rfbHandshake(opened.body[0] as string)).version, "RFB 003.008\n");
    });
});
