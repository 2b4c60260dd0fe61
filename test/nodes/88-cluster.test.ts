// Several DebVisor nodes as one cluster, for real: three Debian nodes booted
// under systemd (systemd-nspawn, see test/lib/nspawn-node.ts) with the .debs,
// OpenSSH and Ceph's monitor and manager installed, each with its own address
// on a bridge this test makes (and removes). Node 1 creates the cluster, an
// admin there makes join tokens, nodes 2 and 3 join by token: every node lists
// every node, and the Ceph monitors listen on the nodes' addresses and form one
// quorum. Ceph across the nodes: nodes 1 and 3 apply the ceph storage profile
// (an OSD on a file that stands for the spare disk, an MDS, the CephFS mount,
// libvirt's rbd pool), node 2 adds an OSD; the pools keep one copy per host,
// three with two needed for writes; a file written to the CephFS on node 1 is
// read on node 3; Ceph is healthy. A guest on an RBD disk moves node 1 → 3 → 1
// without a copy, counting on. Bad input is refused with a clear error and leaves nothing behind: a
// token that is not one, an expired one, one used already, joining a node to
// itself, an address where no node answers, a node whose clock is an hour
// off (its debvisord given a clock of its own by its unit's environment:
// the nodes share the host's clock), and, at the end, a node in a cluster of
// its own joining another. A node whose container is killed
// is shown down on the others within 30 s, in debvisorctl and on node 1's
// Cluster page (Playwright on node 1's Cockpit), while Ceph runs degraded and
// the other nodes' machines run on; powered on again, it is healthy again. Live migration: a guest that
// counts on its serial console moves node 1 → node 2 → node 1 with its local
// disk copied, counting on without a reboot; what cannot move is refused
// before anything is done; the machine page's Migrate… moves it too. Its
// name in node 1's DNS zone (node 2 has none) answers all along: node 1
// keeps the records and notes the node it runs on.
// Maintenance: node 3 goes into it and back (noout on its CRUSH host in Ceph's
// OSD map, the mark on every node); asked on node 1 while node 3 runs a guest,
// node 3 plans it (the same plan asked from node 2) and moves the guest away
// itself, audited there with node 1's name and the user; node 1, where the guest runs, is refused,
// and goes into it with --move-machines: the guest moves to node 2, counting on.
// Removing a node is refused where it would break the monitors' quorum, for
// this node, unknown or bad names, with nothing changed; node 3 (killed) is
// removed from the Cluster page after its plan is shown and its name typed
// (its monitor leaves the map); node 2 leaves by itself, refused while the
// guest runs there. The
// nodes' bring-up is test/lib/cluster-nodes.ts; the prepared root file system is
// cached between runs; each node is stopped by its nspawn PID and its copy removed.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import QUnit from "qunit";
import { COUNTER_BOOTED } from "../harness/tiny-guest.js";
import { login, openFromMenu, openSession, screenshot } from "../lib/browser.js";
import { BOOT_DIR, ClusterNodes, clusterNodesUnavailable } from "../lib/cluster-nodes.js";
import { HOST_RULE } from "../../helpers/debvisord/ceph/provision/host-placement.js";
import { SECRET_USAGE } from "../../helpers/debvisord/ceph/provision/libvirt-rbd.js";
import { LIBVIRT_RBD_POOL } from "../../helpers/debvisord/storage/profile-plan.js";
import { ADMIN } from "../lib/users.js";
import { waitFor } from "../lib/wait.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const DEBS = path.join(ROOT, "build/debs");
const RELEASE = "bookworm";
const NETWORK_PREFIX = "10.231.77";
/* The nodes (their bring-up: test/lib/cluster-nodes.ts); the test machine has .1 on their bridge, from where the browser reaches node 1's Cockpit. */
const cluster = new ClusterNodes(NETWORK_PREFIX);
const nodes = cluster.nodes;
const address = (i: number) => cluster.address(i);
/* On the bridge, but no node has it: nothing answers there. */
const SILENT_ADDRESS = `${NETWORK_PREFIX}.99`;
const DOWN_WITHIN_MS = 30_000;
/* The guest that moves between the nodes: counterGuest() prints "count N" every second on its serial console, kept in a file. */
const GUEST = "counter";
const STOPPED_GUEST = "counter-off";
const serialLog = (name: string) => `/var/log/libvirt/qemu/${name}-serial.log`;
/* The guest on Ceph: its disk an RBD image, a volume of libvirt's rbd pool that the storage profile defines on each node. */
const RBD_GUEST = "counter-rbd";
const RBD_VOLUME = "counter-rbd-disk";
/* The nodes that apply the ceph storage profile (their OSD, an MDS, the CephFS mount, libvirt's rbd pool); node 2 only adds an OSD. */
const PROFILE_NODES = [0, 2];
/* A shut-off machine of node 3's only, for node 1's one list of the cluster's machines. */
const ELSEWHERE = "elsewhere";
const IMAGES = "/var/lib/libvirt/images";

/* A counting guest booted from kernel and initramfs, with DISK (a <disk> element) if given. */
function guestXml(name: string, disk = ""): string {
    return `<domain type='qemu'><name>${name}</name><memory unit='MiB'>128</memory><vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><kernel>${BOOT_DIR}/vmlinuz</kernel><initrd>${BOOT_DIR}/initrd.gz</initrd><cmdline>console=ttyS0 quiet</cmdline></os>
  <devices>${disk}
    <serial type='file'><source path='${serialLog(name)}'/><target port='0'/></serial></devices></domain>`;
}

/* A volume of the default pool: local to each node, so a migration copies it. */
const localDiskXml = (volume: string) =>
    `<disk type='volume' device='disk'><driver name='qemu' type='qcow2'/><source pool='default' volume='${volume}'/><target dev='vda' bus='virtio'/></disk>`;

/* An RBD image as DebVisor writes one: a network disk naming the monitors and the Ceph secret by its usage (the same on every node). */
const rbdDiskXml = (image: string) => `<disk type='network' device='disk'><driver name='qemu' type='raw'/>
    <auth username='libvirt'><secret type='ceph' usage='${SECRET_USAGE}'/></auth>
    <source protocol='rbd' name='rbd/${image}'>${[0, 1, 2].map(i => `<host name='${address(i)}' port='6789'/>`).join("")}</source><target dev='vda' bus='virtio'/></disk>`;

const unavailable = clusterNodesUnavailable(DEBS);

interface Result { status: number | null; stdout: string; stderr: string }
interface ClusterNode { Name: string; Address: string; Health: string; Self: boolean; Problem: string; Maintenance: boolean; Removal: string }
interface ClusterMachine { Node: string; Name: string; State: string; Stale: boolean }
interface ClusterProps { State: string; NodeName: string; Address: string; Fsid: string; Nodes: ClusterNode[]; Machines: ClusterMachine[] }


/* debvisorctl on a node, as root at a shell there. */
const ctl = (n: number, args: string[], timeoutMs = 60_000): Result => nodes[n].service(["debvisorctl", ...args, "--no-ask"], timeoutMs);

function mustCtl(n: number, args: string[], timeoutMs?: number): string {
    const r = ctl(n, args, timeoutMs);
    if (r.status !== 0)
        throw new Error(`debvisorctl ${args.join(" ")} on node ${n + 1} failed (${r.status}): ${r.stderr}${r.stdout}\n${journal(n)}`);
    return r.stdout;
}

const journal = (n: number) => nodes[n].exec(["journalctl", "-b", "-u", "debvisord.service", "--no-pager", "-o", "cat", "-n", "40"]).stdout;

function status(n: number): ClusterProps {
    const r = nodes[n].service(["debvisorctl", "cluster", "status", "--json"]);
    if (r.status !== 0)
        throw new Error(`cluster status on node ${n + 1}: ${r.stderr}`);
    return JSON.parse(r.stdout) as ClusterProps;
}

/* debvisorctl with arguments after "--", where --no-ask cannot follow: names starting with "-" reach debvisord. */
const ctlRaw = (n: number, args: string[], rest: string[]): Result => nodes[n].service(["debvisorctl", ...args, "--no-ask", "--", ...rest]);

/* The zone node 1's named serves (BIND installed from the node's apt cache), where machines register; the guest's name there. */
const DNS_ZONE = "cluster.debvisor.test";
const GUEST_ADDRESS = `${NETWORK_PREFIX}.60`;
interface DnsRegistration { Name: string; Node: string; Addresses: string[]; Error: string }
function registration(n: number, name: string): DnsRegistration | undefined {
    const r = nodes[n].service(["debvisorctl", "dns", "registrations", "--json"]);
    if (r.status !== 0)
        throw new Error(`debvisorctl dns registrations on node ${n + 1} failed (${r.status}): ${r.stderr}`);
    return (JSON.parse(r.stdout) as DnsRegistration[]).find(x => x.Name === `${name}.${DNS_ZONE}`);
}
const dig = (n: number, name: string) => nodes[n].mustExec(["dig", "@127.0.0.1", "+short", "+time=5", "+tries=1", `${name}.${DNS_ZONE}`, "A"]).trim();

