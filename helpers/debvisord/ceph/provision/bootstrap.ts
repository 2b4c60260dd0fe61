// The work of CephManager.Bootstrap and CephManager.AddOsd, and of the ceph
// steps of ApplyProfile: a single-node cluster made step by step, each step
// checking first whether it is done (kept), so a bootstrap cut short is
// completed by the next call and one run again changes nothing. What each
// call reports: index.ts. Daemons run as the "ceph" user, as Debian's units
// start them.
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { writeFileAtomically, writeJsonAtomically } from "../../../lib/atomic-file.js";
import { busy, cancelled, failed, invalidArgument } from "../../../lib/errors.js";
import { isIPv4 } from "../../../lib/ip-address.js";
import {
    ADMIN_KEYRING, BOOTSTRAP_OSD_KEYRING, CEPH_CONF, CEPHFS_MOUNTPOINT, cephConfText, dataDir, daemonName, fsidOfConf, MON_KEYRING,
    monitorAddressVector, MONMAP, OSD_STAGING_DIR, readConf, RUN_DIR, type DaemonType,
} from "./config.js";
import { checkOsdDevices, existingOsds, osdReady, type OsdDevice } from "./devices.js";
import { daemonRunning, hasSystemd, startDaemon, stopDaemon } from "./services.js";
import {
    bootstrapSteps, cephfsPools, configDecision, coreSteps, DEFAULT_OPTIONS, finishSteps, fstabWithCephfs, isCephFuseMount, osdDecision, osdStep, parsePgStat,
    pgsSettled, stagingName, type BootstrapOptions, type StepInfo,
} from "./steps.js";
import { spreadPoolsAcrossHosts } from "./host-placement.js";
import { ensureMgrMetrics, type CephRun } from "../mgr-metrics.js";
import { ceph, cephJson, poolNames, run } from "./tools.js";

export type StepResult = "ok" | "kept";

export interface StepReport {
    id: string;
    description: string;
    result: StepResult;
    /** how long the step took */
    seconds: number;
    /** steps done of all, 0 to 1 */
    fraction: number;
}

export type ProgressCallback = (report: StepReport) => void | Promise<void>;

interface BootstrapResult {
    fsid: string;
    steps: StepReport[];
    osds: number[];
}

const HEALTHY_TIMEOUT_MS = 300_000;
const QUORUM_TIMEOUT_MS = 90_000;
const OSD_UP_TIMEOUT_MS = 120_000;

let running = false;

/* One provisioning at a time in this process: two would race for OSD ids and files. */
async function exclusive<T>(work: () => Promise<T>): Promise<T> {
    if (running)
        throw busy("the Ceph cluster is being provisioned already");
    running = true;
    try {
        return await work();
    } finally {
        running = false;
    }
}

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));
const cephOutput: CephRun = async (args, what) => (await ceph(args, what)).stdout;

export function cephUser(): { uid: number; gid: number } {
    const line = fs.readFileSync("/etc/passwd", "utf8").split("\n").find(l => l.startsWith("ceph:"));
    if (!line)
        throw failed("the user \"ceph\" is missing: install the ceph-base package");
    const [, , uid, gid] = line.split(":");
    return { uid: Number(uid), gid: Number(gid) };
}

/* The ceph user owns these trees and could have put a link in them: a link's own owner is changed, never its target's. */
function chownTree(p: string, owner: { uid: number; gid: number }): void {
    fs.lchownSync(p, owner.uid, owner.gid);
    if (fs.lstatSync(p).isDirectory())
        for (const entry of fs.readdirSync(p))
            chownTree(path.join(p, entry), owner);
}

/* What a tool writes to a file, made in a directory only root can enter: the tools open whatever they find
 * at a path, and the directories the results go to (/var/lib/ceph/…) belong to the ceph user, who could
 * have put a link there. The result then goes in place with writeFileAtomically, which follows no link. */
