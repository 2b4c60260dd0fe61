// The libvirt storage pool for VM disks on Ceph: a cephx user
// client.libvirt that may use the RBD pool only, its key in a libvirt secret
// (private: libvirt never shows it again), and a pool of type rbd on the RBD
// pool with the monitors this host's ceph.conf names. Each part is checked first, so
// defining again changes nothing.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { failed } from "../../../lib/errors.js";
import { virsh } from "../../../lib/virsh.js";
import { MON_ADDRESS, MON_PORTS, monitorHostsOfConf, readConf } from "./config.js";
import { ceph } from "./tools.js";

const LIBVIRT_CLIENT = "libvirt";
export const SECRET_USAGE = "debvisor client.libvirt";
const RBD_BACKEND_DIRS = ["/usr/lib/x86_64-linux-gnu/libvirt/storage-backend", "/usr/lib/aarch64-linux-gnu/libvirt/storage-backend", "/usr/lib64/libvirt/storage-backend", "/usr/lib/libvirt/storage-backend"];

const xmlEscape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/'/g, "&apos;").replace(/"/g, "&quot;");

/* Whether libvirt's rbd storage backend is installed (Debian: libvirt-daemon-driver-storage-rbd). */
export function rbdBackendInstalled(dirs = RBD_BACKEND_DIRS): boolean {
    return dirs.some(d => fs.existsSync(path.join(d, "libvirt_storage_backend_rbd.so")));
}

export function secretXml(usage = SECRET_USAGE): string {
    return `<secret ephemeral='no' private='yes'>\n  <description>Ceph key of client.${LIBVIRT_CLIENT} for DebVisor's RBD pool</description>\n` +
        `  <usage type='ceph'>\n    <name>${xmlEscape(usage)}</name>\n  </usage>\n</secret>\n`;
}

/* MONITORS: where libvirt (librados) first asks for the monitor map; any one that answers will do. */
export function rbdPoolXml(name: string, rbdPool: string, secretUuid: string, monitors: string[] = [MON_ADDRESS]): string {
    return `<pool type='rbd'>\n  <name>${xmlEscape(name)}</name>\n  <source>\n    <name>${xmlEscape(rbdPool)}</name>\n` +
        monitors.map(m => `    <host name='${xmlEscape(m)}' port='${MON_PORTS.v1}'/>\n`).join("") +
        `    <auth type='ceph' username='${LIBVIRT_CLIENT}'>\n      <secret uuid='${xmlEscape(secretUuid)}'/>\n    </auth>\n  </source>\n</pool>\n`;
}

/* The uuid of the secret whose usage is ours, "" when there is none. */
export function findSecret(secretList: string, usage = SECRET_USAGE): string {
    for (const line of secretList.split("\n")) {
        const m = /^\s*([0-9a-f-]{36})\s+ceph\s+(.*?)\s*$/.exec(line);
        if (m && m[2] === usage)
            return m[1];
    }
    return "";
}

async function withTempFile<T>(content: string, work: (file: string) => Promise<T>): Promise<T> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "debvisor-rbd-"));
    const file = path.join(dir, "data");
    try {
        fs.writeFileSync(file, content, { mode: 0o600 });
        return await work(file);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** Defines, starts and autostarts the libvirt pool; "kept" when everything was there. */
export async function defineRbdPool(name: string, rbdPool: string): Promise<"ok" | "kept"> {
    if (!rbdBackendInstalled())
        throw failed("libvirt cannot use Ceph here: its rbd storage backend is missing (install libvirt-daemon-driver-storage-rbd and restart libvirtd)");
    let changed = false;
    // the key of a user that may use this pool only (profile rbd), not the admin's
    const key = (await ceph(["auth", "get-or-create-key", `client.${LIBVIRT_CLIENT}`, "mon", "profile rbd", "osd", `profile rbd pool=${rbdPool}`],
        "creating the key of client.libvirt")).stdout.trim();
    if (!/^[A-Za-z0-9+/=]{20,200}$/.test(key))
        throw failed("creating the key of client.libvirt: the monitor answered no key");
    let uuid = findSecret((await virsh(["secret-list"], "listing the libvirt secrets")).stdout);
    if (!uuid) {
        await withTempFile(secretXml(), f => virsh(["secret-define", "--file", f], "defining the libvirt secret"));
        // virsh -q does not print the new uuid: found again by its usage
        uuid = findSecret((await virsh(["secret-list"], "listing the libvirt secrets")).stdout);
        if (!uuid)
            throw failed("defining the libvirt secret: it is not listed after it was defined");
        changed = true;
    }
    const current = await virsh(["secret-get-value", "--secret", uuid], "reading the libvirt secret", { allowFailure: true });
    // a private secret cannot be read back: it is set each time (the same value changes nothing)
    if (current.exitCode !== 0 || current.stdout.trim() !== key)
        await withTempFile(key, f => virsh(["secret-set-value", "--secret", uuid, "--file", f], "storing the key in the libvirt secret"));
    const pools = (await virsh(["pool-list", "--all", "--name"], "listing the libvirt pools")).stdout.split("\n").map(s => s.trim());
    if (!pools.includes(name)) {
        // the monitors of this host's ceph.conf: 127.0.0.1 on a single node, the members' addresses in a cluster
        await withTempFile(rbdPoolXml(name, rbdPool, uuid, monitorHostsOfConf(readConf())), f => virsh(["pool-define", "--file", f], `defining the libvirt pool ${name}`));
        changed = true;
    }
    const info = (await virsh(["pool-info", "--", name], `reading the libvirt pool ${name}`)).stdout;
    if (!/State:\s+running/.test(info)) {
        await virsh(["pool-start", "--", name], `starting the libvirt pool ${name}`);
        changed = true;
    }
    if (!/Autostart:\s+yes/.test(info)) {
        await virsh(["pool-autostart", "--", name], `marking the libvirt pool ${name} to start at boot`);
        changed = true;
    }
    return changed ? "ok" : "kept";
}
