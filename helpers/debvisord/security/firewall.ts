// /org/debvisor/DebVisor1/firewall: the block and allow lists and the
// management set in debvisord's nftables table, the guards against locking
// the admins out or cutting the host off, and the quarantine. The
// D-Bus methods are thin glue over firewall-validation (what may be added),
// nft (the table) and firewall-state (what is saved).
import * as z from "zod/mini";
import { invalidArgument, failed, busy } from "../../lib/errors.js";
import { NotInstalled, Unavailable } from "../area-supervisor.js";
import { type CallContext, contractMethods, method, type MethodTable } from "../bus/call-pipeline.js";
import type { ObjectServer } from "../bus/object-server.js";
import { count, flag, oneLine, optionsSchema } from "../validation.js";
import { containsAddress, formatAddress, parseNet, type Net } from "../../lib/cidr.js";
import { emptyState, readState, writeState, type FirewallState } from "./firewall-state.js";
import { readFirewallSettings } from "./firewall-settings.js";
import {
    checkAdditions, checkRemovals, cutOffProblems, describe, lockoutProblems, parseList,
    type Finding, type InputEntry, type ListName, type Protected,
} from "../../lib/firewall-validation.js";
import { hostAddresses as liveHostAddresses } from "./host-networks.js";
import {
    addScript, deleteScript, fullScript, netsOf, Nft, parseCounters, quarantineOffScript, quarantineOnScript, SET_LISTS,
    type Counters, type Entry,
} from "./nft.js";
import type { MachineControl } from "./quarantine-machines.js";
import { adminSessions } from "./sessions.js";
import { FIREWALL_IFACE } from "../../../generated/dbus-contract.js";
import { oneAtATime } from "../../lib/one-at-a-time.js";

const COUNTER_REFRESH_MS = 10_000;
const EXPIRY_CHECK_MS = 15_000;
const MAX_ENTRIES_PER_CALL = 1_000_000;
const MAX_LIST_BYTES = 64 * 1024 * 1024;
const TEN_YEARS_S = 10 * 366 * 24 * 3600;
const SHOWN_ERRORS = 10;

const comment = oneLine(256);
const cidrs = z.array(z.string().check(z.maxLength(200, "is too long to be an address, prefix or range"))).check(
    z.minLength(1, "must name at least one address, prefix or range"),
    z.maxLength(MAX_ENTRIES_PER_CALL, `must have at most ${MAX_ENTRIES_PER_CALL} entries`),
);
const listName = z.optional(z.enum(["block", "allow"], { error: "must be \"block\" or \"allow\"" }));
/* Forcing is typing the refused entry again, exactly: a confirmation that names what it confirms. */
const forceText = z.string().check(z.minLength(1, "must not be empty"), z.maxLength(200, "is too long to be an entry"));
const forceEntries = z.optional(z.union([forceText, z.array(forceText).check(z.maxLength(MAX_ENTRIES_PER_CALL, "has too many entries"))], {
    error: "must be the refused entry typed again exactly (s), or several of them (as)",
}));
const expiry = z.optional(count(0, TEN_YEARS_S, " seconds"));
/* The options of the methods that change a list; each method takes some of them, and refuses the others. */
const listOptions = { comment: z.optional(comment), expiry, force: forceEntries, "dry-run": flag };

interface FirewallPaths {
    stateFile: string;
    table: string;
    /** the widest block allowed without force (firewall-settings.ts) */
    settingsFile: string;
}

interface Report {
    accepted: Net[];
    errors: Finding[];
    warnings: Finding[];
    skipped: Finding[];
    applied: boolean;
    lines?: number;
}

/** A report names at most this many items of each kind; the counts say how many there are. */
const REPORT_ITEMS = 1000;

function reportDict(r: Report) {
    return {
        Accepted: r.accepted.slice(0, REPORT_ITEMS).map(n => n.text),
        Errors: r.errors.slice(0, REPORT_ITEMS).map(describe),
        Warnings: r.warnings.slice(0, REPORT_ITEMS).map(describe),
        Skipped: r.skipped.slice(0, REPORT_ITEMS).map(describe),
        AcceptedCount: r.accepted.length,
        ErrorCount: r.errors.length,
        WarningCount: r.warnings.length,
        SkippedCount: r.skipped.length,
        Applied: r.applied,
        ...(r.lines !== undefined ? { Lines: r.lines } : {}),
    };
}

