// A burst of libvirt events must not exhaust debvisord's bus connection, and
// libvirt-dbus going away (crash, upgrade) must not leave stale machines:
// what changed while it was gone came with no events, so debvisord reads
// libvirt again when the name changes hands.
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import QUnit from "qunit";
import { busNameOwnerPid } from "../harness/harness.js";
import { callAs, getProperty, MANAGER } from "../lib/call-as.js";
import { ADMIN } from "../lib/users.js";
import { uniqueName } from "../lib/images.js";
import { waitFor } from "../lib/wait.js";

const virsh = (...args: string[]) => execFileSync("virsh", ["-c", "qemu:///system", ...args], { encoding: "utf8", stdio: "pipe" });
const name = (objectPath: string) => getProperty(objectPath, "org.debvisor.DebVisor1.Machine", "Name").catch(() => undefined);

QUnit.module("machines: bursts and restarts", () => {
    QUnit.test("300 domains defined at once all appear, and calls that need libvirt meanwhile succeed", async assert => {
        const COUNT = 300;
        const dir = fs.mkdtempSync("/tmp/dv-many-");
        const prefix = uniqueName("dvstart");
        const names = Array.from({ length: COUNT }, (_, i) => `${prefix}-${i}`);
        const script = names.map((n, i) => {
            const file = path.join(dir, `${i}.xml`);
            fs.writeFileSync(file, `<domain type='qemu'><name>${n}</name><memory unit='MiB'>16</memory><vcpu>1</vcpu><os><type arch='x86_64' machine='pc'>hvm</type></os></domain>`);
            return `define ${file}\n`;
        }).join("");
        try {
            // a burst of definitions: 300 events at once, each read back from libvirt, while
            // calls that need libvirt arrive too (the bus allows 128 pending replies per connection)
            const burst = new Promise<void>((resolve, reject) => {
                const child = spawn("virsh", ["-c", "qemu:///system"], { stdio: ["pipe", "ignore", "ignore"] });
                child.on("close", code => code === 0 ? resolve() : reject(new Error(`virsh exit ${code}`)));
                child.stdin.end(script);
            });
            const creates = await Promise.all([0, 1, 2, 3, 4, 5].map(async i => {
                await new Promise(r => setTimeout(r, 300 * i));
                return callAs(ADMIN.name, { ...MANAGER, method: "CreateMachine", signature: "sa{sv}",
                    body: [`${prefix}-new${i}`, { "disk-size": ["t", 1 << 20], network: ["s", "none"] }] });
            }));
            await burst;
            for (const reply of creates)
                assert.true(reply.ok, reply.ok ? "created during the burst" : reply.message);
            let seen = 0;
            await waitFor(`${COUNT} machines`, async () => {
                const out = execFileSync("busctl", ["--system", "--json=short", "call", "org.debvisor.DebVisor1", "/org/debvisor/DebVisor1",
                    "org.freedesktop.DBus.ObjectManager", "GetManagedObjects"], { encoding: "utf8", maxBuffer: 64 << 20 });
                seen = (out.match(new RegExp(`"${prefix}-\\d+"`, "g")) ?? []).length;
                return seen === COUNT;
            }, 60_000, 500);
            assert.equal(seen, COUNT);
        } finally {
            execFileSync("virsh", ["-c", "qemu:///system"], { input: names.map(n => `undefine ${n}\n`).join("") +
                [0, 1, 2, 3, 4, 5].map(i => `undefine ${prefix}-new${i} --remove-all-storage\n`).join(""), stdio: ["pipe", "ignore", "ignore"] });
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    QUnit.test("a domain removed while libvirt-dbus was gone disappears, one defined meanwhile appears", async assert => {
        const dir = fs.mkdtempSync("/tmp/dv-restart-");
        const [gone, added] = [uniqueName("dvgone"), uniqueName("dvadded")];
        const define = (n: string) => {
            const file = path.join(dir, `${n}.xml`);
            fs.writeFileSync(file, `<domain type='qemu'><name>${n}</name><memory unit='MiB'>16</memory><vcpu>1</vcpu><os><type arch='x86_64' machine='pc'>hvm</type></os></domain>`);
            virsh("define", file);
            return `/org/debvisor/DebVisor1/machines/${virsh("domuuid", n).trim().replace(/-/g, "_")}`;
        };
        try {
            const gonePath = define(gone);
            await waitFor("the first machine", async () => await name(gonePath) === gone, 30_000);
            const pid = busNameOwnerPid("org.libvirt");
            assert.true(pid !== null, "libvirt-dbus runs");
            process.kill(pid!, "SIGKILL");
            await waitFor("libvirt-dbus to be gone", () => busNameOwnerPid("org.libvirt") !== pid, 10_000);
            virsh("undefine", gone);
            const addedPath = define(added);
            await waitFor("the removed machine to go", async () => await name(gonePath) === undefined, 20_000);
            await waitFor("the new machine to appear", async () => await name(addedPath) === added, 20_000);
            assert.equal(await name(addedPath), added, "debvisord caught up with libvirt");
        } finally {
            for (const n of [gone, added]) {
                try { virsh("undefine", n) } catch { /* not defined */ }
            }
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
