// /org/debvisor/DebVisor1/audit: the audit log as a compliance record —
// query through the index, verification of the whole series (by the same
// verifier `debvisorctl audit verify` is, run as its own process so a long
// check does not hold up the daemon), evidence export, retention and
// forwarding to syslog. The D-Bus methods are thin glue over those modules.
import fs from "node:fs";
import path from "node:path";
import * as z from "zod/mini";
import { claimedLogin, type AuditRecord } from "../../lib/audit-chain.js";
import { pruneFields, type SetResult } from "../../lib/audit-segments.js";
import { busy, failed, invalidArgument } from "../../lib/errors.js";
import { runTool } from "../../lib/tool-run.js";
import { groupId } from "../../lib/system-ids.js";
import { contractMethods, method, type MethodTable } from "../bus/call-pipeline.js";
import type { ObjectServer } from "../bus/object-server.js";
import type { JobRegistry } from "../jobs/jobs.js";
import { count, oneLine, optionsSchema } from "../validation.js";
import { AuditIndex, OUTCOMES, type AuditFilter } from "./audit-index.js";
import type { AuditLog } from "./audit-log.js";
import { writeJsonAtomically } from "../../lib/atomic-file.js";
import { isExported, readExported, readSettings, type AuditSettings, type ExportedRanges } from "./audit-settings.js";
import { bundleName, writeEvidenceBundle } from "./evidence-export.js";
import { segmentsToPrune } from "./retention.js";
import { loadOrCreateSigningKey, type SigningKey } from "./signing-key.js";
import { SyslogForwarder } from "./syslog-forward.js";
import { AUDIT_IFACE } from "../../../generated/dbus-contract.js";
import { microseconds } from "../../lib/times.js";

const HOUSEKEEPING_MS = 3600_000;
const DAY_MS = 24 * 3600_000;

interface AuditPaths {
    config: string;
    /** the record ranges that were exported */
    exported: string;
    evidenceDir: string;
    signingKey: string;
}

/** Verifies the whole series of the live file; by default `debvisorctl audit verify --segments --offline --json`. */
type SeriesVerifier = (liveFile: string) => Promise<SetResult>;

const runDebvisorctlVerify: SeriesVerifier = async liveFile => {
    const cli = process.env.DEBVISORCTL ?? "/usr/bin/debvisorctl";
    // a series that does not verify exits 1 with its JSON report: that is an answer, not a failure
    const r = await runTool(cli, ["audit", "verify", "--segments", "--offline", "--json", liveFile], "verifying the audit log",
        { timeout: 30 * 60_000, allowFailure: true });
    try {
        return JSON.parse(r.stdout) as SetResult;
    } catch {
        throw new Error(`${cli} audit verify did not answer: ${r.stderr || r.problem}`);
    }
};

/* An audit record as the bus hands it out (AuditTail and Query). */
export function auditRecordDict(r: AuditRecord) {
    return {
        Seq: r.seq, Time: microseconds(Date.parse(r.time)), Uid: r.uid, User: r.user,
        // the login uid is only what the calling process claimed: never shown as who acted
        LoginUidClaimed: claimedLogin(r).uid, LoginUserClaimed: claimedLogin(r).user, Method: r.method, Object: r.object, Phase: r.phase, Result: r.result,
        Arguments: JSON.stringify(r.args ?? null), Hash: r.hash,
    };
}

/* Text for a query filter: no control characters, a sensible length. */
const filterText = oneLine(256);
const micros = z.int().check(z.minimum(0, "must not be before 1970"), z.maximum(8_640_000_000_000_000, "is too far in the future"));

export class AuditObject {
    readonly path: string;
    readonly index: AuditIndex;
    private settings: AuditSettings;
    private exported: ExportedRanges;
    private key: SigningKey | null = null;
    private keyProblem = "";
    private verified = { seq: 0, time: 0, ok: false, message: "not verified yet" };
    private verifying: Promise<void> | null = null;
    private readonly forwarder: SyslogForwarder;
    private readonly reserved = new Set<string>();
    private pruning = false;

    constructor(
        private readonly server: ObjectServer,
        private readonly log: AuditLog,
        private readonly jobs: JobRegistry,
        private readonly paths: AuditPaths,
        private readonly verifier: SeriesVerifier = runDebvisorctlVerify,
        forwarder = new SyslogForwarder(),
    ) {
        this.path = `${server.rootPath}/audit`;
        this.index = new AuditIndex(log);
        this.settings = readSettings(paths.config);
        this.exported = readExported(paths.exported);
        this.forwarder = forwarder;
        this.applySettings();
        try {
            this.key = loadOrCreateSigningKey(paths.signingKey);
        } catch (e) {
            this.keyProblem = (e as Error).message;
        }
    }

    get signingProblem(): string { return this.keyProblem }

