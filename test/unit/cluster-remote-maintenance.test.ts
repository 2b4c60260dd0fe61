// Another member's maintenance: the node in question checks the person's role
// before anything (maintenance is an admin's, its plan every role's), answers
// about its Jobs only to the member they were started for, and work done for
// a person on another member carries their role on and names them in every
// audit record. The cluster area is a stand-in (named so below); between
// real nodes it is for the three-node test (88) once it is wired in.
import QUnit from "qunit";
import type { CallContext } from "../../helpers/debvisord/bus/call-pipeline.js";
import type { Caller } from "../../helpers/debvisord/bus/caller.js";
import type { ClusterHost, PeerRequest } from "../../helpers/debvisord/cluster/cluster-host.js";
import { maintenanceDoneThere, maintenancePeerCalls } from "../../helpers/debvisord/cluster/remote-maintenance.js";
import { actingFor, actorOf } from "../../helpers/debvisord/cluster/remote-roles.js";
import type { JobRegistry } from "../../helpers/debvisord/jobs/jobs.js";

const PEER: Caller = { sender: ":1.9", uid: 998, pid: 1, loginuid: 0xffffffff, user: "debvisor-peer", loginUser: "" };

function peerContext(records: unknown[][]): CallContext {
    return {
        caller: PEER, path: "/org/debvisor/DebVisor1/cluster", authorize: async () => undefined,
        auditStep: async (method, result, args) => { records.push([method, result, args]) },
    };
}

/* Stand-in: a member "n3" of n1, n2, n3 with no Ceph, no machines and no jobs; n2 is down. */
const area = {
    state: "member", local: { name: "n3" }, jobs: { jobs: new Map() } as unknown as JobRegistry,
    members: ["n1", "n2", "n3"].map(name => ({ name, address: "", nodeKey: "", hostKey: "", joined: 0 })),
    health: (name: string) => name === "n2" ? "down" : "up",
} as unknown as ClusterHost;

const request = (call: string, role: PeerRequest["role"], args: unknown): PeerRequest => ({ call, user: "alice", role, args });

QUnit.module("cluster: maintenance of another member", () => {
    QUnit.test("done there only for another member shown up, entering with its machines moved or shut down", assert => {
        assert.strictEqual(maintenanceDoneThere(area, "n1", "enter-maintenance", "move")?.name, "n1");
        assert.strictEqual(maintenanceDoneThere(area, "n1", "enter-maintenance", "shut-down")?.name, "n1");
        assert.strictEqual(maintenanceDoneThere(area, "n3", "enter-maintenance", "move"), null, "this node's own");
        assert.strictEqual(maintenanceDoneThere(area, "n2", "enter-maintenance", "move"), null, "a member that is down");
        assert.strictEqual(maintenanceDoneThere(area, "n1", "enter-maintenance", "refuse"), null, "nothing to do with its machines");
        assert.strictEqual(maintenanceDoneThere(area, "n1", "leave-maintenance", "move"), null);
        assert.strictEqual(maintenanceDoneThere(area, "n9", "enter-maintenance", "move"), null, "no such member");
    });

    QUnit.test("the role is checked before anything; a job is answered about only to the member it was started for", async assert => {
        const records: unknown[][] = [];
        const calls = maintenancePeerCalls(area);
        for (const role of ["operator", "viewer", undefined] as const)
            await assert.rejects(calls["maintenance-enter"](peerContext(records), "n1", request("maintenance-enter", role, { machines: "move" })),
                (e: Error) => e.message === `n1: alice (${role ?? "no role"}) may not put this node in maintenance`, `${role ?? "no role"} refused`);
        await assert.rejects(calls["maintenance-plan"](peerContext(records), "n1", request("maintenance-plan", undefined, { machines: "move" })),
            /may not read this node's plans/, "a plan needs a role");
        await assert.rejects(calls["maintenance-plan"](peerContext(records), "n1", request("maintenance-plan", "viewer", { machines: "refuse" })),
            /machines: /, "bad arguments are refused");
        for (const call of ["maintenance-job", "maintenance-cancel"])
            await assert.rejects(calls[call](peerContext(records), "n1", request(call, "admin", { job: "/org/debvisor/DebVisor1/jobs/1" })),
                /no maintenance job \/org\/debvisor\/DebVisor1\/jobs\/1 started for n1/, `${call}: not one of n1's`);
        assert.deepEqual(records, [], "nothing was done, so nothing audited as done");
    });

    QUnit.test("work for a person on another member: their role travels on, each audit record names them", async assert => {
        const records: unknown[][] = [];
        const ctx = actingFor(peerContext(records), "n1", request("maintenance-enter", "admin", {}));
        assert.deepEqual(ctx.actingFor, { node: "n1", user: "alice", role: "admin" });
        assert.deepEqual(await actorOf(ctx), { node: "n1", user: "alice", role: "admin" } as Awaited<ReturnType<typeof actorOf>>, "the role that travels on");
        await ctx.auditStep("Machine.Migrate.step", "ok", ["prepared", "n2"]);
        await ctx.auditStep("Cluster.EnterMaintenance.step", "ok", "marked");
        assert.deepEqual(records, [
            ["Machine.Migrate.step", "ok", ["n1: alice (admin)", "prepared", "n2"]],
            ["Cluster.EnterMaintenance.step", "ok", ["n1: alice (admin)", "marked"]],
        ]);
        assert.deepEqual(await actorOf({ ...peerContext(records), caller: { ...PEER, uid: 0, user: "root" } }), { user: "root", role: "admin" }, "a local caller: by uid and groups");
    });
});
