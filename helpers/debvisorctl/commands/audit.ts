import fs from "node:fs";
import { MANAGER_IFACE } from "../../../generated/dbus-contract.js";
import { UsageError } from "../args.js";
import { checkLog, checkSegments, LIVE_LOG, sameFile, type DaemonHead, type LogCheck, type SetCheck } from "../audit-verify.js";
import { CliError, managerProperties, MANAGER_PATH } from "../bus.js";
import { JSON_OPTION, NO_ASK_OPTION, type Command } from "../command.js";
import { callMethod } from "../method.js";
import { print, printJson, printList, tableOf, timeText } from "../output.js";

type AuditRecord = Record<string, unknown>;

export const auditTable = tableOf<AuditRecord>(["SEQ", "TIME", "USER", "METHOD", "OBJECT", "PHASE", "RESULT"], r => [
    String(r.Seq), timeText(r.Time),
    // who called, as the bus says; a different login user only as the calling process's claim
    r.LoginUserClaimed && r.LoginUserClaimed !== r.User ? `${String(r.User)}(claims:${String(r.LoginUserClaimed)})` : String(r.User),
    String(r.Method), String(r.Object), String(r.Phase), String(r.Result),
]);

export const auditTail: Command = {
    name: "audit tail",
    summary: "the newest audit records: who called what, on which object, with what result",
    options: {
        lines: { type: "string", short: "n", value: "N", help: "how many records, from 1 to 1000 (default 20)" },
        ...JSON_OPTION, ...NO_ASK_OPTION,
    },
    async run(values) {
        const count = values.lines === undefined ? 20 : Number(values.lines);
        if (!Number.isInteger(count) || count < 1 || count > 1000)
            throw new UsageError("-n takes a number from 1 to 1000");
        const [records] = await callMethod(MANAGER_PATH, MANAGER_IFACE, "AuditTail", [count], values) as [AuditRecord[]];
        return printList(values, records, auditTable);
    },
};

/* The file must be there and readable before anything else is asked. */
function checkReadable(file: string): void {
    let stat;
    try {
        stat = fs.statSync(file);
        fs.accessSync(file, fs.constants.R_OK);
    } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "ENOENT")
            throw new UsageError(`${file} does not exist`);
        if (code === "EACCES" || code === "EPERM")
            throw new CliError(`cannot read ${file}: permission denied (the audit log is readable by root only; run as root or verify a copy)`);
        throw new CliError(`cannot read ${file}: ${(e as Error).message}`);
    }
    if (!stat.isFile())
        throw new UsageError(`${file} is not a file`);
}

/* The daemon's chain head, only if debvisord runs: verifying must not start it (it would repair a torn log). */
async function daemonHead(): Promise<{ head: DaemonHead | null; why: string }> {
    try {
        const props = await managerProperties({ autoStart: false, timeoutMs: 10_000 });
        return { head: { count: Number(props.AuditRecordCount), head: String(props.AuditChainHead) }, why: "" };
    } catch (e) {
        return { head: null, why: (e as Error).message };
    }
}

/* One file checked on its own (never the live log, which is checked as a series). */
function report(check: LogCheck, json: boolean): number {
    if (json) {
        printJson(check);
    } else if (check.ok) {
        // a sealed segment's chain goes on from the one before it, which was not checked here
        const begins = check.startsAfter ? ` (a segment: it continues ${check.startsAfter}, which is not checked here)` : "";
        print(`OK: ${check.records} records, chain head ${check.head}${begins}`);
    } else {
        process.stderr.write(`debvisorctl: ${check.file}: line ${check.brokenLine}: ${check.reason}\n`);
    }
    return check.ok ? 0 : 1;
}

function reportSet(check: SetCheck, json: boolean, live: boolean, why: string): number {
    if (json) {
        printJson(check);
    } else if (check.ok) {
        const note = check.daemon ? " (matches the daemon)"
            : live && why ? ` (not compared with debvisord's chain head: ${why})` : "";
        const pruned = check.pruned.length > 0 ? `, ${check.pruned.length} older segments deleted by retention` : "";
        print(`OK: ${check.records} records in ${check.segments.length} segments (records ${check.firstSeq} to ${check.lastSeq}${pruned}), ` +
            `chain head ${check.head}${note}`);
    } else {
        process.stderr.write(`debvisorctl: ${check.file}: line ${check.brokenLine}: ${check.reason}\n`);
    }
    return check.ok ? 0 : 1;
}

export const auditVerify: Command = {
    name: "audit verify",
    args: "[FILE]",
    summary: "check the hash chain of the audit log, or of a copy of it (offline)",
    details: `Without FILE, checks every segment of the live log, ${LIVE_LOG} and the sealed\n` +
        "segments next to it, as one chain; with --segments FILE, the series FILE belongs to (a copy of the log\n" +
        "directory, say). With FILE alone, checks that one file. Prints \"OK: …\", or the segment and line that was\n" +
        "changed, removed, moved or torn, and a segment that is missing, and exits 1. For the live log, when\n" +
        "debvisord runs, also checks that the log holds the daemon's chain head, which finds records cut from the end.",
    options: {
        ...JSON_OPTION,
        segments: { type: "boolean", help: "FILE is the live segment of a series: check all of it" },
        offline: { type: "boolean", help: "do not compare with the running debvisord's chain head" },
    },
    async run(values, [given]) {
        const file = given ?? LIVE_LOG;
        checkReadable(file);
        const live = sameFile(file, LIVE_LOG);
        // the head first: records appended while the file is read only make it longer
        const { head, why } = live && values.offline !== true ? await daemonHead() : { head: null, why: "" };
        try {
            if (given === undefined || values.segments === true || live)
                return reportSet(await checkSegments(file, head), values.json === true, live, why);
            return report(checkLog(file), values.json === true);
        } catch (e) {
            throw new CliError(`cannot read ${file}: ${(e as Error).message}`);
        }
    },
};
