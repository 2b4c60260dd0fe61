// The object server publishes the areas' objects: exported once, then only
// the properties that changed are signalled; sync() keeps a set of objects
// below a path exactly as wanted and leaves everything else alone.
import dbus from "dbus-next";
import QUnit from "qunit";
import { heldJob, recordingServer } from "../lib/recording-server.js";

const POOL = "org.debvisor.DebVisor1.ZfsPool";
const ZFS = "/org/debvisor/DebVisor1/zfs";
const pool = (name: string, free: number) => ({
    Name: name, Health: "ONLINE", Size: 100n, Allocated: 10n, Free: BigInt(free), SizesExact: true, Fragmentation: 0,
    Vdevs: [], ScrubState: "none", ScrubProgress: 0, LastScrub: "", Status: "",
});

/* Every method of the interface, as export() demands; never called here. */
const methodsOf = (server: ReturnType<typeof recordingServer>["server"], iface: string) => () =>
    Object.fromEntries(server.spec(iface).methods.map(m => [m.name, null]));

QUnit.module("bus: publishing objects", () => {
    QUnit.test("exported once; afterwards only the properties that changed are signalled, and Get answers the new values", assert => {
        const { server, objects, changes, signals } = recordingServer();
        const path = `${ZFS}/pools/tank`;
        let methodsAsked = 0;
        server.publish(path, POOL, pool("tank", 90), () => { methodsAsked++; return methodsOf(server, POOL)() });
        assert.deepEqual(signals, [`InterfacesAdded ${path}`]);
        server.publish(path, POOL, pool("tank", 90));
        assert.deepEqual(changes, [], "the same values: nothing signalled");
        server.publish(path, POOL, { ...pool("tank", 80), Health: "DEGRADED" });
        assert.deepEqual(changes, [[path, POOL, ["Health", "Free"]]], "exactly what changed");
        assert.equal(objects.get(path)?.properties().Free, 80n, "Get answers the published value");
        assert.equal(methodsAsked, 1, "the methods are made once, at export");
        assert.equal(signals.length, 2, "no second InterfacesAdded");
    });

    QUnit.test("sync exports the wanted, removes the others below its path, and leaves the rest alone", assert => {
        const { server, objects, signals } = recordingServer();
        const DATASET = "org.debvisor.DebVisor1.ZfsDataset";
        server.publish(`${ZFS}/datasets/tank`, DATASET, {}, methodsOf(server, DATASET));
        const wanted = (...names: string[]) => new Map(names.map(n => [`${ZFS}/pools/${n}`, { iface: POOL, props: pool(n, 1), methods: methodsOf(server, POOL) }]));
        server.sync(`${ZFS}/pools`, wanted("a", "b"));
        assert.deepEqual([...objects.keys()].sort(), [`${ZFS}/datasets/tank`, `${ZFS}/pools/a`, `${ZFS}/pools/b`]);
        signals.length = 0;
        server.sync(`${ZFS}/pools`, wanted("b", "c"));
        assert.deepEqual(signals, [`InterfacesRemoved ${ZFS}/pools/a`, `InterfacesAdded ${ZFS}/pools/c`], "b unchanged, so silent");
        server.sync(`${ZFS}/pools`, new Map());
        assert.deepEqual([...objects.keys()], [`${ZFS}/datasets/tank`], "another path's objects stay");
        server.publish(`${ZFS}/pools/d`, POOL, pool("d", 1), methodsOf(server, POOL));
        server.unexport(`${ZFS}/pools/d`);
        server.publish(`${ZFS}/pools/d`, POOL, pool("d", 1), methodsOf(server, POOL));
        assert.true(objects.has(`${ZFS}/pools/d`), "an object unexported and published again is exported again");
        assert.throws(() => server.sync(`${ZFS}/pools`, new Map([[`${ZFS}/elsewhere`, { iface: POOL, props: pool("x", 1) }]])), /not below/);
    });

    QUnit.test("a change in what is not news waits for the next change that is, and then goes along", assert => {
        const { server, objects, changes } = recordingServer();
        const path = `${ZFS}/pools/tank`;
        const news = (name: string, value: unknown) => name === "Status" ? null : value;
        server.publish(path, POOL, { ...pool("tank", 90), Status: "read at 1" }, methodsOf(server, POOL), news);
        server.publish(path, POOL, { ...pool("tank", 90), Status: "read at 2" }, undefined, news);
        assert.deepEqual(changes, [], "only the incidental property changed: nothing signalled");
        assert.equal(objects.get(path)?.properties().Status, "read at 2", "Get answers the latest value all the same");
        server.publish(path, POOL, { ...pool("tank", 80), Status: "read at 3" }, undefined, news);
        assert.deepEqual(changes, [[path, POOL, ["Free", "Status"]]], "the incidental change goes along with real news");
        server.publish(path, POOL, { ...pool("tank", 70), Status: "read at 3" }, undefined, news);
        assert.deepEqual(changes[1], [path, POOL, ["Free"]], "and is not signalled again");
    });

    QUnit.test("a singleton: a changed value is signalled once, typed as the contract says; the same values again signal nothing", async assert => {
        const { server, objects, changes, changedBodies } = recordingServer();
        const { job, control, finish: done } = heldJob(server);
        assert.deepEqual(changes, [], "exported, nothing changed yet");
        control.setProgress(1);
        assert.deepEqual(changes, [[job.path, "org.debvisor.DebVisor1.Job", ["Progress", "ProgressValid"]]]);
        const progress = (changedBodies[0][1] as Record<string, InstanceType<typeof dbus.Variant>>).Progress;
        assert.equal(progress.signature, "d", "1 goes out as the contract's d, not as a guessed integer");
        assert.equal(objects.get(job.path)?.properties().Progress, 1, "Get answers the published value");
        done("finished");
        await new Promise(r => setTimeout(r, 10));
        assert.deepEqual(changes[1], [job.path, "org.debvisor.DebVisor1.Job", ["Cancelable", "State", "Message"]],
            "the end: what changed, not the progress again");
        assert.equal(changes.length, 2);
    });

    QUnit.test("the firewall's counters: a list whose counters moved is signalled, the same counters are not", assert => {
        const { server, changes, changedBodies } = recordingServer();
        const FIREWALL = "org.debvisor.DebVisor1.Firewall";
        const path = "/org/debvisor/DebVisor1/firewall";
        const entry = (packets: bigint) => ["192.0.2.0/24", "", "ana", 1000n, 0n, packets, packets * 60n];
        const firewall = (packets: bigint) => ({
            Blocked: [entry(packets)], Allowed: [], Management: [entry(0n)], Quarantined: false, QuarantineInfo: {},
            Table: "inet debvisor", Available: true, Problem: "",
        });
        server.publish(path, FIREWALL, firewall(0n), methodsOf(server, FIREWALL));
        server.publish(path, FIREWALL, firewall(0n));
        assert.deepEqual(changes, [], "counters read again, unchanged: nothing signalled");
        server.publish(path, FIREWALL, firewall(5n));
        assert.deepEqual(changes, [[path, FIREWALL, ["Blocked"]]], "only the list whose counters moved");
        const blocked = (changedBodies[0][1] as Record<string, InstanceType<typeof dbus.Variant>>).Blocked;
        assert.equal(blocked.signature, "a(ssstttt)");
        assert.deepEqual(blocked.value, [entry(5n)]);
    });
});