    export(): void {
        this.publish();
        this.log.onRecords(records => this.forwarder.forward(records.map(r => r.line)));
        // the live segment grows with every record: Get answers that at once, a signal waits for news
        this.log.onCommit(() => this.publish());
        this.log.onSeal(() => {
            this.publish();
            void this.prune();
        });
        const housekeeping = setInterval(() => {
            void this.log.rotateIfDue();
            void this.prune();
            void this.verifyNow();
        }, HOUSEKEEPING_MS);
        housekeeping.unref();
        void this.index.start().then(() => {
            this.publish();
            void this.prune();
            void this.verifyNow();
        });
    }

    private publish(): void {
        this.server.publish(this.path, AUDIT_IFACE, {
            VerifiedSeq: BigInt(this.verified.seq),
            VerifiedTime: BigInt(this.verified.time) * 1000n,
            VerifiedOk: this.verified.ok,
            VerifiedMessage: this.verified.message,
            Segments: this.segments(),
            RetentionDays: this.settings.retentionDays,
            SegmentMaxBytes: BigInt(this.settings.segmentMaxBytes),
            SegmentMaxHours: this.settings.segmentMaxHours,
            ForwardSyslog: this.settings.forwardSyslog,
            SigningKey: this.key?.publicPem ?? "",
            SigningKeyFingerprint: this.key?.fingerprint ?? "",
        }, () => this.methods(), (name, value) => name === "Segments"
            ? (value as Array<{ Sealed: boolean }>).map(s => s.Sealed ? s : { ...s, LastSeq: 0, Bytes: 0, LastTime: 0 })
            : value);
    }

    private applySettings(): void {
        this.log.setRotation({ maxBytes: this.settings.segmentMaxBytes, maxAgeMs: this.settings.segmentMaxHours * 3600_000 });
        this.forwarder.setEnabled(this.settings.forwardSyslog);
    }

    private segments() {
        const all = this.index.segmentSummaries();
        return all.map((s, k) => ({
            Name: s.name, FirstSeq: s.firstSeq, LastSeq: s.lastSeq, Bytes: s.bytes, FirstTime: microseconds(s.firstTime), LastTime: microseconds(s.lastTime),
            Sealed: k < all.length - 1, Exported: isExported(this.exported, s.firstSeq, s.lastSeq),
        }));
    }

    /* Verifies the series once; calls while one runs share it. */
    verifyNow(): Promise<void> {
        this.verifying ??= (async () => {
            await this.log.drain();
            let result: SetResult;
            try {
                result = await this.verifier(this.log.file);
            } catch (e) {
                this.verified = { seq: 0, time: Date.now(), ok: false, message: `the verifier could not run: ${(e as Error).message}` };
                return;
            }
            this.verified = {
                seq: result.lastSeq, time: Date.now(), ok: result.ok,
                message: result.ok
                    ? `records ${result.firstSeq} to ${result.lastSeq} in ${result.segments.length} segments verify, chain head ${result.head}`
                    : `${result.segment}: line ${result.brokenLine}: ${result.reason}`,
            };
        })().finally(() => {
            this.verifying = null;
            this.publish();
        });
        return this.verifying;
    }

    /* Deletes the oldest sealed segments that retention allows, recording each deletion in the chain first. */
    async prune(now = Date.now()): Promise<string[]> {
        if (this.pruning || this.settings.retentionDays === 0)
            return [];
        this.pruning = true;
        try {
            await this.index.start();
            const dir = path.dirname(this.log.file);
            const summaries = this.index.segmentSummaries();
            const deleted: string[] = [];
            for (const s of segmentsToPrune(summaries, this.exported, this.settings.retentionDays * DAY_MS, now)) {
                const last = await this.index.record(s.lastSeq);
                if (!last)
                    break;
                await this.log.append(pruneFields(
                    { segment: s.name, firstSeq: s.firstSeq, lastSeq: s.lastSeq, lastHash: last.hash, bytes: s.bytes },
                    `retention keeps ${this.settings.retentionDays} days; its newest record is from ${new Date(s.lastTime).toISOString()} and it was exported`));
                fs.rmSync(path.join(dir, s.name), { force: true });
                deleted.push(s.name);
            }
            if (deleted.length > 0)
                this.publish();
            return deleted;
        } finally {
            this.pruning = false;
        }
    }