export async function madePrivately(work: (file: string) => Promise<unknown>): Promise<Buffer> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "debvisor-ceph-"));
    try {
        await work(path.join(dir, "out"));
        return fs.readFileSync(path.join(dir, "out"));
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

export function exists(p: string): boolean {
    try {
        fs.lstatSync(p);
        return true;
    } catch {
        return false;
    }
}

export function normalizeOptions(options: Partial<BootstrapOptions>): BootstrapOptions {
    const o = { ...DEFAULT_OPTIONS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) };
    if (o.rbdPool !== "" && !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/.test(o.rbdPool))
        throw invalidArgument("options.rbd-pool: letters, digits, \"_\", \"-\", \".\", starting with a letter or digit, at most 100 characters");
    if (o.cephfs !== "" && !/^[A-Za-z][A-Za-z0-9_-]{0,63}$/.test(o.cephfs))
        throw invalidArgument("options.cephfs: letters, digits, \"_\" and \"-\", starting with a letter, at most 64 characters (\"\" for none)");
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(o.publicNetwork) ?? /^([0-9a-fA-F:]+)\/(\d{1,3})$/.exec(o.publicNetwork);
    const v4ok = m && m.length === 6 ? m.slice(1, 5).every(x => Number(x) <= 255) && Number(m[5]) <= 32 : false;
    const v6ok = m && m.length === 3 ? o.publicNetwork.includes(":") && Number(m[2]) <= 128 : false;
    if (!v4ok && !v6ok)
        throw invalidArgument("options.public-network: must be a network in CIDR form, such as 192.168.1.0/24");
    if (!isIPv4(o.monitorAddress))
        throw invalidArgument("the monitor's address must be an IPv4 address");
    return o;
}

class Runner {
    readonly reports: StepReport[] = [];
    constructor(private readonly total: number, private readonly progress: ProgressCallback | undefined, private readonly signal: AbortSignal | undefined) {}

    async step(info: StepInfo, work: () => Promise<StepResult>): Promise<StepResult> {
        if (this.signal?.aborted)
            throw cancelled(`stopped before the step ${info.id}; the next call continues from there`);
        const started = Date.now();
        let result: StepResult;
        try {
            result = await work();
        } catch (e) {
            throw Object.assign(e as Error, { message: `${info.id}: ${(e as Error).message}` });
        }
        const report = { id: info.id, description: info.description, result, seconds: (Date.now() - started) / 1000, fraction: (this.reports.length + 1) / this.total };
        this.reports.push(report);
        await this.progress?.(report);
        return result;
    }
}

/* ---- the core: config, keys, monitor, manager ---- */

async function stepConfig(name: string, options: BootstrapOptions, osdCount: number): Promise<StepResult> {
    const conf = readConf();
    if (configDecision(conf, fsidOfConf(conf)) === "kept")
        return "kept";
    writeFileAtomically(CEPH_CONF, cephConfText({ fsid: randomUUID(), name, publicNetwork: options.publicNetwork, osdCount, monitorAddress: options.monitorAddress }), 0o644);
    return "ok";
}

const keyringArgs = (entity: string, caps: string[][]) => ["--gen-key", "-n", entity, ...caps.flatMap(([svc, cap]) => ["--cap", svc, cap])];

async function newKeyring(file: string, entity: string, caps: string[][]): Promise<void> {
    const keyring = await madePrivately(temp => run("ceph-authtool", ["--create-keyring", temp, ...keyringArgs(entity, caps)], `creating the key of ${entity}`));
    writeFileAtomically(file, keyring, 0o600);
}

