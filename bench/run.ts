// DebVisor benchmarks, each a ratio against what a user would otherwise run,
// measured in the same run: `npm run bench` (needs `npm run deb` first; it
// brings up the bus, polkit and the installed daemon like the tests do, unless
// only benchmarks on nodes of their own are asked for).
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import dbus from "dbus-next";
import { formatRecord, GENESIS, verifyFile } from "../helpers/lib/audit-chain.js";
import { AuditLog } from "../helpers/debvisord/audit/audit-log.js";
import { busNameOwnerPid, Harness } from "../test/harness/harness.js";
import { callAs, MANAGER } from "../test/lib/call-as.js";
import { ADMIN, VIEWER } from "../test/lib/users.js";
import { auditQueryBench } from "./audit-query.js";
import { backupsBench } from "./backups.js";
import { dnsBench } from "./dns.js";
import { firewallBench } from "./firewall.js";
import { hardeningBench } from "./hardening.js";
import { imagesBench } from "./images.js";
import { bounded, median, now, report, rssMiB, timeMs } from "./lib.js";
import { machinesBench } from "./machines.js";
import { metricsBench } from "./metrics.js";
import { metricsOverheadBench } from "./metrics-overhead.js";
import { pageTransferBench } from "./page-transfer.js";
import { zfsBench } from "./zfs.js";
import { cephBench } from "./ceph.js";
import { migrationBench } from "./migration.js";
import { clusterViewBench } from "./cluster-view.js";

const BUS_NAME = "org.debvisor.DebVisor1";

function getCall(bus: dbus.MessageBus, destination: string, pathName: string, iface: string, member: string, signature = "", body: unknown[] = []) {
    return bus.call(new dbus.Message({ destination, path: pathName, interface: iface, member, signature, body }));
}

async function waitGone(): Promise<void> {
    for (let i = 0; i < 100 && busNameOwnerPid(BUS_NAME) !== null; i++)
        await new Promise(r => setTimeout(r, 50));
}

/* Cold start: daemon not running → first call activates it → reply. Floor: starting `node` itself. */
async function activation(): Promise<void> {
    const runs: number[] = [];
    let rss = 0;
    for (let i = 0; i < 5; i++) {
        const pid = busNameOwnerPid(BUS_NAME);
        if (pid !== null) {
            process.kill(pid, "SIGTERM");
            await waitGone();
        }
        const bus = dbus.systemBus();
        runs.push(await timeMs(() => getCall(bus, BUS_NAME, MANAGER.path, "org.freedesktop.DBus.Properties", "Get", "ss", [MANAGER.iface, "Version"])));
        bus.disconnect();
    }
    // a plain node, without the TypeScript loader this script runs under
    const plainEnv = { PATH: process.env.PATH ?? "/usr/bin:/bin" };
    const nodeStarts: number[] = [];
    for (let i = 0; i < 5; i++)
        nodeStarts.push(await timeMs(() => execFileSync(process.execPath, ["-e", ""], { env: plainEnv })));
    const nodeStart = median(nodeStarts);
    report("daemon cold activation (first call → reply)", `${median(runs).toFixed(0)} ms`, `node -e "" start (${nodeStart.toFixed(0)} ms)`, median(runs) / nodeStart, "≤ 300 ms");

    await new Promise(r => setTimeout(r, 3000));
    rss = rssMiB(busNameOwnerPid(BUS_NAME) as number);
    const idleNode = spawn(process.execPath, ["-e", "setTimeout(() => {}, 10000)"], { env: plainEnv });
    await new Promise(r => setTimeout(r, 1000));
    const nodeRss = rssMiB(idleNode.pid as number);
    idleNode.kill();
    report("daemon idle RSS", `${rss.toFixed(1)} MiB`, `an idle node process (${nodeRss.toFixed(1)} MiB)`, rss / nodeRss, "≤ 60 MB");
}

/* GetManagedObjects against the cheapest call on the bus, org.freedesktop.DBus.GetId, same connection. */
async function roundTrip(): Promise<void> {
    const bus = dbus.systemBus();
    const n = 2000;
    await getCall(bus, BUS_NAME, "/org/debvisor/DebVisor1", "org.freedesktop.DBus.ObjectManager", "GetManagedObjects");
    const ours = await timeMs(() => bounded(n, 1, () => getCall(bus, BUS_NAME, "/org/debvisor/DebVisor1", "org.freedesktop.DBus.ObjectManager", "GetManagedObjects")));
    const floor = await timeMs(() => bounded(n, 1, () => getCall(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "GetId")));
    const busctlRuns = await Promise.all([0, 1, 2].map(() => timeMs(() => execFileSync("busctl", ["--system", "call", BUS_NAME, "/org/debvisor/DebVisor1", "org.freedesktop.DBus.ObjectManager", "GetManagedObjects"]))));
    report("GetManagedObjects round trip", `${(ours / n * 1000).toFixed(0)} µs`, `org.freedesktop.DBus.GetId (${(floor / n * 1000).toFixed(0)} µs)`, ours / floor);
    console.log(`${"".padEnd(44)} (one busctl call, process start included: ${median(busctlRuns).toFixed(1)} ms)`);
    bus.disconnect();
}

