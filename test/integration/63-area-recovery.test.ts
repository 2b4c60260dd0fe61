// Backends that come up after debvisord or go away while it runs: each area
// tells its state and reason (Manager.Areas) and recovers by itself, with no
// restart of debvisord. Only daemons the harness started are stopped here.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import QUnit from "qunit";
import { busNameOwnerPid, ownDaemon } from "../harness/harness.js";
import { getProperty, MANAGER } from "../lib/call-as.js";
import { areas, BUS_NAME, reactivateDaemon, waitForArea } from "../lib/daemon.js";
import { uniqueName } from "../lib/images.js";
import { waitFor } from "../lib/wait.js";

const ROOT = "/org/debvisor/DebVisor1";
const DNS_STATE = "/etc/debvisor/dns/state.json";
const virsh = (...args: string[]) => execFileSync("virsh", ["-c", "qemu:///system", ...args], { encoding: "utf8", stdio: "pipe" });
const readable = (objectPath: string, iface: string, property: string) => getProperty(objectPath, iface, property).then(() => true, () => false);

QUnit.module("areas that come up later or restart", () => {
    QUnit.module.if("libvirtd", ownDaemon("libvirtd") !== null, () => {
        QUnit.test("libvirtd not running when debvisord starts: machines retry, then one defined with virsh appears", async assert => {
            const libvirtd = ownDaemon("libvirtd")!;
            const name = uniqueName("dvlate");
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dv-late-"));
            try {
                await libvirtd.stop();
                const pid = await reactivateDaemon();
                const retrying = await waitForArea("machines", "retrying", 60_000);
                assert.true(/libvirt/.test(retrying.reason), `says why: ${retrying.reason}`);
                assert.true(retrying.nextAttempt > 0, "and when it tries again");
                assert.equal(await getProperty(MANAGER.path, MANAGER.iface, "Virtualization"), "unavailable");

                await libvirtd.start();
                const file = path.join(dir, "domain.xml");
                fs.writeFileSync(file, `<domain type='qemu'><name>${name}</name><memory unit='MiB'>16</memory><vcpu>1</vcpu><os><type arch='x86_64' machine='pc'>hvm</type></os></domain>`);
                virsh("define", file);
                const objectPath = `${ROOT}/machines/${virsh("domuuid", name).trim().replace(/-/g, "_")}`;
                // the pause has grown while libvirtd was down: at most 60 s, plus libvirt's first QEMU probe
                await waitFor("the machine defined with virsh", async () =>
                    await getProperty(objectPath, "org.debvisor.DebVisor1.Machine", "Name").catch(() => null) === name, 150_000, 500);
                assert.equal((await areas()).machines.state, "ready");
                assert.notEqual(await getProperty(MANAGER.path, MANAGER.iface, "Virtualization"), "unavailable");
                assert.equal(busNameOwnerPid(BUS_NAME), pid, "the same debvisord throughout");
            } finally {
                await libvirtd.start();
                try { virsh("undefine", name) } catch { /* not defined */ }
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });

        QUnit.test("libvirtd restarting behind libvirt-dbus: a machine defined after the restart appears", async assert => {
            const libvirtd = ownDaemon("libvirtd")!;
            const [before, after] = [uniqueName("dvbefore"), uniqueName("dvafter")];
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dv-restart-"));
            const define = (name: string) => {
                const file = path.join(dir, `${name}.xml`);
                fs.writeFileSync(file, `<domain type='qemu'><name>${name}</name><memory unit='MiB'>16</memory><vcpu>1</vcpu><os><type arch='x86_64' machine='pc'>hvm</type></os></domain>`);
                virsh("define", file);
                return `${ROOT}/machines/${virsh("domuuid", name).trim().replace(/-/g, "_")}`;
            };
            const appears = (objectPath: string, name: string) => waitFor(`${name} to appear`, async () =>
                await getProperty(objectPath, "org.debvisor.DebVisor1.Machine", "Name").catch(() => null) === name, 150_000, 500);
            try {
                // debvisord follows libvirt's events ...
                await appears(define(before), before);
                // ... and still does after libvirtd restarted behind the same libvirt-dbus
                await libvirtd.stop();
                await libvirtd.start();
                await appears(define(after), after);
                assert.equal((await areas()).machines.state, "ready", "debvisord followed libvirtd's restart");
            } finally {
                await libvirtd.start();
                for (const name of [before, after]) {
                    try { virsh("undefine", name) } catch { /* not defined */ }
                }
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
    });

    QUnit.test("a DNS state file that cannot be read: DNS retries with the reason, and comes up once it is fixed", async assert => {
        const saved = fs.existsSync(DNS_STATE) ? fs.readFileSync(DNS_STATE) : null;
        try {
            fs.mkdirSync(path.dirname(DNS_STATE), { recursive: true });
            fs.writeFileSync(DNS_STATE, "{ \"zones\": ", { mode: 0o640 });
            await reactivateDaemon();
            const retrying = await waitForArea("dns", "retrying", 30_000);
            assert.true(retrying.reason.includes(DNS_STATE), `names the file: ${retrying.reason}`);
            assert.false(await readable(`${ROOT}/dns`, "org.debvisor.DebVisor1.Dns", "Registrations"), "no DNS object meanwhile");
            if (saved)
                fs.writeFileSync(DNS_STATE, saved);
            else
                fs.rmSync(DNS_STATE);
            await waitForArea("dns", "ready", 90_000);
            assert.true(await readable(`${ROOT}/dns`, "org.debvisor.DebVisor1.Dns", "Registrations"), "the DNS object is there");
        } finally {
            if (saved)
                fs.writeFileSync(DNS_STATE, saved);
            else
                fs.rmSync(DNS_STATE, { force: true });
        }
    });

    QUnit.module.if("zfs-fuse", ownDaemon("zfs-fuse") !== null, () => {
        QUnit.test("zfs-fuse not running: ZFS retries with the reason, and recovers when it is started", async assert => {
            const zfsFuse = ownDaemon("zfs-fuse")!;
            try {
                await zfsFuse.stop();
                await reactivateDaemon();
                const retrying = await waitForArea("zfs", "retrying", 60_000);
                assert.true(retrying.reason.length > 0, `says why: ${retrying.reason}`);
                await zfsFuse.start();
                await waitForArea("zfs", "ready", 90_000);
                assert.notEqual(await getProperty(`${ROOT}/zfs`, "org.debvisor.DebVisor1.ZfsManager", "Implementation"), "");
            } finally {
                await zfsFuse.start();
            }
        });
    });
});
