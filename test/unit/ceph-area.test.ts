// The Ceph objects kept live from recorded Ceph 16 output, through a tool
// runner that answers from the fixtures (a stand-in for a cluster: the real
// one is in the integration test): objects come and go with OSDs, pools and
// images; only properties that changed are signalled; a silent cluster is
// "unreachable" and keeps the last known objects; no config is "none".
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import QUnit from "qunit";
import { unwrap } from "../../helpers/lib/variants.js";
import { CEPHMANAGER_IFACE, CEPHOSD_IFACE } from "../../generated/dbus-contract.js";
import { CephArea } from "../../helpers/debvisord/ceph/ceph-area.js";
import { poolMethods } from "../../helpers/debvisord/ceph/ceph-methods.js";
import type { Method } from "../../helpers/debvisord/bus/call-pipeline.js";
import { CephTools } from "../../helpers/debvisord/ceph/tools.js";
import type { CephRead, CephReader } from "../../helpers/debvisord/ceph/ceph-session.js";
import { failed } from "../../helpers/lib/errors.js";
import type { JobRegistry } from "../../helpers/debvisord/jobs/jobs.js";
import { recordingServer } from "../lib/recording-server.js";

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), "../fixtures/ceph");
const load = (name: string) => fs.readFileSync(path.join(fixtures, name), "utf8");

/* Answers ceph and rbd from fixtures; `report` names the report fixture to give. */
class FixtureTools extends CephTools {
    report = "report.json";
    silent = false;
    present = true;
    calls: string[] = [];
    override installed(): boolean { return true; }
    override configured(): boolean { return this.present; }
    override version(): Promise<string> { return Promise.resolve("16.2.15"); }
    override ceph(args: string[]): Promise<string> {
        this.calls.push(`ceph ${args.join(" ")}`);
        if (this.silent)
            return Promise.reject(failed("reading the cluster's state: the Ceph cluster does not answer: ceph did not finish within 10 s"));
        const name = { report: this.report, "osd df tree": "osd-df-tree.json", "df detail": "df-detail.json", "mgr dump": "mgr-dump.json" }[args.filter(a => !a.startsWith("-") && a !== "json").join(" ")];
        return name ? Promise.resolve(load(name)) : Promise.reject(new Error(`unexpected ceph ${args.join(" ")}`));
    }
    override rbd(args: string[]): Promise<string> {
        this.calls.push(`rbd ${args.join(" ")}`);
        if (args[0] === "ls") return Promise.resolve(args.includes("rbd") ? load("rbd-ls-l.json") : "[]");
        if (args[0] === "du") return Promise.resolve(args.includes("rbd") ? load("rbd-du.json") : "{}");
        if (args[0] === "snap") return Promise.resolve(load("rbd-snap-ls.json"));
        return Promise.reject(new Error(`unexpected rbd ${args.join(" ")}`));
    }
}

const fakeServer = recordingServer;