/* Audited calls over the bus: each writes and fsyncs two records (begin, end). */
async function auditedCalls(): Promise<void> {
    const n = 4000;
    const missing = "/nonexistent/debvisor-bench.raw";
    const call = (user: string | null) => () => callAs(user, { ...MANAGER, method: "ImportImage", signature: "ssa{sv}", body: [missing, "bench", {}] });
    await call(ADMIN.name)();
    const asRoot = await timeMs(() => bounded(n, 64, call(null)));
    const asAdmin = await timeMs(() => bounded(n, 64, call(ADMIN.name)));
    const reads = await timeMs(() => bounded(n, 64, () => callAs(null, { path: MANAGER.path, iface: "org.freedesktop.DBus.Properties", method: "Get", signature: "ss", body: [MANAGER.iface, "Version"] })));
    report("audited calls/s, root (polkit skipped)", `${(n / asRoot * 1000).toFixed(0)} /s`, `unaudited property reads (${(n / reads * 1000).toFixed(0)} /s)`, asRoot / reads, "≥ 2,000/s");
    report("audited calls/s, admin user (polkit asked)", `${(n / asAdmin * 1000).toFixed(0)} /s`, `unaudited property reads (${(n / reads * 1000).toFixed(0)} /s)`, asAdmin / reads, "≥ 2,000/s");

    // many clients at once, each its own connection and one call at a time, as pages and scripts are
    const clients = 50, perClient = 200;
    const client = (c: number) => () => callAs(ADMIN.name, { ...MANAGER, method: "ImportImage", signature: "ssa{sv}", body: [missing, `bench-${c}`, {}] }, `bench-${c}`);
    await Promise.all(Array.from({ length: clients }, (_, c) => client(c)())); // connect them all first
    let refused = 0;
    const manyMs = await timeMs(() => Promise.all(Array.from({ length: clients }, (_, c) =>
        bounded(perClient, 1, () => client(c)().then(r => { if (!r.ok && !r.errorName.endsWith(".NotFound")) refused++ })))));
    const manyReads = await timeMs(() => Promise.all(Array.from({ length: clients }, (_, c) =>
        bounded(perClient, 1, () => callAs(ADMIN.name, { path: MANAGER.path, iface: "org.freedesktop.DBus.Properties", method: "Get", signature: "ss", body: [MANAGER.iface, "Version"] }, `bench-${c}`)))));
    if (refused > 0)
        throw new Error(`${refused} of the ${clients * perClient} audited calls were refused`);
    report(`audited calls/s, ${clients} admin clients × ${perClient}`, `${(clients * perClient / manyMs * 1000).toFixed(0)} /s`,
        `the same clients' property reads (${(clients * perClient / manyReads * 1000).toFixed(0)} /s)`, manyMs / manyReads, "≥ 500/s");
}

/* A viewer sends 4.6 MiB of arguments to a method it may not call, again and again: how long
 * another client waits for a property read meanwhile, against the same reads with nobody sending.
 * The arguments are many small values (an options dictionary of 100,000 entries, 4.6 MiB), the costly
 * kind to unmarshal; one long string costs little either way. */
async function largeArguments(): Promise<void> {
    const read = () => timeMs(() => callAs(null, { path: MANAGER.path, iface: "org.freedesktop.DBus.Properties", method: "Get", signature: "ss", body: [MANAGER.iface, "Version"] }));
    const reads = async (count: number) => {
        const out: number[] = [];
        for (let i = 0; i < count; i++) {
            out.push(await read());
            await new Promise(r => setTimeout(r, 5));
        }
        return out;
    };
    await reads(20); // warm: the first reads of a connection are slower
    const quiet = await reads(200);
    const options = Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`option-${i}`, ["s", `value-${i}-of-many`]]));
    let sending = true, sent = 0;
    const stranger = (async () => {
        while (sending) {
            await callAs(VIEWER.name, { ...MANAGER, method: "ImportImage", signature: "ssa{sv}", body: ["/srv/a.raw", "bench-large", options] });
            sent++;
        }
    })();
    const busy = await reads(200);
    sending = false;
    await stranger;
    // a read stuck behind the daemon unmarshalling a large call shows as the slowest one
    const worst = (v: number[]) => Math.max(...v);
    report("slowest property read, 4.6 MiB calls refused", `${worst(busy).toFixed(0)} ms`, `the same, nobody sending (${worst(quiet).toFixed(0)} ms)`, worst(busy) / worst(quiet));
    console.log(`${"".padEnd(44)} (median ${median(busy).toFixed(1)} ms against ${median(quiet).toFixed(1)} ms; ${sent} large calls refused meanwhile)`);
}