/* Where each node's OSD file is (the nodes have no spare disks), named in its /etc/debvisor/ceph.json. */
const OSD_FILES = "/var/lib/debvisor-test-osds";
/* A health check a test machine may show that is not the cluster's: the host's own disk low on space. */
const EXPECTED_WARNINGS = new Set(["MON_DISK_LOW"]);
/* The Ceph health checks node n sees, but those a test machine may show. */
function cephProblems(n: number): string[] {
    const h = JSON.parse(nodes[n].mustExec(["ceph", "--connect-timeout", "20", "health", "detail", "-f", "json"], 60_000)) as {
        checks?: Record<string, { summary: { message: string } }>;
    };
    return Object.entries(h.checks ?? {}).filter(([code]) => !EXPECTED_WARNINGS.has(code)).map(([code, c]) => `${code}: ${c.summary.message}`);
}

const rbdImages = () => nodes[0].mustExec(["rbd", "ls", "rbd"]).split("\n").filter(Boolean).sort();

const member = (n: number, name: string) => status(n).Nodes.find(x => x.Name === name);
const monitors = (n: number) => (JSON.parse(nodes[n].mustExec(["ceph", "--connect-timeout", "20", "mon", "dump", "-f", "json"], 60_000)) as {
    mons: Array<{ name: string }>;
}).mons.map(m => m.name).sort();
/* The flags Ceph keeps on CRUSH nodes (set-group), by node name. */
const crushNodeFlags = (n: number) => (JSON.parse(nodes[n].mustExec(["ceph", "osd", "dump", "-f", "json"], 60_000)) as {
    crush_node_flags?: Record<string, string[]>;
}).crush_node_flags ?? {};

const health = (n: number) => Object.fromEntries(status(n).Nodes.map(x => [x.Name, x.Health]));
/* Each node's name, read once it booted (a killed node cannot be asked). */
const hostname = (n: number) => cluster.names[n];

function token(n: number, lifetime?: number): string {
    const out = mustCtl(n, ["cluster", "token", "--json", ...lifetime ? ["--lifetime", String(lifetime)] : []]);
    return (JSON.parse(out) as { token: string }).token;
}

/* Node n's debvisord with a clock of its own from now on (DEBVISOR_CLUSTER_TEST_CLOCK in a drop-in for its unit,
 * which only root can write), or with the system's again (null); restarted either way. */
const TEST_CLOCK = "/etc/debvisor/test-clock";
const TEST_CLOCK_DROP_IN = "/run/systemd/system/debvisord.service.d/test-clock.conf";
function setTestClock(n: number, at: Date | null): void {
    if (at)
        nodes[n].mustExec(["sh", "-c", `mkdir -p ${path.dirname(TEST_CLOCK_DROP_IN)} && echo ${at.toISOString()} > ${TEST_CLOCK} && `
            + `printf '[Service]\\nEnvironment=DEBVISOR_CLUSTER_TEST_CLOCK=${TEST_CLOCK}\\n' > ${TEST_CLOCK_DROP_IN}`]);
    else
        nodes[n].mustExec(["rm", "-f", TEST_CLOCK, TEST_CLOCK_DROP_IN]);
    nodes[n].mustExec(["systemctl", "daemon-reload"]);
    nodes[n].mustExec(["systemctl", "restart", "debvisord.service"], 120_000);
}

/* Node N's Cockpit on its bridge address, without TLS as on the test machine, with the test's admin as a user there. */
function serveCockpit(n: number): void {
    if (nodes[n].exec(["id", ADMIN.name]).status === 0)
        return;
    nodes[n].mustExec(["sh", "-c", `useradd -m -G debvisor-admin ${ADMIN.name} && echo '${ADMIN.name}:${ADMIN.password}' | chpasswd`]);
    nodes[n].mustExec(["sh", "-c", "mkdir -p /etc/cockpit && printf '[WebService]\\nAllowUnencrypted = true\\n' > /etc/cockpit/cockpit.conf"]);
    // cockpit-ws reads its configuration when it starts: one started before the file was written is stopped
    nodes[n].mustExec(["systemctl", "stop", "cockpit.service"]);
    nodes[n].mustExec(["systemctl", "enable", "cockpit.socket"]);
    nodes[n].mustExec(["systemctl", "restart", "cockpit.socket"]);
}

/* A file stands for node N's spare disk (Ceph's BlueStore on it, as on a disk). */
function spareDisk(n: number): void {
    nodes[n].mustExec(["sh", "-c", `mkdir -p ${OSD_FILES} /etc/debvisor && truncate -s 2G ${OSD_FILES}/disk && echo '{"test-file-osd-directory": "${OSD_FILES}"}' > /etc/debvisor/ceph.json`]);
}

/* Every audit record node N wrote, as text. */
const auditLog = (n: number) => nodes[n].exec(["sh", "-c", "cat /var/log/debvisor/*"]).stdout;

/* What a node that joined nothing must still look like: in no cluster, no Ceph configuration, no monitor. */
function assertUntouched(assert: Assert, n: number, what: string): void {
    assert.strictEqual(status(n).State, "none", `${what}: node ${n + 1} is in no cluster`);
    assert.strictEqual(nodes[n].exec(["test", "-e", "/etc/ceph/ceph.conf"]).status, 1, `${what}: no ceph.conf on node ${n + 1}`);
    assert.strictEqual(nodes[n].exec(["sh", "-c", "ls /var/lib/ceph/mon | grep -q ."]).status, 1, `${what}: no monitor store on node ${n + 1}`);
    assert.strictEqual(nodes[n].exec(["test", "-e", "/etc/debvisor/cluster/cluster.json"]).status, 1, `${what}: no cluster state on node ${n + 1}`);
}

function quorum(n: number): { names: string[]; addresses: Record<string, string> } {
    const q = JSON.parse(nodes[n].mustExec(["ceph", "--connect-timeout", "20", "quorum_status", "-f", "json"], 60_000)) as {
        quorum_names: string[]; monmap: { mons: Array<{ name: string; public_addr: string }> };
    };
    return { names: q.quorum_names.sort(), addresses: Object.fromEntries(q.monmap.mons.map(m => [m.name, m.public_addr.split(":")[0]])) };
}

/* The counts the guest printed on node n's serial log, in order. */
const counts = (n: number, name = GUEST) => [...nodes[n].exec(["cat", serialLog(name)]).stdout.matchAll(/count (\d+)/g)].map(m => Number(m[1]));
const domains = (n: number, which: "--all" | "--state-running") => nodes[n].mustExec(["virsh", "list", which, "--name"]).split("\n").filter(Boolean);
const hasVolume = (n: number, volume: string) => nodes[n].exec(["test", "-e", `${IMAGES}/${volume}`]).status === 0;
/* What a migration leaves on a node (its sockets' directory), nothing when it ended. */
const migrationLeftovers = (n: number) => nodes[n].exec(["sh", "-c", "ls -A /run/debvisor/migration 2>/dev/null"]).stdout.trim();