function summary(findings: Finding[]): string {
    const shown = findings.slice(0, SHOWN_ERRORS).map(describe).join("; ");
    return findings.length > SHOWN_ERRORS ? `${shown}; and ${findings.length - SHOWN_ERRORS} more` : shown;
}

/* Loopback sessions survive a quarantine (loopback passes) and cannot be blocked from outside. */
function isLoopback(p: Protected): boolean {
    return p.family === 4 ? p.value >> 24n === 127n : p.value === 1n;
}

export class Firewall {
    readonly path: string;
    private state: FirewallState = emptyState();
    private counters: Record<ListName, Counters> = { block: new Map(), allow: new Map(), management: new Map() };
    /** whether the table is in the kernel as the state says (false until the first change when there is no saved state) */
    private loaded = false;
    private available = true;
    private problem = "";
    /** a saved state that could not be read: changes would overwrite it, so none are made */
    private unreadable = "";
    /** one change at a time: nft and the state file move together */
    private readonly exclusive = oneAtATime();
    private readonly nft: Nft;

    constructor(
        private readonly server: ObjectServer,
        private readonly paths: FirewallPaths,
        private readonly machines: MachineControl | null,
        private readonly sessions: () => Protected[] = adminSessions,
        private readonly hostAddresses: () => Promise<Protected[]> = liveHostAddresses,
    ) {
        this.path = `${server.rootPath}/firewall`;
        this.nft = new Nft(paths.table);
    }

    publish(): void {
        this.server.publish(this.path, FIREWALL_IFACE, {
            Blocked: this.entries("block"),
            Allowed: this.entries("allow"),
            Management: this.entries("management"),
            Quarantined: this.state.quarantine !== null,
            QuarantineInfo: this.state.quarantine ? {
                since: BigInt(this.state.quarantine.since) * 1000n,
                by: this.state.quarantine.by,
                reason: this.state.quarantine.reason,
                "stopped-machines": this.state.quarantine.stoppedMachines.map(m => m.name),
            } : {},
            Table: `inet ${this.paths.table}`,
            Available: this.available,
            Problem: this.problem,
        }, () => this.methods());
    }

    /* Restores the saved lists with one nft transaction (before any change is let through); without saved state the table is made at the first change. */
    start(): void {
        // reading 100,000 counters takes nft seconds: the pause grows with the time one reading takes
        const refresh = () => {
            const started = Date.now();
            void this.refreshCounters().catch(() => undefined).finally(() =>
                setTimeout(refresh, Math.max(COUNTER_REFRESH_MS, 20 * (Date.now() - started))).unref());
        };
        setTimeout(refresh, COUNTER_REFRESH_MS).unref();
        setInterval(() => void this.exclusive(async () => this.expire()), EXPIRY_CHECK_MS).unref();
    }

    /* Restores the saved lists (the area's supervisor calls it until it succeeds) and throws what stands in the way. */
    async load(): Promise<void> {
        await this.exclusive(() => this.restore());
        if (this.unreadable)
            throw new Unavailable(this.unreadable);
        if (this.problem)
            throw this.nftMissing ? new NotInstalled(this.problem) : new Error(this.problem);
    }

    private nftMissing = false;

    private async restore(): Promise<void> {
        // a change made meanwhile (which loads the table itself) is newer than the saved state
        if (this.loaded)
            return;
        this.unreadable = "";
        this.nftMissing = false;
        this.setProblem("");
        let saved: FirewallState | null = null;
        try {
            saved = readState(this.paths.stateFile);
        } catch (e) {
            this.unreadable = `${this.paths.stateFile} cannot be read (${(e as Error).message}): fix or remove it; debvisord reads it again by itself`;
            this.setProblem(this.unreadable);
        }
        try {
            if (this.unreadable) {
                // leave the kernel's table as it is
            } else if (saved) {
                this.state = saved;
                this.dropExpired();
                await this.nft.apply(fullScript(this.paths.table, this.state, this.state.quarantine !== null));
                this.loaded = true;
            } else if (!(await this.nft.available())) {
                this.nftMissing = true;
                this.setProblem("nft is not installed (Debian package nftables)");
            }
        } catch (e) {
            this.setProblem(`cannot restore ${this.paths.stateFile}: ${(e as Error).message}`);
        }
        this.publishSoon();
    }