async function stepKeyrings(name: string): Promise<StepResult> {
    const monMade = exists(path.join(dataDir("mon", name), "done"));
    if (exists(ADMIN_KEYRING) && exists(BOOTSTRAP_OSD_KEYRING) && (monMade || exists(MON_KEYRING)))
        return "kept";
    if (!exists(ADMIN_KEYRING))
        await newKeyring(ADMIN_KEYRING, "client.admin", [["mon", "allow *"], ["osd", "allow *"], ["mds", "allow *"], ["mgr", "allow *"]]);
    if (!exists(BOOTSTRAP_OSD_KEYRING))
        await newKeyring(BOOTSTRAP_OSD_KEYRING, "client.bootstrap-osd", [["mon", "profile bootstrap-osd"], ["mgr", "allow r"]]);
    if (!monMade) {
        // the monitor's first keyring: its own key, and the keys it must know from the start
        const keyring = await madePrivately(async temp => {
            await run("ceph-authtool", ["--create-keyring", temp, ...keyringArgs("mon.", [["mon", "allow *"]])], "creating the key of mon.");
            for (const k of [ADMIN_KEYRING, BOOTSTRAP_OSD_KEYRING])
                await run("ceph-authtool", [temp, "--import-keyring", k], `adding ${path.basename(k)} to the monitor's keyring`);
        });
        writeFileAtomically(MON_KEYRING, keyring, 0o600, cephUser());
    }
    return "ok";
}

export async function waitForQuorum(name: string): Promise<void> {
    const deadline = Date.now() + QUORUM_TIMEOUT_MS;
    let last = "";
    while (Date.now() < deadline) {
        const r = await ceph(["quorum_status", "--format", "json"], "asking the monitor for its quorum", { allowFailure: true, timeout: 30_000 }).catch(e => ({ exitCode: 1, stdout: "", stderr: (e as Error).message }));
        if (r.exitCode === 0) {
            const q = JSON.parse(r.stdout) as { quorum_names?: string[] };
            if (q.quorum_names?.includes(name))
                return;
        }
        last = r.stderr.trim().split("\n").pop() ?? "";
        await sleep(1000);
    }
    throw failed(`the monitor mon.${name} formed no quorum within ${QUORUM_TIMEOUT_MS / 1000} s${last ? `: ${last}` : ""}`);
}

/* A started ceph-osd boots on its own; the OSD counts only once the monitor marks it up. */
async function waitForOsdUp(id: number): Promise<void> {
    const deadline = Date.now() + OSD_UP_TIMEOUT_MS;
    while (Date.now() < deadline) {
        const dump = await cephJson<{ osds?: Array<{ osd: number; up: number }> }>(["osd", "dump"], "reading the OSD map").catch(() => null);
        if (dump?.osds?.some(o => o.osd === id && o.up === 1))
            return;
        if (!await daemonRunning("osd", String(id)))
            throw failed(`osd.${id} stopped while booting (see /var/log/ceph/ceph-osd.${id}.log)`);
        await sleep(1000);
    }
    throw failed(`osd.${id} was not marked up within ${OSD_UP_TIMEOUT_MS / 1000} s (see /var/log/ceph/ceph-osd.${id}.log)`);
}

/* The monitor's store from a monitor map and MON_KEYRING (both removed afterwards), marked done once complete. */
export async function makeMonitorStore(name: string, monmap: Buffer): Promise<void> {
    const dir = dataDir("mon", name);
    const owner = cephUser();
    try {
        writeFileAtomically(MONMAP, monmap, 0o644, owner);
        fs.mkdirSync(dir, { recursive: true, mode: 0o750 });
        chownTree(dir, owner);
        await run("ceph-mon", ["--cluster", "ceph", "--mkfs", "-i", name, "--monmap", MONMAP, "--keyring", MON_KEYRING,
            "--setuser", "ceph", "--setgroup", "ceph"], `creating the store of mon.${name}`, { timeout: 120_000 });
        writeFileAtomically(path.join(dir, "done"), "", 0o644, owner);
        chownTree(dir, owner);
    } finally {
        fs.rmSync(MONMAP, { force: true });
        fs.rmSync(MON_KEYRING, { force: true });
    }
}

async function stepMon(name: string, address: string): Promise<StepResult> {
    const dir = dataDir("mon", name);
    let made = false;
    if (!exists(path.join(dir, "done"))) {
        const fsid = fsidOfConf(readConf());
        if (!fsid)
            throw failed(`${CEPH_CONF} names no fsid`);
        // a store that a crash left unfinished is made again from scratch
        fs.rmSync(dir, { recursive: true, force: true });
        fs.mkdirSync(path.dirname(MONMAP), { recursive: true });
        const monmap = await madePrivately(temp => run("monmaptool", ["--create", "--clobber", "--fsid", fsid,
            "--addv", name, monitorAddressVector(address), temp], "creating the monitor map"));
        await makeMonitorStore(name, monmap);
        made = true;
    }
    const started = await startDaemon("mon", name);
    await waitForQuorum(name);
    return made || started === "ok" ? "ok" : "kept";
}

