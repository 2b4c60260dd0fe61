// Several DebVisor nodes as one cluster, for real: three Debian nodes booted
// under systemd (systemd-nspawn, see test/lib/nspawn-node.ts) with the .debs,
// OpenSSH and Ceph's monitor and manager installed, each with its own address
// on a bridge this test makes (and removes). Node 1 creates the cluster, an
// admin there makes join tokens, nodes 2 and 3 join by token: every node lists
// every node, and the Ceph monitors listen on the nodes' addresses and form one
// quorum. Bad input is refused with a clear error and leaves nothing behind: a
// token that is not one, an expired one, one used already, joining a node to
// itself, an address where no node answers. Node 3 goes into maintenance and
// back (noout on its CRUSH host in Ceph's OSD map, the mark on every node). A
// node whose container is killed is shown down on the others within 30 s, in
// debvisorctl and on node 1's Cluster page (Playwright on node 1's Cockpit);
// removing a node is refused where it would break the monitors' quorum, for
// this node, unknown or bad names, with nothing changed; node 3 is removed from
// the page after its plan is shown and its name typed (its monitor leaves the
// map), and node 2 leaves by itself. The prepared root file system is cached
// between runs; each node is stopped by its nspawn PID and its copy removed.
import crypto from "node:crypto";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import QUnit from "qunit";
import { login, openFromMenu, openSession, screenshot } from "../lib/browser.js";
import { Node, nodeUnavailable, type NodeVariant } from "../lib/nspawn-node.js";
import { ADMIN } from "../lib/users.js";
import { waitFor } from "../lib/wait.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const DEBS = path.join(ROOT, "build/debs");
const RELEASE = "bookworm";
/* What a cluster node has besides the .debs: sshd for the channel between nodes, Ceph's monitor and manager, Cockpit's shell. */
const CLUSTER_NODE: NodeVariant = { name: "cluster", packages: ["openssh-server", "ceph-mon", "ceph-mgr", "ceph-common", "cockpit-system"] };
const NETWORK_PREFIX = "10.231.77";
/* The test machine's own address on the bridge: the browser reaches node 1's Cockpit from there. */
const HOST_ADDRESS = `${NETWORK_PREFIX}.1`;
const address = (i: number) => `${NETWORK_PREFIX}.${11 + i}`;
/* On the bridge, but no node has it: nothing answers there. */
const SILENT_ADDRESS = `${NETWORK_PREFIX}.99`;
const DOWN_WITHIN_MS = 30_000;

const canBridge = () => process.getuid?.() === 0 && spawnSync("ip", ["link", "help"], { stdio: "ignore" }).status !== null;
const unavailable = nodeUnavailable(DEBS) ?? (canBridge() ? null : "no ip(8) to make a bridge");

interface Result { status: number | null; stdout: string; stderr: string }
interface ClusterNode { Name: string; Address: string; Health: string; Self: boolean; Problem: string; Maintenance: boolean; Removal: string }
interface ClusterProps { State: string; NodeName: string; Address: string; Fsid: string; Nodes: ClusterNode[] }

const nodes: Node[] = [];
let bridge = "";

function ip(args: string[]): void {
    const r = spawnSync("ip", args, { encoding: "utf8" });
    if (r.status !== 0)
        throw new Error(`ip ${args.join(" ")} failed: ${r.stderr}`);
}

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
const names: string[] = [];
const hostname = (n: number) => names[n];

function token(n: number, lifetime?: number): string {
    const out = mustCtl(n, ["cluster", "token", "--json", ...lifetime ? ["--lifetime", String(lifetime)] : []]);
    return (JSON.parse(out) as { token: string }).token;
}

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