    private setProblem(problem: string): void {
        this.available = problem === "";
        this.problem = problem;
    }

    private publishing = false;

    /* Publishes after the reply, once for all changes meanwhile: marshalling 100,000 entries is not the caller's wait. */
    private publishSoon(): void {
        if (this.publishing)
            return;
        this.publishing = true;
        setImmediate(() => {
            this.publishing = false;
            this.publish();
        });
    }

    private entries(list: ListName) {
        const counters = this.counters[list];
        return this.state[list].map(e => {
            const c = counters.get(e.cidr);
            return [e.cidr, e.comment, e.addedBy, BigInt(e.addedAt) * 1000n, BigInt(e.expires) * 1000n,
                BigInt(c?.packets ?? 0), BigInt(c?.bytes ?? 0)];
        });
    }

    private dropExpired(now = Date.now()): boolean {
        let dropped = false;
        for (const list of SET_LISTS) {
            const kept = this.state[list].filter(e => e.expires === 0 || e.expires > now);
            if (kept.length !== this.state[list].length) {
                dropped = true;
                this.state[list] = kept;
            }
        }
        return dropped;
    }

    /* The kernel removes expired elements itself; the lists and the file follow. */
    private async expire(): Promise<void> {
        if (this.dropExpired()) {
            this.save(this.state);
            this.publishSoon();
        }
    }

    private async refreshCounters(): Promise<void> {
        if (!this.loaded)
            return;
        const json = await this.nft.listJson();
        if (json === null)
            return;
        const next = parseCounters(json);
        // publishing 100,000 entries costs a few hundred ms: not every round, only when a counter moved
        const moved = SET_LISTS.some(l => next[l].size !== this.counters[l].size ||
            [...next[l]].some(([cidr, c]) => this.counters[l].get(cidr)?.packets !== c.packets || this.counters[l].get(cidr)?.bytes !== c.bytes));
        this.counters = next;
        if (moved)
            this.publishSoon();
    }

    /* Applies `next` to the kernel (the incremental script, or the whole table when that fails), saves it and publishes it. */
    private async commit(next: FirewallState, incremental: string | null): Promise<void> {
        if (this.unreadable)
            throw failed(this.unreadable);
        try {
            if (this.loaded && incremental !== null) {
                try {
                    await this.nft.apply(incremental);
                } catch {
                    // an element that expired in the kernel, or the table changed by hand: rebuild it whole
                    await this.nft.apply(fullScript(this.paths.table, next, next.quarantine !== null));
                }
            } else {
                await this.nft.apply(fullScript(this.paths.table, next, next.quarantine !== null));
            }
        } catch (e) {
            throw failed((e as Error).message);
        }
        this.loaded = true;
        try {
            writeState(this.paths.stateFile, next);
        } catch (e) {
            // keep the kernel and the file in step: put the previous table back
            await this.nft.apply(fullScript(this.paths.table, this.state, this.state.quarantine !== null)).catch(() => undefined);
            throw failed(`cannot save ${this.paths.stateFile}: ${(e as Error).message}; nothing was changed`);
        }
        this.state = next;
        this.setProblem("");
        this.publishSoon();
    }

    /* Saves a change that does not touch the table. */
    private save(next: FirewallState): void {
        writeState(this.paths.stateFile, next);
        this.state = next;
    }

    private readonly parsed = new WeakMap<Entry[], Net[]>();

    /* The lists as intervals; a list is a new array after every change, so the parse is kept per array. */
    private current(): Record<ListName, Net[]> {
        const of = (entries: Entry[]) => {
            let nets = this.parsed.get(entries);
            if (!nets) {
                nets = netsOf(entries);
                this.parsed.set(entries, nets);
            }
            return nets;
        };
        return { block: of(this.state.block), allow: of(this.state.allow), management: of(this.state.management) };
    }

