// Where systemd is not running, the bus starts debvisord itself, through
// dbus-daemon-launch-helper, with an empty environment: no PATH. debvisord
// must still find its tools in sbin (nft, sshd, zfs …). This test lets the
// bus start it, proves the environment was empty, and uses every area.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import QUnit from "qunit";
import { callAs, getProperty, MANAGER } from "../lib/call-as.js";
import { areas, reactivateDaemon, stopDaemon, waitForArea } from "../lib/daemon.js";
import { ADMIN } from "../lib/users.js";

const ROOT = "/org/debvisor/DebVisor1";
const FIREWALL = { path: `${ROOT}/firewall`, iface: "org.debvisor.DebVisor1.Firewall" };
const HARDENING = { path: `${ROOT}/hardening`, iface: "org.debvisor.DebVisor1.Hardening" };
// an activated daemon has no DEBVISOR_* variables: it uses the product's own table and state file
const TABLE = "debvisor";
const STATE_FILE = "/etc/debvisor/firewall.json";
const TEST_ADDRESS = "192.0.2.211"; // TEST-NET-1: never a real peer

const tableExists = () => spawnSync("nft", ["list", "table", "inet", TABLE], { stdio: "ignore" }).status === 0;

QUnit.module("bus activation with an empty environment", () => {
    QUnit.test("the daemon the bus starts has no PATH, and every area works", async assert => {
        const hadTable = tableExists();
        const savedState = fs.existsSync(STATE_FILE) ? fs.readFileSync(STATE_FILE) : null;
        try {
            const pid = await reactivateDaemon();
            const environ = fs.readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").filter(Boolean).map(e => e.split("=")[0]);
            assert.deepEqual(environ.filter(name => !name.startsWith("DBUS_STARTER_")), [],
                `started with nothing but the bus's own variables (${environ.join(", ")})`);

            // the firewall: nft lives in /usr/sbin
            const blocked = await callAs(ADMIN.name, { ...FIREWALL, method: "Block", signature: "asa{sv}", body: [[TEST_ADDRESS], {}] });
            assert.true(blocked.ok, blocked.ok ? "blocked" : blocked.message);
            const listed = spawnSync("nft", ["list", "table", "inet", TABLE], { encoding: "utf8" }).stdout;
            assert.true(listed.includes(TEST_ADDRESS), "the address is in the kernel's table");
            const unblocked = await callAs(ADMIN.name, { ...FIREWALL, method: "Unblock", signature: "asa{sv}", body: [[TEST_ADDRESS], {}] });
            assert.true(unblocked.ok, unblocked.ok ? "unblocked" : unblocked.message);
            assert.equal(await getProperty(FIREWALL.path, FIREWALL.iface, "Problem"), "", "the Security page's problem is empty");
            await waitForArea("firewall", "ready", 30_000);

            // hardening checks: sshd -T, sysctl … from sbin
            const recheck = await callAs(ADMIN.name, { ...HARDENING, method: "Recheck", signature: "a{sv}", body: [{}] });
            assert.true(recheck.ok, recheck.ok ? "rechecked" : recheck.message);
            const checks = await getProperty(HARDENING.path, HARDENING.iface, "Checks") as Array<Record<string, unknown>>;
            assert.true(checks.length > 0, "there are checks");
            assert.false(JSON.stringify(checks).includes("ENOENT"), "no check failed to run a tool");

            // DNS, ZFS, machines, Ceph: each reports its state, and none is missing its tools
            await waitForArea("dns", "ready", 30_000);
            assert.true(Array.isArray(await getProperty(`${ROOT}/dns`, "org.debvisor.DebVisor1.Dns", "Registrations")), "DNS answers");
            const zfsImplementation = await getProperty(`${ROOT}/zfs`, "org.debvisor.DebVisor1.ZfsManager", "Implementation");
            if (spawnSync("zfs-fuse", ["--help"], { stdio: "ignore" }).error === undefined) {
                assert.notEqual(zfsImplementation, "", "ZFS is found");
                await waitForArea("zfs", "ready", 60_000);
            }
            await waitForArea("machines", "ready", 120_000);
            // backups: restic from /usr/bin
            await waitForArea("backups", "ready", 30_000);
            // alerts: the engines' secret, hashed with perl from /usr/bin
            await waitForArea("alerts", "ready", 30_000);
            const objects = await callAs(null, { path: ROOT, iface: "org.freedesktop.DBus.ObjectManager", method: "GetManagedObjects", signature: "", body: [] });
            assert.true(objects.ok, "the machines list is read");
            assert.notEqual(await getProperty(MANAGER.path, MANAGER.iface, "Virtualization"), "unavailable");
            const ceph = await getProperty(`${ROOT}/ceph`, "org.debvisor.DebVisor1.CephManager", "State");
            assert.notEqual(ceph, "not-installed", "the ceph tools are found");
            const all = await areas();
            assert.deepEqual(Object.keys(all).sort(), ["alerts", "backups", "ceph", "dns", "firewall", "machines", "zfs"], "every area is listed");
            for (const [name, status] of Object.entries(all))
                assert.false(/ENOENT|not installed/.test(status.reason), `${name}: ${status.state} ${status.reason}`);
        } finally {
            // leave the product's firewall as it was, and the next call starts a fresh daemon
            await stopDaemon();
            if (savedState)
                fs.writeFileSync(STATE_FILE, savedState);
            else
                fs.rmSync(STATE_FILE, { force: true });
            if (!hadTable && tableExists())
                spawnSync("nft", ["delete", "table", "inet", TABLE], { stdio: "ignore" });
        }
    });
});
