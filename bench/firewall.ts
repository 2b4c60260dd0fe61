// 100,000 CIDRs into the block list through debvisord (ImportList over the
// bus as an admin: validation, the lock-out guard, one `nft -f -`
// transaction, the state file) against the floor, one `nft -f FILE` with the
// same table and elements, and against `nft add element` once per entry,
// measured on a sample of 1,000 and extrapolated. The daemon runs on a table
// and state file of its own, removed afterwards.
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fullScript, type Entry } from "../helpers/debvisord/security/nft.js";
import { busNameOwnerPid } from "../test/harness/harness.js";
import { callAs } from "../test/lib/call-as.js";
import { ADMIN } from "../test/lib/users.js";
import { median, report, rssMiB, timeMs } from "./lib.js";

const BUS_NAME = "org.debvisor.DebVisor1";
const FIREWALL = { path: "/org/debvisor/DebVisor1/firewall", iface: "org.debvisor.DebVisor1.Firewall" };
const COUNT = 100_000;
const SAMPLE = 1_000;
const RUNS = 3;

/* 90,000 IPv4 /24s and 10,000 IPv6 /48s, none overlapping. */
function cidrs(): string[] {
    const out: string[] = [];
    for (let i = 0; i < COUNT * 0.9; i++)
        out.push(`${20 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}.0/24`);
    for (let i = 0; i < COUNT * 0.1; i++)
        out.push(`2001:db8:${i.toString(16)}::/48`);
    return out;
}

async function waitUntil(what: string, check: () => boolean, ms = 30_000): Promise<void> {
    for (let waited = 0; !check(); waited += 50) {
        if (waited > ms)
            throw new Error(`timed out waiting for ${what}`);
        await new Promise(r => setTimeout(r, 50));
    }
}

const nft = (...args: string[]) => execFileSync("nft", args, { stdio: ["ignore", "ignore", "pipe"] });
const dropTable = (table: string) => { try { nft("delete", "table", "inet", table) } catch { /* not there */ } };

export async function firewallBench(): Promise<void> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dv-bench-fw-"));
    const table = `dvbench_fw${process.pid % 100000}`;
    const floorTable = `${table}_floor`;
    const list = cidrs();
    const text = list.join("\n") + "\n";

    // the floor: the same table and elements, one nft -f of a file
    const entries: Entry[] = list.map(cidr => ({ cidr, comment: "", addedBy: "", addedAt: 0, expires: 0 }));
    const file = path.join(dir, "floor.nft");
    fs.writeFileSync(file, fullScript(floorTable, { block: entries, allow: [], management: [] }, false));
    const floorRuns: number[] = [];
    for (let i = 0; i < RUNS; i++) {
        dropTable(floorTable);
        floorRuns.push(await timeMs(() => nft("-f", file)));
    }
    dropTable(floorTable);
    const floor = median(floorRuns);

    // one nft process per element, on a sample
    fs.writeFileSync(file, fullScript(floorTable, { block: [], allow: [], management: [] }, false));
    nft("-f", file);
    const sample = await timeMs(() => {
        for (const cidr of list.slice(0, SAMPLE))
            nft("add", "element", "inet", floorTable, cidr.includes(":") ? "block6" : "block4", `{ ${cidr} }`);
    });
    dropTable(floorTable);
    const perElement = sample / SAMPLE * COUNT;

    // through the daemon
    const old = busNameOwnerPid(BUS_NAME);
    if (old !== null) {
        process.kill(old, "SIGTERM");
        await waitUntil("the running debvisord to exit", () => busNameOwnerPid(BUS_NAME) === null);
    }
    const daemon = spawn("/usr/libexec/debvisord", [], {
        env: { ...process.env, DEBVISOR_NFT_TABLE: table, DEBVISOR_FIREWALL_STATE: path.join(dir, "firewall.json") }, stdio: "ignore",
    });
    try {
        await waitUntil("the bench's debvisord", () => busNameOwnerPid(BUS_NAME) === daemon.pid);
        const importRuns: number[] = [];
        const removeRuns: number[] = [];
        for (let i = 0; i < RUNS; i++) {
            let result: Awaited<ReturnType<typeof callAs>> | null = null;
            importRuns.push(await timeMs(async () => {
                result = await callAs(ADMIN.name, { ...FIREWALL, method: "ImportList", signature: "sa{sv}", body: [text, {}] });
            }));
            const r = result as Awaited<ReturnType<typeof callAs>> | null;
            if (!r || !r.ok)
                throw new Error(`ImportList: ${r && !r.ok ? r.message : "no answer"}`);
            const elements = execFileSync("nft", ["list", "table", "inet", table], { encoding: "utf8", maxBuffer: 1 << 30 }).match(/\/(24|48)\b/g)?.length ?? 0;
            if (elements !== COUNT)
                throw new Error(`the table holds ${elements} elements, not ${COUNT}`);
            removeRuns.push(await timeMs(async () => {
                const u = await callAs(ADMIN.name, { ...FIREWALL, method: "Unblock", signature: "asa{sv}", body: [list, {}] });
                if (!u.ok)
                    throw new Error(`Unblock: ${u.message}`);
            }));
        }
        const ours = median(importRuns);
        report("firewall: 100,000 CIDRs through debvisord", `${ours.toFixed(0)} ms`, `one nft -f of the same table (${floor.toFixed(0)} ms)`, ours / floor, "≤ 1.5×");
        report("firewall: 100,000 CIDRs, nft add element each", `${(perElement / 1000).toFixed(0)} s`,
            `extrapolated from ${SAMPLE} (${sample.toFixed(0)} ms)`, perElement / ours);
        console.log(`${"".padEnd(44)} (the last ratio: how many times slower one nft per entry is than debvisord; ` +
            `Unblock of all 100,000: ${median(removeRuns).toFixed(0)} ms; daemon RSS ${rssMiB(daemon.pid!).toFixed(0)} MiB)`);
    } finally {
        daemon.kill("SIGTERM");
        await waitUntil("the bench's debvisord to exit", () => busNameOwnerPid(BUS_NAME) !== daemon.pid).catch(() => undefined);
        dropTable(table);
        dropTable(floorTable);
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
