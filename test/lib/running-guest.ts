// The tiny guest (test/harness/tiny-guest.ts) defined with virsh and started
// straight from its ISO, with no disk of its own: a real running machine
// whose CPU, memory and disk (the CD-ROM it boots from) libvirt counts.
// Undefined by the test that made it.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { tinyGuestIso } from "../harness/tiny-guest.js";
import { getProperty } from "./call-as.js";
import { waitFor } from "./wait.js";

const virsh = (...args: string[]) => execFileSync("virsh", ["-c", "qemu:///system", ...args], { encoding: "utf8", stdio: "pipe" });

export interface RunningGuest { name: string; uuid: string; objectPath: string }

export async function startTinyGuest(name: string): Promise<RunningGuest> {
    const xml = `<domain type='qemu'><name>${name}</name><memory unit='MiB'>256</memory><vcpu>1</vcpu>
        <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='cdrom'/></os>
        <devices><disk type='file' device='cdrom'><driver name='qemu' type='raw'/><source file='${tinyGuestIso()}'/><target dev='hdc' bus='ide'/><readonly/></disk>
        <serial type='pty'/></devices></domain>`;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dv-guest-"));
    try {
        fs.writeFileSync(path.join(dir, "domain.xml"), xml);
        virsh("define", path.join(dir, "domain.xml"));
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
    virsh("start", name);
    const uuid = virsh("domuuid", name).trim();
    const objectPath = `/org/debvisor/DebVisor1/machines/${uuid.replace(/-/g, "_")}`;
    await waitFor(`${name} running on the bus`, async () =>
        await getProperty(objectPath, "org.debvisor.DebVisor1.Machine", "State").catch(() => undefined) === "running", 90_000, 200);
    return { name, uuid, objectPath };
}

export function removeGuest(name: string): void {
    try { virsh("destroy", name) } catch { /* not running */ }
    try { virsh("undefine", name) } catch { /* not defined */ }
}
