// libvirt-dbus going away (crash, upgrade) must not leave stale machines:
// what changed while it was gone came with no events, so debvisord reads
// libvirt again when the name changes hands.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import QUnit from "qunit";
import { busNameOwnerPid } from "../harness/harness.js";
import { getProperty } from "../lib/call-as.js";
import { uniqueName } from "../lib/images.js";
import { waitFor } from "../lib/wait.js";

const virsh = (...args: string[]) => execFileSync("virsh", ["-c", "qemu:///system", ...args], { encoding: "utf8", stdio: "pipe" });
const name = (objectPath: string) => getProperty(objectPath, "org.debvisor.DebVisor1.Machine", "Name").catch(() => undefined);

QUnit.module("machines: libvirt-dbus restarts", () => {
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
            assert.true(true, "debvisord caught up with libvirt");
        } finally {
            for (const n of [gone, added]) {
                try { virsh("undefine", n) } catch { /* not defined */ }
            }
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