    /* Checks and (unless dry-run) adds entries to a list, in one transaction. */
    private add(ctx: CallContext, list: ListName, input: InputEntry[], options: {
        comment?: string; expiry?: number; force?: string | string[]; "dry-run"?: boolean; "skip-invalid"?: boolean;
    }, argument: string, lines?: number): Promise<Report> {
        return this.exclusive(async () => {
            const checked = checkAdditions(list, input, this.current());
            const report: Report = { accepted: checked.accepted, errors: checked.errors, warnings: checked.warnings, skipped: checked.skipped, applied: false, lines };
            let refusals = 0;
            if (list === "block") {
                const forced = forcedEntries(options.force, input.map(e => e.text), checked.accepted.map(n => n.text));
                const problems = [
                    ...lockoutProblems(checked.accepted, this.sessions(), this.current().allow),
                    ...cutOffProblems([...checked.accepted, ...checked.overlapping], await this.guard()),
                ];
                const refused = new Set<string>();
                for (const p of problems) {
                    if (forced.has(p.entry)) {
                        report.warnings.push({ ...p, message: `${p.message} (forced)` });
                    } else {
                        refused.add(p.entry);
                        report.errors.push({ ...p, message: `${p.message}: refused unless the option force names ${p.entry} again` });
                    }
                }
                refusals = refused.size;
                report.accepted = report.accepted.filter(n => !refused.has(n.text));
            }
            if (options["dry-run"])
                return report;
            // skip-invalid leaves out entries that are wrong, never ones that would cut the host off: those stop the whole call
            if (report.errors.length > 0 && (!options["skip-invalid"] || refusals > 0))
                throw invalidArgument(`${argument}: ${summary(report.errors)}; nothing was changed`);
            if (report.accepted.length === 0)
                return report;
            const now = Date.now();
            const added: Entry[] = report.accepted.map(n => ({
                cidr: n.text,
                comment: checked.comments.get(n.text) ?? options.comment ?? "",
                addedBy: ctx.caller.user,
                addedAt: now,
                expires: options.expiry ? now + options.expiry * 1000 : 0,
            }));
            const next: FirewallState = { ...this.state, [list]: [...this.state[list], ...added] };
            await this.commit(next, addScript(this.paths.table, list, added, now));
            report.applied = true;
            return report;
        });
    }

    /* What a block must not cover, read now: the host's addresses and gateways, the management set, the width limit. */
    private async guard() {
        let settings;
        let host: Protected[];
        try {
            settings = readFirewallSettings(this.paths.settingsFile);
            host = await this.hostAddresses();
        } catch (e) {
            throw failed(`cannot check what the block would cut off: ${(e as Error).message}; nothing was changed`);
        }
        return { host, management: this.current().management, widest: { 4: settings.widestBlockIPv4, 6: settings.widestBlockIPv6 } as const };
    }

    /* Removing from the management set must not leave it empty nor drop the network of an admin's session, unless forced. */
    private managementRemovalProblems(removed: Net[], keptEntries: Entry[]): Finding[] {
        const kept = netsOf(keptEntries);
        const problems: Finding[] = [];
        if (kept.length === 0) {
            for (const n of removed)
                problems.push({ entry: n.text, message: "would leave the management set empty" });
        }
        const stillIn = [...kept, ...this.current().allow];
        for (const s of this.sessions().filter(x => !isLoopback(x))) {
            if (stillIn.some(n => containsAddress(n, s.family, s.value)))
                continue;
            for (const n of removed) {
                if (containsAddress(n, s.family, s.value))
                    problems.push({ entry: n.text, message: `covers ${formatProtected(s)}, and nothing else in the management set or the allow list does` });
            }
        }
        return problems;
    }

    private remove(list: ListName, texts: string[], dryRun: boolean, force?: string | string[]): Promise<string[]> {
        return this.exclusive(async () => {
            const { nets, errors } = checkRemovals(list, texts, this.current()[list]);
            if (errors.length > 0)
                throw invalidArgument(`cidrs: ${summary(errors)}; nothing was changed`);
            const gone = new Set(nets.map(n => n.text));
            const removed = this.state[list].filter(e => gone.has(e.cidr));
            const kept = this.state[list].filter(e => !gone.has(e.cidr));
            if (list === "management") {
                const forced = forcedEntries(force, texts, nets.map(n => n.text));
                const refused = this.managementRemovalProblems(nets, kept).filter(p => !forced.has(p.entry));
                if (refused.length > 0)
                    throw invalidArgument(`cidrs: ${summary(refused.map(p => ({ ...p, message: `${p.message}: refused unless the option force names ${p.entry} again` })))}; nothing was changed`);
            }
            if (!dryRun) {
                const next: FirewallState = { ...this.state, [list]: kept };
                await this.commit(next, deleteScript(this.paths.table, list, removed, kept, this.counters[list]));
            }
            return removed.map(e => e.cidr);
        });
    }