    private methods(): MethodTable {
        return contractMethods(AUDIT_IFACE, {
            Query: method({
                args: z.tuple([
                    z.strictObject({
                        user: z.optional(filterText),
                        action: z.optional(filterText),
                        object: z.optional(filterText),
                        result: z.optional(z.enum(OUTCOMES, { error: `must be one of ${OUTCOMES.join(", ")}` })),
                        since: z.optional(micros),
                        until: z.optional(micros),
                    }, { error: "must be a dictionary of filters (a{sv})" }),
                    count(1, 1000),
                    count(0),
                    optionsSchema({}),
                ]),
                run: async (_ctx, [filter, limit, before]) => {
                    await this.log.drain();
                    const f: AuditFilter = {
                        ...filter,
                        since: filter.since === undefined ? undefined : Math.floor(filter.since / 1000),
                        until: filter.until === undefined ? undefined : Math.floor(filter.until / 1000),
                    };
                    const page = await this.index.query(f, limit, before);
                    return [page.records.map(auditRecordDict), BigInt(page.total), BigInt(page.nextBefore)];
                },
            }),
            GetFacets: method({
                args: z.tuple([optionsSchema({})]),
                run: async () => {
                    await this.index.start();
                    const { users, actions } = this.index.facets();
                    return [users, actions];
                },
            }),
            Verify: method({
                args: z.tuple([optionsSchema({})]),
                run: async ctx => {
                    const job = this.jobs.start({
                        operation: "audit-verify", description: "Verifying the audit log", caller: ctx.caller, cancelable: false,
                    }, async () => {
                        await this.verifyNow();
                        if (!this.verified.ok)
                            throw failed(this.verified.message);
                        return this.verified.message;
                    });
                    return [job.path];
                },
            }),
            Export: method({
                args: z.tuple([micros, micros, optionsSchema({})]),
                run: async (ctx, [since, until]) => {
                    if (until < since)
                        throw invalidArgument("until: must not be before since");
                    const key = this.key;
                    if (!key)
                        throw failed(`There is no signing key: ${this.keyProblem}`);
                    const sinceMs = Math.floor(since / 1000), untilMs = Math.floor(until / 1000);
                    // the parent is traversable (the daemon's umask would make it 0700), the evidence directory only for admins
                    const parent = path.dirname(this.paths.evidenceDir);
                    if (!fs.existsSync(parent)) {
                        fs.mkdirSync(parent, { recursive: true });
                        fs.chmodSync(parent, 0o755);
                    }
                    fs.mkdirSync(this.paths.evidenceDir, { recursive: true });
                    fs.chmodSync(this.paths.evidenceDir, 0o750);
                    const gid = groupId("debvisor-admin");
                    if (gid !== undefined)
                        fs.chownSync(this.paths.evidenceDir, 0, gid);
                    const base = bundleName(sinceMs, untilMs).replace(/\.tar$/, "");
                    let target = "";
                    for (let n = 1; n < 1000 && !target; n++) {
                        const candidate = path.join(this.paths.evidenceDir, `${base}${n === 1 ? "" : `-${n}`}.tar`);
                        if (!this.reserved.has(candidate) && !fs.existsSync(candidate) && !fs.existsSync(`${candidate}.partial`))
                            target = candidate;
                    }
                    if (!target)
                        throw busy("There are too many bundles of this range already");
                    this.reserved.add(target);
                    const job = this.jobs.start({
                        operation: "audit-export", description: `Exporting audit evidence to ${path.basename(target)}`, caller: ctx.caller,
                    }, async control => {
                        try {
                            const verification = await this.verifier(this.log.file);
                            await this.log.drain();
                            const result = await writeEvidenceBundle(this.index, {
                                since: sinceMs, until: untilMs, target, verification,
                                head: { seq: this.log.recordCount, hash: this.log.chainHead }, key,
                                signal: control.signal, onProgress: f => control.setProgress(f),
                            });
                            fs.chmodSync(target, 0o640);
                            if (gid !== undefined)
                                fs.chownSync(target, 0, gid);
                            if (result.records > 0) {
                                this.exported.push([result.firstSeq, result.lastSeq]);
                                writeJsonAtomically(this.paths.exported, this.exported, 0o600);
                                this.publish();
                            }
                            const verdict = verification.ok ? "the log verified" : "the log did NOT verify (see verification.json)";
                            return result.records === 0
                                ? `No records in the range; wrote an empty, signed bundle to ${target}`
                                : `Exported records ${result.firstSeq} to ${result.lastSeq} (${result.records}) to ${target}; ${verdict}`;
                        } finally {
                            this.reserved.delete(target);
                        }
                    });
                    return [job.path, target];
                },
            }),
            Configure: method({
                args: z.tuple([
                    z.strictObject({
                        "retention-days": z.optional(count(0, 36500, " days")),
                        "segment-max-bytes": z.optional(count(64 << 10, 1 << 30, " bytes")),
                        "segment-max-hours": z.optional(count(1, 8760, " hours")),
                        "forward-syslog": z.optional(z.boolean({ error: "must be a boolean (b)" })),
                    }, { error: "must be a dictionary of settings (a{sv})" }),
                    optionsSchema({}),
                ]),
                run: async (_ctx, [settings]) => {
                    const next: AuditSettings = {
                        retentionDays: settings["retention-days"] ?? this.settings.retentionDays,
                        segmentMaxBytes: settings["segment-max-bytes"] ?? this.settings.segmentMaxBytes,
                        segmentMaxHours: settings["segment-max-hours"] ?? this.settings.segmentMaxHours,
                        forwardSyslog: settings["forward-syslog"] ?? this.settings.forwardSyslog,
                    };
                    writeJsonAtomically(this.paths.config, next);
                    this.settings = next;
                    this.applySettings();
                    this.publish();
                    void this.prune();
                    return [];
                },
            }),
        });
    }
}
