// fail2ban through the Hardening object, on a real fail2ban-server that this
// test starts with a configuration, socket and log file of its own (polling
// backend, an action that does nothing, so no firewall rule of the host is
// touched), and a debvisord started by this test pointed at that socket
// (DEBVISOR_FAIL2BAN_SOCKET). A ban from real log lines and one set by
// hand show up in the Fail2ban property; Unban lifts one; roles and bad
// input. The server, the daemon and the directory are removed afterwards.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import QUnit from "qunit";
import { busNameOwnerPid } from "../harness/harness.js";
import { callAs, getProperty } from "../lib/call-as.js";
import { ADMIN, OPERATOR, VIEWER } from "../lib/users.js";
import { waitFor } from "../lib/wait.js";

const BUS_NAME = "org.debvisor.DebVisor1";
const HARDENING = { path: "/org/debvisor/DebVisor1/hardening", iface: "org.debvisor.DebVisor1.Hardening" };
const NOT_AUTHORIZED = "org.debvisor.DebVisor1.Error.NotAuthorized";
const INVALID = "org.debvisor.DebVisor1.Error.InvalidArgument";
const JAIL = "dvtest";
type Dict = Record<string, unknown>;

const call = (user: string | null, method: string, signature: string, body: unknown[]) =>
    callAs(user, { ...HARDENING, method, signature, body });

async function fail2ban(): Promise<{ Installed: boolean; Running: boolean; Jails: { Name: string; Banned: string[] }[] }> {
    assert0((await call(null, "Recheck", "a{sv}", [{}])).ok);
    return (await getProperty(HARDENING.path, HARDENING.iface, "Fail2ban")) as never;
}
function assert0(ok: boolean): void {
    if (!ok) throw new Error("Recheck failed");
}