    private methods(): MethodTable {
        return contractMethods(FIREWALL_IFACE, {
            Block: this.listMethod("block", "add", ["comment", "expiry", "force", "dry-run"]),
            Allow: this.listMethod("allow", "add", ["comment", "expiry", "dry-run"]),
            AddManagement: this.listMethod("management", "add", ["comment", "dry-run"]),
            RemoveManagement: this.listMethod("management", "remove", ["dry-run", "force"]),
            Unblock: this.listMethod("block", "remove", ["dry-run"]),
            Disallow: this.listMethod("allow", "remove", ["dry-run"]),
            ImportList: method({
                args: z.tuple([
                    z.string().check(z.maxLength(MAX_LIST_BYTES, `must be at most ${MAX_LIST_BYTES / 1024 / 1024} MiB`),
                        z.refine(t => !t.includes("\u0000"), "must be text, without NUL characters")),
                    optionsSchema({ list: listName, comment: z.optional(comment), expiry, force: forceEntries, "skip-invalid": flag, "dry-run": flag }),
                ]),
                run: async (ctx, [text, options]) => {
                    const { entries, lines } = parseList(text);
                    if (entries.length === 0)
                        throw invalidArgument("text: the list holds no entries");
                    if (entries.length > MAX_ENTRIES_PER_CALL)
                        throw invalidArgument(`text: the list holds ${entries.length} entries, at most ${MAX_ENTRIES_PER_CALL} are taken at once`);
                    const list = options.list ?? "block";
                    const comments = entries.filter(e => e.comment && e.comment.length > 256);
                    if (comments.length > 0)
                        throw invalidArgument(`text: the comment of ${comments[0].text} is longer than 256 characters`);
                    return [reportDict(await this.add(ctx, list, entries, options, "text", lines))];
                },
                audit: ([text, options]) => [`${text.length} characters, ${text.split("\n").length} lines`, options],
            }),
            Export: method({
                args: z.tuple([optionsSchema({ list: listName })]),
                run: async (_ctx, [options]) => {
                    const list = options.list ?? "block";
                    const lines = [`# DebVisor firewall ${list} list, ${this.state[list].length} entries, ${new Date().toISOString()}`];
                    for (const e of this.state[list])
                        lines.push(e.comment ? `${e.cidr}  # ${e.comment.replace(/[\r\n]/g, " ")}` : e.cidr);
                    return [lines.join("\n") + "\n"];
                },
            }),
            Quarantine: method({
                args: z.tuple([optionsSchema({ reason: z.optional(comment), "stop-machines": flag, force: flag })]),
                run: async (ctx, [options]) => this.exclusive(async () => {
                    if (this.state.quarantine)
                        throw busy(`the host is quarantined already, since ${new Date(this.state.quarantine.since).toISOString()} by ${this.state.quarantine.by}`);
                    const allow = [...this.current().allow, ...this.current().management];
                    const outside = this.sessions().filter(s => !isLoopback(s) &&
                        !allow.some(a => a.family === s.family && a.start <= s.value && s.value <= a.end));
                    if (outside.length > 0 && !options.force) {
                        const names = outside.map(formatProtected).join("; ");
                        throw invalidArgument(`options: neither the allow list nor the management set holds ${names}. Once such a connection closes it could not be opened again: allow the address first, or use the option force`);
                    }
                    const by = ctx.caller.user;
                    const next: FirewallState = { ...this.state, quarantine: { since: Date.now(), by, reason: options.reason ?? "", stoppedMachines: [] } };
                    await this.commit(next, quarantineOnScript(this.paths.table));
                    await this.step(ctx, "Quarantine.Isolate", "ok", { table: this.paths.table, allow: this.state.allow.length });
                    if (options["stop-machines"] !== false && this.machines) {
                        let running: Awaited<ReturnType<MachineControl["autostartedRunning"]>> = [];
                        try {
                            running = await this.machines.autostartedRunning();
                        } catch (e) {
                            await this.step(ctx, "Quarantine.StopMachines", `Failed: ${(e as Error).message}`, {});
                        }
                        for (const m of running) {
                            try {
                                await this.machines.stop(m.path);
                                const q = this.state.quarantine!;
                                this.save({ ...this.state, quarantine: { ...q, stoppedMachines: [...q.stoppedMachines, { name: m.name, uuid: m.uuid }] } });
                                await this.step(ctx, "Quarantine.StopMachine", "ok", { machine: m.name, uuid: m.uuid });
                                this.publishSoon();
                            } catch (e) {
                                await this.step(ctx, "Quarantine.StopMachine", `Failed: ${(e as Error).message}`, { machine: m.name, uuid: m.uuid });
                            }
                        }
                    }
                    return [];
                }),
            }),
            Release: method({
                args: z.tuple([optionsSchema({ "start-machines": flag })]),
                run: async (ctx, [options]) => this.exclusive(async () => {
                    const q = this.state.quarantine;
                    if (!q)
                        throw invalidArgument("the host is not quarantined");
                    await this.commit({ ...this.state, quarantine: null }, quarantineOffScript(this.paths.table));
                    await this.step(ctx, "Release.Reconnect", "ok", { since: new Date(q.since).toISOString(), by: q.by });
                    if (options["start-machines"] !== false && this.machines) {
                        for (const m of q.stoppedMachines) {
                            try {
                                await this.machines.startByUuid(m.uuid);
                                await this.step(ctx, "Release.StartMachine", "ok", { machine: m.name, uuid: m.uuid });
                            } catch (e) {
                                await this.step(ctx, "Release.StartMachine", `Failed: ${(e as Error).message}`, { machine: m.name, uuid: m.uuid });
                            }
                        }
                    }
                    return [];
                }),
            }),
        });
    }