/* The daemon's key in its data directory, from the monitor; kept when there. */
async function daemonKeyring(type: "mgr" | "mds", name: string, caps: string[][]): Promise<boolean> {
    const dir = dataDir(type, name);
    const keyring = path.join(dir, "keyring");
    if (exists(keyring))
        return false;
    fs.mkdirSync(dir, { recursive: true, mode: 0o750 });
    const key = await madePrivately(temp => ceph(["auth", "get-or-create", `${type}.${name}`, ...caps.flat(), "-o", temp], `creating the key of ${type}.${name}`));
    writeFileAtomically(keyring, key, 0o600, cephUser());
    chownTree(dir, cephUser());
    return true;
}

/* A manager or MDS: its key, then the daemon. */
async function daemonStep(type: "mgr" | "mds", name: string, caps: string[][]): Promise<StepResult> {
    const made = await daemonKeyring(type, name, caps);
    const started = await startDaemon(type, name);
    return made || started === "ok" ? "ok" : "kept";
}

export const stepMgr = (name: string) => daemonStep("mgr", name, [["mon", "allow profile mgr"], ["osd", "allow *"], ["mds", "allow *"]]);

/* ---- OSDs ---- */

interface Staged { uuid: string; secret: string; device: string }

async function stagedFor(device: OsdDevice): Promise<Staged> {
    const file = path.join(OSD_STAGING_DIR, stagingName(device.real));
    try {
        const staged = JSON.parse(fs.readFileSync(file, "utf8")) as Staged;
        if (staged.device === device.real && /^[0-9a-f-]{36}$/.test(staged.uuid) && staged.secret)
            return staged;
    } catch {
        // none yet
    }
    const secret = (await run("ceph-authtool", ["--gen-print-key"], "creating an OSD key")).stdout.trim();
    const staged = { uuid: randomUUID(), secret, device: device.real };
    fs.mkdirSync(OSD_STAGING_DIR, { recursive: true, mode: 0o700 });
    writeJsonAtomically(file, staged, 0o600);
    return staged;
}

/* On a host with systemd the device's owner is set to ceph before each start: a disk's node belongs to root again after a reboot. */
function deviceOwnerDropIn(id: number, device: OsdDevice): boolean {
    if (!hasSystemd())
        return false;
    const file = `/etc/systemd/system/ceph-osd@${id}.service.d/debvisor-device.conf`;
    const text = `[Service]\nExecStartPre=/bin/chown ceph:ceph ${device.path}\n`;
    if (readConf(file) === text)
        return false;
    writeFileAtomically(file, text, 0o644);
    return true;
}

