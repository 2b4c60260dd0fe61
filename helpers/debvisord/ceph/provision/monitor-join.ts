// A joining node's Ceph daemons: its monitor, made from the cluster's monitor
// map and the monitors' key, and a standby manager; and taking them away again
// when a join is rolled back. The new monitor is not added to the map first:
// started with its address, it asks the quorum to let it in, so a monitor that
// never comes up never becomes a member the quorum waits for (with two
// monitors that would stop the cluster).
import fs from "node:fs";
import path from "node:path";
import { writeFileAtomically } from "../../../lib/atomic-file.js";
import { ADMIN_KEYRING, CEPH_CONF, cephConfText, dataDir, MON_KEYRING, MONMAP } from "./config.js";
import { cephUser, exists, madePrivately, makeMonitorStore, prepareRunDir, stepMgr, waitForQuorum, type StepResult } from "./bootstrap.js";
import { startDaemon, stopDaemon } from "./services.js";
import { ceph, cephJson } from "./tools.js";

export interface JoinedCluster {
    fsid: string;
    publicNetwork: string;
    /** the addresses of the cluster's monitors */
    monitors: string[];
    adminKeyring: string;
    /** the monitors' shared key (`ceph auth get mon.`) */
    monKeyring: string;
}

/** Monitors a cluster keeps: three outvote one lost or serviced; more only slow the quorum down. */
const WANTED_MONITORS = 3;

/* Whether a node joining a cluster of MONITORS monitors runs one too: the first three nodes do. */
export function joinsAsMonitor(monitors: number): boolean {
    return monitors < WANTED_MONITORS;
}

/* ceph.conf and the admin keyring of the cluster joined: this node's ceph and daemons then talk to it. */
export function writeJoinedConfig(name: string, address: string, c: JoinedCluster): void {
    const monitor = joinsAsMonitor(c.monitors.length);
    writeFileAtomically(CEPH_CONF, cephConfText({
        fsid: c.fsid, name, publicNetwork: c.publicNetwork, osdCount: 0, monitorAddress: monitor ? address : undefined,
        monitorHosts: monitor ? [...c.monitors, address] : c.monitors,
    }), 0o644);
    writeFileAtomically(ADMIN_KEYRING, c.adminKeyring, 0o600);
}

export function removeJoinedConfig(): void {
    fs.rmSync(CEPH_CONF, { force: true });
    fs.rmSync(ADMIN_KEYRING, { force: true });
}

export async function joinMonitor(name: string, monKeyring: string): Promise<StepResult> {
    prepareRunDir();
    const dir = dataDir("mon", name);
    if (!exists(path.join(dir, "done"))) {
        // a store that a crash left unfinished is made again from scratch
        fs.rmSync(dir, { recursive: true, force: true });
        fs.mkdirSync(path.dirname(MONMAP), { recursive: true });
        const monmap = await madePrivately(temp => ceph(["mon", "getmap", "-o", temp], "reading the cluster's monitor map"));
        writeFileAtomically(MON_KEYRING, monKeyring, 0o600, cephUser());
        await makeMonitorStore(name, monmap);
    }
    await startDaemon("mon", name);
    await waitForQuorum(name);
    return "ok";
}

export const joinManager = (name: string) => stepMgr(name);

/* Whether the cluster's monitor map holds this monitor. */
async function inMonmap(name: string): Promise<boolean> {
    const map = await cephJson<{ mons?: Array<{ name: string }> }>(["mon", "dump"], "reading the monitor map").catch(() => null);
    return map?.mons?.some(m => m.name === name) ?? false;
}

/* Takes the monitor out of the map while it still runs (the quorum keeps its majority), then stops it and removes its store. */
export async function leaveMonitor(name: string): Promise<void> {
    if (await inMonmap(name))
        await ceph(["mon", "remove", name], `removing mon.${name} from the monitor map`);
    await stopDaemon("mon", name);
    fs.rmSync(dataDir("mon", name), { recursive: true, force: true });
}

export async function leaveManager(name: string): Promise<void> {
    await stopDaemon("mgr", name);
    await ceph(["auth", "del", `mgr.${name}`], `removing the key of mgr.${name}`, { allowFailure: true });
    fs.rmSync(dataDir("mgr", name), { recursive: true, force: true });
}