QUnit.module("ceph: objects kept live", () => {
    QUnit.test("objects for OSDs, pools and images; a marked-out OSD signals In only; noout the manager's flags", async assert => {
        const { server, objects, changes } = fakeServer();
        const tools = new FixtureTools("/nonexistent/ceph.json");
        const area = new CephArea(server, tools, {} as JobRegistry);
        await area.start();
        await area.ready;
        area.stop();
        const props = (p: string) => objects.get(`/org/debvisor/DebVisor1/ceph${p}`)?.properties();
        assert.equal(props("")?.State, "reachable");
        assert.deepEqual([...objects.keys()].map(k => k.replace("/org/debvisor/DebVisor1/ceph", "")).sort(), [
            "", "/images/rbd/disk1", "/images/rbd/disk2", "/osds/0", "/osds/1", "/osds/2",
            "/pools/cephfs_5fdata", "/pools/cephfs_5fmetadata", "/pools/device_5fhealth_5fmetrics", "/pools/rbd",
        ]);
        assert.deepEqual([props("/osds/1")?.Host, props("/osds/1")?.DeviceClass, props("/osds/1")?.TotalBytes, props("/osds/1")?.In], ["vm", "hdd", 4 * 1024 ** 3, true]);
        assert.equal(props("/pools/cephfs_5fmetadata")?.StoredBytes, 2306);
        assert.deepEqual(unwrap(props("/images/rbd/disk1")?.Snapshots), [{ Name: "snap1", Size: 64 * 1024 ** 2, Protected: true, CreationTime: Date.UTC(2026, 11, 2, 3, 45, 3) * 1000 }]);
        assert.deepEqual(unwrap(props("")?.Managers), [{ Name: "x", Active: true }]);

        changes.length = 0;
        tools.report = "report-out.json";
        tools.calls = [];
        await area.refresh(false);
        assert.deepEqual(tools.calls.map(c => c.split(" ").filter(a => !a.startsWith("-") && !a.startsWith("/") && !/^\d+$/.test(a)).join(" ")), ["ceph report json"], "the 5 s tier is one ceph run");
        assert.deepEqual(changes.filter(c => c[1] === CEPHOSD_IFACE), [["/org/debvisor/DebVisor1/ceph/osds/2", CEPHOSD_IFACE, ["In"]]], "only In of osd.2");

        // that report was taken with noout set too
        const manager = changes.find(c => c[1] === CEPHMANAGER_IFACE);
        assert.true(["Flags", "Health", "HealthChecks", "Maintenance", "UpdatedAt"].every(k => manager?.[2].includes(k)), manager?.[2].join());
        assert.false(manager?.[2].includes("Fsid"), "the unchanged are not signalled");
        assert.equal(props("")?.Maintenance, true);

        changes.length = 0;
        tools.report = "report-noout.json";
        await area.refresh(false);
        assert.deepEqual(changes.filter(c => c[1] === CEPHOSD_IFACE), [["/org/debvisor/DebVisor1/ceph/osds/2", CEPHOSD_IFACE, ["In"]]], "osd.2 in again");

        changes.length = 0;
        await area.refresh(false);
        assert.deepEqual(changes, [], "nothing changed, nothing signalled");
    });

    QUnit.test("a deleted pool is off the bus when Delete answers, also when the read after it fails", async assert => {
        const { server, objects } = fakeServer();
        /* deletes as Ceph does, then stops answering, as a loaded monitor whose report times out */
        class DeletingTools extends FixtureTools {
            override ceph(args: string[]): Promise<string> {
                if (args[0] === "config")
                    return Promise.resolve(args[1] === "get" ? "false\n" : "");
                if (args[0] === "osd" && args[2] === "rm") {
                    this.silent = true;
                    return Promise.resolve("");
                }
                return super.ceph(args);
            }
        }
        const tools = new DeletingTools("/nonexistent/ceph.json");
        const area = new CephArea(server, tools, {} as JobRegistry);
        await area.start();
        await area.ready;
        area.stop();
        const path = "/org/debvisor/DebVisor1/ceph/pools/device_5fhealth_5fmetrics";
        assert.true(objects.has(path), "there before");
        const remove = poolMethods(area, "device_health_metrics").Delete as Method<[{ confirm?: string }]>;
        assert.deepEqual(await remove.run({} as never, [{ confirm: "device_health_metrics" }]), []);
        assert.true(tools.silent, "the read after the delete found the cluster silent");
        assert.false(objects.has(path), "gone from the bus");
        assert.true(objects.has("/org/debvisor/DebVisor1/ceph/pools/rbd"), "the other pools stay");
    });

    QUnit.test("a silent cluster: unreachable with the reason, the last objects kept; no config file: none, objects gone", async assert => {
        const { server, objects } = fakeServer();
        const tools = new FixtureTools("/nonexistent/ceph.json");
        const area = new CephArea(server, tools, {} as JobRegistry);
        await area.start();
        await area.ready;
        area.stop();
        const manager = () => objects.get("/org/debvisor/DebVisor1/ceph")?.properties();
        tools.silent = true;
        await area.refresh(false);
        assert.equal(manager()?.State, "unreachable");
        assert.true(String(manager()?.LastError).includes("does not answer"));
        assert.true(objects.has("/org/debvisor/DebVisor1/ceph/pools/rbd"), "the last known pool stays");
        tools.silent = false;
        await area.refresh(false);
        assert.deepEqual([manager()?.State, manager()?.LastError], ["reachable", ""]);
        tools.present = false;
        await area.refresh(false);
        assert.equal(manager()?.State, "none");
        assert.deepEqual([...objects.keys()], ["/org/debvisor/DebVisor1/ceph"], "only the manager is left");
    });

    QUnit.test("the periodic ceph reads go through the area's reader (main's session), the rbd reads do not; the reader stops with the area and with the cluster", async assert => {
        const { server, objects } = fakeServer();
        const tools = new FixtureTools("/nonexistent/ceph.json");
        /* a reader that answers from the same fixtures (its own copy: `tools` records the area's runs) and records what it was asked */
        const fixtures = new FixtureTools("/nonexistent/ceph.json");
        const asked: string[] = [];
        let stops = 0;
        const reader: CephReader = {
            read: (r: CephRead) => {
                asked.push(`${r.target} ${JSON.stringify(r.command)}`);
                return fixtures.cephJson(r.cli, "reading");
            },
            stop: () => void stops++,
        };
        const area = new CephArea(server, tools, {} as JobRegistry);
        area.reads = reader;
        await area.start();
        await area.ready;
        assert.equal(objects.get("/org/debvisor/DebVisor1/ceph")?.properties().State, "reachable");
        assert.deepEqual([...asked].sort(), [
            'mgr {"prefix":"osd df","output_method":"tree"}', 'mon {"prefix":"df","detail":"detail"}',
            'mon {"prefix":"mgr dump"}', 'mon {"prefix":"report"}', 'mon {"prefix":"report"}',
        ], "the first read: the report and the slow tier's three (which reads its own report for the RBD pools: there is none yet)");
        assert.deepEqual(tools.calls.filter(c => c.startsWith("ceph")), [], "no ceph run");
        assert.true(tools.calls.some(c => c.startsWith("rbd ls")), "the images still with rbd");
        asked.length = 0;
        await area.refresh(false);
        assert.deepEqual(asked, ['mon {"prefix":"report"}'], "the 5 s tier: the report");
        area.stop();
        assert.equal(stops, 1, "stopped with the area");
        tools.present = false;
        await area.refresh(false);
        assert.equal(stops, 2, "and when the cluster's configuration is gone");
    });
});