async function makeOsd(device: OsdDevice): Promise<{ id: number; result: StepResult }> {
    const existing = existingOsds().find(o => o.device === device.real);
    const decision = osdDecision(existing && {
        id: existing.id, ready: osdReady(existing.dir), running: await daemonRunning("osd", String(existing.id)),
    });
    if (decision.action === "kept")
        return { id: decision.id, result: "kept" };
    const owner = cephUser();
    fs.chownSync(device.real, owner.uid, owner.gid);
    if (decision.action === "start") {
        await startOsd(decision.id, device);
        return { id: decision.id, result: "ok" };
    }
    const staged = await stagedFor(device);
    // The key goes in as a file, not on stdin: if debvisord dies just after starting "ceph osd new",
    // the orphaned command must still register the key, or the id would be taken without it and a
    // retry with the key refused ("secrets do not match").
    const keyFile = path.join(OSD_STAGING_DIR, stagingName(device.real).replace(/\.json$/, ".key.json"));
    writeJsonAtomically(keyFile, { cephx_secret: staged.secret }, 0o600);
    // the same uuid gives the same id: a retry after a crash here does not make a second OSD
    const made = await ceph(["osd", "new", staged.uuid, "-i", keyFile], `registering an OSD for ${device.name}`);
    const id = Number(made.stdout.trim());
    if (!Number.isInteger(id) || id < 0)
        throw failed(`registering an OSD for ${device.name}: the monitor answered ${JSON.stringify(made.stdout.trim().slice(0, 80))}, not an OSD id`);
    const dir = dataDir("osd", String(id));
    fs.mkdirSync(dir, { recursive: true, mode: 0o750 });
    fs.rmSync(path.join(dir, "block"), { force: true });
    fs.symlinkSync(device.path, path.join(dir, "block"));
    const keyring = await madePrivately(temp => run("ceph-authtool", ["--create-keyring", temp, "--name", `osd.${id}`, "--add-key", staged.secret],
        `writing the key of osd.${id}`));
    writeFileAtomically(path.join(dir, "keyring"), keyring, 0o600, owner);
    chownTree(dir, owner);
    await run("ceph-osd", ["--cluster", "ceph", "-i", String(id), "--mkfs", "--osd-uuid", staged.uuid, "--osd-objectstore", "bluestore",
        "--setuser", "ceph", "--setgroup", "ceph"], `creating BlueStore for osd.${id} on ${device.name}`, { timeout: 300_000 });
    if (!osdReady(dir))
        throw failed(`creating osd.${id}: ceph-osd --mkfs finished but the OSD is not ready`);
    chownTree(dir, owner);
    fs.rmSync(path.join(OSD_STAGING_DIR, stagingName(device.real)), { force: true });
    fs.rmSync(keyFile, { force: true });
    await startOsd(id, device);
    return { id, result: "ok" };
}

async function startOsd(id: number, device: OsdDevice): Promise<void> {
    if (deviceOwnerDropIn(id, device))
        await run("systemctl", ["daemon-reload"], "reloading systemd");
    await startDaemon("osd", String(id));
    await waitForOsdUp(id);
}

/* ---- MDS, CephFS, RBD pool, settling, mount ---- */

const stepMds = (name: string) => daemonStep("mds", name, [["mon", "allow profile mds"], ["osd", "allow rw tag cephfs *=*"], ["mds", "allow"], ["mgr", "allow profile mds"]]);

async function stepCephfs(fsName: string): Promise<StepResult> {
    const filesystems = await cephJson<Array<{ name: string }>>(["fs", "ls"], "listing the CephFS file systems");
    if (filesystems.some(f => f.name === fsName))
        return "kept";
    const pools = cephfsPools(fsName);
    const have = await poolNames();
    for (const pool of [pools.metadata, pools.data]) {
        if (!have.includes(pool))
            await ceph(["osd", "pool", "create", pool], `creating the pool ${pool}`);
    }
    await ceph(["fs", "new", fsName, pools.metadata, pools.data], `creating the CephFS ${fsName}`);
    return "ok";
}

async function stepRbdPool(pool: string): Promise<StepResult> {
    let made = false;
    if (!(await poolNames()).includes(pool)) {
        await ceph(["osd", "pool", "create", pool], `creating the pool ${pool}`);
        made = true;
    }
    const apps = await cephJson<Record<string, unknown>>(["osd", "pool", "application", "get", pool], `reading the applications of ${pool}`);
    if (!("rbd" in apps)) {
        await ceph(["osd", "pool", "application", "enable", pool, "rbd"], `enabling rbd on ${pool}`);
        made = true;
    }
    return made ? "ok" : "kept";
}

