// What of the single-node cluster exists now, for the profile planner: read
// from the files the bootstrap writes and, when the monitor runs, from the
// cluster itself (bounded by the ceph CLI's connect timeout).
import fs from "node:fs";
import path from "node:path";
import { ADMIN_KEYRING, CEPHFS_MOUNTPOINT, dataDir, daemonName, fsidOfConf, readConf } from "./config.js";
import { existingOsds, osdReady } from "./devices.js";
import { daemonRunning } from "./services.js";
import { cephfsPools, DEFAULT_OPTIONS, isCephFuseMount, type BootstrapOptions } from "./steps.js";
import { prometheusModuleState } from "../mgr-metrics.js";
import { ceph, cephJson, poolNames } from "./tools.js";

interface ClusterState {
    /** the Ceph daemons are installed */
    installed: boolean;
    fsid: string;
    /** ceph.conf, keys, a running monitor in quorum, a running manager and its prometheus module on (the core phase's
     * last step: a daemon killed between the manager and that step leaves the module off, and the next apply must run it) */
    coreDone: boolean;
    /** MDS running, CephFS and the RBD pool there, the CephFS mounted when asked */
    finishDone: boolean;
    /** this host's OSDs: the real path of each one's device, made (ready) and running */
    osds: Array<{ id: number; device: string; ready: boolean; running: boolean }>;
}

const exists = (p: string) => fs.existsSync(p);

/* Whether ceph-mgr's prometheus module is on; not when the cluster cannot be asked or no manager reported its modules yet. */
async function mgrMetricsOn(): Promise<boolean> {
    try {
        const r = await ceph(["mgr", "module", "ls", "-f", "json"], "listing ceph-mgr's modules");
        return prometheusModuleState(r.stdout).state === "enabled";
    } catch {
        return false;
    }
}

export async function observeCluster(options: Partial<BootstrapOptions> = {}): Promise<ClusterState> {
    const o = { ...DEFAULT_OPTIONS, ...options };
    const name = daemonName();
    const installed = ["/usr/bin/ceph-mon", "/usr/bin/ceph-osd"].every(exists);
    const fsid = fsidOfConf(readConf());
    const osds = [];
    for (const osd of existingOsds()) {
        const ready = osdReady(osd.dir);
        osds.push({ id: osd.id, device: osd.device, ready, running: ready && await daemonRunning("osd", String(osd.id)) });
    }
    const monUp = Boolean(fsid) && exists(path.join(dataDir("mon", name), "done")) && await daemonRunning("mon", name);
    const mgrUp = monUp && exists(ADMIN_KEYRING) && exists(path.join(dataDir("mgr", name), "keyring")) && await daemonRunning("mgr", name);
    const coreDone = mgrUp && await mgrMetricsOn();
    let finishDone = false;
    if (coreDone) {
        try {
            const pools = await poolNames();
            const fsNames = (await cephJson<Array<{ name: string }>>(["fs", "ls"], "listing the CephFS")).map(f => f.name);
            const cephfsOk = !o.cephfs || (fsNames.includes(o.cephfs) && Object.values(cephfsPools(o.cephfs)).every(p => pools.includes(p))
                && await daemonRunning("mds", name)
                && (!o.mount || isCephFuseMount(fs.readFileSync("/proc/mounts", "utf8"), CEPHFS_MOUNTPOINT)));
            finishDone = cephfsOk && (!o.rbdPool || pools.includes(o.rbdPool));
        } catch {
            finishDone = false;
        }
    }
    return { installed, fsid, coreDone, finishDone, osds };
}
