// A migrated machine's DNS registration follows it: the node that registered
// it (and holds the zone's keys) keeps the records, notes the member the
// machine moved to, follows its addresses there round by round, and removes
// the records once no member has the machine. The registry here is an
// in-memory stand-in for the DNS service (which writes to named); what it is
// asked is what named would be sent.
import QUnit from "qunit";
import { MachineWhereabouts, type ClusterRound } from "../../helpers/debvisord/cluster/machine-whereabouts.js";
import type { MachineSummary } from "../../helpers/debvisord/machines/machines.js";
import type { Registration } from "../../helpers/debvisord/dns/dns-state.js";
import { MovedMachines, type MachineRegistry } from "../../helpers/debvisord/dns/moved-machines.js";

const UUID = "11111111-2222-3333-4444-555555555555";
const ID = `machine:${UUID}`;
const PATH = "/org/debvisor/DebVisor1/machines/web";

/* The registrations, and what was asked of them in order. */
function registry(): MachineRegistry & { asked: string[] } {
    const registrations: Record<string, Registration> = {
        [ID]: { kind: "machine", zone: "lab.example.org", name: "web.lab.example.org", addresses: ["10.0.0.5"], ptr: false, at: 1 },
        "host:n1": { kind: "host", zone: "lab.example.org", name: "n1.lab.example.org", addresses: ["10.0.0.1"], ptr: false, at: 1, node: "odd" },
    };
    const asked: string[] = [];
    return {
        registrations, asked,
        register: async (id, r) => {
            asked.push(`register ${id} ${r.addresses.join(",")} on ${r.node ?? "here"}`);
            registrations[id] = { ...r, at: 2 };
        },
        unregister: async id => {
            asked.push(`unregister ${id}`);
            delete registrations[id];
        },
    };
}

const web = (state: string, addresses?: string[]): MachineSummary => ({
    name: "web", uuid: UUID, state, vcpus: 1, memoryMiB: 256, disks: 1, autostart: false, ...addresses ? { addresses } : {},
});
const round = (complete: boolean, byNode: Record<string, MachineSummary[]>): ClusterRound => ({ machines: new Map(Object.entries(byNode)), complete });

async function run(moved: MovedMachines, r: ClusterRound): Promise<string[]> {
    const steps = moved.steps(r);
    for (const s of steps)
        await s.work();
    return steps.map(s => s.what);
}

QUnit.module("dns: a migrated machine's registration follows it", () => {
    QUnit.test("a machine that left by migration is known as moved once, when its removal is seen; a failed move, or a machine deleted here, is not", assert => {
        const w = new MachineWhereabouts();
        w.departing(PATH, "n2");
        w.departed(PATH, true);
        assert.strictEqual(w.takeDeparture(PATH), "n2");
        assert.strictEqual(w.takeDeparture(PATH), null, "asked once: deleted later, it is deleted");
        w.departing(PATH, "n3");
        w.departed(PATH, false);
        assert.strictEqual(w.takeDeparture(PATH), null, "a failed move leaves the machine here");
        assert.strictEqual(w.takeDeparture("/org/debvisor/DebVisor1/machines/other"), null);
        const seen: ClusterRound[] = [];
        w.onRound(r => seen.push(r));
        w.roundDone(round(true, {}));
        assert.strictEqual(seen.length, 1, "each round is told");
    });

    QUnit.test("moved: the records stay with the node noted; the round follows its addresses there, and its next move", async assert => {
        const reg = registry();
        const moved = new MovedMachines(reg, () => false);
        await moved.moved(ID, "n2");
        assert.strictEqual(reg.registrations[ID].node, "n2");
        assert.deepEqual(reg.registrations[ID].addresses, ["10.0.0.5"], "the records stay as they were");
        assert.deepEqual(await run(moved, round(true, { n2: [web("running", ["10.0.0.5"])] })), [], "same addresses, same node: nothing sent");
        assert.deepEqual(await run(moved, round(true, { n2: [web("running")] })), [], "a member of an older version reports no addresses: the records stay");
        assert.deepEqual(await run(moved, round(true, { n2: [web("running", [])] })), [], "no address reported yet: the records stay");
        assert.deepEqual(await run(moved, round(true, { n2: [web("shutoff", ["10.0.0.9"])] })), [], "off: the records stay");
        await run(moved, round(true, { n2: [web("running", ["10.0.0.9"])] }));
        assert.deepEqual(reg.registrations[ID].addresses, ["10.0.0.9"], "a new address there is followed");
        await run(moved, round(false, { n3: [web("running", ["10.0.0.9"])] }));
        assert.strictEqual(reg.registrations[ID].node, "n3", "its next move, from n2 to n3, is followed");
        assert.deepEqual(reg.asked, [`register ${ID} 10.0.0.5 on n2`, `register ${ID} 10.0.0.9 on n2`, `register ${ID} 10.0.0.9 on n3`]);
        assert.strictEqual(reg.registrations["host:n1"].node, "odd", "a host's registration is never followed");
    });

    QUnit.test("deleted on the other member: the records go after two rounds in a row in which every member answered and none has it", async assert => {
        const reg = registry();
        const moved = new MovedMachines(reg, () => false);
        await moved.moved(ID, "n2");
        assert.deepEqual(await run(moved, round(false, {})), [], "a member did not answer: it may have it");
        assert.deepEqual(await run(moved, round(true, {})), [], "one round without it: perhaps in the middle of a move");
        assert.deepEqual(await run(moved, round(true, { n2: [web("running", ["10.0.0.5"])] })), [], "there it is again");
        assert.deepEqual(await run(moved, round(true, {})), []);
        assert.deepEqual(await run(moved, round(true, {})), ["remove"]);
        assert.strictEqual(reg.registrations[ID], undefined, "removed");
        assert.deepEqual(await run(moved, round(true, {})), [], "and not again");
    });

    QUnit.test("back on this node: no longer followed from the rounds", async assert => {
        const reg = registry();
        let here = false;
        const moved = new MovedMachines(reg, () => here);
        await moved.moved(ID, "n2");
        here = true;
        assert.deepEqual(await run(moved, round(true, {})), []);
        assert.deepEqual(await run(moved, round(true, {})), [], "not removed although no other member has it");
        assert.ok(reg.registrations[ID]);
    });
});