async function stepHealthy(fsName: string): Promise<StepResult> {
    const deadline = Date.now() + HEALTHY_TIMEOUT_MS;
    let waited = false;
    let last = "";
    while (Date.now() < deadline) {
        const pgs = parsePgStat(await cephJson<unknown>(["pg", "stat"], "reading the placement groups"));
        const pools = (await poolNames()).length;
        let mdsActive = true;
        if (fsName) {
            const fsStatus = await cephJson<{ mdsmap?: { up?: Record<string, unknown> } }>(["fs", "get", fsName], `reading the CephFS ${fsName}`).catch(() => null);
            mdsActive = Object.keys(fsStatus?.mdsmap?.up ?? {}).length > 0;
        }
        if (pgsSettled(pgs, pools) && mdsActive)
            return waited ? "ok" : "kept";
        last = `${pgs.states["active+clean"] ?? 0} of ${pgs.total} placement groups active+clean${mdsActive ? "" : ", no active MDS"}`;
        waited = true;
        await sleep(2000);
    }
    throw failed(`the cluster did not settle within ${HEALTHY_TIMEOUT_MS / 1000} s: ${last}`);
}

/* With systemd the mount comes back at boot from /etc/fstab; without it (containers, CI) fstab is left alone. */
function ensureFstab(): boolean {
    if (!hasSystemd())
        return false;
    const next = fstabWithCephfs(readConf("/etc/fstab"), CEPHFS_MOUNTPOINT, CEPH_CONF);
    if (next === null)
        return false;
    writeFileAtomically("/etc/fstab", next, 0o644);
    return true;
}

async function stepMount(): Promise<StepResult> {
    const fstab = ensureFstab();
    if (isCephFuseMount(readConf("/proc/mounts"), CEPHFS_MOUNTPOINT))
        return fstab ? "ok" : "kept";
    fs.mkdirSync(CEPHFS_MOUNTPOINT, { recursive: true, mode: 0o755 });
    // ceph-fuse works everywhere (the kernel client is not always there) and forks once mounted
    await run("ceph-fuse", ["--conf", CEPH_CONF, "--id", "admin", CEPHFS_MOUNTPOINT], `mounting the CephFS at ${CEPHFS_MOUNTPOINT}`, { timeout: 120_000 });
    if (!isCephFuseMount(readConf("/proc/mounts"), CEPHFS_MOUNTPOINT))
        throw failed(`mounting the CephFS at ${CEPHFS_MOUNTPOINT}: ceph-fuse finished but nothing is mounted there`);
    return "ok";
}

/* ---- the phases, and the whole ---- */

export function prepareRunDir(): void {
    fs.mkdirSync(RUN_DIR, { recursive: true, mode: 0o770 });
    const owner = cephUser();
    fs.chownSync(RUN_DIR, owner.uid, owner.gid);
}

async function runCore(runner: Runner, name: string, options: BootstrapOptions, osdCount: number): Promise<void> {
    prepareRunDir();
    const [config, keyrings, mon, mgr, mgrMetrics] = coreSteps(name);
    await runner.step(config, () => stepConfig(name, options, osdCount));
    await runner.step(keyrings, () => stepKeyrings(name));
    await runner.step(mon, () => stepMon(name, options.monitorAddress));
    await runner.step(mgr, () => stepMgr(name));
    await runner.step(mgrMetrics, () => ensureMgrMetrics(cephOutput));
}

async function runOsds(runner: Runner, devices: OsdDevice[], ids: number[]): Promise<void> {
    for (const device of devices) {
        await runner.step(osdStep(device.name), async () => {
            const made = await makeOsd(device);
            ids.push(made.id);
            return made.result;
        });
    }
}

async function runFinish(runner: Runner, name: string, options: BootstrapOptions): Promise<void> {
    const work: Record<string, () => Promise<StepResult>> = {
        mds: () => stepMds(name),
        cephfs: () => stepCephfs(options.cephfs),
        "rbd-pool": () => stepRbdPool(options.rbdPool),
        healthy: () => stepHealthy(options.cephfs),
        mount: () => stepMount(),
    };
    for (const info of finishSteps(name, options))
        await runner.step(info, work[info.id]);
}

function requireCluster(): string {
    const fsid = fsidOfConf(readConf());
    if (!fsid || !exists(ADMIN_KEYRING))
        throw invalidArgument(`there is no Ceph cluster on this host (${CEPH_CONF} or ${ADMIN_KEYRING} is missing): bootstrap one first`);
    return fsid;
}