QUnit.module("hardening: fail2ban on a server of the test's own", hooks => {
    let dir = "";
    let sock = "";
    let daemon: ChildProcess | null = null;
    const client = (...args: string[]) => spawnSync("fail2ban-client", ["-s", sock, ...args], { encoding: "utf8" });

    hooks.before(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "dv-f2b-"));
        sock = path.join(dir, "f2b.sock");
        const conf = path.join(dir, "conf");
        for (const d of ["action.d", "filter.d", "jail.d"])
            fs.mkdirSync(path.join(conf, d), { recursive: true });
        fs.writeFileSync(path.join(conf, "fail2ban.conf"), `[Definition]\nloglevel = INFO\nlogtarget = ${dir}/fail2ban.log\n` +
            `socket = ${sock}\npidfile = ${dir}/f2b.pid\ndbfile = :memory:\n`);
        fs.writeFileSync(path.join(conf, "jail.conf"), `[${JAIL}]\nenabled = true\nbackend = polling\nlogpath = ${dir}/auth.log\n` +
            `filter = ${JAIL}\naction = dvtest-noop\nmaxretry = 3\nfindtime = 600\nbantime = 600\n`);
        fs.writeFileSync(path.join(conf, "filter.d", `${JAIL}.conf`), "[Definition]\nfailregex = ^fail from <HOST>$\ndatepattern = {NONE}\n");
        fs.writeFileSync(path.join(conf, "action.d", "dvtest-noop.conf"), "[Definition]\nactionstart =\nactionstop =\nactioncheck =\nactionban =\nactionunban =\n");
        fs.writeFileSync(path.join(dir, "auth.log"), "");
        const started = spawnSync("fail2ban-client", ["-c", conf, "-s", sock, "-p", path.join(dir, "f2b.pid"), "start"], { encoding: "utf8" });
        if (started.status !== 0)
            throw new Error(`fail2ban-server did not start: ${started.stderr}`);

        const old = busNameOwnerPid(BUS_NAME);
        if (old !== null) {
            process.kill(old, "SIGTERM");
            await waitFor("the running debvisord to exit", () => busNameOwnerPid(BUS_NAME) === null);
        }
        daemon = spawn("/usr/libexec/debvisord", [], { env: { ...process.env, DEBVISOR_FAIL2BAN_SOCKET: sock }, stdio: ["ignore", "ignore", "inherit"] });
        await waitFor("the test's debvisord on the bus", () => busNameOwnerPid(BUS_NAME) === daemon!.pid, 30_000);
        await waitFor("the Hardening object", async () => (await call(null, "Recheck", "a{sv}", [{}])).ok, 10_000);
    });

    hooks.after(async () => {
        if (daemon) {
            const pid = daemon.pid;
            daemon.kill("SIGTERM");
            await waitFor("the test's debvisord to exit", () => busNameOwnerPid(BUS_NAME) !== pid);
        }
        if (sock)
            client("stop");
        fs.rmSync(dir, { recursive: true, force: true });
    });

    QUnit.test("bans from log lines and by hand are listed; Unban lifts one; roles and bad input", async assert => {
        const empty = await fail2ban();
        assert.deepEqual([empty.Installed, empty.Running], [true, true]);
        assert.deepEqual(empty.Jails, [{ Name: JAIL, Banned: [] }]);

        // three failures in the log: the server bans the address itself
        fs.appendFileSync(path.join(dir, "auth.log"), "fail from 192.0.2.10\n".repeat(3));
        await waitFor("fail2ban to ban 192.0.2.10", () => client("status", JAIL).stdout.includes("192.0.2.10"), 20_000, 200);
        assert.equal(client("set", JAIL, "banip", "2001:db8::9").status, 0);
        const banned = (await fail2ban()).Jails[0].Banned;
        assert.deepEqual([...banned].sort(), ["192.0.2.10", "2001:db8::9"]);

        for (const user of [VIEWER.name, OPERATOR.name]) {
            const r = await call(user, "Unban", "ssa{sv}", [JAIL, "192.0.2.10", {}]);
            assert.equal(r.ok ? "" : r.errorName, NOT_AUTHORIZED, `${user} cannot unban`);
        }
        for (const [jail, address] of [["nojail", "192.0.2.10"], [JAIL, "192.0.2.300"], [`${JAIL}\n`, "192.0.2.10"], [JAIL, "-192.0.2.10"]]) {
            const r = await call(ADMIN.name, "Unban", "ssa{sv}", [jail, address, {}]);
            assert.equal(r.ok ? "" : r.errorName, INVALID, `${JSON.stringify(jail)} ${address}`);
        }
        const dry = await call(ADMIN.name, "Unban", "ssa{sv}", [JAIL, "192.0.2.10", { "dry-run": ["b", true] }]);
        assert.true(dry.ok);
        assert.true(client("status", JAIL).stdout.includes("192.0.2.10"), "a dry run lifts nothing");

        const r = await call(ADMIN.name, "Unban", "ssa{sv}", [JAIL, "192.0.2.10", {}]);
        assert.true(r.ok, r.ok ? "" : r.message);
        assert.false(client("status", JAIL).stdout.includes("192.0.2.10"), "fail2ban no longer bans it");
        assert.deepEqual(((await getProperty(HARDENING.path, HARDENING.iface, "Fail2ban")) as Dict & { Jails: { Banned: string[] }[] }).Jails[0].Banned, ["2001:db8::9"]);
    });

    QUnit.test("a server that stopped: Running false, Unban refused", async assert => {
        client("stop");
        await waitFor("fail2ban-server to stop", () => client("ping").status !== 0, 10_000);
        const state = await fail2ban();
        assert.deepEqual([state.Installed, state.Running, state.Jails], [true, false, []]);
        const r = await call(ADMIN.name, "Unban", "ssa{sv}", [JAIL, "2001:db8::9", {}]);
        assert.true(!r.ok && r.errorName === INVALID && r.message.includes("not running"), r.ok ? "" : r.message);
    });
});
