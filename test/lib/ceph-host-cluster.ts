// The Ceph cluster of this host itself (/etc/ceph, /var/lib/ceph, /run/ceph),
// as Bootstrap makes it, for the tests that make one: its daemons found by
// their pid files, and removeCluster, which takes all of it down again.
import fs from "node:fs";
import path from "node:path";
import { libvirtPools, tryRun } from "./storage-profile.js";
import { processRunning as alive } from "./wait.js";

const LIBVIRT = ["-c", "qemu:///system"];
const DAEMON_PID = /^ceph-(mon|mgr|osd|mds)\.[^/]+\.pid$/;

export const cephFuseMounted = () => fs.readFileSync("/proc/mounts", "utf8").split("\n").some(l => l.split(" ")[1] === "/srv/cephfs" && l.split(" ")[2] === "fuse.ceph-fuse");
const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

/* The Ceph data directories there are now ("osd/ceph-0" …): what removeCluster leaves. */
export function cephLibDirs(): Set<string> {
    const dirs = new Set<string>();
    for (const type of ["mon", "mgr", "osd", "mds"])
        for (const entry of fs.existsSync(`/var/lib/ceph/${type}`) ? fs.readdirSync(`/var/lib/ceph/${type}`) : [])
            dirs.add(`${type}/${entry}`);
    return dirs;
}

/* The pids of the Ceph daemons (and ceph-fuse) in /run/ceph's pid files. */
export function daemonPids(): number[] {
    let names: string[] = [];
    try {
        names = fs.readdirSync("/run/ceph");
    } catch {
        return [];
    }
    return names.filter(n => DAEMON_PID.test(n)).map(n => Number(fs.readFileSync(path.join("/run/ceph", n), "utf8").trim()))
        .filter(pid => Number.isInteger(pid) && pid > 1);
}

/* Takes the cluster down: the mount, the libvirt pool and secret, the daemons by their pid files, the files. */
export async function removeCluster(libDirsBefore: Set<string>): Promise<void> {
    if (cephFuseMounted()) {
        tryRun("umount", "/srv/cephfs");
        if (cephFuseMounted())
            tryRun("umount", "-l", "/srv/cephfs");
    }
    if (libvirtPools().includes("debvisor-rbd")) {
        tryRun("virsh", ...LIBVIRT, "pool-destroy", "debvisor-rbd");
        tryRun("virsh", ...LIBVIRT, "pool-undefine", "debvisor-rbd");
    }
    for (const line of tryRun("virsh", ...LIBVIRT, "-q", "secret-list").split("\n")) {
        const m = /^\s*([0-9a-f-]{36})\s+ceph\s+debvisor client\.libvirt\s*$/.exec(line);
        if (m)
            tryRun("virsh", ...LIBVIRT, "secret-undefine", m[1]);
    }
    const pids = daemonPids();
    for (const pid of pids)
        try { process.kill(pid, "SIGTERM") } catch { /* gone already */ }
    for (let i = 0; i < 100 && pids.some(alive); i++)
        await sleep(100);
    for (const pid of pids.filter(alive))
        try { process.kill(pid, "SIGKILL") } catch { /* gone */ }
    for (let i = 0; i < 50 && pids.some(alive); i++)
        await sleep(100);
    for (const n of (fs.existsSync("/run/ceph") ? fs.readdirSync("/run/ceph") : []))
        if (DAEMON_PID.test(n) || /^ceph-(mon|mgr|osd|mds)\.[^/]+\.asok$/.test(n) || n.startsWith("ceph-client.")) fs.rmSync(path.join("/run/ceph", n), { force: true });
    for (const f of ["/etc/ceph/ceph.conf", "/etc/ceph/ceph.client.admin.keyring", "/var/lib/ceph/bootstrap-osd/ceph.keyring"])
        fs.rmSync(f, { force: true });
    for (const type of ["mon", "mgr", "osd", "mds"]) {
        const dir = `/var/lib/ceph/${type}`;
        for (const entry of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
            if (!libDirsBefore.has(`${type}/${entry}`))
                fs.rmSync(path.join(dir, entry), { recursive: true, force: true });
        }
    }
    for (const entry of fs.existsSync("/var/lib/ceph/tmp") ? fs.readdirSync("/var/lib/ceph/tmp") : [])
        if (entry.startsWith("debvisor-")) fs.rmSync(path.join("/var/lib/ceph/tmp", entry), { recursive: true, force: true });
}

