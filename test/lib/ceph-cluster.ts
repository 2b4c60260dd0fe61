// A real single-node Ceph cluster for tests, in a private directory: its own
// ceph.conf on 127.0.0.1 with non-default monitor ports, one monitor, one
// manager, three bluestore OSDs on 4 GiB sparse files, an MDS with a CephFS
// and an "rbd" pool. debvisord is pointed at it through /etc/debvisor/ceph.json.
// stop() ends exactly the daemons it started (by the PIDs in their pid files),
// removes the directory and puts ceph.json back as it was.
import { execFile, execFileSync } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { processRunning as alive } from "./wait.js";

const exec = promisify(execFile);

export const CEPH_CONFIG = "/etc/debvisor/ceph.json";
export const DEFAULT_DIR = "/var/tmp/debvisor-test-ceph";
/* Not Ceph's 3300/6789, so a cluster made at /etc/ceph by another test does not collide. */
export const MON_PORTS = { v2: 3310, v1: 6799 };
const OSDS = 3;
const HEALTHY_WITHIN_MS = 180_000;

export interface CephCluster {
    dir: string;
    conf: string;
    keyring: string;
    fsid: string;
    /** the CephFS's name */
    fs: string;
    /** `ceph ARGS -f json` against this cluster, parsed */
    json<T = unknown>(...args: string[]): Promise<T>;
    /** `ceph ARGS` (or another tool given as `tool`) against this cluster, its stdout */
    run(args: string[], tool?: "ceph" | "rbd"): Promise<string>;
    /** the PID of a daemon, e.g. "mon.a", "osd.0" */
    pid(daemon: string): number | null;
    stop(): Promise<void>;
}

function confText(dir: string, fsid: string): string {
    return `[global]
fsid = ${fsid}
mon host = [v2:127.0.0.1:${MON_PORTS.v2},v1:127.0.0.1:${MON_PORTS.v1}]
mon initial members = a
public network = 127.0.0.0/8
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
auth allow insecure global id reclaim = false
pid file = ${dir}/$name.pid
admin socket = ${dir}/$name.asok
run dir = ${dir}
log file = ${dir}/$name.log
mon data = ${dir}/$name
osd data = ${dir}/$name
mgr data = ${dir}/$name
mds data = ${dir}/$name
osd crush chooseleaf type = 0
osd objectstore = bluestore
bluestore block create = true
bluestore block size = ${4 * 1024 ** 3}
bluestore fsck on mkfs = false
osd memory target = 536870912
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon data avail warn = 2
mon data avail crit = 1
mon osd full ratio = 0.97
mon osd nearfull ratio = 0.95
mon osd backfillfull ratio = 0.96

[mon]
keyring = ${dir}/$name/keyring
[mgr]
keyring = ${dir}/$name/keyring
mgr initial modules = status
[osd]
keyring = ${dir}/$name/keyring
[mds]
keyring = ${dir}/$name/keyring
[client]
keyring = ${dir}/ceph.client.admin.keyring
log file = /dev/null
admin socket =
`;
}

function readPid(file: string): number | null {
    try {
        const pid = Number(fs.readFileSync(file, "utf8").trim());
        return Number.isInteger(pid) && pid > 1 ? pid : null;
    } catch {
        return null;
    }
}

/* Ends the daemons whose pid files lie in `dir` (a cluster a crashed run left behind, too). */
async function stopDaemons(dir: string): Promise<void> {
    if (!fs.existsSync(dir))
        return;
    const pids = fs.readdirSync(dir).filter(f => f.endsWith(".pid")).map(f => readPid(path.join(dir, f)))
        .filter((p): p is number => p !== null && alive(p));
    for (const pid of pids) {
        try {
            // a monitor stopped with SIGSTOP by a test that broke off must run again to end
            process.kill(pid, "SIGCONT");
            process.kill(pid, "SIGTERM");
        } catch {
            // gone already
        }
    }
    for (let i = 0; i < 100 && pids.some(alive); i++)
        await new Promise(r => setTimeout(r, 100));
    for (const pid of pids.filter(alive)) {
        try {
            process.kill(pid, "SIGKILL");
        } catch {
            // gone
        }
    }
    for (let i = 0; i < 50 && pids.some(alive); i++)
        await new Promise(r => setTimeout(r, 100));
}

