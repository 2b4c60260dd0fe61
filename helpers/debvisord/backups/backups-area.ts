// Backups on restic: the Backups singleton (/org/debvisor/DebVisor1/backups)
// adds and forgets repositories, each a BackupRepository object under
// …/backups/repositories/NAME that lists its backups and restores one as a new
// machine. Machine.Backup (machine-backup.ts) backs a machine up to one.
import fs from "node:fs";
import path from "node:path";
import * as z from "zod/mini";
import { busy, invalidArgument, notFound, notSupported } from "../../lib/errors.js";
import { escapePathElement } from "../../lib/object-path.js";
import { NotInstalled } from "../area-supervisor.js";
import { type CallContext, contractMethods, method, type MethodTable } from "../bus/call-pipeline.js";
import type { ObjectServer } from "../bus/object-server.js";
import { optionsSchema, resourceName } from "../validation.js";
import type { AuditLog } from "../audit/audit-log.js";
import type { MachineHost } from "../machines/machine-host.js";
import type { MachineFacts, MachineListener } from "../machines/machines.js";
import { BackupSchedules } from "./backup-schedules.js";
import { machineUuid } from "./schedules.js";
import type { BackupsHost } from "./backups-host.js";
import { systemClock, type Clock } from "../clock.js";
import { describeLocation, LocationError, parseLocation, type RepositoryLocation } from "./locations.js";
import { RepositoryStore, type RepositoryRecord } from "./repositories.js";
import { parseSnapshots, repositoryMissing, Restic, resticError, type RepositoryAccess, type ResticSnapshot } from "./restic.js";
import { DiskFiles, listFilesMethod, readFileMethod } from "./disk-files.js";
import { forgetMachine, sweepDeletedMachines } from "./forget-machine.js";
import { uuidOf } from "./machine-backup.js";
import { restoreMethod } from "./restore.js";
import { restoreDiskMethod } from "./restore-disk.js";
import { restoreOverOriginalMethod } from "./restore-original.js";
import { rollBack, rollForward, SwapJournals } from "./swap-journal.js";
import { backupSizes, TAG, tagValue } from "./tags.js";
import { BACKUPREPOSITORY_IFACE, BACKUPS_IFACE } from "../../../generated/dbus-contract.js";


const LOST_PASSWORD_NOTICE = "Keep this password somewhere safe: restic encrypts every backup with it, " +
    "and a lost password cannot be recovered: without it the backups in this repository cannot be read by anyone.";

const password = z.string().check(
    z.minLength(8, "must be at least 8 characters"),
    z.maxLength(1024, "must be at most 1024 characters"),
    z.refine(p => !/[\u0000\n\r]/.test(p), "must not contain newlines or NUL characters"));

const sshKey = z.string().check(
    z.maxLength(16384, "must be at most 16 KiB"),
    z.refine(k => /^-----BEGIN [A-Z ]*PRIVATE KEY-----\n[\s\S]+\n-----END [A-Z ]*PRIVATE KEY-----\n?$/.test(k),
        "must be an unencrypted SSH private key in PEM/OpenSSH form (-----BEGIN … PRIVATE KEY-----)"));

/* A REST user, a password or an S3 key: printable, no newline (they go into a URL, percent-encoded, or the environment). */
const credential = (what: string, max: number) => z.string().check(
    z.minLength(1, `must not be empty`),
    z.maxLength(max, `must be at most ${max} characters`),
    z.refine(v => !/[\u0000-\u001f\u007f]/.test(v), `${what} must not contain newlines or other control characters`));

const caCertificate = z.string().check(
    z.maxLength(65536, "must be at most 64 KiB"),
    z.refine(c => /^-----BEGIN CERTIFICATE-----\n[\s\S]+\n-----END CERTIFICATE-----\s*$/.test(c), "must be a PEM certificate (-----BEGIN CERTIFICATE-----)"));

const location = z.string().check(z.superRefine((value, ctx) => {
    try {
        parseLocation(value);
    } catch (e) {
        ctx.addIssue({ code: "custom", message: e instanceof LocationError ? e.message : "is not a repository location", input: value });
    }
}));

export class BackupsArea implements BackupsHost {
    readonly path: string;
    readonly restic = new Restic();
    version = "";
    private readonly inUse = new Map<string, number>(); // repository → jobs running on it
    private readonly adding = new Set<string>();
    private swept = false;

    readonly schedules: BackupSchedules;
    readonly files = new DiskFiles();

