// The Firewall object on the real nftables: a debvisord started by this
// test on a table and state file of its own (DEBVISOR_NFT_TABLE,
// DEBVISOR_FIREWALL_STATE), roles, bad input that changes nothing, the
// lock-out guard, restore at start, quarantine and release, and real
// packets: a veth pair between the root namespace (where the table acts) and
// a network namespace this test makes, with a TCP listener on the root side.
// The namespace, the table and the daemon are removed afterwards.
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import QUnit from "qunit";
import { busNameOwnerPid } from "../harness/harness.js";
import { tinyGuestIso } from "../harness/tiny-guest.js";
import { callAs, getProperty, MANAGER } from "../lib/call-as.js";
import { nftTableState } from "../lib/nft-table.js";
import { ADMIN, NOBODY, OPERATOR, refusalOf, VIEWER } from "../lib/users.js";
import { waitFor } from "../lib/wait.js";

const BUS_NAME = "org.debvisor.DebVisor1";
const FIREWALL = { path: "/org/debvisor/DebVisor1/firewall", iface: "org.debvisor.DebVisor1.Firewall" };
const TABLE = `dvtest_fw${process.pid % 100000}`;
const NS = `dvfw${process.pid % 100000}`;
const VETH_ROOT = `dvfwr${process.pid % 10000}`;
const VETH_NS = `dvfwn${process.pid % 10000}`;
const ROOT_ADDR = "10.254.77.1";
const NS_ADDR = "10.254.77.2";
const CTL = path.resolve(process.env.DEBVISORCTL ?? "/usr/bin/debvisorctl");

type Options = Record<string, [string, unknown]>;
type Report = Record<string, unknown>;

const call = (user: string | null, method: string, signature: string, body: unknown[]) =>
    callAs(user, { ...FIREWALL, method, signature, body });
const block = (user: string | null, cidrs: string[], options: Options = {}) => call(user, "Block", "asa{sv}", [cidrs, options]);
const allow = (user: string | null, cidrs: string[], options: Options = {}) => call(user, "Allow", "asa{sv}", [cidrs, options]);

/* A run that was cut short (killed, machine stopped) leaves its table, namespace and veth pair: the
 * fixed addresses would then be on two links and its table could still be in quarantine. Only this
 * test's own names are touched. */
function removeLeftovers(): void {
    const tables = JSON.parse(execFileSync("nft", ["-j", "list", "tables"], { encoding: "utf8" })) as { nftables: Array<{ table?: { family: string; name: string } }> };
    for (const t of tables.nftables.map(e => e.table).filter(t => t?.family === "inet" && /^dvtest_fw\d+$/.test(t.name)))
        spawnSync("nft", ["delete", "table", "inet", t!.name], { stdio: "ignore" });
    for (const ns of execFileSync("ip", ["netns", "list"], { encoding: "utf8" }).split("\n").map(l => l.split(" ")[0]).filter(n => /^dvfw\d+$/.test(n)))
        spawnSync("ip", ["netns", "del", ns], { stdio: "ignore" });
    for (const link of execFileSync("ip", ["-o", "link"], { encoding: "utf8" }).split("\n").map(l => /^\d+: ([^:@]+)/.exec(l)?.[1] ?? "").filter(n => /^dvfwr\d+$/.test(n)))
        spawnSync("ip", ["link", "del", link], { stdio: "ignore" });
}

function nftJson(): string {
    return execFileSync("nft", ["-j", "list", "table", "inet", TABLE], { encoding: "utf8" });
}

interface NftElem { elem?: { val: unknown; comment?: string; timeout?: number; counter?: { packets: number } } }
function setElements(set: string): NftElem["elem"][] {
    const doc = JSON.parse(nftJson()) as { nftables: Array<{ set?: { name: string; elem?: unknown[] } }> };
    const found = doc.nftables.find(i => i.set?.name === set)?.set;
    return (found?.elem ?? []).map(e => (e as NftElem).elem ?? { val: e });
}
const valText = (v: unknown) => typeof v === "string" ? v : JSON.stringify(v);

function sh(cmd: string, args: string[]): void {
    execFileSync(cmd, args, { stdio: "pipe" });
}

/* A TCP connect from inside the namespace to the listener: true when it connects within 3 s. */
function connectsFromNamespace(port: number): boolean {
    const r = spawnSync("ip", ["netns", "exec", NS, "timeout", "3", "bash", "-c", `exec 3<>/dev/tcp/${ROOT_ADDR}/${port}`], { stdio: "pipe" });
    return r.status === 0;
}

/* Runs `steps` while an SSH session from the namespace is open: a port 22 on the root side of the veth
 * pair and a connection to it held open from the namespace, both ended afterwards. */
async function whileSshSessionOpen(steps: () => Promise<void>): Promise<void> {
    const held: net.Socket[] = [];
    const ssh = net.createServer(socket => { held.push(socket); socket.on("error", () => undefined) });
    await new Promise<void>((resolve, reject) => { ssh.once("error", reject); ssh.listen(22, ROOT_ADDR, resolve) });
    const client = spawn("ip", ["netns", "exec", NS, "bash", "-c", `exec 3<>/dev/tcp/${ROOT_ADDR}/22; sleep 60`], { stdio: "ignore", detached: true });
    try {
        await waitFor("the SSH session to be established", () => held.length > 0, 10_000);
        await steps();
    } finally {
        process.kill(-client.pid!, "SIGTERM");
        held.forEach(s => s.destroy());
        await new Promise<void>(resolve => ssh.close(() => resolve()));
    }
}