/* Starts the cluster and waits until it is HEALTH_OK with every placement group active+clean. */
export async function startCephCluster(dir = DEFAULT_DIR, options: { configure?: boolean } = {}): Promise<CephCluster> {
    await stopDaemons(dir);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const fsid = randomUUID();
    const conf = path.join(dir, "ceph.conf");
    const keyring = path.join(dir, "ceph.client.admin.keyring");
    fs.writeFileSync(conf, confText(dir, fsid));
    const c = ["-c", conf];
    const sh = async (cmd: string, args: string[], timeout = 60_000) => {
        try {
            return (await exec(cmd, args, { timeout, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 })).stdout;
        } catch (e) {
            const err = e as { stderr?: string; message: string };
            throw new Error(`${cmd} ${args.join(" ")}: ${(err.stderr ?? "").trim() || err.message}`);
        }
    };
    const ceph = (...args: string[]) => sh("ceph", [...c, "--connect-timeout", "20", ...args]);

    let restoreConfig: (() => void) | null = null;
    // a test process that dies without its after hook still ends its daemons
    const onExit = () => {
        for (const f of fs.existsSync(dir) ? fs.readdirSync(dir).filter(n => n.endsWith(".pid")) : []) {
            const pid = readPid(path.join(dir, f));
            try {
                if (pid !== null) {
                    process.kill(pid, "SIGCONT");
                    process.kill(pid, "SIGKILL");
                }
            } catch {
                // gone
            }
        }
        restoreConfig?.();
    };
    process.on("exit", onExit);
    const cluster: CephCluster = {
        dir, conf, keyring, fsid, fs: "cephfs",
        json: async <T>(...args: string[]) => JSON.parse(await ceph(...args, "-f", "json")) as T,
        run: (args, tool = "ceph") => tool === "ceph" ? ceph(...args) : sh("rbd", [...c, ...args]),
        pid: daemon => readPid(path.join(dir, `${daemon}.pid`)),
        stop: async () => {
            process.off("exit", onExit);
            try {
                await stopDaemons(dir);
            } finally {
                restoreConfig?.();
                restoreConfig = null;
                fs.rmSync(dir, { recursive: true, force: true });
            }
        },
    };

    try {
        // keys: the monitors' and the administrator's
        const monKeyring = path.join(dir, "mon.keyring");
        await sh("ceph-authtool", ["--create-keyring", monKeyring, "--gen-key", "-n", "mon.", "--cap", "mon", "allow *"]);
        await sh("ceph-authtool", ["--create-keyring", keyring, "--gen-key", "-n", "client.admin",
            "--cap", "mon", "allow *", "--cap", "osd", "allow *", "--cap", "mds", "allow *", "--cap", "mgr", "allow *"]);
        await sh("ceph-authtool", [monKeyring, "--import-keyring", keyring]);
        const monmap = path.join(dir, "monmap");
        await sh("monmaptool", ["--create", "--addv", "a", `[v2:127.0.0.1:${MON_PORTS.v2},v1:127.0.0.1:${MON_PORTS.v1}]`, "--fsid", fsid, monmap]);
        fs.mkdirSync(path.join(dir, "mon.a"));
        await sh("ceph-mon", [...c, "--mkfs", "-i", "a", "--monmap", monmap, "--keyring", monKeyring]);
        await sh("ceph-mon", [...c, "-i", "a"]);

        // the manager, and the OSDs made in parallel
        fs.mkdirSync(path.join(dir, "mgr.x"));
        await ceph("auth", "get-or-create", "mgr.x", "mon", "allow profile mgr", "osd", "allow *", "mds", "allow *",
            "-o", path.join(dir, "mgr.x", "keyring"));
        await sh("ceph-mgr", [...c, "-i", "x"]);
        await Promise.all(Array.from({ length: OSDS }, async () => {
            const uuid = randomUUID();
            const id = (await ceph("osd", "new", uuid)).trim();
            const data = path.join(dir, `osd.${id}`);
            fs.mkdirSync(data);
            await sh("ceph-osd", [...c, "-i", id, "--mkfs", "--mkkey", "--osd-uuid", uuid, "--no-mon-config"], 120_000);
            await ceph("auth", "add", `osd.${id}`, "osd", "allow *", "mon", "allow profile osd", "mgr", "allow profile osd",
                "-i", path.join(data, "keyring"));
            await sh("ceph-osd", [...c, "-i", id]);
        }));

        // the MDS, the CephFS and the rbd pool
        fs.mkdirSync(path.join(dir, "mds.a"));
        await ceph("auth", "get-or-create", "mds.a", "mon", "allow profile mds", "osd", "allow rwx", "mds", "allow", "mgr", "allow profile mds",
            "-o", path.join(dir, "mds.a", "keyring"));
        await sh("ceph-mds", [...c, "-i", "a"]);
        await ceph("osd", "pool", "create", "cephfs_metadata", "8");
        await ceph("osd", "pool", "create", "cephfs_data", "8");
        await ceph("fs", "new", "cephfs", "cephfs_metadata", "cephfs_data");
        await ceph("fs", "set", "cephfs", "standby_count_wanted", "0");
        await ceph("osd", "pool", "create", "rbd", "8");
        await sh("rbd", [...c, "pool", "init", "rbd"]);

        await waitHealthy(cluster);
        if (options.configure !== false)
            restoreConfig = pointDebvisorAt(conf, keyring);
        return cluster;
    } catch (e) {
        const logs = fs.existsSync(dir) ? fs.readdirSync(dir).filter(f => f.endsWith(".log")) : [];
        const tails = logs.map(f => `${f}: ${fs.readFileSync(path.join(dir, f), "utf8").split("\n").slice(-5).join("\n")}`).join("\n");
        await cluster.stop();
        throw new Error(`the test Ceph cluster did not come up: ${(e as Error).message}\n${tails}`);
    }
}

