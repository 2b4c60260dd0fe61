// Registering 1,000 records: through debvisord (one UpsertRecords call on the
// bus, one UPDATE message; and the same as a `debvisorctl dns add --file`
// process) against 1,000 separate nsupdate processes (one record each, as a
// shell loop would) and against one hand-written nsupdate message with the
// same changes (the floor), all on the harness's named.
import { execFileSync } from "node:child_process";
import { NAMED_PORT } from "../test/harness/named.js";
import { callAs } from "../test/lib/call-as.js";
import { ADMIN } from "../test/lib/users.js";
import { report, timeMs } from "./lib.js";

const DNS = { path: "/org/debvisor/DebVisor1/dns", iface: "org.debvisor.DebVisor1.Dns" };
const ZONE = "bench.debvisor.test";
const N = 1000;

async function dns(method: string, signature: string, body: unknown[], user: string | null = ADMIN.name): Promise<void> {
    const r = await callAs(user, { ...DNS, method, signature, body });
    if (!r.ok)
        throw new Error(`${method}: ${r.message}`);
}

function nsupdate(keyFile: string, lines: string[]): void {
    execFileSync("nsupdate", ["-v", "-k", keyFile], { input: [`server 127.0.0.1 ${NAMED_PORT}`, `zone ${ZONE}.`, ...lines, "send", ""].join("\n") });
}

export async function dnsBench(): Promise<void> {
    await callAs(ADMIN.name, { ...DNS, method: "RemoveZone", signature: "sa{sv}", body: [ZONE, { "delete-data": ["b", true] }] });
    await dns("AddZone", "ssua{sv}", [ZONE, "127.0.0.1", NAMED_PORT, { local: ["b", true] }]);
    const keyFile = "/etc/debvisor/dns/keys/bench-debvisor-test-zone.key";
    try {
        const records = (prefix: string) => Array.from({ length: N }, (_, i) => [`${prefix}${i}`, "A", 300, `10.${(i >> 8) & 255}.${i & 255}.1`]);
        // warm the daemon's code path once, as a running service is
        await dns("UpsertRecords", "sa(ssus)a{sv}", [ZONE, records("w"), {}], null);
        const settle = () => new Promise(r => setTimeout(r, 2000)); // the daemon reads the zone's serial after a burst
        await settle();
        const ours = await timeMs(() => dns("UpsertRecords", "sa(ssus)a{sv}", [ZONE, records("d"), {}], null));
        const cli = await timeMs(() => execFileSync("/usr/bin/debvisorctl", ["dns", "add", ZONE, "--file", "-"],
            { input: records("c").map(r => r.join(" ")).join("\n") }));
        await settle();
        // the same message the daemon sends: each name's A set replaced
        const floor = await timeMs(() => nsupdate(keyFile, [
            ...records("f").map(([n]) => `update delete ${String(n)}.${ZONE}. A`),
            ...records("f").map(([n, , ttl, a]) => `update add ${String(n)}.${ZONE}. ${String(ttl)} A ${String(a)}`),
        ]));
        const one = await timeMs(() => {
            for (const [n, , ttl, a] of records("p"))
                nsupdate(keyFile, [`update add ${String(n)}.${ZONE}. ${String(ttl)} A ${String(a)}`]);
        });
        const count = execFileSync("dig", ["@127.0.0.1", "-p", String(NAMED_PORT), "-k", "/etc/debvisor/dns/keys/bench-debvisor-test-transfer.key", ZONE, "AXFR", "+noall", "+answer", "+onesoa"], { encoding: "utf8" })
            .split("\n").filter(l => /\tA\t/.test(l)).length;
        if (count < 5 * N)
            throw new Error(`only ${count} of ${5 * N} records arrived`);
        report("1,000 records: UpsertRecords on the bus", `${ours.toFixed(0)} ms`, `1,000 nsupdate processes (${one.toFixed(0)} ms)`, ours / one, "≤ 0.01");
        report("1,000 records: UpsertRecords on the bus", `${ours.toFixed(0)} ms`, `one nsupdate message (${floor.toFixed(0)} ms)`, ours / floor, "≤ 1.5");
        report("1,000 records: debvisorctl dns add --file", `${cli.toFixed(0)} ms`, `one nsupdate message (${floor.toFixed(0)} ms)`, cli / floor);
    } finally {
        await callAs(ADMIN.name, { ...DNS, method: "RemoveZone", signature: "sa{sv}", body: [ZONE, { "delete-data": ["b", true] }] });
        for (const key of ["bench-debvisor-test-zone", "bench-debvisor-test-transfer"])
            await callAs(ADMIN.name, { ...DNS, method: "DeleteKey", signature: "sa{sv}", body: [key, {}] });
    }
}