export async function bootstrapCluster(devices: string[], options: Partial<BootstrapOptions> = {}, progress?: ProgressCallback,
    signal?: AbortSignal): Promise<BootstrapResult> {
    const o = normalizeOptions(options);
    if (devices.length === 0)
        throw invalidArgument("devices: name at least one spare disk for an OSD");
    const checked = await checkOsdDevices(devices);
    return exclusive(async () => {
        const name = daemonName();
        const runner = new Runner(bootstrapSteps(name, checked.map(d => d.name), o).length, progress, signal);
        const ids: number[] = [];
        await runCore(runner, name, o, checked.length);
        await runOsds(runner, checked, ids);
        await runFinish(runner, name, o);
        return { fsid: fsidOfConf(readConf()), steps: runner.reports, osds: ids };
    });
}

/* ApplyProfile's "ceph-cluster": the monitor and manager (the OSD count sets the default pool size in ceph.conf). */
export async function prepareCluster(osdCount: number, options: Partial<BootstrapOptions> = {}, progress?: ProgressCallback,
    signal?: AbortSignal): Promise<BootstrapResult> {
    const o = normalizeOptions(options);
    return exclusive(async () => {
        const name = daemonName();
        const runner = new Runner(coreSteps(name).length, progress, signal);
        await runCore(runner, name, o, osdCount);
        return { fsid: fsidOfConf(readConf()), steps: runner.reports, osds: [] };
    });
}

/* AddOsd: one OSD on a spare disk (or a test file) in the existing cluster. The first OSD of a
 * further host moves the pools to one copy per host: `placement` says what changed. */
export async function createOsd(device: string, progress?: ProgressCallback, signal?: AbortSignal): Promise<BootstrapResult & { id: number; placement: string[] }> {
    const fsid = requireCluster();
    const [checked] = await checkOsdDevices([device], "device");
    return exclusive(async () => {
        prepareRunDir();
        const runner = new Runner(1, progress, signal);
        const ids: number[] = [];
        await runOsds(runner, [checked], ids);
        const placement = await spreadPoolsAcrossHosts(cephOutput);
        return { fsid, steps: runner.reports, osds: ids, id: ids[0], placement };
    });
}

/* ApplyProfile's "ceph-rbd-pool" (before its libvirt pool): MDS, CephFS, the RBD pool, settling, the mount. */
export async function finishCluster(options: Partial<BootstrapOptions> = {}, progress?: ProgressCallback, signal?: AbortSignal): Promise<BootstrapResult> {
    const fsid = requireCluster();
    const o = normalizeOptions(options);
    return exclusive(async () => {
        prepareRunDir();
        const name = daemonName();
        const runner = new Runner(finishSteps(name, o).length, progress, signal);
        await runFinish(runner, name, o);
        return { fsid, steps: runner.reports, osds: [] };
    });
}

/* ---- undoing the core: a cluster's create that failed ---- */

/** What of the core was on this host before a create began: undoCore leaves that and takes the rest. */
export interface CoreBefore {
    /** the core's files and data directories that existed */
    present: string[];
    /** its daemons that ran ("mon", "mgr") */
    running: DaemonType[];
}

const coreDaemons = ["mgr", "mon"] as const;
const corePaths = (name: string) => [CEPH_CONF, ADMIN_KEYRING, BOOTSTRAP_OSD_KEYRING, MON_KEYRING, MONMAP, dataDir("mon", name), dataDir("mgr", name)];

export async function coreBefore(name: string): Promise<CoreBefore> {
    const running: DaemonType[] = [];
    for (const type of coreDaemons)
        if (await daemonRunning(type, name))
            running.push(type);
    return { present: corePaths(name).filter(exists), running };
}

/* Stops the monitor and manager that came after BEFORE (the manager first: it talks to the monitor)
 * and removes what came after it: the cluster they made is gone with the monitor's store. */
export async function undoCore(name: string, before: CoreBefore): Promise<void> {
    for (const type of coreDaemons)
        if (!before.running.includes(type))
            await stopDaemon(type, name);
    for (const p of corePaths(name))
        if (!before.present.includes(p))
            fs.rmSync(p, { recursive: true, force: true });
}
