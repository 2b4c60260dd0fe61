// Cluster.Create on this host's own debvisord, cut short for real and tried
// again: the address given is on a bridge this test makes (the host's other
// addresses are left alone), and a process of the test holds the Ceph
// monitor's v2 port there, so the monitor the create starts cannot listen and
// the create fails at that step. What the create made by then (ceph.conf, the
// keys, the monitor's store) is taken away again: the node is in no cluster,
// with no Ceph of its own, and the same Create, once the port is free, makes
// the cluster. A debvisord killed mid-create leaves what it made; the next
// Create takes that away before it begins, and makes a cluster of its own.
// Everything is taken down at the end (the daemons by their pid files), and
// debvisord is restarted so that the tests after this one meet a node in no
// cluster.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import QUnit from "qunit";
import { busNameOwnerPid } from "../harness/harness.js";
import { closeWatchBus, watchJobs } from "../lib/bus-watch.js";
import { callAs, getProperty } from "../lib/call-as.js";
import { cephLibDirs, daemonPids, removeCluster } from "../lib/ceph-host-cluster.js";
import { moduleUnless } from "../lib/skip.js";
import { ADMIN } from "../lib/users.js";
import { waitFor, withTimeout } from "../lib/wait.js";

const CLUSTER = { path: "/org/debvisor/DebVisor1/cluster", iface: "org.debvisor.DebVisor1.Cluster" };
const BRIDGE = "dvcreate0";
const ADDRESS = "10.231.79.1";
const MON_V2_PORT = 3300;
const CLUSTER_DIR = "/etc/debvisor/cluster";
/* What a failed create must not leave: the files its Ceph steps write. */
const CEPH_FILES = ["/etc/ceph/ceph.conf", "/etc/ceph/ceph.client.admin.keyring", "/var/lib/ceph/bootstrap-osd/ceph.keyring", `${CLUSTER_DIR}/cluster.json`];

const run = (cmd: string, ...args: string[]) => execFileSync(cmd, args, { encoding: "utf8", stdio: "pipe", timeout: 120_000 });
const tryRun = (cmd: string, ...args: string[]) => {
    try {
        return run(cmd, ...args);
    } catch {
        return null;
    }
};
const name = os.hostname().split(".")[0];
const state = async () => String(await getProperty(CLUSTER.path, CLUSTER.iface, "State"));
const create = (address: string) => callAs(ADMIN.name, { ...CLUSTER, method: "Create", signature: "sa{sv}", body: [address, { "auth.no_user_interaction": ["b", true] }] });

function unavailable(): string | null {
    if (!fs.existsSync("/usr/bin/ceph-mon"))
        return "the Ceph daemons are not installed";
    if (fs.existsSync("/etc/ceph/ceph.conf"))
        return "this host has a Ceph cluster of its own (/etc/ceph/ceph.conf)";
    if (fs.existsSync(`${CLUSTER_DIR}/cluster.json`))
        return "this host is in a DebVisor cluster";
    if (!fs.existsSync("/etc/ssh/ssh_host_ed25519_key.pub"))
        return "no SSH host key (openssh-server)";
    if (tryRun("ip", "link", "show", BRIDGE) !== null)
        return `a link named ${BRIDGE} exists`;
    return null;
}

/* What is left of a create: each file that exists, the monitor's and manager's stores, the daemons that run. */
function leftovers(): string[] {
    return [
        ...CEPH_FILES.filter(f => fs.existsSync(f)),
        ...[`/var/lib/ceph/mon/ceph-${name}`, `/var/lib/ceph/mgr/ceph-${name}`].filter(d => fs.existsSync(d)),
        ...daemonPids().map(pid => `a Ceph daemon (pid ${pid})`),
    ];
}

/* Holds ADDRESS:PORT, as another program would. */
function holdPort(port: number): Promise<net.Server> {
    return new Promise((resolve, reject) => {
        const server = net.createServer(socket => socket.destroy());
        server.once("error", reject);
        server.listen(port, ADDRESS, () => resolve(server));
    });
}

/* The job's end: [success, message]. */
async function createJob(address: string): Promise<[boolean, string]> {
    const watch = await watchJobs();
    const r = await create(address);
    if (!r.ok)
        throw new Error(`Create refused: ${r.message}`);
    return withTimeout(watch(String(r.body[0])).completed, 300_000, "Cluster.Create");
}