/* The audit log alone: fsynced appends, and verifying 1 M records against sha256sum of the same bytes. */
async function auditLog(): Promise<void> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dv-bench-"));
    const log = AuditLog.open(path.join(dir, "append.jsonl"));
    const n = 20_000;
    const entry = { uid: 1000, loginuid: 1000, user: "bench", method: "Manager.ImportImage", object: "/org/debvisor/DebVisor1/manager", phase: "begin" as const, result: "", args: ["/srv/a.raw", "bench", {}] };
    const appendMs = await timeMs(() => bounded(n, 64, () => log.append(entry)));
    const sequential = await timeMs(() => bounded(200, 1, () => log.append(entry)));
    report("audit appends/s, fsynced (64 in flight)", `${(n / appendMs * 1000).toFixed(0)} /s`, `one at a time (${(200 / sequential * 1000).toFixed(0)} /s)`, (n / appendMs) / (200 / sequential));

    const big = path.join(dir, "million.jsonl");
    const fd = fs.openSync(big, "w");
    let prev = GENESIS;
    let chunk: string[] = [];
    const start = Date.parse("2026-01-01T00:00:00Z");
    for (let i = 1; i <= 1_000_000; i++) {
        const { line, hash } = formatRecord(prev, { ...entry, seq: i, time: new Date(start + i * 1000).toISOString(), phase: "end", result: "ok" });
        prev = hash;
        chunk.push(line);
        if (chunk.length === 10_000) {
            fs.writeSync(fd, chunk.join("\n") + "\n");
            chunk = [];
        }
    }
    fs.closeSync(fd);
    const size = fs.statSync(big).size;
    execFileSync("cat", [big], { stdio: "ignore", maxBuffer: 1 << 30 }); // same page cache for both
    let result = verifyFile(big);
    const verifyMs = await timeMs(() => { result = verifyFile(big) });
    const shaMs = await timeMs(() => execFileSync("sha256sum", [big], { stdio: "ignore" }));
    if (!result.ok || result.records !== 1_000_000)
        throw new Error(`verify failed: ${JSON.stringify(result)}`);
    report(`verify 1,000,000 records (${(size / 2 ** 20).toFixed(0)} MiB)`, `${(verifyMs / 1000).toFixed(2)} s`, `sha256sum of the file (${(shaMs / 1000).toFixed(2)} s)`, verifyMs / shaMs, "≤ 5 s");
    fs.rmSync(dir, { recursive: true });
}

// the benchmarks that boot nodes of their own (systemd-nspawn) and need nothing of the host's: run alone, they
// install nothing on the host and start none of its daemons, so they take the nodes' lock only
const ON_NODES_ONLY = new Set(["cluster-view", "migration"]);
const chosen = process.argv.slice(2);
const harness = chosen.length > 0 && chosen.every(name => ON_NODES_ONLY.has(name)) ? null : new Harness();
const t0 = now();
try {
    await harness?.start();
    console.log(`DebVisor benchmarks on ${os.cpus().length} cores, node ${process.version}\n`);
    // `npm run bench -- machines` runs only the named ones
    const benches: Record<string, () => Promise<void>> = { activation, roundTrip, auditedCalls, largeArguments, auditLog, machines: machinesBench, "audit-query": auditQueryBench, firewall: firewallBench, zfs: zfsBench, dns: dnsBench,
        hardening: hardeningBench, images: imagesBench,
        ceph: cephBench, metrics: metricsBench, "metrics-overhead": metricsOverheadBench, migration: migrationBench, "cluster-view": clusterViewBench, "page-transfer": pageTransferBench, backups: backupsBench };
    for (const name of chosen.length > 0 ? chosen : Object.keys(benches)) {
        if (!benches[name])
            throw new Error(`no benchmark ${name}; there are ${Object.keys(benches).join(", ")}`);
        await benches[name]();
    }
} finally {
    await harness?.stop();
}
console.log(`\nbenchmarks took ${((now() - t0) / 1000).toFixed(0)} s`);
process.exit(0);
