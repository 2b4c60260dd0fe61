// The cluster's rounds of pings go on while Ceph does not answer the read of
// the member records (a monitor gone: the ceph tool waits up to a minute):
// a member that stops answering is shown down, and signalled, by the next
// round's ping, not once Ceph answers again. Ceph and the SSH channel are
// stand-ins here (named so below); the three-node test (88) kills a real node.
import QUnit from "qunit";
import { ClusterArea } from "../../helpers/debvisord/cluster/cluster-area.js";
import type { PeerRequest } from "../../helpers/debvisord/cluster/cluster-host.js";
import type { Member } from "../../helpers/debvisord/cluster/membership.js";
import type { CallContext, MethodTable } from "../../helpers/debvisord/bus/call-pipeline.js";
import type { JobRegistry } from "../../helpers/debvisord/jobs/jobs.js";
import type { MachineSummary } from "../../helpers/debvisord/machines/machines.js";
import { recordingServer, type RecordingServer } from "../lib/recording-server.js";

const member = (name: string, address: string): Member => ({ name, address, nodeKey: "", hostKey: "", joined: 0 });

/* Stand-ins: a Ceph whose member read never ends, and a channel whose other member answers until it is "killed". */
class AreaWithSilentCeph extends ClusterArea {
    pings = 0;
    answering = true;
    answeredMachines: MachineSummary[] = [];
    answeredLoad: unknown = undefined;
    protected override readMemberRecords(): Promise<Member[]> {
        return new Promise(() => undefined);
    }
    override call(m: Member, _request: PeerRequest): Promise<unknown> {
        this.pings++;
        return this.answering ? Promise.resolve({ node: m.name, machines: this.answeredMachines, load: this.answeredLoad }) : Promise.reject(new Error(`ssh: connect to host ${m.address} port 22: Connection refused`));
    }
}

/* The area started (its own first round, in no cluster yet), then node n1 of a cluster with n2. */
async function memberOfTwo(server: RecordingServer["server"]): Promise<AreaWithSilentCeph> {
    const area = new AreaWithSilentCeph(server, {} as JobRegistry);
    area.start();
    await area.refresh();
    area.state = "member";
    area.local = { fsid: "f", name: "n1", address: "10.0.0.1" };
    area.members = [member("n1", "10.0.0.1"), member("n2", "10.0.0.2")];
    return area;
}

/* ListMachines as the bus would run it (its method table is the area's own). */
function listMachines(area: ClusterArea): Promise<[Array<Record<string, unknown>>, bigint]> {
    const table = (area as unknown as { methods(): MethodTable }).methods();
    return table.ListMachines.run({} as CallContext, [{}]) as Promise<[Array<Record<string, unknown>>, bigint]>;
}

