// `audit export`: an evidence bundle of a time range, written by debvisord as a
// job; `audit verify-bundle`: checks a bundle offline, with nothing but the file.
import fs from "node:fs";
import { AUDIT_IFACE, ROOT_PATH } from "../../../generated/dbus-contract.js";
import { verifyBundle } from "../../lib/evidence.js";
import { UsageError } from "../args.js";
import { CliError } from "../bus.js";
import { JSON_OPTION, NO_ASK_OPTION, type Command } from "../command.js";
import { followJob, reportOutcome } from "../job-follow.js";
import { callMethod } from "../method.js";
import { print, printJson } from "../output.js";

const AUDIT_PATH = `${ROOT_PATH}/audit`;

/* "2026-01-31", "2026-01-31T12:00:00Z", "now", or "7d" / "12h" ago → milliseconds since the epoch. */
function parseWhen(text: string, option: string, now = Date.now()): number {
    const ago = /^(\d+)([dhm])$/.exec(text);
    if (ago)
        return now - Number(ago[1]) * { d: 86_400_000, h: 3_600_000, m: 60_000 }[ago[2] as "d" | "h" | "m"];
    if (text === "now")
        return now;
    const ms = /^\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text) ? Date.parse(text) : NaN;
    if (!Number.isFinite(ms) || ms < 0)
        throw new UsageError(`--${option}: "${text}" is not a time (e.g. 2026-01-31, 2026-01-31T12:00:00Z, now, 7d, 12h)`);
    return ms;
}

export const auditExport: Command = {
    name: "audit export",
    summary: "write a signed evidence bundle of the audit records of a time range",
    details: "debvisord writes the bundle (a tar file) to /var/lib/debvisor/evidence as a job and prints its path; with\n" +
        "-o it is then copied to FILE. Times: 2026-01-31, 2026-01-31T12:00:00Z (UTC unless an offset is given),\n" +
        "now, or 7d / 12h / 30m ago. Check a bundle with \"debvisorctl audit verify-bundle FILE\".",
    options: {
        since: { type: "string", value: "TIME", help: "the first moment to include (required)" },
        until: { type: "string", value: "TIME", help: "the last moment to include (default: now)" },
        output: { type: "string", short: "o", value: "FILE", help: "copy the finished bundle to FILE" },
        ...NO_ASK_OPTION,
    },
    async run(values) {
        if (values.since === undefined)
            throw new UsageError("--since is required");
        const now = Date.now();
        const since = parseWhen(String(values.since), "since", now);
        const until = values.until === undefined ? now : parseWhen(String(values.until), "until", now);
        if (until < since)
            throw new UsageError("--until is before --since");
        const [jobPath, bundle] = await callMethod(AUDIT_PATH, AUDIT_IFACE, "Export",
            [BigInt(since) * 1000n, BigInt(until) * 1000n + 999n], values) as [string, string];
        const code = reportOutcome(await followJob(jobPath, { noAsk: values["no-ask"] === true }));
        if (code !== 0)
            return code;
        if (values.output !== undefined) {
            try {
                fs.copyFileSync(bundle, String(values.output));
            } catch (e) {
                throw new CliError(`the bundle is ${bundle}, but it could not be copied to ${String(values.output)}: ${(e as Error).message}`);
            }
            print(String(values.output));
        } else {
            print(bundle);
        }
        return 0;
    },
};

export const auditVerifyBundle: Command = {
    name: "audit verify-bundle",
    args: "FILE",
    summary: "check an evidence bundle offline: signature, every file, the chain of its records",
    details: "Needs nothing but the file. Prints what the bundle holds and the fingerprint of the key that signed it:\n" +
        "compare it with the one on the Compliance page, or give the host's public key with --key\n" +
        "(/etc/debvisor/audit-signing.key.pub there). Exits 1 with every problem found.",
    options: {
        key: { type: "string", value: "PEMFILE", help: "the host's public key: fail unless the bundle was signed with it" },
        ...JSON_OPTION,
    },
    async run(values, [file]) {
        const read = (name: string) => {
            try {
                return fs.readFileSync(name);
            } catch (e) {
                const code = (e as NodeJS.ErrnoException).code;
                throw code === "ENOENT" ? new UsageError(`${name} does not exist`) : new CliError(`cannot read ${name}: ${(e as Error).message}`);
            }
        };
        const trusted = values.key === undefined ? undefined : read(String(values.key)).toString("utf8");
        const archive = read(file);
        let check;
        try {
            check = verifyBundle(archive, trusted);
        } catch (e) {
            throw new CliError(`${file}: ${(e as Error).message}`);
        }
        if (values.json) {
            printJson({ file, ...check });
        } else if (check.ok && check.manifest) {
            const m = check.manifest;
            const records = m.records.count === 0 ? "no records" : `records ${m.records.firstSeq} to ${m.records.lastSeq} (${m.records.count})`;
            print(`OK: ${file}: ${records} of ${m.host}, from ${m.since} to ${m.until}, exported ${m.created}`);
            print(check.trusted ? `signed by the trusted key ${check.fingerprint}`
                : `signed by ${check.fingerprint}: compare it with the host's key on the Compliance page, or pass --key`);
        } else {
            for (const problem of check.problems)
                process.stderr.write(`debvisorctl: ${file}: ${problem}\n`);
        }
        return check.ok ? 0 : 1;
    },
};
