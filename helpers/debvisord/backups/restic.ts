// restic, run the way debvisord runs every tool: an argument array, the
// repository password only through RESTIC_PASSWORD_FILE (a root-only file),
// a REST server's user and password only through --repository-file (another
// one), S3's keys only in restic's environment (readable by root alone),
// --json where restic has it, and a failure mapped to what the user can act
// on (a wrong password, an unreachable repository) with restic's own words,
// from which any credential is taken out before they go anywhere.
import fs from "node:fs";
import { DebVisorError, failed, invalidArgument } from "../../lib/errors.js";
import { lastLines, missingTool, runTool, startTool, type ToolOptions } from "../../lib/tool-run.js";
import { describeLocation, resticRepository, sftpCommand, type RepositoryLocation, type SshFiles } from "./locations.js";

const RESTIC_CACHE_DIR = "/var/cache/debvisor/restic";
const QUICK_TIMEOUT_MS = 120_000;
const CANCEL_GRACE_MS = 10_000;

export interface S3Keys { accessKeyId: string; secretAccessKey: string }

/** What restic needs to open one repository. */
export interface RepositoryAccess {
    location: RepositoryLocation;
    passwordFile: string;
    ssh: SshFiles;
    /** a REST server's URL with its user and password, root-only */
    repositoryFile: string | null;
    s3: S3Keys | null;
    /** the CA certificate that signed the server's (https) */
    caFile: string | null;
}

interface ResticResult { stdout: string; stderr: string; exitCode: number }

function baseArgs(access: RepositoryAccess): string[] {
    const args = access.repositoryFile ? ["--repository-file", access.repositoryFile] : ["-r", resticRepository(access.location)];
    if (access.location.kind === "sftp")
        args.push("-o", `sftp.command=${sftpCommand(access.location, access.ssh)}`);
    if (access.caFile)
        args.push("--cacert", access.caFile);
    return args;
}

/* restic's own environment (nothing of the daemon's: the password file and S3 keys are the repository's),
 * cancelled by SIGINT so that it removes its lock. */
function processOptions(access: RepositoryAccess, signal?: AbortSignal): ToolOptions {
    return {
        ownEnv: true, signal, interruptGraceMs: CANCEL_GRACE_MS,
        env: {
            HOME: "/root",
            // restic reads backup --time in the daemon's local time
            ...process.env.TZ ? { TZ: process.env.TZ } : {},
            RESTIC_PASSWORD_FILE: access.passwordFile, RESTIC_CACHE_DIR, RESTIC_PROGRESS_FPS: "2",
            ...access.s3 ? { AWS_ACCESS_KEY_ID: access.s3.accessKeyId, AWS_SECRET_ACCESS_KEY: access.s3.secretAccessKey } : {},
        },
    };
}

/* restic's words without a credential: the user part of any URL (restic hides only the password)
 * and every secret value, should a server echo one. */