    constructor(readonly server: ObjectServer,
        readonly host: MachineHost & { list(): MachineFacts[]; onMachine(listener: MachineListener): void }, private readonly audit: AuditLog,
        clock: Clock = systemClock, readonly store = new RepositoryStore(), readonly swaps = new SwapJournals()) {
        this.path = `${server.rootPath}/backups`;
        this.schedules = new BackupSchedules(this, audit, clock);
    }

    repositoryPath(name: string): string {
        return `${this.path}/repositories/${escapePathElement(name)}`;
    }

    /* The Backups object and one object per saved repository; quick, before the name is taken. */
    start(): void {
        this.files.start();
        this.publish();
        try {
            // secrets of an add that was cut short
            for (const f of fs.readdirSync(this.store.dir).filter(f => f.startsWith(".adding-")))
                fs.rmSync(path.join(this.store.dir, f), { force: true });
        } catch {
            // no directory yet
        }
        try {
            for (const record of this.store.list())
                this.exportRepository(record);
        } catch (e) {
            // a list that cannot be read stops the backups, not the daemon; every call says why
            process.stderr.write(`debvisord: backups: ${(e as Error).message}\n`);
        }
        this.schedules.start();
        // a deleted machine's backups stay in the repositories; what was kept on the node for its next backup goes
        this.host.onMachine(facts => {
            if ("removed" in facts && facts.deleted)
                void forgetMachine(uuidOf(facts.path)).catch(e => process.stderr.write(`debvisord: backups: ${(e as Error).message}\n`));
        });
    }

    /* The area supervisor's attempt: a restore cut off in its swap is finished first (libvirt must
     * answer for that), then restic must be there. */
    async probe(): Promise<void> {
        await this.finishInterruptedSwaps();
        if (!this.swept) {
            // machines deleted while debvisord was down (libvirt must answer for that, as for the swaps)
            for (const uuid of await sweepDeletedMachines(async uuid => await this.host.libvirt.domainByUuid(uuid) !== null))
                process.stderr.write(`debvisord: backups: forgot the backup tracking of machine ${uuid}, deleted while debvisord was stopped\n`);
            this.swept = true;
        }
        this.version = await this.restic.version() ?? "";
        this.publish();
        if (!this.version)
            throw new NotInstalled("restic is not installed (apt install restic): backups cannot be made or restored");
    }

    private publish(): void {
        this.server.publish(this.path, BACKUPS_IFACE, { ResticVersion: this.version }, () => this.methods());
    }

    /* Each swap a stopped daemon left half done goes forward to the complete restore (or back to
     * the original when it was being undone), and the audit log says so. */
    private async finishInterruptedSwaps(): Promise<void> {
        for (const j of this.swaps.list()) {
            if ("unreadable" in j) {
                // never guessed at: the files beside the disks stay for an admin to sort out
                await this.audit.appendAsDaemon("RestoreOverOriginal.recover", this.path, `failed: ${j.unreadable}: ${j.problem}`);
                throw new Error(`the journal of an interrupted restore, ${j.unreadable}, cannot be read (${j.problem}); ` +
                    "the disks beside it (.debvisor-restore, .debvisor-restore-old) must be sorted out by hand, then the journal removed");
            }
            try {
                await (j.direction === "forward" ? rollForward : rollBack)(this.host.libvirt, j);
            } catch (e) {
                throw new Error(`finishing the interrupted restore over ${j.name}: ${(e as Error).message}`);
            }
            await this.audit.appendAsDaemon("RestoreOverOriginal.recover", j.machine,
                j.direction === "forward" ? `ok: debvisord stopped during the swap; the restore over ${j.name} was completed`
                    : `ok: debvisord stopped while undoing a failed restore over ${j.name}; the original was put back`,
                [j.name, j.disks.map(d => d.file)]);
            this.swaps.remove(j.uuid);
        }
    }

    requireRestic(): void {
        if (!this.version)
            throw notSupported("restic is not installed on this host (apt install restic)");
    }

    repository(name: string): { record: RepositoryRecord; access: RepositoryAccess } {
        const record = this.store.get(name);
        if (!record)
            throw notFound(`repository: there is no backup repository named "${name}"`);
        return { record, access: this.store.access(record) };
    }

    /* Runs `work` with the repository counted as in use, so that it is not removed meanwhile. */
    async using<T>(name: string, work: () => Promise<T>): Promise<T> {
        this.inUse.set(name, (this.inUse.get(name) ?? 0) + 1);
        try {
            return await work();
        } finally {
            const left = (this.inUse.get(name) ?? 1) - 1;
            if (left > 0)
                this.inUse.set(name, left);
            else
                this.inUse.delete(name);
        }
    }

