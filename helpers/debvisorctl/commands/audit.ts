import { MANAGER_IFACE } from "../../../generated/dbus-contract.js";
import { verifyFile } from "../../lib/audit-chain.js";
import { parse, UsageError } from "../args.js";
import { call, managerProperties, MANAGER_PATH, methodOptions } from "../bus.js";
import { printJson, table } from "../output.js";
import type { Command } from "./command.js";
import { usageOf } from "./status.js";
import fs from "node:fs";

export const LIVE_LOG = "/var/log/debvisor/audit.jsonl";

/* The hash of record number `seq` (1-based) in the file, or null. */
function hashAt(file: string, seq: number): string | null {
    const lines = fs.readFileSync(file, "utf8").split("\n");
    const line = lines[seq - 1];
    if (!line)
        return null;
    try {
        return (JSON.parse(line) as { hash: string }).hash;
    } catch {
        return null;
    }
}

async function verify(file: string, json: boolean): Promise<number> {
    if (!fs.existsSync(file))
        throw new UsageError(`${file} does not exist`);
    // the daemon's head first: records appended during the check only make the file longer
    let daemon: { head: string; count: number } | null = null;
    if (fs.realpathSync(file) === LIVE_LOG) {
        try {
            const props = await managerProperties();
            daemon = { head: String(props.AuditChainHead), count: Number(props.AuditRecordCount) };
        } catch {
            daemon = null; // offline: the file alone is checked
        }
    }
    const result = verifyFile(file);
    let ok = result.ok;
    let problem = result.ok ? "" : `line ${result.brokenLine}: ${result.reason}`;
    if (ok && daemon && daemon.count > 0) {
        if (result.records < daemon.count || hashAt(file, daemon.count) !== daemon.head) {
            ok = false;
            problem = `the file ends before record ${daemon.count}, the newest the daemon wrote, or differs from it: records were cut from the end`;
        }
    }
    if (json)
        printJson({ ...result, ok, problem: problem || undefined, daemonHead: daemon?.head, daemonRecordCount: daemon?.count });
    else if (ok)
        process.stdout.write(`OK: ${result.records} records, chain head ${result.head}${daemon ? " (matches the daemon)" : ""}\n`);
    else
        process.stderr.write(`debvisorctl: ${file}: ${problem}\n`);
    return ok ? 0 : 1;
}

export const audit: Command = {
    name: "audit",
    summary: "the audit log: `audit tail` shows the newest records, `audit verify` checks the hash chain",
    usage: "debvisorctl audit tail [-n N] [--json] [--no-ask]\n       debvisorctl audit verify [FILE] [--json]",
    async run(argv) {
        const { values, positionals, help } = parse(argv, {
            json: { type: "boolean" }, n: { type: "string", short: "n" }, "no-ask": { type: "boolean" },
        }, { min: 0, max: 2 });
        if (help || positionals.length === 0) return usageOf(this);
        const [sub, arg] = positionals;
        if (sub === "verify")
            return verify(arg ?? LIVE_LOG, values.json === true);
        if (sub !== "tail" || arg !== undefined)
            throw new UsageError(`unknown audit command "${positionals.join(" ")}"`);
        const count = values.n === undefined ? 20 : Number(values.n);
        if (!Number.isInteger(count) || count < 1 || count > 1000)
            throw new UsageError("-n takes a number from 1 to 1000");
        const [records] = await call(MANAGER_PATH, MANAGER_IFACE, "AuditTail", "ua{sv}", [count, methodOptions(values["no-ask"] === true)]) as [Array<Record<string, unknown>>];
        if (values.json) {
            printJson(records);
            return 0;
        }
        process.stdout.write(table(["SEQ", "TIME", "USER", "METHOD", "OBJECT", "PHASE", "RESULT"], records.map(r => [
            String(r.Seq), String(r.Time), r.LoginUser && r.LoginUser !== r.User ? `${r.LoginUser}(${r.User})` : String(r.User),
            String(r.Method), String(r.Object), String(r.Phase), String(r.Result),
        ])) + "\n");
        return 0;
    },
};