export function withoutCredentials(text: string, access: RepositoryAccess): string {
    if (!access.repositoryFile && !access.s3)
        return text; // an SFTP user is no secret, and no other kind has one
    let clean = text.replace(/(\w+:\/\/)[^/@\s"]*@/g, "$1");
    let secrets: string[] = access.s3 ? [access.s3.accessKeyId, access.s3.secretAccessKey] : [];
    if (access.repositoryFile) {
        try {
            const userInfo = /\/\/([^/@]*)@/.exec(fs.readFileSync(access.repositoryFile, "utf8"))?.[1] ?? "";
            secrets = secrets.concat(userInfo.split(":"), userInfo.split(":").map(decodeURIComponent));
        } catch {
            // no file: nothing of it can be in the text
        }
    }
    for (const secret of secrets.filter(s => s.length >= 4))
        clean = clean.split(secret).join("***");
    return clean;
}

/* The repository not being there, as opposed to it not answering or refusing us. */
export function repositoryMissing(stderr: string): boolean {
    return /repository does not exist|unable to open config file: .*(no such file|does not exist)/i.test(stderr);
}

/* A failure in words: the password, the repository not being there, or not reachable. */
export function resticError(what: string, stderr: string, repository: string): DebVisorError {
    const text = lastLines(stderr, 8);
    if (/wrong password or no key found/i.test(stderr))
        return invalidArgument(`password: wrong password for the restic repository at ${repository}`);
    if (/\(401\)|401 Unauthorized/.test(stderr))
        return invalidArgument(`rest-password: the REST server at ${repository} refused the user and password: ${text}`);
    if (/InvalidAccessKeyId|SignatureDoesNotMatch|signature we calculated does not match|Access Key Id you provided does not exist|AccessDenied|Access Denied/i.test(stderr))
        return invalidArgument(`s3-secret-access-key: the S3 server at ${repository} refused the access key: ${text}`);
    if (/x509:|tls: |server gave HTTP response to HTTPS client/i.test(stderr))
        return failed(`${what}: the TLS connection to ${repository} failed${/unknown authority/.test(stderr)
            ? " (the server's certificate is signed by a CA this host does not know: give that CA's certificate)" : ""}: ${text}`);
    if (repositoryMissing(stderr))
        return failed(`${what}: there is no restic repository at ${repository} (${text})`);
    if (/Connection refused|No route to host|Could not resolve hostname|no such host|i\/o timeout|Connection timed out|connection reset|ssh: |unable to start the sftp session|Permission denied|Host key verification failed/i.test(stderr))
        return failed(`${what}: the repository at ${repository} cannot be reached: ${text}`);
    if (/no space left on device/i.test(stderr))
        return failed(`${what}: the repository at ${repository} is full: ${text}`);
    return failed(`${what}: ${text || "restic failed"}`);
}

/* A failure of restic on this repository, in its words without a credential. */
function failure(what: string, stderr: string | Buffer | undefined, access: RepositoryAccess): DebVisorError {
    return resticError(what, withoutCredentials(Buffer.from(stderr ?? "").toString("utf8"), access), describeLocation(access.location));
}

/* restic could not be started at all: its binary is not there. */
function failIfMissing(result: object): void {
    if (missingTool(result))
        throw failed("restic is not installed on this host (apt install restic)");
}

export class Restic {
    constructor(readonly binary = "restic") {}

    /* restic's version ("0.14.0"), or null when it is not installed. */
    async version(): Promise<string | null> {
        const r = await runTool(this.binary, ["version"], "restic version", { timeout: 10_000, allowFailure: true });
        if (r.exitCode !== 0)
            return null;
        return /restic ([0-9][0-9.]*)/.exec(r.stdout)?.[1] ?? "unknown";
    }

    /* One restic command that finishes quickly; returns its output whatever the exit code. */
    async run(access: RepositoryAccess, args: string[], options: { timeout?: number; signal?: AbortSignal } = {}): Promise<ResticResult> {
        const r = await runTool(this.binary, [...baseArgs(access), ...args], `restic ${args[0]}`, {
            ...processOptions(access, options.signal), timeout: options.timeout ?? QUICK_TIMEOUT_MS, maxBuffer: 256 * 1024 * 1024, allowFailure: true,
        });
        failIfMissing(r);
        if (r.timedOut)
            throw failed(`restic ${args[0]} did not finish within ${Math.round((options.timeout ?? QUICK_TIMEOUT_MS) / 1000)} s`);
        return { stdout: r.stdout, stderr: withoutCredentials(r.stderr, access), exitCode: r.exitCode };
    }

    async must(access: RepositoryAccess, args: string[], what: string, options: { timeout?: number; signal?: AbortSignal } = {}): Promise<string> {
        const r = await this.run(access, args, options);
        if (r.exitCode !== 0)
            throw resticError(what, r.stderr || withoutCredentials(r.stdout, access), describeLocation(access.location));
        return r.stdout;
    }

    /* Why ssh cannot reach an SFTP repository, in ssh's words: restic 0.14 often exits before it
     * relays them ("unable to start the sftp session, error: EOF" alone says nothing). */
    async sshProblem(access: RepositoryAccess): Promise<string> {
        if (access.location.kind !== "sftp")
            return "";
        const [tool, ...args] = sftpCommand(access.location, access.ssh).split(" ");
        const r = await runTool(tool, args, "ssh", { timeout: 30_000, input: "", ownEnv: true, env: { HOME: "/root" }, allowFailure: true });
        return r.exitCode === 0 ? "" : lastLines(r.stderr, 2);
    }

    /* `restic backup --json` of `paths`, with progress (0…1) as restic reports it; the summary at the end.
     * `onFileSaved`: each file restic has read and saved (new or changed), as it says so. */
    async backup(access: RepositoryAccess, paths: string[], tags: string[], host: string, signal: AbortSignal,
        onProgress: (fraction: number) => void, time?: string, options: string[] = [], onFileSaved?: (file: string) => void): Promise<BackupSummary> {
        const args = [...baseArgs(access), "backup", "--json", "--host", host, ...tags.flatMap(t => ["--tag", t]),
            ...time ? ["--time", time] : [], ...onFileSaved ? ["--verbose"] : [], ...options, "--", ...paths];
        const child = startTool(this.binary, args, { ...processOptions(access, signal), stdout: "stream" });
        let summary: BackupSummary | null = null;
        let pending = "";
        child.stdout?.setEncoding("utf8");
        child.stdout?.on("data", (chunk: string) => {
            pending += chunk;
            const lines = pending.split("\n");
            pending = lines.pop() ?? "";
            for (const line of lines) {
                const message = parseJsonLine(line);
                if (message?.message_type === "status" && typeof message.percent_done === "number")
                    onProgress(message.percent_done);
                else if (message?.message_type === "summary")
                    summary = toSummary(message);
                else if (onFileSaved && message?.message_type === "verbose_status" && (message.action === "new" || message.action === "modified") &&
                    typeof message.item === "string" && !message.item.endsWith("/"))
                    onFileSaved(message.item);
            }
        });
        const r = await child;
        failIfMissing(r);
        if (signal.aborted)
            throw signal.reason;
        if (r.exitCode !== 0 && r.exitCode !== 3)
            throw failure("restic backup", r.stderr, access);
        if (r.exitCode === 3)
            throw failed(`restic backup could not read every file: ${lastLines(withoutCredentials(String(r.stderr ?? ""), access))}`);
        if (!summary)
            throw failed("restic backup ended without a summary");
        return summary;
    }

    /* `restic dump SNAPSHOT PATH` (a directory: as a tar archive), its output read by `consume` as it comes. */
    async dumpStream(access: RepositoryAccess, snapshot: string, path: string, signal: AbortSignal,
        consume: (output: AsyncIterable<Buffer>) => Promise<void>): Promise<void> {
        const child = startTool(this.binary, [...baseArgs(access), "dump", "--", snapshot, path],
            { ...processOptions(access, signal), stdout: "stream", binary: true });
        try {
            await consume(child.stdout as AsyncIterable<Buffer>);
        } catch (e) {
            child.kill("SIGINT");
            await child;
            throw signal.aborted ? signal.reason : e;
        }
        const r = await child;
        failIfMissing(r);
        if (signal.aborted)
            throw signal.reason;
        if (r.exitCode !== 0)
            throw failure(`restic dump of ${path}`, r.stderr, access);
    }

    /* `restic dump SNAPSHOT FILE` into `target` (created, 0600), with the bytes written so far. */
    async dumpToFile(access: RepositoryAccess, snapshot: string, file: string, target: string, signal: AbortSignal,
        onBytes: (bytes: number) => void): Promise<void> {
        const out = fs.createWriteStream(target, { flags: "wx", mode: 0o600 });
        const child = startTool(this.binary, [...baseArgs(access), "dump", "--", snapshot, file],
            { ...processOptions(access, signal), stdout: "stream", binary: true });
        let written = 0;
        child.stdout?.on("data", (chunk: Buffer) => {
            written += chunk.length;
            onBytes(written);
        });
        child.stdout?.pipe(out);
        const [r] = await Promise.all([child, new Promise<void>((resolve, reject) => {
            out.on("finish", resolve);
            out.on("error", reject);
        })]);
        if (signal.aborted)
            throw signal.reason;
        if (r.exitCode !== 0)
            throw failure(`restic dump of ${file}`, r.stderr, access);
        const fd = fs.openSync(target, "r");
        try {
            fs.fsyncSync(fd);
        } finally {
            fs.closeSync(fd);
        }
    }
}

interface BackupSummary {
    snapshotId: string;
    /** bytes restic read */
    bytesProcessed: number;
    /** bytes the repository did not have yet (before compression) */
    bytesNew: number;
    /** what this backup added to the repository, packed */
    bytesStored: number | null;
    seconds: number;
    /** files restic took from the parent snapshot without reading them */
    filesUnmodified: number;
}

function parseJsonLine(line: string): Record<string, unknown> | null {
    if (!line.startsWith("{"))
        return null;
    try {
        return JSON.parse(line) as Record<string, unknown>;
    } catch {
        return null;
    }
}

function toSummary(m: Record<string, unknown>): BackupSummary {
    return {
        snapshotId: String(m.snapshot_id ?? ""),
        bytesProcessed: Number(m.total_bytes_processed ?? 0),
        bytesNew: Number(m.data_added ?? 0),
        bytesStored: typeof m.data_added_packed === "number" ? m.data_added_packed : null,
        seconds: Number(m.total_duration ?? 0),
        filesUnmodified: Number(m.files_unmodified ?? 0),
    };
}

/** One snapshot as `restic snapshots --json` prints it. */
export interface ResticSnapshot {
    id: string; short_id: string; time: string; hostname: string; tags?: string[]; paths: string[];
    /** restic 0.17 and later: what the backup read and added */
    summary?: { total_bytes_processed?: number; data_added?: number };
}

export function parseSnapshots(stdout: string): ResticSnapshot[] {
    const parsed = JSON.parse(stdout || "[]") as unknown;
    if (!Array.isArray(parsed))
        throw failed("restic snapshots printed something other than a list");
    return parsed as ResticSnapshot[];
}