    /* A machine's backups in a repository (or all DebVisor backups), oldest first. */
    async snapshots(name: string, machineUuid?: string): Promise<ResticSnapshot[]> {
        const { access } = this.repository(name);
        const tags = [TAG, ...(machineUuid ? [`machine-uuid=${machineUuid}`] : [])].join(",");
        const out = await this.restic.must(access, ["snapshots", "--json", "--tag", tags], "restic snapshots");
        return parseSnapshots(out).sort((a, b) => a.time < b.time ? -1 : 1);
    }

    private exportRepository(record: RepositoryRecord): void {
        let kind = "unknown";
        try {
            kind = parseLocation(record.location).kind;
        } catch {
            // an entry edited by hand: shown, and its calls fail with the reason
        }
        this.server.publish(this.repositoryPath(record.name), BACKUPREPOSITORY_IFACE, {
            Name: record.name, Location: record.location, Kind: kind,
            AddedTime: BigInt(record.added) * 1000n, AddedByUID: record.addedByUid,
        }, () => this.repositoryMethods(record.name));
    }

    private methods(): Record<string, unknown> {
        return {
            AddSchedule: this.schedules.addMethod(),
            AddRepository: method({
                args: z.tuple([resourceName, location, password, optionsSchema({
                    "ssh-private-key": z.optional(sshKey),
                    "rest-user": z.optional(credential("a user", 256).check(z.refine(u => !u.includes(":"), "must not contain \":\""))),
                    "rest-password": z.optional(credential("a password", 1024)),
                    "s3-access-key-id": z.optional(credential("a key", 256)),
                    "s3-secret-access-key": z.optional(credential("a key", 1024)),
                    "ca-certificate": z.optional(caCertificate),
                    create: z.optional(z.boolean()),
                })]),
                // no password, key or credential reaches the audit log: the REST user and the S3 key id
                // here, the rest by their names (password, secret, private)
                audit: ([name, where, _password, options]) => [name, where, "[redacted]", Object.fromEntries(Object.entries(options)
                    .map(([k, v]) => [k, k === "rest-user" || k === "s3-access-key-id" ? "[redacted]" : v]))],
                run: async (ctx: CallContext, [name, where, secret, options]) => {
                    this.requireRestic();
                    if (this.store.get(name) || this.adding.has(name))
                        throw invalidArgument(`name: a backup repository named "${name}" exists already`);
                    const loc = parseLocation(where);
                    checkKindOptions(loc, options);
                    if (this.store.list().some(r => r.location === where))
                        throw invalidArgument(`location: ${where} is added already`);
                    if (loc.kind === "local")
                        checkLocalDirectory(loc.path, options.create);
                    this.adding.add(name);
                    const staged = this.store.stageSecrets(name, {
                        password: secret,
                        sshKey: options["ssh-private-key"] ? Buffer.from(options["ssh-private-key"]) : null,
                        rest: options["rest-user"] !== undefined && options["rest-password"] !== undefined
                            ? { user: options["rest-user"], password: options["rest-password"] } : null,
                        s3: options["s3-access-key-id"] !== undefined && options["s3-secret-access-key"] !== undefined
                            ? { accessKeyId: options["s3-access-key-id"], secretAccessKey: options["s3-secret-access-key"] } : null,
                        caCertificate: options["ca-certificate"] ?? null,
                    }, loc);
                    try {
                        const created = await this.openOrCreate(staged.access, describeLocation(loc), options.create);
                        const record: RepositoryRecord = { name, location: where, added: Date.now(), addedByUid: ctx.caller.uid, created };
                        staged.commit();
                        this.store.put(record);
                        this.exportRepository(record);
                        return [this.repositoryPath(name),
                            `${created ? `Created a new restic repository at ${where}.` : `Opened the existing restic repository at ${where}.`} ${LOST_PASSWORD_NOTICE}`];
                    } catch (e) {
                        staged.discard();
                        throw e;
                    } finally {
                        this.adding.delete(name);
                    }
                },
            }),
        };
    }

    /* Opens the repository at the location with the password, or makes one where there is none
     * (unless create is false); true when it was made. A wrong password or a location that cannot
     * be reached fails, and nothing is made. */
    private async openOrCreate(access: RepositoryAccess, where: string, create: boolean | undefined): Promise<boolean> {
        const opened = await this.restic.run(access, ["cat", "config"]);
        if (opened.exitCode === 0) {
            if (create === true)
                throw invalidArgument(`location: there is a restic repository at ${where} already (leave out "create" to open it)`);
            return false;
        }
        if (!repositoryMissing(opened.stderr)) {
            const ssh = /unable to start the sftp session/.test(opened.stderr) ? await this.restic.sshProblem(access) : "";
            throw resticError("opening the repository", ssh ? `${opened.stderr}\n${ssh}` : opened.stderr, where);
        }
        if (create === false)
            throw invalidArgument(`location: there is no restic repository at ${where}`);
        await this.restic.must(access, ["init"], "restic init");
        return true;
    }

