// Ceph: a real single-node test cluster (monitor, manager, three OSDs, MDS,
// CephFS, rbd pool with 20 images) for the run. What a person or the page
// pays for the cluster's state through DebVisor against asking ceph
// directly: `debvisorctl ceph status --json` (a process, as a user runs it)
// and a bus GetAll of the CephManager, each against `ceph -s -f json` alone;
// and what one daemon refresh costs (the 5 s tier: `ceph report`; the full
// one: plus OSD and pool usage, managers and the images) against one
// `ceph -s -f json`, with the reads as a `ceph` run each and over the
// librados session debvisord keeps.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import dbus from "dbus-next";
import { CephArea } from "../helpers/debvisord/ceph/ceph-area.js";
import { CephSession } from "../helpers/debvisord/ceph/ceph-session.js";
import { CephTools } from "../helpers/debvisord/ceph/tools.js";
import type { ObjectServer } from "../helpers/debvisord/bus/object-server.js";
import type { JobRegistry } from "../helpers/debvisord/jobs/jobs.js";
import { startCephCluster } from "../test/lib/ceph-cluster.js";
import { median, now, report, timeMs } from "./lib.js";

const exec = promisify(execFile);
const RUNS = 7;
const IMAGES = 20;
const CEPH_PATH = "/org/debvisor/DebVisor1/ceph";
const CEPH_IFACE = "org.debvisor.DebVisor1.CephManager";

async function times(fn: () => Promise<unknown>, runs = RUNS): Promise<number> {
    const t: number[] = [];
    for (let i = 0; i < runs; i++)
        t.push(await timeMs(fn));
    return median(t);
}

export async function cephBench(): Promise<void> {
    const started = now();
    const cluster = await startCephCluster();
    try {
        console.log(`ceph: a cluster of 3 OSDs came up in ${((now() - started) / 1000).toFixed(0)} s`);
        for (let i = 0; i < IMAGES; i++)
            await cluster.run(["create", "--size", "64M", `rbd/bench-${i}`], "rbd");
        const bus = dbus.systemBus();
        try {
            const getAll = async () => {
                const reply = await bus.call(new dbus.Message({
                    destination: "org.debvisor.DebVisor1", path: CEPH_PATH, interface: "org.freedesktop.DBus.Properties", member: "GetAll",
                    signature: "s", body: [CEPH_IFACE],
                }));
                return reply?.body[0] as Record<string, { value: unknown }>;
            };
            const waitFrom = now();
            while (now() - waitFrom < 60_000) {
                const p = await getAll();
                if (p.State.value === "reachable" && p.Fsid.value === cluster.fsid)
                    break;
                await new Promise(r => setTimeout(r, 250));
            }
            const cephS = () => exec("/usr/bin/ceph", ["--conf", cluster.conf, "--keyring", cluster.keyring, "-s", "-f", "json"]);
            const direct = await times(cephS);
            const cli = await times(() => exec("/usr/bin/debvisorctl", ["ceph", "status", "--json"]));
            const viaBus = await times(getAll, 50);
            report("ceph: debvisorctl ceph status --json", `${cli.toFixed(0)} ms`, `ceph -s -f json (${direct.toFixed(0)} ms)`, cli / direct);
            report("ceph: bus GetAll of the CephManager", `${viaBus.toFixed(2)} ms`, `ceph -s -f json (${direct.toFixed(0)} ms)`, viaBus / direct);

            // the daemon's own refresh, run here with the same code against the same cluster: its reads as
            // a `ceph` run each, and over the session debvisord keeps (the helper from this checkout)
            const server = { rootPath: "/bench", export: () => undefined, unexport: () => undefined, propertiesChanged: () => undefined,
                publish: () => undefined, sync: () => undefined } as unknown as ObjectServer;
            const tools = new CephTools();
            const area = new CephArea(server, tools, {} as JobRegistry);
            const refreshes = async (label: string) => {
                await area.refresh(true);
                const fast = await times(() => area.refresh(false).then(() => {
                    if (area.state !== "reachable")
                        throw new Error(`refresh failed: ${area.lastError}`);
                }));
                const full = await times(() => area.refresh(true));
                const after = await times(cephS);
                report(`ceph: one daemon refresh, 5 s tier (report), ${label}`, `${fast.toFixed(0)} ms`, `ceph -s -f json (${after.toFixed(0)} ms)`, fast / after);
                report(`ceph: one full refresh (+usage, ${IMAGES} images), ${label}`, `${full.toFixed(0)} ms`, `ceph -s -f json (${after.toFixed(0)} ms)`, full / after);
            };
            await refreshes("a ceph run per read");
            const session = new CephSession(tools, ["/usr/bin/python3", "-I", new URL("../helpers/debvisord/ceph/ceph-session.py", import.meta.url).pathname]);
            area.reads = session;
            try {
                await refreshes("over the session");
            } finally {
                session.stop();
            }
        } finally {
            bus.disconnect();
        }
    } finally {
        await cluster.stop();
    }
}