/* Moves the guest from node `from` to node `to` with debvisorctl and checks that it kept running: no new boot, the count goes on. */
async function moveGuest(assert: Assert, from: number, to: number): Promise<void> {
    const last = Math.max(...counts(from));
    const started = Date.now();
    mustCtl(from, ["vm", "migrate", GUEST, hostname(to), "--wait"], 300_000);
    console.log(`# ${GUEST} moved from node ${from + 1} to node ${to + 1} with its disk in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    assert.deepEqual(domains(to, "--state-running"), [GUEST], `it runs on node ${to + 1}`);
    assert.deepEqual(domains(from, "--all"), [], `node ${from + 1} has no trace of it`);
    assert.true(hasVolume(to, `${GUEST}.qcow2`), `its disk was copied to node ${to + 1}'s pool`);
    assert.false(hasVolume(from, `${GUEST}.qcow2`), `the copy left on node ${from + 1} is removed`);
    await waitFor(`the guest to count on node ${to + 1}`, () => counts(to).length >= 2, 60_000, 500);
    const text = nodes[to].exec(["cat", serialLog(GUEST)]).stdout;
    assert.false(text.includes(COUNTER_BOOTED), "it did not boot again there");
    assert.true(counts(to)[0] > last, `the count goes on: ${last} on node ${from + 1}, then ${counts(to).slice(0, 3).join(", ")} on node ${to + 1}`);
    assert.strictEqual(migrationLeftovers(from), "", `no migration sockets are left on node ${from + 1}`);
    // the receiving node forgets the migration when told it ended, which the job does not wait for after a success
    await waitFor(`node ${to + 1} to forget the migration (no migration sockets left there)`, () => migrationLeftovers(to) === "", 30_000, 500);
}

QUnit.module.if(`cluster of nodes: three systemd nodes on a bridge join one cluster${unavailable ? ` (skipped: ${unavailable})` : ""}`, unavailable === null, hooks => {
    hooks.before(async assert => {
        assert.timeout(1_500_000);
        const started = Date.now();
        await cluster.boot(3, RELEASE, DEBS);
        console.log(`# cluster nodes: root file system ${cluster.built ? "built" : "from the cache"}, three nodes installed and booted in ${Math.round((Date.now() - started) / 1000)} s`);
    });

    hooks.after(async () => {
        await cluster.stop();
    });

    QUnit.test("node 1 creates the cluster: its Ceph monitor on its address, itself the one member", assert => {
        assertUntouched(assert, 0, "before");
        const started = Date.now();
        mustCtl(0, ["cluster", "create", address(0), "--wait"], 300_000);
        console.log(`# cluster create took ${Math.round((Date.now() - started) / 1000)} s`);
        const s = status(0);
        assert.strictEqual(s.State, "member");
        assert.strictEqual(s.Address, address(0));
        assert.deepEqual(s.Nodes.map(n => [n.Name, n.Address, n.Health, n.Self]), [[hostname(0), address(0), "up", true]]);
        const q = quorum(0);
        assert.deepEqual(q.names, [hostname(0)]);
        assert.strictEqual(q.addresses[hostname(0)], address(0), "the monitor listens on the node's address, not 127.0.0.1");
        // the membership is Ceph's
        const record = JSON.parse(nodes[0].mustExec(["ceph", "config-key", "get", `debvisor/cluster/nodes/${hostname(0)}`])) as { address: string };
        assert.strictEqual(record.address, address(0), "the member is recorded in the monitors' config-key store");

        const again = ctl(0, ["cluster", "create", address(0)]);
        assert.notStrictEqual(again.status, 0, "a second create is refused");
        assert.ok(again.stderr.includes("member of a cluster already"), again.stderr);
    });

    QUnit.test("bad input: not a token, an expired token, a profile's disks that changed or are none, joining a node to itself, an address where nothing answers — a clear error, nothing done", async assert => {
        const garbled = ctl(1, ["cluster", "join", address(0), "dvjoin2.bm90IGEgdG9rZW4"]);
        assert.notStrictEqual(garbled.status, 0);
        assert.ok(garbled.stderr.includes("not a DebVisor join token"), garbled.stderr);
        assertUntouched(assert, 1, "a garbled token");

        const short = token(0, 1);
        await new Promise(r => setTimeout(r, 2_000));
        const expired = ctl(1, ["cluster", "join", address(0), short]);
        assert.notStrictEqual(expired.status, 0);
        assert.ok(expired.stderr.includes("expired"), expired.stderr);
        assertUntouched(assert, 1, "an expired token");

        const good = token(0);
        // a join with a profile: the wipes token of another plan, and a plan with no spare disk, are refused before anything is done
        const staleWipes = ctl(1, ["cluster", "join", address(0), good, "--profile", "ceph", "--profile-wipes", "0".repeat(64)]);
        assert.notStrictEqual(staleWipes.status, 0);
        assert.ok(staleWipes.stderr.includes("the disks changed since the plan was shown"), staleWipes.stderr);
        assertUntouched(assert, 1, "a profile's wipes token of another plan");
        const emptyPlan = JSON.parse(mustCtl(1, ["storage", "plan", "ceph", "--json"])) as { WipesToken: string; Wipes: unknown[] };
        assert.deepEqual(emptyPlan.Wipes, [], "node 2 has no spare disk yet");
        const noDisk = ctl(1, ["cluster", "join", address(0), good, "--profile", "ceph", "--profile-wipes", emptyPlan.WipesToken]);
        assert.notStrictEqual(noDisk.status, 0);
        assert.ok(noDisk.stderr.includes("has no spare disk to take here"), noDisk.stderr);
        assertUntouched(assert, 1, "a profile with no spare disk");

        const itself = ctl(0, ["cluster", "join", address(0), good]);
        assert.notStrictEqual(itself.status, 0);
        assert.ok(itself.stderr.includes("this node itself"), itself.stderr);

        const silent = ctl(1, ["cluster", "join", SILENT_ADDRESS, good, "--wait"], 120_000);
        assert.notStrictEqual(silent.status, 0, "the join job fails");
        const said = `${silent.stdout}${silent.stderr}`;
        assert.ok(said.includes(`${SILENT_ADDRESS} does not answer`) || said.includes(`${SILENT_ADDRESS} did not answer`), said);
        assertUntouched(assert, 1, "an address where nothing answers");
        assert.deepEqual(status(0).Nodes.map(n => n.Name), [hostname(0)], "node 1 still has itself only");
    });

    QUnit.test("bad input: a clock too far off for Ceph — the join is refused naming the offset, nothing done", assert => {
        // node 2's debvisord goes by a clock an hour behind (root's configuration: its unit's environment)
        setTestClock(1, new Date(Date.now() - 3_600_000));
        try {
            const r = ctl(1, ["cluster", "join", address(0), token(0), "--wait"], 120_000);
            assert.notStrictEqual(r.status, 0, "the join job fails");
            const said = `${r.stdout}${r.stderr}`;
            assert.ok(new RegExp(`this node's clock is 36\\d\\d s behind the clock of ${address(0).replace(/\./g, "\\.")}`).test(said), said);
            assert.ok(said.includes("nothing was changed"), said);
            assertUntouched(assert, 1, "a clock too far off");
            assert.deepEqual(status(0).Nodes.map(n => n.Name), [hostname(0)], "node 1 still has itself only");
        } finally {
            setTestClock(1, null);
        }
    });

    QUnit.test("node 2 joins by token: both list both, two monitors on the nodes' addresses in one quorum; a used token is refused", async assert => {
        const t = token(0);
        const started = Date.now();
        mustCtl(1, ["cluster", "join", address(0), t, "--wait"], 300_000);
        console.log(`# node 2 joined in ${Math.round((Date.now() - started) / 1000)} s`);
        const both = [hostname(0), hostname(1)].sort();
        assert.deepEqual(status(1).Nodes.map(n => n.Name), both, "node 2 lists both");
        await waitFor("node 1 and node 2 to see each other up", () => health(0)[hostname(1)] === "up" && health(1)[hostname(0)] === "up", 40_000, 1000);
        assert.deepEqual(status(0).Nodes.map(n => [n.Name, n.Address, n.Health]), [[hostname(0), address(0), "up"], [hostname(1), address(1), "up"]].sort());
        const q = quorum(1);
        assert.deepEqual(q.names, both, "both monitors in the quorum");
        assert.strictEqual(q.addresses[hostname(1)], address(1), "node 2's monitor listens on its address");

        // the same token again, from node 3: spent
        const reused = ctl(2, ["cluster", "join", address(0), t, "--wait"], 120_000);
        assert.notStrictEqual(reused.status, 0);
        assert.ok(`${reused.stdout}${reused.stderr}`.includes("did not accept it"), `${reused.stdout}${reused.stderr}`);
        assertUntouched(assert, 2, "a used token");
        assert.deepEqual(quorum(0).names, both, "the quorum is unchanged");
    });

    QUnit.test("node 1 applies the ceph profile; node 3 joins through node 2 from the pages: node 2's admin makes a token in its Cluster page, node 3's admin joins with it in theirs, its spare disk given to Ceph within the join (the plan's disk shown first); three monitors in quorum, node 3's OSD up in its CRUSH host", async assert => {
        for (const n of [1, 2])
            serveCockpit(n);
        // node 1 first, as a cluster grows: the first OSDs, MDS and pools are its own
        spareDisk(0);
        spareDisk(2);
        const n = 0;
        const plan = JSON.parse(mustCtl(n, ["storage", "plan", "ceph", "--json"])) as { Token: string; Steps: Array<{ Id: string; Exists: boolean }>; Problems: string[] };
        assert.deepEqual(plan.Problems, [], `node ${n + 1}: the plan has no problem`);
        assert.true(plan.Steps.find(st => st.Id === "ceph-cluster")?.Exists, `node ${n + 1}: the cluster's Ceph, which it is a member of, is kept`);
        assert.true(plan.Steps.some(st => st.Id.startsWith("ceph-osd:") && !st.Exists), `node ${n + 1}: its spare disk becomes an OSD`);
        const applying = Date.now();
        mustCtl(n, ["storage", "apply", "ceph", "--token", plan.Token, "--wait"], 900_000);
        console.log(`# node ${n + 1}: the ceph profile applied (its OSD, MDS, the CephFS mount, libvirt's rbd pool) in ${Math.round((Date.now() - applying) / 1000)} s`);
        let text = "";
        const maker = await openSession();
        try {
            await login(maker.page, ADMIN, `http://${address(1)}:9090`);
            const frame = await openFromMenu(maker.page, "Cluster", "debvisor/cluster");
            await frame.getByRole("button", { name: "Make a join token…" }).click();
            await frame.locator("#join-token-lifetime").selectOption("300");
            await frame.getByRole("button", { name: "Make the token" }).click();
            const shown = frame.locator(".pf-v6-c-clipboard-copy input");
            await shown.waitFor({ timeout: 30_000 });
            text = await shown.inputValue();
            assert.true(/^dvjoin2\.[A-Za-z0-9_-]{123}$/.test(text), `the page shows the 131-character token: ${text.length}`);
            assert.ok((await frame.locator(".pf-v6-c-modal-box").textContent())?.includes(`debvisorctl cluster join ${address(1)} TOKEN`), "and where to use it");
        } catch (e) {
            await screenshot(maker.page, "cluster-token-failed").catch(() => undefined);
            throw e;
        } finally {
            await maker.close();
        }
        const joiner = await openSession();
        try {
            await login(joiner.page, ADMIN, `http://${address(2)}:9090`);
            const frame = await openFromMenu(joiner.page, "Cluster", "debvisor/cluster");
            await frame.getByRole("button", { name: "Join a cluster…" }).click();
            await frame.locator("#cluster-join-address").fill(address(1));
            await frame.locator("#cluster-join-token").fill(`${text.slice(0, 20)}`.replace("dvjoin2.", "dvjoin1."));
            assert.true(await frame.getByRole("button", { name: "Join", exact: true }).isDisabled(), "a text that is no token is not sent");
            await frame.locator("#cluster-join-token").fill(text);
            await frame.locator("#cluster-join-storage").check();
            await frame.locator("[data-plan=ready]").waitFor({ timeout: 60_000 });
            assert.strictEqual(await frame.locator(`[data-wipe="${OSD_FILES}/disk"]`).count(), 1, "the dialog names the disk the join wipes");
            await frame.getByRole("button", { name: "Join", exact: true }).click();
            // the page turns into the member's view once the Job made this node one
            await frame.locator(`tr[data-node="${hostname(1)}"]`).waitFor({ timeout: 300_000 });
            await screenshot(joiner.page, "cluster-joined-from-page", frame);
        } catch (e) {
            await screenshot(joiner.page, "cluster-join-failed").catch(() => undefined);
            console.log(journal(2));
            throw e;
        } finally {
            await joiner.close();
        }
        const all = [0, 1, 2].map(hostname).sort();
        await waitFor("every node to see every node up", () => [0, 1, 2].every(n => Object.values(health(n)).filter(h => h === "up").length === 3), 40_000, 1000);
        assert.deepEqual(quorum(0).names, all, "three monitors in the quorum");
        assert.deepEqual(Object.keys(health(2)).sort(), all, "node 3 lists every node");
        assert.true(auditLog(2).split("\n").some(line => line.includes("Cluster.Join") && line.includes(ADMIN.name)), "node 3 audited the join as the page's user");
        // the Job goes on with the profile once node 3 is a member; a finished Job stays listed for a minute, read every 3 s
        const started = Date.now();
        let ended: { State: string; Message: string } | undefined;
        await waitFor("node 3's join Job to end", () => {
            const listed = JSON.parse(nodes[2].mustExec(["debvisorctl", "jobs", "--json"])) as Array<{ Operation: string; State: string; Message: string }>;
            ended = listed.find(j => j.Operation === "cluster-join" && j.State !== "running");
            return ended !== undefined;
        }, 900_000, 3000);
        assert.strictEqual(ended?.State, "succeeded", `the join Job: ${ended?.Message}`);
        assert.strictEqual(nodes[2].exec(["cat", "/etc/debvisor-profile"]).stdout.trim(), "ceph", "node 3 recorded the profile");
        console.log(`# node 3: its OSD, MDS, CephFS mount and libvirt's rbd pool made within the join, ${Math.round((Date.now() - started) / 1000)} s after the membership`);
        const tree = JSON.parse(nodes[0].mustExec(["ceph", "osd", "tree", "-f", "json"], 60_000)) as { nodes: Array<{ name: string; type: string; status?: string; children?: number[] }> };
        const host = tree.nodes.find(x => x.type === "host" && x.name === hostname(2));
        assert.strictEqual(host?.children?.length, 1, `node 3's CRUSH host has its OSD: ${JSON.stringify(tree.nodes.filter(x => x.type === "host"))}`);
        assert.strictEqual(tree.nodes.find(x => x.type === "osd" && host?.children?.includes((x as unknown as { id: number }).id))?.status, "up", "and it is up");
        assert.true(auditLog(2).split("\n").some(line => line.includes("ApplyProfile.step") && line.includes("ceph-osd:")), "the profile's steps audited as ApplyProfile's");
    });

    QUnit.test("Ceph across the nodes: node 1 applied the ceph storage profile and node 3 within its join, node 2 adds an OSD; the pools keep one copy per host (three, two needed for writes), CephFS is shared, Ceph is healthy", async assert => {
        const all = [0, 1, 2].map(hostname).sort();
        spareDisk(1);
        const started = Date.now();
        const said = mustCtl(1, ["ceph", "osd", "add", `${OSD_FILES}/disk`, "--wait"], 600_000);
        console.log(`# node 2: its OSD made and up in ${Math.round((Date.now() - started) / 1000)} s`);
        assert.ok(said.includes("size 3"), `the third host's OSD raised the pools to three copies: ${said}`);
        mustCtl(0, ["ceph", "pool", "create", "vmdata"]);

        const tree = JSON.parse(nodes[0].mustExec(["ceph", "osd", "tree", "-f", "json"], 60_000)) as { nodes: Array<{ name: string; type: string; children?: number[] }> };
        assert.deepEqual(tree.nodes.filter(x => x.type === "host" && (x.children ?? []).length === 1).map(x => x.name).sort(), all, "a CRUSH host per node, one OSD in each");
        const rule = JSON.parse(nodes[0].mustExec(["ceph", "osd", "crush", "rule", "dump", HOST_RULE, "-f", "json"])) as {
            rule_id: number; steps: Array<{ op: string; type?: string }>;
        };
        assert.ok(rule.steps.some(st => st.op.startsWith("chooseleaf") && st.type === "host"), `the rule's failure domain is the host: ${JSON.stringify(rule.steps)}`);
        const pools = JSON.parse(nodes[0].mustExec(["ceph", "osd", "pool", "ls", "detail", "-f", "json"], 60_000)) as Array<{
            pool_name: string; size: number; min_size: number; crush_rule: number;
        }>;
        assert.ok(["rbd", "vmdata"].every(name => pools.some(p => p.pool_name === name)), `the profile's RBD pool and the pool made after the OSDs: ${pools.map(p => p.pool_name).join(", ")}`);
        for (const p of pools)
            assert.deepEqual([p.size, p.min_size, p.crush_rule], [3, 2, rule.rule_id], `pool ${p.pool_name}: three copies on three hosts, two needed`);

        // one CephFS, mounted on both nodes that applied the profile
        nodes[0].mustExec(["sh", "-c", `echo "written on ${hostname(0)}" > /srv/cephfs/from-node-1`]);
        await waitFor("node 3 to read node 1's file from the CephFS", () => nodes[2].exec(["cat", "/srv/cephfs/from-node-1"]).stdout.trim() === `written on ${hostname(0)}`, 30_000, 1000);
        for (const n of PROFILE_NODES) {
            const xml = nodes[n].mustExec(["virsh", "pool-dumpxml", LIBVIRT_RBD_POOL]);
            assert.ok(xml.includes(`<host name='${address(0)}'`) && !xml.includes("127.0.0.1"), `node ${n + 1}: libvirt's rbd pool asks the members' monitors: ${xml}`);
            assert.ok(nodes[n].mustExec(["virsh", "pool-info", LIBVIRT_RBD_POOL]).includes("running"), `node ${n + 1}: libvirt's rbd pool is running`);
        }
        const healthStarted = Date.now();
        const healthy = await waitFor("Ceph to be healthy", () => cephProblems(0).length === 0, 300_000, 2000).then(() => true, () => false);
        assert.true(healthy, `healthy: ${cephProblems(0).join("; ")}`);
        console.log(`# Ceph healthy across the three hosts ${Math.round((Date.now() - healthStarted) / 1000)} s after the last pool was made`);
    });

    QUnit.test("a machine made on a node with the ceph profile: its disk an RBD image, as a network disk; it starts; deleted with its disk", assert => {
        mustCtl(0, ["vm", "create", "on-ceph", "--disk-size", "64M", "--memory", "64", "--network", "none", "--start", "--wait"], 120_000);
        assert.deepEqual(domains(0, "--state-running").filter(d => d === "on-ceph"), ["on-ceph"], "it runs (libvirt starts no machine whose disk is an rbd pool's volume)");
        const xml = nodes[0].mustExec(["virsh", "dumpxml", "on-ceph"]);
        assert.ok(/<disk type='network' device='disk'>/.test(xml) && xml.includes("protocol='rbd' name='rbd/on-ceph.raw'") && xml.includes(`usage='${SECRET_USAGE}'`), xml);
        assert.ok(rbdImages().includes("on-ceph.raw"), "its image is in the RBD pool");
        mustCtl(0, ["vm", "delete", "on-ceph", "--force", "--delete-disks"]);
        assert.false(rbdImages().includes("on-ceph.raw"), "deleted with its image");
    });

    QUnit.test("live migration on Ceph: a running guest whose disk is an RBD image moves to node 3 and back without a copy, counting on", async assert => {
        nodes[0].mustExec(["virsh", "vol-create-as", LIBVIRT_RBD_POOL, RBD_VOLUME, "16M", "--format", "raw"]);
        fs.writeFileSync(path.join(nodes[0].dir, "root/rbd-guest.xml"), guestXml(RBD_GUEST, rbdDiskXml(RBD_VOLUME)));
        nodes[0].mustExec(["sh", "-c", `virsh define /root/rbd-guest.xml && virsh start ${RBD_GUEST}`]);
        await waitFor("the RBD guest to count on node 1", () => counts(0, RBD_GUEST).length >= 3, 120_000, 500);
        for (const [from, to] of [[0, 2], [2, 0]]) {
            const last = Math.max(...counts(from, RBD_GUEST));
            const said = mustCtl(from, ["vm", "migrate", RBD_GUEST, hostname(to), "--wait"], 300_000);
            assert.false(said.includes("copied"), `nothing is copied: ${said}`);
            assert.deepEqual(domains(to, "--state-running").filter(d => d === RBD_GUEST), [RBD_GUEST], `it runs on node ${to + 1}`);
            assert.false(domains(from, "--all").includes(RBD_GUEST), `node ${from + 1} has no trace of it`);
            await waitFor(`the RBD guest to count on node ${to + 1}`, () => counts(to, RBD_GUEST).length >= 2, 60_000, 500);
            assert.false(nodes[to].exec(["cat", serialLog(RBD_GUEST)]).stdout.includes(COUNTER_BOOTED), "it did not boot again there");
            assert.true(counts(to, RBD_GUEST)[0] > last, `the count goes on: ${last}, then ${counts(to, RBD_GUEST).slice(0, 3).join(", ")}`);
        }
        assert.deepEqual(rbdImages(), [RBD_VOLUME], "one RBD image, the one it started with");
        // node 2 has no secret for Ceph (it did not apply the profile): refused before anything moves
        const refused = ctl(0, ["vm", "migrate", RBD_GUEST, hostname(1)]);
        assert.ok(refused.status !== 0 && refused.stderr.includes(`has no libvirt secret ${SECRET_USAGE}`), refused.stderr);
        // out of the way of the tests below, which count the machines on node 1
        nodes[0].mustExec(["sh", "-c", `virsh destroy ${RBD_GUEST} && virsh undefine ${RBD_GUEST}`]);
    });

    QUnit.test("live migration: a running guest on a local disk moves to node 2 with the disk copied, and back, counting on without a reboot; audited on both nodes; its DNS registration follows it", async assert => {
        for (const n of [0, 1])
            nodes[n].mustExec(["sh", "-c", `virsh pool-info default >/dev/null 2>&1 || { virsh pool-define-as default dir --target ${IMAGES} && virsh pool-build default && virsh pool-start default; }`]);
        fs.writeFileSync(path.join(nodes[0].dir, "root/guest.xml"), guestXml(GUEST, localDiskXml(`${GUEST}.qcow2`)));
        nodes[0].mustExec(["sh", "-c", `virsh vol-create-as default ${GUEST}.qcow2 16M --format qcow2 && virsh define /root/guest.xml && virsh start ${GUEST}`]);
        await waitFor("the guest to count on node 1", () => counts(0).length >= 3, 120_000, 500);
        // DNS on node 1 alone (the README's steps): the guest's name in a zone machines register in; node 2 has no zone
        nodes[0].installLater(["bind9"]);
        nodes[0].mustExec(["sh", "-c", "echo 'include \"/etc/debvisor/dns/named.conf\";' >> /etc/bind/named.conf.local && rndc reconfig"]);
        mustCtl(0, ["dns", "add-zone", DNS_ZONE, "127.0.0.1", "--local", "--register-machines"], 120_000);
        mustCtl(0, ["dns", "register-machine", GUEST, "--addresses", GUEST_ADDRESS]);
        assert.strictEqual(dig(0, GUEST), GUEST_ADDRESS, "the guest's name answers");
        await moveGuest(assert, 0, 1);
        // node 1 holds the zone's keys: it keeps the records and notes where the guest runs now
        // (a failed check here is a failed assertion, not a thrown one: the guest still moves back for the tests below)
        await waitFor("node 1's registration to name node 2", () => registration(0, GUEST)?.Node === hostname(1), 30_000, 500).catch((e: Error) => assert.ok(false, e.message));
        assert.deepEqual(registration(0, GUEST)?.Addresses, [GUEST_ADDRESS], "with the address it had");
        assert.strictEqual(dig(0, GUEST), GUEST_ADDRESS, "the name still answers with the guest's address");
        await moveGuest(assert, 1, 0);
        await waitFor("node 1's registration to be its own again", () => registration(0, GUEST)?.Node === "", 30_000, 500).catch((e: Error) => assert.ok(false, e.message));
        assert.strictEqual(registration(0, GUEST)?.Error, "", "written");
        assert.strictEqual(dig(0, GUEST), GUEST_ADDRESS, "the name answers after the move back too");
        // each node recorded the move it took part in: the sender the call, the receiver who asked from where
        const audit = (n: number) => nodes[n].exec(["sh", "-c", "cat /var/log/debvisor/*"]).stdout;
        assert.true(audit(0).includes("Machine.Migrate"), "node 1 audited the call");
        assert.true(/migration-prepare[^\n]*root \(admin\)/.test(audit(1)) && audit(1).includes(hostname(0)), "node 2 audited the incoming migration with node 1's name and the user");
    });

    QUnit.test("a migration cancelled midway: the guest runs on at node 1, node 2 keeps nothing (the disk made for it is removed)", async assert => {
        // slow enough to cancel: libvirt's bandwidth for this guest's migration, 1 MiB/s, restored afterwards
        const speed = nodes[0].mustExec(["virsh", "migrate-getspeed", GUEST]).trim();
        nodes[0].mustExec(["virsh", "migrate-setspeed", GUEST, "1"]);
        try {
            const job = mustCtl(0, ["vm", "migrate", GUEST, hostname(1)]).trim().split("\n").pop() ?? "";
            await waitFor("the incoming guest on node 2", () => domains(1, "--all").includes(GUEST), 60_000, 200);
            mustCtl(0, ["jobs", "cancel", job]);
            const jobState = () => (JSON.parse(nodes[0].service(["debvisorctl", "jobs", "--json"]).stdout) as Array<{ Path: string; State: string; Message: string }>).find(j => j.Path === job);
            await waitFor("the job to end", () => jobState()?.State !== "running", 120_000, 500);
            assert.strictEqual(jobState()?.State, "cancelled", jobState()?.Message);
            assert.deepEqual(domains(0, "--state-running"), [GUEST], "the guest still runs on node 1");
            assert.true(hasVolume(0, `${GUEST}.qcow2`), "with its disk");
            await waitFor("node 2 to drop the incoming guest", () => domains(1, "--all").length === 0, 30_000, 500);
            assert.false(hasVolume(1, `${GUEST}.qcow2`), "the disk made on node 2 is removed");
            assert.strictEqual(migrationLeftovers(0) + migrationLeftovers(1), "", "no migration sockets are left");
            const before = Math.max(...counts(0));
            await waitFor("the guest to count on", () => Math.max(...counts(0)) > before, 30_000, 500);
        } finally {
            nodes[0].exec(["virsh", "migrate-setspeed", GUEST, speed]);
        }
    });

    QUnit.test("migration refused with a clear error, nothing done: a node that is no member, the node itself, a machine not running, a name the other node has", assert => {
        const refused = (args: string[], words: string) => {
            const r = ctl(0, ["vm", "migrate", ...args]);
            assert.notStrictEqual(r.status, 0, `vm migrate ${args.join(" ")} fails`);
            assert.true(r.stderr.includes(words), r.stderr);
        };
        refused([GUEST, "no-such-node"], "is not a member of this cluster");
        refused([GUEST, hostname(0)], "is this node itself");
        fs.writeFileSync(path.join(nodes[0].dir, "root/off.xml"), guestXml(STOPPED_GUEST));
        nodes[0].mustExec(["virsh", "define", "/root/off.xml"]);
        refused([STOPPED_GUEST, hostname(1)], "is shutoff: only a running machine moves");
        // node 2 has a machine of that name: it refuses before anything is copied
        fs.writeFileSync(path.join(nodes[1].dir, "root/same.xml"), guestXml(GUEST));
        nodes[1].mustExec(["virsh", "define", "/root/same.xml"]);
        refused([GUEST, hostname(1)], "has a machine named counter already");
        nodes[1].mustExec(["virsh", "undefine", GUEST]);
        nodes[0].mustExec(["virsh", "undefine", STOPPED_GUEST]);
        assert.deepEqual(domains(0, "--state-running"), [GUEST], "the guest still runs on node 1");
        assert.deepEqual(domains(1, "--all"), [], "node 2 got nothing");
        assert.false(hasVolume(1, `${GUEST}.qcow2`), "no disk was made on node 2");
        assert.strictEqual(migrationLeftovers(0) + migrationLeftovers(1), "", "no migration sockets are left");
    });

    QUnit.test("one list: node 1 lists node 3's machine with its node, starts and forces it off there (audited on node 3 with node 1's name and the user); bad calls refused", async assert => {
        const n3 = hostname(2);
        fs.writeFileSync(path.join(nodes[2].dir, "root/elsewhere.xml"), guestXml(ELSEWHERE));
        nodes[2].mustExec(["virsh", "define", "/root/elsewhere.xml"]);
        const listed = () => status(0).Machines.find(m => m.Name === ELSEWHERE);
        await waitFor("node 1 to list node 3's machine", () => listed()?.State === "shutoff", 30_000, 500);
        assert.deepEqual(listed(), { ...listed(), Node: n3, State: "shutoff", Stale: false }, "with its node, not stale");
        assert.false(status(0).Machines.some(m => m.Node === hostname(0)), "node 1's own machines are its Machine objects, not in the list");

        mustCtl(0, ["vm", "start", ELSEWHERE, "--node", n3]);
        assert.deepEqual(domains(2, "--state-running"), [ELSEWHERE], "it runs on node 3");
        await waitFor("node 1's list to say it runs", () => listed()?.State === "running", 25_000, 500);
        mustCtl(0, ["vm", "force-off", ELSEWHERE, "--node", n3]);
        assert.deepEqual(domains(2, "--state-running"), [], "forced off on node 3");
        const audit = nodes[2].exec(["sh", "-c", "cat /var/log/debvisor/*"]).stdout;
        assert.true(new RegExp(`machine-call[^\\n]*${hostname(0)}: root \\(admin\\)[^\\n]*${ELSEWHERE}`).test(audit), "node 3 audited both calls with node 1's name and the user");

        const refused = (args: string[], words: string) => {
            const r = ctl(0, ["vm", ...args]);
            assert.notStrictEqual(r.status, 0, `vm ${args.join(" ")} fails`);
            assert.true(r.stderr.includes(words), r.stderr);
        };
        refused(["start", "no-such-machine", "--node", n3], "there is no machine named no-such-machine");
        refused(["start", ELSEWHERE, "--node", "no-such-node"], "is not a member of this cluster");
        refused(["start", ELSEWHERE, "--node", hostname(0)], "is this node");
        assert.deepEqual(domains(2, "--state-running"), [], "nothing started");
    });

    QUnit.test("node 3 into maintenance from node 1 and back: noout on its CRUSH host, the mark on every node; bad names refused, nothing changed; again with its guest moved away by node 3 for node 1's user", async assert => {
        const n3 = hostname(2);
        const plan = ctl(0, ["cluster", "maintenance", n3, "on", "--plan"]);
        assert.strictEqual(plan.status, 0, `the plan has no refusal: ${plan.stdout}${plan.stderr}`);
        assert.ok(plan.stdout.includes(`set Ceph's noout on host ${n3}`) && plan.stdout.includes("Machines running there: none"), plan.stdout);
        assert.deepEqual(crushNodeFlags(0), {}, "the plan changed nothing");

        for (const [bad, said] of [["dvc\nx", "must be a node name"], ["-rf", "must be a node name"], ["nosuch", "nosuch is not a member"]]) {
            const r = ctlRaw(0, ["cluster", "maintenance"], [bad, "on"]);
            assert.notStrictEqual(r.status, 0, JSON.stringify(bad));
            assert.ok(r.stderr.includes(said), `${JSON.stringify(bad)}: ${r.stderr}`);
        }
        assert.deepEqual(crushNodeFlags(0), {}, "bad names changed nothing");

        mustCtl(0, ["cluster", "maintenance", n3, "on", "--wait"]);
        assert.deepEqual(crushNodeFlags(0)[n3], ["noout"], "noout on node 3's host in the OSD map");
        const detail = nodes[0].mustExec(["ceph", "health", "detail"], 60_000);
        assert.ok(detail.includes("noout"), `ceph health detail names it: ${detail}`);
        assert.true(member(0, n3)?.Maintenance, "node 1 shows node 3 in maintenance");
        const said = nodes[0].service(["debvisorctl", "cluster", "status"]).stdout;
        assert.ok(said.includes("in maintenance"), `in debvisorctl cluster status: ${said}`);
        await waitFor("node 3 to see itself in maintenance", () => member(2, n3)?.Maintenance === true, 25_000, 1000);
        const again = ctl(0, ["cluster", "maintenance", n3, "on", "--wait"]);
        assert.ok(again.status !== 0 && again.stderr.includes("in maintenance already"), again.stderr);

        mustCtl(1, ["cluster", "maintenance", n3, "off", "--wait"]);
        assert.deepEqual(crushNodeFlags(0)[n3] ?? [], [], "noout cleared");
        await waitFor("node 1 to see node 3 out of maintenance", () => member(0, n3)?.Maintenance === false, 25_000, 1000);
        // into maintenance again for the rest (the page shows it so, and it is removed so), asked on node 1 while node 3 runs a guest:
        // node 3 plans it (the same plan asked from node 2) and moves the guest away itself, for node 1's user
        mustCtl(0, ["vm", "start", ELSEWHERE, "--node", n3]);
        const movePlanOf = (n: number) => ctl(n, ["cluster", "maintenance", n3, "on", "--move-machines", "--plan"]);
        await waitFor("node 3 to plan moving its guest", () => movePlanOf(0).stdout.includes(`move ${ELSEWHERE} to `), 30_000, 1000);
        const [planOne, planTwo] = [0, 1].map(movePlanOf);
        assert.strictEqual(planOne.status, 0, `${planOne.stdout}${planOne.stderr}`);
        assert.strictEqual(planTwo.stdout, planOne.stdout, "the same plan from node 2");
        const to = [0, 1].find(n => planOne.stdout.includes(`move ${ELSEWHERE} to ${hostname(n)}, running (live migration)`));
        assert.notStrictEqual(to, undefined, planOne.stdout);
        mustCtl(0, ["cluster", "maintenance", n3, "on", "--move-machines", "--wait"], 300_000);
        assert.deepEqual(domains(2, "--state-running"), [], "nothing runs on node 3");
        assert.true(domains(to ?? 0, "--state-running").includes(ELSEWHERE), `the guest runs on node ${(to ?? 0) + 1}`);
        assert.true(member(0, n3)?.Maintenance, "node 3 is in maintenance");
        const audit = nodes[2].exec(["sh", "-c", "cat /var/log/debvisor/*"]).stdout;
        for (const what of ["maintenance-enter", "Machine\\.Migrate\\.step", "EnterMaintenance\\.step"])
            assert.true(new RegExp(`${what}[^\\n]*${hostname(0)}: root \\(admin\\)`).test(audit), `node 3 audited ${what} with node 1's name and the user`);
        // node 3's machine is its own again (shut off) for the tests below
        nodes[to ?? 0].mustExec(["sh", "-c", `virsh destroy ${ELSEWHERE} && virsh undefine ${ELSEWHERE}`]);
        nodes[2].mustExec(["virsh", "define", "/root/elsewhere.xml"]);

        // node 1 runs the guest: refused, from node 2 too (which asks node 1 over the channel), nothing done
        const busy = ctl(1, ["cluster", "maintenance", hostname(0), "on", "--plan"]);
        assert.strictEqual(busy.status, 1, busy.stdout);
        assert.ok(busy.stdout.includes(`Machines running there: ${GUEST}`) && busy.stdout.includes("must be shut down or moved first"), busy.stdout);
        const refused = ctl(0, ["cluster", "maintenance", hostname(0), "on", "--wait"]);
        assert.ok(refused.status !== 0 && refused.stderr.includes(`machines run on ${hostname(0)} and must be shut down or moved first: ${GUEST}`), refused.stderr);
        assert.false(member(0, hostname(0))?.Maintenance, "node 1 is not in maintenance");

        // moved away instead (node 3 is in maintenance: node 2 is the one member to go to), counting on; then back for the tests below
        const movePlan = ctl(0, ["cluster", "maintenance", hostname(0), "on", "--move-machines", "--plan"]);
        assert.strictEqual(movePlan.status, 0, `${movePlan.stdout}${movePlan.stderr}`);
        assert.ok(movePlan.stdout.includes(`move ${GUEST} to ${hostname(1)}, running (live migration)`), movePlan.stdout);
        assert.strictEqual(ctl(1, ["cluster", "maintenance", hostname(0), "on", "--move-machines", "--plan"]).stdout, movePlan.stdout, "node 1's own plan, asked from node 2");
        const last = Math.max(...counts(0));
        mustCtl(0, ["cluster", "maintenance", hostname(0), "on", "--move-machines", "--wait"], 300_000);
        assert.deepEqual(domains(1, "--state-running"), [GUEST], "the guest runs on node 2");
        assert.deepEqual(domains(0, "--state-running"), [], "nothing runs on node 1");
        assert.true(member(0, hostname(0))?.Maintenance, "node 1 is in maintenance");
        await waitFor("the guest to count on node 2", () => counts(1).length >= 2, 60_000, 500);
        assert.true(counts(1)[0] > last, `it counted on: ${last}, then ${counts(1).slice(0, 3).join(", ")}`);
        mustCtl(0, ["cluster", "maintenance", hostname(0), "off", "--wait"]);
        mustCtl(1, ["vm", "migrate", GUEST, hostname(0), "--wait"], 300_000);
        assert.deepEqual(domains(0, "--state-running"), [GUEST], "back on node 1");
    });

    QUnit.test("node 3 killed: shown down on node 1 within 30 s, still listed; the two monitors left keep the quorum", async assert => {
        const killed = Date.now();
        await nodes[2].kill();
        await waitFor("node 1 to show node 3 down", () => health(0)[hostname(2)] === "down", DOWN_WITHIN_MS, 500);
        console.log(`# node 3 killed: shown down on node 1 after ${((Date.now() - killed) / 1000).toFixed(1)} s`);
        assert.ok(Date.now() - killed <= DOWN_WITHIN_MS, "within 30 s");
        const three = status(0).Nodes.find(n => n.Name === hostname(2));
        assert.strictEqual(three?.Address, address(2), "still listed, with its address");
        assert.ok(three?.Problem, `with the reason: ${three?.Problem}`);
        assert.strictEqual(health(0)[hostname(1)], "up", "node 2 stays up");
        assert.deepEqual(status(0).Machines.filter(m => m.Node === hostname(2)).map(m => [m.Name, m.State, m.Stale]), [[ELSEWHERE, "shutoff", true]],
            "its machine stays listed as last known, marked stale");
        // the monitors notice the lost one by themselves (their lease runs out) and go on with two of three
        const two = [hostname(0), hostname(1)].sort().join(" ");
        await waitFor("the quorum of the two monitors left", () => quorum(0).names.join(" ") === two, 60_000, 2000);
        assert.deepEqual(quorum(0).names.join(" "), two, "two of three monitors keep the quorum");
        // Ceph is degraded (node 3's OSD is gone), the machines of nodes 1 and 2 run on
        await waitFor("Ceph to see node 3's OSD down", () => cephProblems(0).some(p => /^OSD_(HOST_)?DOWN/.test(p)), 90_000, 2000);
        assert.ok(cephProblems(0).some(p => /^OSD_(HOST_)?DOWN/.test(p)), `Ceph says so: ${cephProblems(0).join("; ")}`);
        assert.true(domains(0, "--state-running").includes(GUEST), "the guest still runs on node 1");
        const before = Math.max(...counts(0));
        await waitFor("the guest to count on", () => Math.max(...counts(0)) > before, 30_000, 500);
        assert.true(Math.max(...counts(0)) > before, "and counts on");
    });

    QUnit.test("node 3 powered on again: healthy on node 1, its monitor back in the quorum, its OSD up; its machine known again", async assert => {
        assert.timeout(900_000);
        const started = Date.now();
        try {
            await cluster.restart(2);
            await waitFor("node 1 to show node 3 up", () => health(0)[hostname(2)] === "up", 180_000, 1000);
            console.log(`# node 3 powered on: shown up on node 1 after ${((Date.now() - started) / 1000).toFixed(1)} s`);
            assert.strictEqual(health(0)[hostname(2)], "up", "node 3 is up again");
            const three = [0, 1, 2].map(hostname).sort().join(" ");
            await waitFor("the three monitors' quorum", () => quorum(0).names.join(" ") === three, 180_000, 2000);
            assert.strictEqual(quorum(0).names.join(" "), three, "all three monitors in the quorum");
            const osdsUp = () => {
                const tree = JSON.parse(nodes[0].mustExec(["ceph", "osd", "tree", "-f", "json"], 60_000)) as {
                    nodes: Array<{ id: number; name: string; type: string; status?: string; children?: number[] }>;
                };
                const host = tree.nodes.find(x => x.type === "host" && x.name === hostname(2));
                const osds = tree.nodes.filter(x => x.type === "osd" && (host?.children ?? []).includes(x.id));
                return osds.length > 0 && osds.every(x => x.status === "up");
            };
            await waitFor("node 3's OSD to be up", osdsUp, 240_000, 3000);
            assert.true(osdsUp(), "its OSD is up");
            await waitFor("node 3's machine to be known again", () => status(0).Machines.some(m => m.Node === hostname(2) && m.Name === ELSEWHERE && !m.Stale), 60_000, 1000);
            assert.true(status(0).Machines.some(m => m.Node === hostname(2) && m.Name === ELSEWHERE && !m.Stale), "its machine is listed, no longer stale");
            console.log(`# node 3 back: Ceph's health checks now: ${cephProblems(0).join("; ") || "none"}`);
        } finally {
            // killed again, for what follows: a node that is down
            await nodes[2].kill();
            await waitFor("node 1 to show node 3 down again", () => health(0)[hostname(2)] === "down", DOWN_WITHIN_MS, 500);
            const two = [hostname(0), hostname(1)].sort().join(" ");
            await waitFor("the quorum of the two monitors left", () => quorum(0).names.join(" ") === two, 60_000, 2000);
        }
    });

    QUnit.test("migration to a node that is down is refused, naming why; the guest stays", assert => {
        const r = ctl(0, ["vm", "migrate", GUEST, hostname(2)]);
        assert.notStrictEqual(r.status, 0);
        assert.true(r.stderr.includes(`${hostname(2)} is down`), r.stderr);
        assert.deepEqual(domains(0, "--state-running"), [GUEST], "the guest still runs on node 1");
    });

    QUnit.test("removing a node, refused: one that answers and would break the monitors' quorum, this node, unknown and bad names — nothing changed", assert => {
        const [n1, n2, n3] = [0, 1, 2].map(hostname);
        const two = member(0, n2);
        assert.strictEqual(two?.Health, "up", `node 2 is up on node 1${two?.Problem ? `: ${two.Problem}` : ""}${two?.Health === "up" ? "" : `\n${journal(1)}`}`);
        const plan = ctl(0, ["cluster", "remove", n2, "--plan"]);
        assert.strictEqual(plan.status, 1, "a plan with refusals");
        assert.ok(plan.stdout.includes(`${n2} answers`), plan.stdout);
        assert.ok(plan.stdout.includes(`the monitors would lose their quorum: of the 2 left (${[n1, n3].sort().join(", ")}), 1 is in the quorum now (${n1})`), plan.stdout);
        const refused = ctl(0, ["cluster", "remove", n2, "--wait"]);
        assert.notStrictEqual(refused.status, 0);
        assert.ok(refused.stderr.includes(`remove ${n2} is refused`) && refused.stderr.includes("lose their quorum"), refused.stderr);
        const self = ctl(0, ["cluster", "remove", n1, "--wait"]);
        assert.ok(self.status !== 0 && self.stderr.includes("is this node"), self.stderr);
        for (const [bad, said] of [["nosuch", "nosuch is not a member"], ["-x", "must be a node name"], [`${n3}\n`, "must be a node name"]]) {
            const r = ctlRaw(0, ["cluster", "remove"], [bad]);
            assert.ok(r.status !== 0 && r.stderr.includes(said), `${JSON.stringify(bad)}: ${r.stderr}`);
        }
        assert.deepEqual(monitors(0), [n1, n2, n3].sort(), "every monitor still in the map");
        assert.deepEqual(status(0).Nodes.map(n => n.Name), [n1, n2, n3].sort(), "every member still listed");

        const removal = ctl(0, ["cluster", "remove", n3, "--plan"]);
        assert.strictEqual(removal.status, 0, `node 3, down, can be removed: ${removal.stdout}${removal.stderr}`);
        assert.ok(removal.stdout.includes("Machines running there: not known") && removal.stdout.includes(`remove mon.${n3} from the monitor map (2 monitors left)`),
            removal.stdout);
    });

    QUnit.test("node 1's Cluster page, in node 1's Cockpit: the three nodes with their addresses, Ceph daemons, load and machines, node 3 down and in maintenance", async assert => {
        serveCockpit(0);
        const session = await openSession();
        try {
            await login(session.page, ADMIN, `http://${address(0)}:9090`);
            // the shell's own messages before the page are not the page's
            session.consoleErrors.length = 0;
            const frame = await openFromMenu(session.page, "Cluster", "debvisor/cluster");
            const row = (n: number, health: string) => frame.locator(`tr[data-node="${hostname(n)}"][data-health="${health}"]`);
            await row(0, "up").waitFor({ timeout: 30_000 });
            await row(1, "up").waitFor({ timeout: 30_000 });
            await row(2, "down").waitFor({ timeout: 30_000 });
            for (const n of [0, 1, 2])
                assert.strictEqual(await frame.locator(`tr[data-node="${hostname(n)}"] td`).nth(1).textContent(), address(n), `node ${n + 1}'s address`);
            assert.ok((await frame.locator(`tr[data-node="${hostname(0)}"]`).textContent())?.includes("this node"), "node 1 is this node");
            await frame.locator(`tr[data-node="${hostname(2)}"] [data-label="maintenance"]`).waitFor({ timeout: 10_000 });
            // each node's Ceph daemons, load and machines
            const cell = (n: number, column: string) => frame.locator(`tr[data-node="${hostname(n)}"] td[data-column="${column}"]`).textContent();
            const osdsOn = (n: number) => (JSON.parse(nodes[0].mustExec(["ceph", "osd", "tree", "-f", "json"], 60_000)) as {
                nodes: Array<{ type: string; name: string; children?: number[] }>;
            }).nodes.find(x => x.type === "host" && x.name === hostname(n))?.children?.length ?? 0;
            const managers = JSON.parse(nodes[0].mustExec(["ceph", "mgr", "dump", "-f", "json"], 60_000)) as { active_name: string; standbys: Array<{ name: string }> };
            const managerOn = (n: number) => managers.active_name === hostname(n) ? ", manager (active)"
                : managers.standbys.some(m => m.name === hostname(n)) ? ", manager (standby)" : "";
            for (const n of [0, 1]) {
                const osds = osdsOn(n);
                assert.ok(osds > 0, `node ${n + 1} has OSDs`);
                assert.strictEqual(await cell(n, "ceph"), `monitor${managerOn(n)}, ${osds} OSD${osds === 1 ? "" : "s"}`, `node ${n + 1}'s Ceph daemons`);
                assert.ok(/^\d+\.\d\d on \d+ CPUs?$/.test(await cell(n, "load") ?? ""), `node ${n + 1}'s load: ${await cell(n, "load")}`);
                const [running, all] = [domains(n, "--state-running").length, domains(n, "--all").length];
                await frame.locator(`tr[data-node="${hostname(n)}"] td[data-column="machines"]`, {
                    hasText: all === 0 ? /^none$/ : new RegExp(`^${running} of ${all} running$`),
                }).waitFor({ timeout: 30_000 });
            }
            assert.ok((await cell(2, "ceph"))?.startsWith("monitor (out of quorum)"), `node 3 (down): ${await cell(2, "ceph")}`);
            assert.ok(/^\d+ of \d+ running$|^none$/.test(await cell(2, "machines") ?? ""), `node 3's machines as it last told: ${await cell(2, "machines")}`);
            await screenshot(session.page, "cluster-node-down", frame);
            assert.deepEqual(session.consoleErrors, [], "no console errors");
        } catch (e) {
            await screenshot(session.page, "cluster-page-failed").catch(() => undefined);
            throw e;
        } finally {
            await session.close();
        }
    });

    QUnit.test("node 1's machine page: Migrate… lists the other members, node 3 (down) cannot be picked; the guest moves to node 2 from the page", async assert => {
        const session = await openSession();
        try {
            const opened = Date.now();
            await login(session.page, ADMIN, `http://${address(0)}:9090`);
            session.consoleErrors.length = 0;
            const frame = await openFromMenu(session.page, "Virtual machines", "debvisor/machines");
            await frame.locator(`tr[data-machine='${GUEST}'] button:has-text('${GUEST}')`).click();
            await frame.locator("#machine-title", { hasText: GUEST }).waitFor({ timeout: 30_000 });
            console.log(`# node 1's machine page shown ${((Date.now() - opened) / 1000).toFixed(1)} s after the login began`);
            await frame.locator("#machine-actions button:has-text('Migrate…')").click();
            const dialog = frame.locator("#migrate-dialog");
            const select = dialog.locator("#migrate-node");
            await select.waitFor({ timeout: 30_000 });
            assert.deepEqual(await select.locator("option").allTextContents(), [hostname(1), `${hostname(2)} (down)`], "the other members, node 3 marked down");
            await select.selectOption(hostname(2));
            await dialog.locator("#migrate-problem", { hasText: `${hostname(2)} is down` }).waitFor({ timeout: 10_000 });
            assert.true(await dialog.locator("button:has-text('Migrate')").isDisabled(), "a down node cannot be picked");
            await select.selectOption(hostname(1));
            await screenshot(session.page, "machine-migrate-dialog", frame);
            const clicked = Date.now();
            await dialog.locator("button:has-text('Migrate')").click();
            await dialog.waitFor({ state: "detached", timeout: 30_000 });
            // when it runs on node 2, node 1 no longer has it, and its page says so
            await frame.locator("text=There is no machine named").waitFor({ timeout: 300_000 });
            console.log(`# moved from the page: its page said it is gone ${((Date.now() - clicked) / 1000).toFixed(1)} s after the click`);
            assert.deepEqual(domains(1, "--state-running"), [GUEST], "it runs on node 2");
            assert.deepEqual(domains(0, "--all"), [], "node 1 has it no more");
            await frame.locator(`text=A machine of this name is on ${hostname(1)}.`).waitFor({ timeout: 30_000 });
            // the list of the cluster's machines: the guest with node 2, node 3's as last known
            await frame.locator("[aria-label='Breadcrumb'] a", { hasText: "Virtual machines" }).click();
            // node 2 may first be heard while the guest is still coming in (paused): the list follows at the next round
            const row = frame.locator(`tr[data-machine='${GUEST}'][data-node='${hostname(1)}']`, { hasText: "Running" });
            const listed = await row.waitFor({ timeout: 30_000 }).then(() => true, () => false);
            assert.true(listed, "node 1 lists the guest on node 2, running");
            const stale = frame.locator(`tr[data-machine='${ELSEWHERE}'][data-node='${hostname(2)}']`);
            assert.true((await stale.textContent())?.includes("not answering"), "node 3's machine as last known, marked so");
            await frame.locator("#machine-node-filter").selectOption(hostname(1));
            assert.deepEqual(await frame.locator("tr[data-machine]").evaluateAll(rows => rows.map(r => r.getAttribute("data-machine"))), [GUEST], "the node filter");
            await screenshot(session.page, "machines-cluster-list", frame);
            assert.deepEqual(session.consoleErrors, [], "no console errors");
        } catch (e) {
            await screenshot(session.page, "machine-migrate-failed").catch(() => undefined);
            throw e;
        } finally {
            await session.close();
        }
    });

    QUnit.test("node 1's Cluster page: node 3 removed with its plan shown and its name typed", async assert => {
        const session = await openSession();
        try {
            await login(session.page, ADMIN, `http://${address(0)}:9090`);
            session.consoleErrors.length = 0;
            const frame = await openFromMenu(session.page, "Cluster", "debvisor/cluster");
            await frame.locator(`tr[data-node="${hostname(2)}"][data-health="down"]`).waitFor({ timeout: 30_000 });
            await frame.locator(`tr[data-node="${hostname(2)}"] button[aria-label="Kebab toggle"]`).click();
            await frame.getByRole("menuitem", { name: "Remove from the cluster…" }).click();
            const dialog = frame.getByRole("dialog");
            await dialog.locator("[data-plan=ready]").waitFor({ timeout: 60_000 });
            assert.ok((await dialog.textContent())?.includes(`remove mon.${hostname(2)} from the monitor map`), "the dialog shows the plan");
            await screenshot(session.page, "cluster-remove-plan", frame);
            await dialog.locator("#action-field").fill("not-the-name");
            assert.true(await dialog.getByRole("button", { name: "Remove" }).isDisabled(), "only the node's name typed lets it go");
            await dialog.locator("#action-field").fill(hostname(2));
            await dialog.getByRole("button", { name: "Remove" }).click();
            await frame.locator(`tr[data-node="${hostname(2)}"]`).waitFor({ state: "detached", timeout: 120_000 });
            assert.deepEqual(session.consoleErrors, [], "no console errors");
        } catch (e) {
            await screenshot(session.page, "cluster-remove-failed").catch(() => undefined);
            throw e;
        } finally {
            await session.close();
        }
    });

    QUnit.test("node 3 removed: its monitor gone from the monitor map, its member record gone, every member lists the two left", async assert => {
        const two = [hostname(0), hostname(1)].sort();
        assert.deepEqual(monitors(0), two, "mon of node 3 is out of the monitor map");
        assert.notStrictEqual(nodes[0].exec(["ceph", "config-key", "exists", `debvisor/cluster/nodes/${hostname(2)}`]).status, 0, "no member record");
        assert.deepEqual(status(0).Nodes.map(n => n.Name), two);
        await waitFor("node 2 to list the two left", () => status(1).Nodes.map(n => n.Name).join(" ") === two.join(" "), 25_000, 1000);
        assert.deepEqual(quorum(0).names, two, "both monitors left in the quorum");
    });

    QUnit.test("node 2 leaves by itself: refused while the guest runs there; then its monitor goes while the quorum holds, it is in no cluster, node 1 is alone", async assert => {
        const busy = ctl(1, ["cluster", "leave", "--wait"]);
        assert.ok(busy.status !== 0 && busy.stderr.includes(`must be shut down or moved first: ${GUEST}`), busy.stderr);
        assert.strictEqual(status(1).State, "member", "still a member");
        nodes[1].mustExec(["virsh", "destroy", GUEST]);
        const plan = ctl(1, ["cluster", "leave", "--plan"]);
        assert.strictEqual(plan.status, 0, `${plan.stdout}${plan.stderr}`);
        assert.ok(plan.stdout.includes(`remove mon.${hostname(1)} from the monitor map while it runs`), plan.stdout);
        const started = Date.now();
        mustCtl(1, ["cluster", "leave", "--wait"], 180_000);
        console.log(`# node 2 left in ${Math.round((Date.now() - started) / 1000)} s`);
        assertUntouched(assert, 1, "after leaving");
        assert.deepEqual(monitors(0), [hostname(0)]);
        assert.deepEqual(quorum(0).names, [hostname(0)], "node 1's monitor alone keeps the quorum");
        await waitFor("node 1 to list itself alone", () => status(0).Nodes.map(n => n.Name).join(" ") === hostname(0), 25_000, 1000);
        const last = ctl(0, ["cluster", "leave", "--plan"]);
        assert.strictEqual(last.status, 1, "the only member cannot leave");
        assert.ok(last.stdout.includes("only member") && last.stdout.includes("last monitor"), last.stdout);
    });

    QUnit.test("bad input: a node in another cluster — node 2, in a cluster of its own now, is refused joining node 1's; both clusters as they were", assert => {
        mustCtl(1, ["cluster", "create", address(1), "--wait"], 300_000);
        const own = status(1);
        assert.strictEqual(own.State, "member", "node 2 made a cluster of its own");
        const r = ctl(1, ["cluster", "join", address(0), token(0), "--wait"], 120_000);
        assert.notStrictEqual(r.status, 0, "the join is refused");
        assert.ok(r.stderr.includes("member of a cluster already"), r.stderr);
        const after = status(1);
        assert.deepEqual([after.State, after.Fsid, after.Nodes.map(n => n.Name)], ["member", own.Fsid, [hostname(1)]], "node 2 is in its own cluster still");
        assert.deepEqual(quorum(1).names, [hostname(1)], "its own monitor alone in its quorum");
        assert.notStrictEqual(own.Fsid, status(0).Fsid, "two clusters");
        assert.deepEqual(monitors(0), [hostname(0)], "node 1's cluster has its one monitor");
        assert.deepEqual(status(0).Nodes.map(n => n.Name), [hostname(0)], "and its one member");
    });
});