QUnit.module.if(`cluster of nodes: three systemd nodes on a bridge join one cluster${unavailable ? ` (skipped: ${unavailable})` : ""}`, unavailable === null, hooks => {
    hooks.before(async assert => {
        assert.timeout(1_500_000);
        const started = Date.now();
        bridge = `dvcl${crypto.randomBytes(3).toString("hex")}`;
        ip(["link", "add", bridge, "type", "bridge"]);
        ip(["link", "set", bridge, "up"]);
        ip(["addr", "add", `${HOST_ADDRESS}/24`, "dev", bridge]);
        let built = false;
        for (let i = 0; i < 3; i++) {
            const made = Node.create(RELEASE, DEBS, CLUSTER_NODE);
            built ||= made.cacheBuilt;
            nodes.push(made.node);
            // a name of its own (the copies share the prepared root's)
            fs.writeFileSync(path.join(made.node.dir, "etc/hostname"), `dvc${i + 1}-${made.node.name.slice(-6)}\n`);
        }
        await Promise.all(nodes.map(n => n.boot(180_000, bridge)));
        nodes.forEach((n, i) => {
            n.mustExec(["ip", "addr", "add", `${address(i)}/24`, "dev", "host0"]);
            n.mustExec(["ip", "link", "set", "host0", "up"]);
            // SSH host keys of its own, as a fresh install makes them
            n.mustExec(["sh", "-c", "rm -f /etc/ssh/ssh_host_* && ssh-keygen -A"]);
            names.push(n.mustExec(["hostname"]).trim());
            const restarted = n.exec(["systemctl", "restart", "ssh.service"]);
            if (restarted.status !== 0)
                throw new Error(`sshd on node ${i + 1} did not restart: ${restarted.stderr}\n${n.exec(["journalctl", "-b", "-u", "ssh.service", "--no-pager", "-o", "cat"]).stdout}`);
        });
        await waitFor("the nodes to reach each other", () => nodes[0].exec(["ping", "-c1", "-W1", address(1)]).status === 0
            || nodes[0].exec(["bash", "-c", `exec 3<>/dev/tcp/${address(1)}/22`]).status === 0, 30_000, 500);
        console.log(`# cluster nodes: root file system ${built ? "built" : "from the cache"}, three nodes installed and booted in ${Math.round((Date.now() - started) / 1000)} s`);
    });

    hooks.after(async () => {
        await Promise.all(nodes.map(n => n.stop()));
        for (const n of nodes)
            n.remove();
        if (bridge)
            spawnSync("ip", ["link", "del", bridge]);
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

    QUnit.test("bad input: not a token, an expired token, joining a node to itself, an address where nothing answers — a clear error, nothing done", async assert => {
        const garbled = ctl(1, ["cluster", "join", address(0), "dvjoin1.bm90IGEgdG9rZW4"]);
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

    QUnit.test("node 3 joins through node 2: three monitors in quorum", async assert => {
        mustCtl(2, ["cluster", "join", address(1), token(1), "--wait"], 300_000);
        const all = [0, 1, 2].map(hostname).sort();
        await waitFor("every node to see every node up", () => [0, 1, 2].every(n => Object.values(health(n)).filter(h => h === "up").length === 3), 40_000, 1000);
        assert.deepEqual(quorum(0).names, all, "three monitors in the quorum");
        assert.deepEqual(Object.keys(health(2)).sort(), all, "node 3 lists every node");
    });

    QUnit.test("node 3 into maintenance from node 1 and back: noout on its CRUSH host, the mark on every node; bad names refused, nothing changed", async assert => {
        const n3 = hostname(2);
        // the CRUSH host a node with OSDs has (these nodes run none): noout is set on it
        nodes[0].mustExec(["ceph", "osd", "crush", "add-bucket", n3, "host"]);
        nodes[0].mustExec(["ceph", "osd", "crush", "move", n3, "root=default"]);
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
        // into maintenance again for the rest: the page shows it so, and it is removed so
        mustCtl(0, ["cluster", "maintenance", n3, "on", "--wait"]);
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
        // the monitors notice the lost one by themselves (their lease runs out) and go on with two of three
        const two = [hostname(0), hostname(1)].sort().join(" ");
        await waitFor("the quorum of the two monitors left", () => quorum(0).names.join(" ") === two, 60_000, 2000);
        assert.deepEqual(quorum(0).names.join(" "), two, "two of three monitors keep the quorum");
    });

    QUnit.test("removing a node, refused: one that answers and would break the monitors' quorum, this node, unknown and bad names — nothing changed", assert => {
        const [n1, n2, n3] = [0, 1, 2].map(hostname);
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

    QUnit.test("node 1's Cluster page, in node 1's Cockpit: the three nodes with their addresses, node 3 down in maintenance; removed with the plan shown and its name typed", async assert => {
        nodes[0].mustExec(["sh", "-c", `useradd -m -G debvisor-admin ${ADMIN.name} && echo '${ADMIN.name}:${ADMIN.password}' | chpasswd`]);
        nodes[0].mustExec(["sh", "-c", "mkdir -p /etc/cockpit && printf '[WebService]\\nAllowUnencrypted = true\\n' > /etc/cockpit/cockpit.conf"]);
        nodes[0].mustExec(["systemctl", "enable", "--now", "cockpit.socket"]);
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
            await screenshot(session.page, "cluster-node-down", frame);

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
            await screenshot(session.page, "cluster-page-failed").catch(() => undefined);
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

    QUnit.test("node 2 leaves by itself: its monitor goes while the quorum holds, it is in no cluster, node 1 is alone", async assert => {
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
});