function within<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} did not end within ${ms} ms`)), ms);
    });
    return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

QUnit.module("cluster rounds: pings go on without Ceph, and what their answers carry", () => {
    QUnit.test("with the member read hanging, each round still pings; a member that stops answering is signalled down", async assert => {
        const { server, objects, changes } = recordingServer();
        const area = await memberOfTwo(server);
        try {
            const health = () => (objects.get(area.path)?.properties().Nodes as Array<{ Name: string; Health: string }>).find(n => n.Name === "n2")?.Health;

            await within(area.refresh(), 2000, "the first round");
            assert.strictEqual(health(), "up", "n2 answered");
            area.answering = false;
            const signalled = changes.length;
            await within(area.refresh(), 2000, "the round after n2 stopped answering");
            assert.strictEqual(area.pings, 2, "the second round pinged though the first read still hangs");
            assert.strictEqual(health(), "down", "n2 is down");
            assert.true(changes.slice(signalled).some(([path, , names]) => path === area.path && names.includes("Nodes")), "and the Nodes property was signalled");
        } finally {
            area.stop();
        }
    });

    QUnit.test("MachinesRevision moves when the other members' machines change (one more, another state, a member down), not otherwise; ListMachines answers with it", async assert => {
        const { server, objects, changes } = recordingServer();
        const area = await memberOfTwo(server);
        try {
            const revision = () => objects.get(area.path)?.properties().MachinesRevision as bigint;
            const list = () => listMachines(area);
            const web: MachineSummary = { name: "web", uuid: "u1", state: "running", vcpus: 1, memoryMiB: 64, disks: 1, autostart: false };

            area.answeredMachines = [web];
            await within(area.refresh(), 2000, "a round with n2's machine");
            const first = revision();
            const [machines, answered] = await list();
            assert.deepEqual(machines.map(m => [m.Node, m.Name, m.State, m.Stale]), [["n2", "web", "running", false]]);
            assert.strictEqual(answered, first, "the answer is as of the property's revision");

            const signalled = changes.length;
            await within(area.refresh(), 2000, "a round where nothing changed");
            assert.strictEqual(revision(), first, "nothing changed: the same revision");
            assert.false(changes.slice(signalled).some(([, , names]) => names.includes("MachinesRevision")), "and nothing signalled for it");

            area.answeredMachines = [{ ...web, state: "shutoff" }];
            await within(area.refresh(), 2000, "a round with the machine shut off");
            assert.true(revision() > first, "another state: a new revision");
            assert.deepEqual((await list())[0].map(m => m.State), ["shutoff"]);

            const before = revision();
            area.answering = false;
            await within(area.refresh(), 2000, "a round with n2 down");
            assert.true(revision() > before, "n2 down: its machines stale, a new revision");
            const [stale, at] = await list();
            assert.deepEqual(stale.map(m => [m.Name, m.Stale]), [["web", true]]);
            assert.strictEqual(at, revision());

            // debvisord restarted: a page that kept the last answer must see the new revision as newer
            const restarted = new AreaWithSilentCeph(recordingServer().server, {} as JobRegistry);
            restarted.start();
            restarted.stop();
            const [, fresh] = await listMachines(restarted);
            assert.true(fresh > revision(), "a restarted daemon's revision is past the one before");
        } finally {
            area.stop();
        }
    });

    QUnit.test("Nodes: each member's load and machines as its ping answer told them, kept while it is down; unknown before it told", async assert => {
        const { server, objects } = recordingServer();
        const area = await memberOfTwo(server);
        try {
            const n2 = () => (objects.get(area.path)?.properties().Nodes as Array<Record<string, unknown>>).find(n => n.Name === "n2");
            const self = () => (objects.get(area.path)?.properties().Nodes as Array<Record<string, unknown>>).find(n => n.Self);
            const vm = (name: string, state: string): MachineSummary => ({ name, uuid: name, state, vcpus: 1, memoryMiB: 64, disks: 1, autostart: false });

            area.answeredLoad = { average: "high", cpus: 4 }; // garbage: not shown
            await within(area.refresh(), 2000, "a round with a garbled load");
            assert.deepEqual([n2()?.Load, n2()?.Cpus], [-1, 0], "no load told yet");
            assert.strictEqual(typeof self()?.Load, "number", "this node's own load");
            assert.true((self()?.Cpus as number) >= 1, "and its CPUs");

            area.answeredLoad = { average: 1.234, cpus: 4 };
            area.answeredMachines = [vm("a", "running"), vm("b", "shutoff"), vm("c", "paused")];
            await within(area.refresh(), 2000, "a round with n2's load and machines");
            assert.deepEqual([n2()?.Load, n2()?.Cpus, n2()?.Machines, n2()?.RunningMachines], [1.23, 4, 3, 2]);

            area.answering = false;
            await within(area.refresh(), 2000, "a round with n2 down");
            assert.deepEqual([n2()?.Health, n2()?.Load, n2()?.Machines], ["down", 1.23, 3], "as it last told");
        } finally {
            area.stop();
        }
    });
});