    /* Block, Allow, AddManagement (add) and Unblock, Disallow, RemoveManagement (remove): the entries typed one
     * by one, with those of the list options that the method takes; an addition's audit record names at most 20. */
    private listMethod(list: ListName, change: "add" | "remove", takes: Array<keyof typeof listOptions>) {
        return method({
            args: z.tuple([cidrs, optionsSchema(Object.fromEntries(takes.map(k => [k, listOptions[k]])) as typeof listOptions)]),
            run: async (ctx, [entries, o]) => change === "add"
                ? [reportDict(await this.add(ctx, list, entries.map(text => ({ text })), o, "cidrs"))]
                : [await this.remove(list, entries, o["dry-run"] ?? false, o.force)],
            audit: change === "add"
                ? ([entries, o]) => [entries.length > 20 ? `${entries.length} entries, the first ${entries.slice(0, 20).join(" ")}` : entries, o]
                : undefined,
        });
    }

    /* A step of a quarantine or release, in the audit log on its own. */
    private step(ctx: CallContext, name: string, result: string, args: unknown): Promise<void> {
        return ctx.auditStep(`Firewall.${name}`, result, args, { object: this.path });
    }
}

/*
 * The canonical entries that `force` confirms. Each value must be one of the
 * entries exactly as typed, or as the refusal wrote it: a forced block is one
 * the caller named twice.
 */
function forcedEntries(force: string | string[] | undefined, typed: string[], canonical: string[]): Set<string> {
    const values = force === undefined ? [] : typeof force === "string" ? [force] : force;
    const out = new Set<string>();
    if (values.length === 0)
        return out;
    const asTyped = new Set([...typed, ...canonical]);
    for (const v of values) {
        const p = parseNet(v);
        if (!asTyped.has(v) || !p.ok)
            throw invalidArgument(`force: ${JSON.stringify(v.slice(0, 100))} is not one of the entries as typed; force names each refused entry again, exactly`);
        out.add(p.net.text);
    }
    return out;
}

function formatProtected(p: Protected): string {
    return `${formatAddress(p.family, p.value)}, ${p.why}`;
}