    private repositoryMethods(name: string): MethodTable {
        return contractMethods(BACKUPREPOSITORY_IFACE, {
            Remove: method({
                args: z.tuple([optionsSchema({})]),
                run: async () => {
                    this.repository(name);
                    if (this.inUse.has(name))
                        throw busy(`repository: a backup or restore is running on "${name}"; wait for it or cancel it first`);
                    const schedules = this.schedules.usedBy(name);
                    if (schedules.length)
                        throw busy(`repository: the backup schedule${schedules.length > 1 ? "s" : ""} ${schedules.join(", ")} back${schedules.length > 1 ? "" : "s"} up to "${name}"; remove ${schedules.length > 1 ? "them" : "it"} first`);
                    this.store.remove(name);
                    this.server.unexport(this.repositoryPath(name));
                    return [];
                },
            }),
            ListBackups: method({
                args: z.tuple([optionsSchema({ "machine-uuid": z.optional(machineUuid) })]),
                run: async (_ctx, [options]) => {
                    this.requireRestic();
                    const list = await this.snapshots(name, options["machine-uuid"]);
                    return [list.map(s => ({
                        Id: s.short_id, FullId: s.id, Time: BigInt(Date.parse(s.time) || 0) * 1000n, Hostname: s.hostname,
                        MachineName: tagValue(s.tags, "machine-name"), MachineUUID: tagValue(s.tags, "machine-uuid"),
                        Consistency: tagValue(s.tags, "consistency"), ...backupSizes(s),
                    }))];
                },
            }),
            Restore: restoreMethod(this, name),
            RestoreOverOriginal: restoreOverOriginalMethod(this, name),
            RestoreDisk: restoreDiskMethod(this, name),
            ListFiles: listFilesMethod(this, this.files, name),
            ReadFile: readFileMethod(this, this.files, name),
        });
    }
}

/* Each kind takes its own options and no other's: an SSH key for SFTP, a user and password for a
 * REST server (both or neither), both keys for S3, a CA certificate for https. */
function checkKindOptions(loc: RepositoryLocation, options: Record<string, unknown>): void {
    const given = (name: string) => options[name] !== undefined;
    const only: Array<[string, RepositoryLocation["kind"], string]> = [
        ["ssh-private-key", "sftp", "an SFTP repository takes an SSH key"],
        ["rest-user", "rest", "a REST server takes a user"], ["rest-password", "rest", "a REST server takes a user's password"],
        ["s3-access-key-id", "s3", "an S3 repository takes access keys"], ["s3-secret-access-key", "s3", "an S3 repository takes access keys"],
    ];
    for (const [name, kind, what] of only)
        if (given(name) && loc.kind !== kind)
            throw invalidArgument(`options.${name}: only ${what}`);
    if (given("rest-user") !== given("rest-password"))
        throw invalidArgument(`options.${given("rest-user") ? "rest-password" : "rest-user"}: a REST server's user and password go together`);
    if (loc.kind === "s3" && !(given("s3-access-key-id") && given("s3-secret-access-key")))
        throw invalidArgument(`options.${given("s3-access-key-id") ? "s3-secret-access-key" : "s3-access-key-id"}: an S3 repository needs its access key id and secret access key`);
    if (given("ca-certificate") && !((loc.kind === "rest" || loc.kind === "s3") && loc.scheme === "https"))
        throw invalidArgument("options.ca-certificate: only a REST or S3 repository over https takes a CA certificate");
}

/* A local repository goes in a directory whose parent exists (a link to one, e.g. on a mounted
 * disk, counts); an existing directory that holds something other than a repository is refused
 * rather than filled. */
function checkLocalDirectory(dir: string, create: boolean | undefined): void {
    if (!fs.existsSync(path.dirname(dir)))
        throw invalidArgument(`location: the directory ${path.dirname(dir)} does not exist`);
    let stat: fs.Stats;
    try {
        stat = fs.statSync(dir);
    } catch {
        if (create === false)
            throw invalidArgument(`location: ${dir} does not exist`);
        return;
    }
    if (!stat.isDirectory())
        throw invalidArgument(`location: ${dir} is not a directory`);
    const entries = fs.readdirSync(dir);
    if (entries.length > 0 && !entries.includes("config"))
        throw invalidArgument(`location: ${dir} is not empty and holds no restic repository`);
}