async function waitForDaemon(pid: number): Promise<void> {
    await waitFor("the test's debvisord on the bus", () => busNameOwnerPid(BUS_NAME) === pid, 30_000);
    await waitFor("the Firewall object", async () => (await call(null, "Export", "a{sv}", [{}])).ok, 10_000);
}

QUnit.module("firewall: nftables through the bus", hooks => {
    let daemon: ChildProcess | null = null;
    let dir = "";
    let stateFile = "";
    let listener: net.Server | null = null;
    let port = 0;
    let session: net.Socket | null = null;

    const startDaemon = async () => {
        const old = busNameOwnerPid(BUS_NAME);
        if (old !== null) {
            process.kill(old, "SIGTERM");
            await waitFor("the running debvisord to exit", () => busNameOwnerPid(BUS_NAME) === null);
        }
        daemon = spawn("/usr/libexec/debvisord", [], {
            env: { ...process.env, DEBVISOR_NFT_TABLE: TABLE, DEBVISOR_FIREWALL_STATE: stateFile }, stdio: ["ignore", "ignore", "inherit"],
        });
        await waitForDaemon(daemon.pid!);
    };
    const stopDaemon = async () => {
        if (!daemon)
            return;
        const pid = daemon.pid!;
        daemon.kill("SIGTERM");
        daemon = null;
        await waitFor("the test's debvisord to exit", () => busNameOwnerPid(BUS_NAME) !== pid);
    };

    hooks.before(async () => {
        removeLeftovers();
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "dv-firewall-"));
        stateFile = path.join(dir, "firewall.json");
        spawnSync("nft", ["delete", "table", "inet", TABLE], { stdio: "ignore" });
        spawnSync("ip", ["netns", "del", NS], { stdio: "ignore" });
        sh("ip", ["netns", "add", NS]);
        sh("ip", ["link", "add", VETH_ROOT, "type", "veth", "peer", "name", VETH_NS, "netns", NS]);
        sh("ip", ["addr", "add", `${ROOT_ADDR}/30`, "dev", VETH_ROOT]);
        sh("ip", ["link", "set", VETH_ROOT, "up"]);
        sh("ip", ["-n", NS, "addr", "add", `${NS_ADDR}/30`, "dev", VETH_NS]);
        sh("ip", ["-n", NS, "link", "set", VETH_NS, "up"]);
        sh("ip", ["-n", NS, "link", "set", "lo", "up"]);
        listener = net.createServer(socket => socket.end());
        await new Promise<void>(resolve => listener!.listen(0, ROOT_ADDR, resolve));
        port = (listener.address() as net.AddressInfo).port;
        // an admin's Cockpit session, as the lock-out guard sees one
        session = net.connect(9090, "127.0.0.1");
        await new Promise<void>((resolve, reject) => { session!.once("connect", resolve); session!.once("error", reject) });
        await startDaemon();
    });

    hooks.after(async () => {
        session?.destroy();
        await stopDaemon();
        await new Promise<void>(resolve => listener ? listener.close(() => resolve()) : resolve());
        spawnSync("nft", ["delete", "table", "inet", TABLE], { stdio: "ignore" });
        spawnSync("ip", ["link", "del", VETH_ROOT], { stdio: "ignore" });
        spawnSync("ip", ["netns", "del", NS], { stdio: "ignore" });
        fs.rmSync(dir, { recursive: true, force: true });
    });

    QUnit.test("roles: viewers read, only admins change", async assert => {
        for (const user of [VIEWER.name, OPERATOR.name, ADMIN.name]) {
            const r = await call(user, "Export", "a{sv}", [{}]);
            assert.true(r.ok, `${user} exports the list: ${r.ok ? "" : r.message}`);
        }
        const nobody = await call(NOBODY.name, "Export", "a{sv}", [{}]);
        assert.false(nobody.ok, "a user without a role may not read");
        for (const user of [VIEWER.name, OPERATOR.name, NOBODY.name]) {
            for (const [method, signature, body] of [
                ["Block", "asa{sv}", [["192.0.2.1"], {}]], ["Allow", "asa{sv}", [["192.0.2.1"], {}]],
                ["ImportList", "sa{sv}", ["192.0.2.1\n", {}]], ["Quarantine", "a{sv}", [{}]],
            ] as Array<[string, string, unknown[]]>) {
                const r = await call(user, method, signature, body);
                assert.true(!r.ok && r.errorName === refusalOf(user), `${user} ${method}: ${r.ok ? "allowed" : r.errorName}`);
            }
        }
        assert.equal(fs.existsSync(stateFile), false, "no state written by refused calls");
    });

    QUnit.test("a block is an element of the test table with its comment, in the property and the state file", async assert => {
        const r = await block(ADMIN.name, ["198.51.100.0/25", "2001:db8:77::/48"], { comment: ["s", "scanner from the incident"] });
        assert.true(r.ok, r.ok ? "blocked" : r.message);
        const report = (r.ok ? r.body[0] : {}) as Report;
        assert.deepEqual(report.Accepted, ["198.51.100.0/25", "2001:db8:77::/48"]);
        assert.true((report.Warnings as string[]).some(w => /documentation/.test(w)), "documentation ranges are warned about");
        const v4 = setElements("block4");
        assert.deepEqual(v4.map(e => [valText(e?.val), e?.comment]), [[JSON.stringify({ prefix: { addr: "198.51.100.0", len: 25 } }), "scanner from the incident"]]);
        assert.equal(setElements("block6").length, 1);
        const blocked = await getProperty(FIREWALL.path, FIREWALL.iface, "Blocked") as unknown[][];
        const row = blocked.find(b => b[0] === "198.51.100.0/25");
        assert.true(!!row && row[1] === "scanner from the incident" && row[2] === ADMIN.name, JSON.stringify(row, (_k, v) => typeof v === "bigint" ? Number(v) : v));
        const saved = JSON.parse(fs.readFileSync(stateFile, "utf8")) as { block: Array<{ cidr: string; addedBy: string }> };
        assert.deepEqual(saved.block.map(e => [e.cidr, e.addedBy]), [["198.51.100.0/25", ADMIN.name], ["2001:db8:77::/48", ADMIN.name]]);
        const expiring = await block(ADMIN.name, ["203.0.113.77"], { expiry: ["t", 600] });
        assert.true(expiring.ok, expiring.ok ? "" : expiring.message);
        const element = setElements("block4").find(e => e?.val === "203.0.113.77");
        assert.equal(element?.timeout, 600, "expiry is an nft element timeout");
        const un = await call(ADMIN.name, "Unblock", "asa{sv}", [["203.0.113.77"], {}]);
        assert.true(un.ok && (un.body[0] as string[])[0] === "203.0.113.77", un.ok ? "" : un.message);
    });

    QUnit.test("an expired entry leaves the kernel's set, the property and the state file", async assert => {
        const r = await block(ADMIN.name, ["203.0.113.99"], { expiry: ["t", 2] });
        assert.true(r.ok, r.ok ? "" : r.message);
        const listed = async () => (await getProperty(FIREWALL.path, FIREWALL.iface, "Blocked") as unknown[][]).some(b => b[0] === "203.0.113.99");
        assert.true(await listed(), "listed while it lasts");
        await waitFor("the kernel to drop the element", () => !setElements("block4").some(e => e?.val === "203.0.113.99"), 10_000);
        await waitFor("the daemon to drop the entry", async () => !await listed(), 30_000);
        assert.false(fs.readFileSync(stateFile, "utf8").includes("203.0.113.99"), "gone from the state file");
    });

    QUnit.test("bad input is refused by name and changes nothing", async assert => {
        const before = nftTableState(TABLE);
        const file = fs.readFileSync(stateFile, "utf8");
        const cases: Array<[string[], Options, RegExp]> = [
            [["10.0.0.1/24"], {}, /did you mean 10\.0\.0\.0\/24/],
            [["192.0.2.1", "198.51.100.64/26"], {}, /198\.51\.100\.64\/26: is inside 198\.51\.100\.0\/25, which is in the block list/],
            [["192.0.2.1\n192.0.2.2"], {}, /not an IPv4/],
            [["192.0.2.1\"; flush ruleset"], {}, /not an IPv4/],
            [["-192.0.2.1"], {}, /not a range/],
            [["192.0.2.0/24", "192.0.2.128/25"], {}, /also being added/],
            [["x".repeat(5000)], {}, /too long/],
            [[], {}, /at least one/],
            [["192.0.2.1"], { comment: ["s", "line\nbreak"] }, /comment: must not contain control characters/],
            [["192.0.2.1"], { expiry: ["t", 10 ** 12] }, /expiry: must be at most/],
            [["192.0.2.1"], { bogus: ["b", true] }, /unknown option "bogus"/],
        ];
        for (const [cidrs, options, expected] of cases) {
            const r = await block(ADMIN.name, cidrs, options);
            assert.true(!r.ok && r.errorName.endsWith("InvalidArgument") && expected.test(r.message),
                `${JSON.stringify(cidrs).slice(0, 60)}: ${r.ok ? "accepted" : r.message}`);
        }
        const un = await call(ADMIN.name, "Unblock", "asa{sv}", [["198.51.100.0/25", "192.0.2.99"], {}]);
        assert.true(!un.ok && /192\.0\.2\.99: is not in the block list/.test(un.message), un.ok ? "removed" : un.message);
        const imported = await call(ADMIN.name, "ImportList", "sa{sv}", ["192.0.2.1\n10.0.0.1/8 # bad\n", {}]);
        assert.true(!imported.ok && /10\.0\.0\.1\/8.*did you mean 10\.0\.0\.0\/8/.test(imported.message), imported.ok ? "imported" : imported.message);
        assert.equal(nftTableState(TABLE), before, "the table is unchanged");
        assert.equal(fs.readFileSync(stateFile, "utf8"), file, "the state file is unchanged");
    });

    QUnit.test("import: the dry-run report first, then the list in one go; export gives it back", async assert => {
        const list = "# test list\n192.0.2.16/28, 192.0.2.32/28  # web scanners\n192.0.2.20\n198.51.100.0/25\n2001:db8:99::/48\n";
        const dry = await call(ADMIN.name, "ImportList", "sa{sv}", [list, { "dry-run": ["b", true] }]);
        assert.true(dry.ok, dry.ok ? "" : dry.message);
        const report = (dry.ok ? dry.body[0] : {}) as Report;
        assert.deepEqual(report.Accepted, ["192.0.2.16/28", "192.0.2.32/28", "2001:db8:99::/48"]);
        assert.true((report.Errors as string[]).some(e => /192\.0\.2\.20: is inside 192\.0\.2\.16\/28/.test(e)), JSON.stringify(report.Errors));
        assert.true((report.Skipped as string[]).some(e => /198\.51\.100\.0\/25: is in the block list already/.test(e)));
        assert.equal(report.Applied, false);
        assert.equal(setElements("block4").filter(e => JSON.stringify(e?.val).includes("192.0.2.16")).length, 0, "a dry run adds nothing");
        const real = await call(ADMIN.name, "ImportList", "sa{sv}", [list, { "skip-invalid": ["b", true] }]);
        assert.true(real.ok && (real.body[0] as Report).Applied === true, real.ok ? "" : real.message);
        const exported = await call(VIEWER.name, "Export", "a{sv}", [{}]);
        const text = exported.ok ? exported.body[0] as string : "";
        assert.true(text.includes("192.0.2.16/28  # web scanners\n") && text.includes("2001:db8:99::/48\n"), text);
        const un = await call(ADMIN.name, "Unblock", "asa{sv}", [["192.0.2.16/28", "192.0.2.32/28", "2001:db8:99::/48"], {}]);
        assert.true(un.ok, un.ok ? "" : un.message);
    });

    QUnit.test("lock-out guard: an admin session's address and allowed entries are not blocked without force", async assert => {
        const before = nftTableState(TABLE);
        const r = await block(ADMIN.name, ["127.0.0.0/8"]);
        assert.true(!r.ok && /127\.0\.0\.0\/8: would cover 127\.0\.0\.1, the address of an open Cockpit session \(port 9090\)/.test(r.message), r.ok ? "blocked" : r.message);
        const forced = await block(ADMIN.name, ["127.0.0.0/8"], { force: ["s", "127.0.0.0/8"], "dry-run": ["b", true] });
        const report = (forced.ok ? forced.body[0] : {}) as Report;
        assert.true(forced.ok && (report.Warnings as string[]).some(w => /127\.0\.0\.1.*\(forced\)/.test(w)), forced.ok ? JSON.stringify(report) : forced.message);
        const a = await allow(ADMIN.name, ["203.0.113.5"], { comment: ["s", "monitoring"] });
        assert.true(a.ok, a.ok ? "" : a.message);
        const covering = await block(ADMIN.name, ["203.0.113.0/24"]);
        assert.true(!covering.ok && /would cover 203\.0\.113\.5, which is in the allow list/.test(covering.message), covering.ok ? "blocked" : covering.message);
        const d = await call(ADMIN.name, "Disallow", "asa{sv}", [["203.0.113.5"], {}]);
        assert.true(d.ok, d.ok ? "" : d.message);
        assert.equal(setElements("allow4").length, 0);
        assert.equal(setElements("block4").length, JSON.parse(before).nftables.find((i: { set?: { name: string } }) => i.set?.name === "block4").set.elem.length);
    });

    QUnit.test("cut-off guard: loopback, everything, a /7 and this host's own address are refused with the reason; the table is unchanged", async assert => {
        const before = nftTableState(TABLE);
        const file = fs.readFileSync(stateFile, "utf8");
        const cases: Array<[string, RegExp]> = [
            ["127.0.0.1", /127\.0\.0\.1: covers loopback \(127\.0\.0\.0\/8\): refused unless the option force names 127\.0\.0\.1 again/],
            ["0.0.0.0/0", /0\.0\.0\.0\/0: is wider than \/8, the widest IPv4 block allowed: refused.*0\.0\.0\.0\/0: covers loopback \(127\.0\.0\.0\/8\)/],
            ["::/0", /::\/0: is wider than \/32, the widest IPv6 block allowed: refused.*::\/0: covers loopback \(::1\)/],
            ["12.0.0.0/7", /12\.0\.0\.0\/7: is wider than \/8, the widest IPv4 block allowed: refused/],
            // also when it overlaps the list already: the reason comes with the overlap
            ["198.0.0.0/7", /198\.0\.0\.0\/7: contains 198\.51\.100\.0\/25, which is in the block list.*198\.0\.0\.0\/7: is wider than \/8/],
            [ROOT_ADDR, new RegExp(`${ROOT_ADDR.replace(/\./g, "\\.")}: covers this host's address ${ROOT_ADDR.replace(/\./g, "\\.")} on ${VETH_ROOT}`)],
        ];
        for (const [entry, expected] of cases) {
            const r = await block(ADMIN.name, [entry]);
            assert.true(!r.ok && r.errorName.endsWith("InvalidArgument") && expected.test(r.message), `${entry}: ${r.ok ? "blocked" : r.message}`);
        }
        const wrong = await block(ADMIN.name, ["127.0.0.1"], { force: ["s", "127.0.0.1/32"] });
        assert.true(!wrong.ok && /force: "127\.0\.0\.1\/32" is not one of the entries as typed/.test(wrong.message), wrong.ok ? "blocked" : wrong.message);
        const bool = await block(ADMIN.name, ["127.0.0.1"], { force: ["b", true] });
        assert.true(!bool.ok && /force: must be the refused entry typed again exactly/.test(bool.message), bool.ok ? "blocked" : bool.message);
        const other = await block(ADMIN.name, ["127.0.0.1", "198.51.100.200"], { force: ["s", "198.51.100.200"] });
        assert.true(!other.ok && /127\.0\.0\.1: covers loopback/.test(other.message), "forcing another entry does not force this one");
        const imported = await call(ADMIN.name, "ImportList", "sa{sv}", ["198.51.100.201\n0.0.0.0/0 # everything\n192.0.2.1x\n", { "skip-invalid": ["b", true] }]);
        assert.true(!imported.ok && /0\.0\.0\.0\/0: is wider than \/8/.test(imported.message) && /nothing was changed/.test(imported.message),
            imported.ok ? "imported" : imported.message);
        const report = await call(ADMIN.name, "ImportList", "sa{sv}", ["198.51.100.201\n0.0.0.0/0 # everything\n", { "dry-run": ["b", true] }]);
        const errors = (report.ok ? (report.body[0] as Report).Errors : []) as string[];
        assert.true(errors.some(e => e === "0.0.0.0/0: covers loopback (127.0.0.0/8): refused unless the option force names 0.0.0.0/0 again"), JSON.stringify(errors));
        assert.deepEqual(report.ok ? (report.body[0] as Report).Accepted : [], ["198.51.100.201"], "the report names each entry");
        assert.equal(nftTableState(TABLE), before, "nft -j list table is unchanged");
        assert.equal(fs.readFileSync(stateFile, "utf8"), file, "the state file is unchanged");
    });

    const defaultGateway = (() => {
        const routes = JSON.parse(execFileSync("ip", ["-j", "-4", "route", "show", "default"], { encoding: "utf8" }) || "[]") as Array<{ gateway?: string; dev?: string }>;
        return routes.find(r => r.gateway) ?? null;
    })();
    QUnit.test.if("cut-off guard: the default gateway is refused with the reason", defaultGateway !== null, async assert => {
        const before = nftTableState(TABLE);
        const gw = defaultGateway!.gateway!;
        const r = await block(ADMIN.name, [gw]);
        assert.true(!r.ok && r.message.includes(`${gw}: covers the default gateway ${gw} (${defaultGateway!.dev})`), r.ok ? "blocked" : r.message);
        assert.equal(nftTableState(TABLE), before, "nft -j list table is unchanged");
    });

    QUnit.test("forced with the exact entry a block is applied, and loopback still works, also in a quarantine", async assert => {
        const lo = net.createServer(socket => socket.end());
        await new Promise<void>(resolve => lo.listen(0, "127.0.0.1", resolve));
        const loPort = (lo.address() as net.AddressInfo).port;
        const connects = (host: string, p: number) => new Promise<boolean>(resolve => {
            const c = net.connect({ host, port: p, timeout: 3000 });
            c.once("connect", () => { c.destroy(); resolve(true) });
            c.once("timeout", () => { c.destroy(); resolve(false) });
            c.once("error", () => resolve(false));
        });
        try {
            assert.true(await connects("127.0.0.1", loPort), "the loopback listener answers before");
            const forced = await block(ADMIN.name, ["127.0.0.1", ROOT_ADDR], { force: ["as", ["127.0.0.1", ROOT_ADDR]], comment: ["s", "forced"] });
            assert.true(forced.ok, forced.ok ? "" : forced.message);
            const warnings = (forced.ok ? (forced.body[0] as Report).Warnings : []) as string[];
            assert.true(warnings.includes("127.0.0.1: covers loopback (127.0.0.0/8) (forced)"), JSON.stringify(warnings));
            assert.true(setElements("block4").some(e => e?.val === "127.0.0.1") && setElements("block4").some(e => e?.val === ROOT_ADDR), "both are in the kernel's set");
            assert.true(await connects("127.0.0.1", loPort), "127.0.0.1 is blocked, and a new connection to a listener on it still succeeds");
            assert.true(await connects(ROOT_ADDR, port), "this host's own address is blocked, and the host still reaches itself on it");
            assert.true(connectsFromNamespace(port), "other hosts are not affected");
            const q = await call(ADMIN.name, "Quarantine", "a{sv}", [{ reason: ["s", "loopback test"], "stop-machines": ["b", false], force: ["b", true] }]);
            assert.true(q.ok, q.ok ? "" : q.message);
            assert.true(await connects("127.0.0.1", loPort), "quarantined (and 127.0.0.1 blocked): loopback still connects");
            assert.false(connectsFromNamespace(port), "quarantined: outside is dropped");
            const r = await call(ADMIN.name, "Release", "a{sv}", [{}]);
            assert.true(r.ok, r.ok ? "" : r.message);
        } finally {
            await call(ADMIN.name, "Release", "a{sv}", [{}]);
            const u = await call(ADMIN.name, "Unblock", "asa{sv}", [["127.0.0.1", ROOT_ADDR], {}]);
            assert.true(u.ok, u.ok ? "unblocked" : u.message);
            await new Promise<void>(resolve => lo.close(() => resolve()));
        }
    });

    QUnit.test("the management set: let in before any block, guarded against blocks and against being emptied", async assert => {
        const management = async () => (await getProperty(FIREWALL.path, FIREWALL.iface, "Management") as unknown[][]).map(m => m[0]);
        const viewer = await call(VIEWER.name, "AddManagement", "asa{sv}", [["10.254.77.0/30"], {}]);
        assert.true(!viewer.ok && viewer.errorName.endsWith("NotAuthorized"), "viewers may not change it");
        const added = await call(ADMIN.name, "AddManagement", "asa{sv}", [["10.254.77.0/30", "2001:db8:fe::/64"], { comment: ["s", "admins"] }]);
        assert.true(added.ok, added.ok ? "" : added.message);
        assert.deepEqual(await management(), ["10.254.77.0/30", "2001:db8:fe::/64"]);
        assert.deepEqual(setElements("management4").map(e => valText(e?.val)), [JSON.stringify({ prefix: { addr: "10.254.77.0", len: 30 } })]);
        const before = nftTableState(TABLE);
        const b = await block(ADMIN.name, [NS_ADDR]);
        assert.true(!b.ok && b.message.includes(`${NS_ADDR}: covers the management network 10.254.77.0/30`), b.ok ? "blocked" : b.message);
        assert.equal(nftTableState(TABLE), before, "refused: unchanged");
        const forced = await block(ADMIN.name, [NS_ADDR], { force: ["s", NS_ADDR] });
        assert.true(forced.ok, forced.ok ? "" : forced.message);
        assert.true(connectsFromNamespace(port), "blocked by force, the management set still lets it in");
        const one = await call(ADMIN.name, "RemoveManagement", "asa{sv}", [["2001:db8:fe::/64"], {}]);
        assert.true(one.ok, one.ok ? "" : one.message);
        const last = await call(ADMIN.name, "RemoveManagement", "asa{sv}", [["10.254.77.0/30"], {}]);
        assert.true(!last.ok && last.message.includes("10.254.77.0/30: would leave the management set empty: refused unless the option force names 10.254.77.0/30 again"),
            last.ok ? "removed" : last.message);
        assert.deepEqual(await management(), ["10.254.77.0/30"], "still there");
        const removed = await call(ADMIN.name, "RemoveManagement", "asa{sv}", [["10.254.77.0/30"], { force: ["s", "10.254.77.0/30"] }]);
        assert.true(removed.ok, removed.ok ? "" : removed.message);
        assert.false(connectsFromNamespace(port), "out of the management set, the block drops it");
        const u = await call(ADMIN.name, "Unblock", "asa{sv}", [[NS_ADDR], {}]);
        assert.true(u.ok, u.ok ? "" : u.message);
        assert.deepEqual(await management(), []);
    });

    QUnit.test("the management set guards the network of an open admin session", async assert => {
        try {
            await whileSshSessionOpen(async () => {
                const added = await call(ADMIN.name, "AddManagement", "asa{sv}", [["10.254.77.0/30", "198.51.100.128/25"], {}]);
                assert.true(added.ok, added.ok ? "" : added.message);
                const r = await call(ADMIN.name, "RemoveManagement", "asa{sv}", [["10.254.77.0/30"], {}]);
                assert.true(!r.ok && r.message.includes(`10.254.77.0/30: covers ${NS_ADDR}, the address of an open SSH session (port 22), and nothing else in the management set or the allow list does`),
                    r.ok ? "removed" : r.message);
                const forced = await call(ADMIN.name, "RemoveManagement", "asa{sv}", [["10.254.77.0/30"], { force: ["s", "10.254.77.0/30"] }]);
                assert.true(forced.ok, forced.ok ? "" : forced.message);
            });
        } finally {
            const left = (await getProperty(FIREWALL.path, FIREWALL.iface, "Management") as unknown[][]).map(m => String(m[0]));
            if (left.length > 0)
                await call(ADMIN.name, "RemoveManagement", "asa{sv}", [left, { force: ["as", left] }]);
        }
        assert.deepEqual(await getProperty(FIREWALL.path, FIREWALL.iface, "Management"), []);
    });

    QUnit.test("lock-out guard on a real SSH session from the namespace: block and quarantine refused, naming the address", async assert => {
        await whileSshSessionOpen(async () => {
            const before = nftTableState(TABLE);
            const b = await block(ADMIN.name, ["10.254.77.0/30"]);
            assert.true(!b.ok && b.message.includes(`10.254.77.0/30: would cover ${NS_ADDR}, the address of an open SSH session (port 22)`), b.ok ? "blocked" : b.message);
            const q = await call(ADMIN.name, "Quarantine", "a{sv}", [{ "stop-machines": ["b", false] }]);
            assert.true(!q.ok && q.message.includes(`neither the allow list nor the management set holds ${NS_ADDR}, the address of an open SSH session (port 22).`), q.ok ? "quarantined" : q.message);
            assert.equal(nftTableState(TABLE), before, "nothing changed");
            assert.equal(await getProperty(FIREWALL.path, FIREWALL.iface, "Quarantined"), false);
        });
    });

    QUnit.test("real packets: blocked from the namespace is dropped, allowed passes again", async assert => {
        assert.true(connectsFromNamespace(port), "the namespace reaches the listener before any block");
        const b = await block(ADMIN.name, [NS_ADDR], { comment: ["s", "packet test"] });
        assert.true(b.ok, b.ok ? "" : b.message);
        assert.false(connectsFromNamespace(port), "blocked: the connection is dropped");
        const counted = setElements("block4").find(e => e?.val === NS_ADDR);
        assert.true((counted?.counter?.packets ?? 0) > 0, `the element counted the dropped packets (${counted?.counter?.packets})`);
        const a = await allow(ADMIN.name, [NS_ADDR]);
        assert.true(a.ok && ((a.body[0] as Report).Warnings as string[]).some(w => w.includes(`wins over the block list's ${NS_ADDR}`)), a.ok ? "" : a.message);
        assert.true(connectsFromNamespace(port), "allowed: the allow list wins over the block");
        const d = await call(ADMIN.name, "Disallow", "asa{sv}", [[NS_ADDR], {}]);
        assert.true(d.ok, d.ok ? "" : d.message);
        assert.false(connectsFromNamespace(port), "no longer allowed: dropped again");
        const u = await call(ADMIN.name, "Unblock", "asa{sv}", [[NS_ADDR], {}]);
        assert.true(u.ok, u.ok ? "" : u.message);
        assert.true(connectsFromNamespace(port), "unblocked: passes");
    });

    QUnit.test("quarantine: only the allow list gets in; release puts back exactly the table before", async assert => {
        const before = nftTableState(TABLE);
        // a Cockpit connection opened now: cockpit-ws closes one that sends no request for half a minute
        const held = net.connect(9090, "127.0.0.1");
        await new Promise<void>((resolve, reject) => { held.once("connect", resolve); held.once("error", reject) });
        const q = await call(ADMIN.name, "Quarantine", "a{sv}", [{ reason: ["s", "integration test"], "stop-machines": ["b", false], force: ["b", true] }]);
        assert.true(q.ok, q.ok ? "" : q.message);
        assert.equal(await getProperty(FIREWALL.path, FIREWALL.iface, "Quarantined"), true);
        assert.false(held.destroyed, "the established admin session stays");
        held.destroy();
        assert.false(connectsFromNamespace(port), "quarantined: a new connection from outside the allow list is dropped");
        const a = await allow(ADMIN.name, [NS_ADDR]);
        assert.true(a.ok, a.ok ? "" : a.message);
        assert.true(connectsFromNamespace(port), "quarantined: the allow list still gets in");
        const again = await call(ADMIN.name, "Quarantine", "a{sv}", [{}]);
        assert.true(!again.ok && /quarantined already/.test(again.message), "a second quarantine is refused");
        const d = await call(ADMIN.name, "Disallow", "asa{sv}", [[NS_ADDR], {}]);
        assert.true(d.ok, d.ok ? "" : d.message);
        const r = await call(ADMIN.name, "Release", "a{sv}", [{}]);
        assert.true(r.ok, r.ok ? "" : r.message);
        assert.equal(nftTableState(TABLE), before, "nft -j list table is the same as before the quarantine");
        assert.true(connectsFromNamespace(port), "released: passes again");
        const audit = await callAs(null, { path: "/org/debvisor/DebVisor1/manager", iface: "org.debvisor.DebVisor1.Manager", method: "AuditTail", signature: "ua{sv}", body: [200, {}] });
        const methods = (audit.ok ? audit.body[0] as Array<Record<string, unknown>> : []).map(r => r.Method);
        for (const step of ["Firewall.Quarantine", "Firewall.Quarantine.Isolate", "Firewall.Release", "Firewall.Release.Reconnect"])
            assert.true(methods.includes(step), `audited: ${step}`);
    });

    QUnit.test("debvisorctl fw and quarantine: the installed command line over the same object", assert => {
        const ctl = (args: string[], user?: string, input?: string) => {
            const [command, argv] = user
                ? ["setpriv", ["--reuid", user, "--regid", user, "--init-groups", CTL, ...args]]
                : [CTL, args];
            const r = spawnSync(command, argv, { encoding: "utf8", timeout: 60_000, input });
            return { code: r.status, stdout: r.stdout, stderr: r.stderr };
        };
        const blocked = ctl(["fw", "block", "192.0.2.200", "2001:db8:c11::/48", "--comment", "cli test", "--expiry", "2h", "--json"]);
        assert.equal(blocked.code, 0, blocked.stderr);
        assert.deepEqual((JSON.parse(blocked.stdout) as Report).Accepted, ["192.0.2.200", "2001:db8:c11::/48"]);
        const list = ctl(["fw", "list", "--json"], VIEWER.name);
        assert.equal(list.code, 0, list.stderr);
        const row = (JSON.parse(list.stdout) as { blocked: Array<{ cidr: string; comment: string; addedBy: string; expires: string | null }> })
            .blocked.find(b => b.cidr === "192.0.2.200");
        assert.true(!!row && row.comment === "cli test" && row.addedBy === "root" && row.expires !== null, JSON.stringify(row));
        const text = ctl(["fw", "list"]);
        assert.true(/^Blocked \(\d+\):\nCIDR +PACKETS +BYTES +EXPIRES +ADDED BY +COMMENT$/m.test(text.stdout), text.stdout);
        const bad = ctl(["fw", "block", "10.0.0.1/24"]);
        assert.true(bad.code !== 0 && bad.stderr.includes("did you mean 10.0.0.0/24"), bad.stderr);
        const dry = ctl(["fw", "import", "-", "--dry-run"], undefined, "192.0.2.200\n192.0.2.210/31 # x\n192.0.2.211\n");
        assert.equal(dry.code, 1, "a report with errors exits 1");
        assert.true(dry.stdout.includes("error: 192.0.2.211: is inside 192.0.2.210/31") && dry.stdout.includes("skipped: 192.0.2.200: is in the block list already")
            && dry.stdout.includes("dry run: would block 1 entry: 192.0.2.210/31"), dry.stdout);
        const lo = ctl(["fw", "block", "127.0.0.1"]);
        assert.true(lo.code !== 0 && lo.stderr.includes("127.0.0.1: covers loopback (127.0.0.0/8): refused unless the option force names 127.0.0.1 again"), lo.stderr);
        const loForced = ctl(["fw", "block", "127.0.0.1", "--force", "127.0.0.1", "--dry-run"]);
        assert.true(loForced.code === 0 && loForced.stdout.includes("warning: 127.0.0.1: covers loopback (127.0.0.0/8) (forced)"), loForced.stdout + loForced.stderr);
        const mAdd = ctl(["fw", "management", "add", "203.0.113.128/25", "--comment", "cli"]);
        assert.true(mAdd.code === 0 && mAdd.stdout.includes("added to the management set 1 entry: 203.0.113.128/25"), mAdd.stdout + mAdd.stderr);
        const mList = ctl(["fw", "list", "--management", "--json"], VIEWER.name);
        assert.deepEqual((JSON.parse(mList.stdout) as { management: Array<{ cidr: string }> }).management.map(m => m.cidr), ["203.0.113.128/25"]);
        const mRemove = ctl(["fw", "management", "remove", "203.0.113.128/25"]);
        assert.true(mRemove.code !== 0 && mRemove.stderr.includes("would leave the management set empty"), mRemove.stderr);
        const mForced = ctl(["fw", "management", "remove", "203.0.113.128/25", "--force", "203.0.113.128/25"]);
        assert.true(mForced.code === 0 && mForced.stdout.includes("removed 203.0.113.128/25"), mForced.stdout + mForced.stderr);
        const exported = ctl(["fw", "export"], VIEWER.name);
        assert.true(exported.stdout.includes("192.0.2.200  # cli test\n"), exported.stdout);
        const refused = ctl(["fw", "block", "192.0.2.1", "--no-ask"], VIEWER.name);
        assert.true(refused.code !== 0 && refused.stderr.includes("NotAuthorized"), refused.stderr);
        const status = ctl(["quarantine", "status", "--json"], VIEWER.name);
        assert.equal((JSON.parse(status.stdout) as { quarantined: boolean }).quarantined, false);
        const un = ctl(["fw", "unblock", "192.0.2.200", "2001:db8:c11::/48"]);
        assert.equal(un.code, 0, un.stderr);
    });

    QUnit.test("quarantine shuts down running autostarted machines, marks them, and release starts them again", async assert => {
        const iso = tinyGuestIso();
        const name = `dvfwq${process.pid % 100000}`;
        const virsh = (...args: string[]) => execFileSync("virsh", ["-c", "qemu:///system", ...args], { encoding: "utf8", stdio: "pipe" });
        const state = () => virsh("domstate", name).trim();
        try {
            await waitFor("libvirt in the test's debvisord", async () =>
                await getProperty(MANAGER.path, MANAGER.iface, "Virtualization") !== "unknown", 60_000);
            const created = await callAs(ADMIN.name, { ...MANAGER, method: "CreateMachine", signature: "sa{sv}", body: [name, {
                source: ["s", "iso"], iso: ["s", iso], "disk-size": ["t", 64 * 1024 ** 2], "memory-mib": ["t", 256],
                network: ["s", "none"], os: ["s", "http://libosinfo.org/linux/2022"], start: ["b", true],
            }] });
            assert.true(created.ok, created.ok ? "created" : created.message);
            if (!created.ok) return;
            const auto = await callAs(ADMIN.name, { path: created.body[0] as string, iface: "org.debvisor.DebVisor1.Machine", method: "SetAutostart", signature: "ba{sv}", body: [true, {}] });
            assert.true(auto.ok, auto.ok ? "autostart" : auto.message);
            await waitFor("the machine to run", () => state() === "running", 60_000);
            // time for the guest to start acpid, which powers it off on the ACPI button (else it is forced off after 60 s)
            await new Promise(r => setTimeout(r, 12_000));
            const q = await call(ADMIN.name, "Quarantine", "a{sv}", [{ reason: ["s", "machines"], force: ["b", true] }]);
            assert.true(q.ok, q.ok ? "" : q.message);
            assert.equal(state(), "shut off", "the autostarted machine was shut down");
            const info = await getProperty(FIREWALL.path, FIREWALL.iface, "QuarantineInfo") as Record<string, unknown>;
            assert.deepEqual(info["stopped-machines"], [name], "and marked as stopped by the quarantine");
            const saved = JSON.parse(fs.readFileSync(stateFile, "utf8")) as { quarantine: { stoppedMachines: Array<{ name: string }> } };
            assert.deepEqual(saved.quarantine.stoppedMachines.map(m => m.name), [name], "the mark survives a restart");
            const r = await call(ADMIN.name, "Release", "a{sv}", [{}]);
            assert.true(r.ok, r.ok ? "" : r.message);
            await waitFor("the machine to run again", () => state() === "running", 30_000);
            const audit = await callAs(null, { ...MANAGER, method: "AuditTail", signature: "ua{sv}", body: [50, {}] });
            const steps = (audit.ok ? audit.body[0] as Array<Record<string, unknown>> : [])
                .filter(rec => rec.Method === "Firewall.Quarantine.StopMachine" || rec.Method === "Firewall.Release.StartMachine")
                .map(rec => [rec.Method, rec.Result, JSON.parse(String(rec.Arguments)).machine]);
            assert.deepEqual(steps.slice(-2), [["Firewall.Quarantine.StopMachine", "ok", name], ["Firewall.Release.StartMachine", "ok", name]], "both steps audited");
        } finally {
            try { virsh("destroy", name) } catch { /* not running */ }
            try { virsh("undefine", name, "--remove-all-storage") } catch { /* not created */ }
        }
    });

    QUnit.test("the saved lists come back with one transaction when debvisord starts", async assert => {
        const before = (await getProperty(FIREWALL.path, FIREWALL.iface, "Blocked") as unknown[][]).map(b => b[0]);
        assert.true(before.length > 0);
        await stopDaemon();
        execFileSync("nft", ["delete", "table", "inet", TABLE]);
        await startDaemon();
        await waitFor("the table", () => spawnSync("nft", ["list", "table", "inet", TABLE], { stdio: "ignore" }).status === 0, 10_000);
        const after = (await getProperty(FIREWALL.path, FIREWALL.iface, "Blocked") as unknown[][]).map(b => b[0]);
        assert.deepEqual(after, before, "the property");
        assert.equal(setElements("block4").length + setElements("block6").length, before.length, "the kernel's sets");
    });
});