moduleUnless("cluster create on this host: a create cut short is undone, and the next one makes the cluster", unavailable(), hooks => {
    const libDirsBefore = cephLibDirs();
    const clusterDirBefore = fs.existsSync(CLUSTER_DIR);
    /* the cluster id of the create that debvisord's death cut short */
    let cutShortFsid = "";

    hooks.before(() => {
        run("ip", "link", "add", BRIDGE, "type", "bridge");
        run("ip", "addr", "add", `${ADDRESS}/24`, "dev", BRIDGE);
        run("ip", "link", "set", BRIDGE, "up");
    });

    hooks.after(async () => {
        await removeCluster(libDirsBefore);
        if (!clusterDirBefore)
            fs.rmSync(CLUSTER_DIR, { recursive: true, force: true });
        else
            fs.rmSync(`${CLUSTER_DIR}/cluster.json`, { force: true });
        tryRun("ip", "link", "del", BRIDGE);
        // the debvisord that made the cluster still holds it as its own: the next call starts a fresh one
        const pid = busNameOwnerPid("org.debvisor.DebVisor1");
        if (pid !== null) {
            process.kill(pid, "SIGTERM");
            await waitFor("debvisord to exit", () => busNameOwnerPid("org.debvisor.DebVisor1") === null, 30_000);
        }
        closeWatchBus();
    });

    QUnit.test("the monitor's port is taken: the create fails at the monitor, everything it made is gone, the node is in no cluster", async assert => {
        assert.strictEqual(await state(), "none");
        const server = await holdPort(MON_V2_PORT);
        try {
            const [ok, message] = await createJob(ADDRESS);
            assert.false(ok, "the create fails");
            assert.ok(message.includes("mon"), `it says where: ${message}`);
            assert.ok(message.includes("undone"), `and that it was undone: ${message}`);
        } finally {
            await new Promise(r => server.close(r));
        }
        assert.strictEqual(await state(), "none", "in no cluster");
        assert.deepEqual(leftovers(), [], "nothing of the create is left");
    });

    QUnit.test("debvisord killed mid-create, once the monitor's store is made: what it made stays, the node is in no cluster", async assert => {
        const r = await create(ADDRESS);
        assert.true(r.ok, r.ok ? "started" : r.message);
        await waitFor("the monitor's store", () => fs.existsSync(`/var/lib/ceph/mon/ceph-${name}/done`), 120_000, 100);
        const pid = busNameOwnerPid("org.debvisor.DebVisor1");
        assert.ok(pid, "debvisord runs");
        process.kill(pid!, "SIGKILL");
        await waitFor("debvisord to be gone", () => busNameOwnerPid("org.debvisor.DebVisor1") !== pid, 30_000);
        cutShortFsid = /^fsid = (\S+)$/m.exec(fs.readFileSync("/etc/ceph/ceph.conf", "utf8"))?.[1] ?? "";
        assert.ok(cutShortFsid, "its ceph.conf is left");
        assert.strictEqual(await state(), "none", "the next debvisord finds the node in no cluster");
    });

    QUnit.test("the same create again, the port free: what the create cut short left is taken away, a new cluster is made, its monitor on the address", async assert => {
        const [ok, message] = await createJob(ADDRESS);
        assert.true(ok, message);
        assert.strictEqual(await state(), "member");
        const fsid = /^fsid = (\S+)$/m.exec(fs.readFileSync("/etc/ceph/ceph.conf", "utf8"))?.[1] ?? "";
        assert.ok(fsid && fsid !== cutShortFsid, `a cluster of its own (${fsid}), not the one cut short (${cutShortFsid})`);
        assert.false(fs.existsSync(`${CLUSTER_DIR}/creating.json`), "nothing is left unfinished");
        const monmap = JSON.parse(run("ceph", "--connect-timeout", "20", "mon", "dump", "-f", "json")) as { mons: Array<{ name: string; public_addr: string }> };
        assert.deepEqual(monmap.mons.map(m => [m.name, m.public_addr.split(":")[0]]), [[name, ADDRESS]]);
    });
});