/* HEALTH_OK, every OSD up and in, every placement group active+clean, an active MDS. */
export async function waitHealthy(cluster: CephCluster, within = HEALTHY_WITHIN_MS): Promise<void> {
    const deadline = Date.now() + within;
    let last = "";
    while (Date.now() < deadline) {
        try {
            const s = await cluster.json<{
                health: { status: string; checks: Record<string, { summary: { message: string } }> };
                osdmap: { num_osds: number; num_up_osds: number; num_in_osds: number };
                pgmap: { num_pgs: number; pgs_by_state?: Array<{ state_name: string; count: number }> };
                fsmap?: { up?: number; in?: number };
            }>("status");
            const clean = (s.pgmap.pgs_by_state ?? []).filter(p => p.state_name === "active+clean").reduce((n, p) => n + p.count, 0);
            const o = s.osdmap;
            last = `${s.health.status} ${Object.entries(s.health.checks).map(([k, v]) => `${k}: ${v.summary.message}`).join("; ")}; ` +
                `osds ${o.num_up_osds}/${o.num_in_osds}/${o.num_osds}; pgs ${clean}/${s.pgmap.num_pgs} clean; mds up ${s.fsmap?.up ?? 0}`;
            if (s.health.status === "HEALTH_OK" && o.num_osds === OSDS && o.num_up_osds === OSDS && o.num_in_osds === OSDS &&
                s.pgmap.num_pgs > 0 && clean === s.pgmap.num_pgs && (s.fsmap?.up ?? 0) >= 1)
                return;
        } catch (e) {
            last = (e as Error).message;
        }
        await new Promise(r => setTimeout(r, 1000));
    }
    throw new Error(`not healthy within ${within / 1000} s: ${last}`);
}

/* Writes /etc/debvisor/ceph.json; returns a function that restores what was there. */
export function pointDebvisorAt(conf: string, keyring: string): () => void {
    const saved = fs.existsSync(CEPH_CONFIG) ? fs.readFileSync(CEPH_CONFIG, "utf8") : null;
    fs.mkdirSync(path.dirname(CEPH_CONFIG), { recursive: true });
    const current = saved ? JSON.parse(saved) as Record<string, unknown> : {};
    fs.writeFileSync(CEPH_CONFIG, JSON.stringify({ ...current, conf, keyring }, null, 2));
    return () => {
        if (saved === null)
            fs.rmSync(CEPH_CONFIG, { force: true });
        else
            fs.writeFileSync(CEPH_CONFIG, saved);
    };
}

/* An "rbd diff v1" stream that writes `data` at `offset`. */
function rbdDiff(offset: number, data: Buffer): Buffer {
    const u64 = (n: number) => {
        const b = Buffer.alloc(8);
        b.writeBigUInt64LE(BigInt(n));
        return b;
    };
    return Buffer.concat([Buffer.from("rbd diff v1\n"), Buffer.from("w"), u64(offset), u64(data.length), data, Buffer.from("e")]);
}

/* Writes `bytes` bytes of `byte` at `offset` into an existing image with rbd itself (rbd import-diff):
 * known content without a kernel client or qemu's rbd driver. */
export function rbdWrite(cluster: CephCluster, spec: string, offset: number, bytes: number, byte: number): void {
    execFileSync("rbd", ["-c", cluster.conf, "import-diff", "--no-progress", "-", spec], { input: rbdDiff(offset, Buffer.alloc(bytes, byte)), stdio: "pipe" });
}

/* The SHA-256 of the image's content as rbd export reads it. */
export function rbdContent(cluster: CephCluster, spec: string): string {
    const data = execFileSync("rbd", ["-c", cluster.conf, "export", "--no-progress", spec, "-"], { maxBuffer: 1024 ** 3, stdio: ["ignore", "pipe", "pipe"] });
    return createHash("sha256").update(data).digest("hex");
}
