// One file out of a disk of a backup, without restoring the disk: the disk
// is taken out of the repository into a root-only file (a qcow2 converted
// to raw by confined qemu-img, as an import is), its partitions read with
// sfdisk, and an ext2/3/4 file system read with debugfs in catastrophic,
// read-only mode. A backed-up disk is whatever its guest wrote, so it is
// never mounted: sfdisk, blkid and debugfs run as debvisor-img with limits
// (as qemu-img does), handed the image as a descriptor, and debugfs is only
// ever given inode numbers, never a name from the image. An extracted disk is
// kept a few minutes for the next call, then removed; all of them when
// debvisord starts.
import fs from "node:fs";
import nodePath from "node:path";
import crypto from "node:crypto";
import * as z from "zod/mini";
import { failed, invalidArgument, notFound, notSupported } from "../../lib/errors.js";
import { formatBytes } from "../../lib/bytes.js";
import { runTool } from "../../lib/tool-run.js";
import { method } from "../bus/call-pipeline.js";
import { CONFINED_PATH, confinedToolCommand, toolUser, type Limits, type ToolUser } from "../images/confined-qemu-img.js";
import { convertImage, openSource } from "../images/image-import.js";
import { diskTarget } from "../machines/machine-rules.js";
import { count, optionsSchema } from "../validation.js";
import { readBackup, snapshotId, writeBackedUpDisk, type BackupContents } from "./backup-contents.js";
import type { ManifestDisk } from "./machine-backup.js";
import type { BackupsHost } from "./backups-host.js";

const BROWSE_DIR = "/var/lib/debvisor/backup-browse";
/** ReadFile hands out a file in pieces of at most this much */
const CHUNK_BYTES = 1 << 20;
/** the largest file ReadFile hands out */
const MAX_FILE_BYTES = 64 << 20;
const KEEP_IDLE_MS = 10 * 60_000;
const MAX_DISKS = 2;
const TOOL_LIMITS: Limits = { addressSpace: 1 << 30, cpuSeconds: 120 };
const EXT = new Set(["ext2", "ext3", "ext4"]);
const ROOT_INODE = 2;

const browsePath = z.string().check(
    z.maxLength(4096, "must be at most 4096 characters"),
    z.refine(p => p.startsWith("/"), "must start with \"/\""),
    z.refine(p => !p.includes("\u0000"), "must not contain NUL characters"),
    z.refine(p => !p.split("/").some(c => c === ".." || c === "."), "must not contain \".\" or \"..\" components"));

/** One entry of a directory, as ListFiles gives it. */
interface FileEntry { name: string; type: "directory" | "file" | "link" | "other" | "partition"; size: number; mode: number; inode: number; fsType?: string }

interface Volume { offset: number; size: number; fsType: string }

interface OpenDisk {
    raw: string;
    /** partition number → its volume; 0: the whole disk (no partition table) */
    volumes: Map<number, Volume>;
    partitioned: boolean;
    lastUsed: number;
    files: Map<string, string>; // volume:inode → extracted file
}

export class DiskFiles {
    private readonly disks = new Map<string, Promise<OpenDisk>>();
    private readonly aborts = new Map<string, AbortController>();
    private timer: NodeJS.Timeout | null = null;

    constructor(readonly dir = BROWSE_DIR) {}

    /* What a stopped daemon left is removed. */
    start(): void {
        fs.rmSync(this.dir, { recursive: true, force: true });
    }

    stop(): void {
        for (const key of [...this.disks.keys()])
            this.drop(key);
    }

    private drop(key: string): void {
        this.aborts.get(key)?.abort(new Error("closed"));
        this.aborts.delete(key);
        this.disks.delete(key);
        fs.rmSync(nodePath.join(this.dir, key), { recursive: true, force: true });
        if (this.disks.size === 0 && this.timer) {
            clearInterval(this.timer);
            this.timer = null;
        }
    }

    /* The disk `target` of the backup, extracted (once) and its volumes read. */
    async open(area: BackupsHost, repository: string, id: string, target: string): Promise<OpenDisk> {
        const contents = await readBackup(area, repository, id);
        const disk = contents.manifest.disks.find(d => d.target === target);
        if (!disk)
            throw invalidArgument(`disk: backup ${contents.backup.short_id} has no disk ${target} (it has ${contents.manifest.disks.map(d => d.target).join(", ")})`);
        const key = crypto.createHash("sha256").update(`${repository}\0${contents.backup.id}\0${target}`).digest("hex").slice(0, 32);
        let opening = this.disks.get(key);
        if (!opening) {
            while (this.disks.size >= MAX_DISKS)
                this.drop(this.leastRecent());
            const abort = new AbortController();
            this.aborts.set(key, abort);
            opening = this.extract(area, contents, disk, key, abort.signal);
            this.disks.set(key, opening);
            opening.catch(() => this.drop(key));
            this.timer ??= setInterval(() => this.expire(), 60_000).unref();
        }
        const open = await opening;
        open.lastUsed = Date.now();
        return open;
    }

    private leastRecent(): string {
        return [...this.disks.keys()][0];
    }

    private expire(): void {
        for (const [key, opening] of this.disks)
            void opening.then(d => {
                if (Date.now() - d.lastUsed > KEEP_IDLE_MS)
                    this.drop(key);
            }, () => undefined);
    }

    private async extract(area: BackupsHost, contents: BackupContents, disk: ManifestDisk, key: string, signal: AbortSignal): Promise<OpenDisk> {
        const user = toolUser();
        const dir = nodePath.join(this.dir, key);
        fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
        fs.mkdirSync(dir, { mode: 0o700 });
        const s = fs.statfsSync(dir);
        const need = disk.segments ? disk.segments.size : disk.bytes * (disk.format === "qcow2" ? 2 : 1);
        if (s.bavail * s.bsize < need)
            throw failed(`disk: ${this.dir} has ${formatBytes(s.bavail * s.bsize)} free; reading disk ${disk.target} of this backup needs ${formatBytes(need)}`);
        // a segmented disk comes out as raw data; a whole qcow2 file is converted by confined qemu-img
        const dumped = nodePath.join(dir, `disk.${disk.segments ? "raw" : disk.format}`);
        await writeBackedUpDisk(area, contents, disk, dumped, signal, () => undefined, "raw");
        let raw = dumped;
        if (disk.format === "qcow2" && !disk.segments) {
            fs.chownSync(dumped, user.uid, user.gid);
            const source = openSource(dumped, `disk ${disk.target}`, "qcow2");
            raw = nodePath.join(dir, "disk.raw");
            try {
                await convertImage({ source, target: raw, format: "raw", signal, onProgress: () => undefined });
            } finally {
                source.close();
                fs.rmSync(dumped, { force: true });
            }
        }
        // debvisor-img reads it through the descriptor it is handed (the directory stays closed to it)
        fs.chownSync(raw, user.uid, user.gid);
        fs.chmodSync(raw, 0o400);
        const open: OpenDisk = { raw, volumes: new Map(), partitioned: false, lastUsed: Date.now(), files: new Map() };
        const table = await tool(user, raw, "sfdisk", ["--json", "/dev/fd/3"]);
        if (table.exitCode === 0) {
            const parsed = JSON.parse(table.stdout) as { partitiontable?: { sectorsize?: number; partitions?: Array<{ node: string; start: number; size: number }> } };
            const sector = parsed.partitiontable?.sectorsize ?? 512;
            open.partitioned = true;
            for (const p of parsed.partitiontable?.partitions ?? []) {
                const number = Number(/(\d+)$/.exec(p.node)?.[1] ?? 0);
                if (number > 0)
                    open.volumes.set(number, { offset: p.start * sector, size: p.size * sector, fsType: await fsType(user, raw, p.start * sector) });
            }
        } else {
            open.volumes.set(0, { offset: 0, size: fs.statSync(raw).size, fsType: await fsType(user, raw, 0) });
        }
        return open;
    }

    /* Where `path` leads: the volume, and the entry (the volume's root for "/" of a volume). */
    async resolve(open: OpenDisk, path: string): Promise<{ volume: number; entry: FileEntry | null; rest: string[] }> {
        let parts = path.split("/").filter(Boolean);
        let volume = 0;
        if (open.partitioned) {
            if (parts.length === 0)
                return { volume: -1, entry: null, rest: [] };
            volume = Number(/^\d{1,3}$/.test(parts[0]) ? parts[0] : NaN);
            if (!open.volumes.has(volume))
                throw notFound(`path: the disk has no partition ${parts[0]} (it has ${[...open.volumes.keys()].join(", ") || "none"})`);
            parts = parts.slice(1);
        }
        const v = open.volumes.get(volume)!;
        if (!EXT.has(v.fsType))
            throw notSupported(`path: ${volume ? `partition ${volume}` : "the disk"} cannot be browsed: file system ${v.fsType || "unknown"} (only ext2, ext3 and ext4 can be read)`);
        let entry: FileEntry = { name: "", type: "directory", size: 0, mode: 0o40755, inode: ROOT_INODE };
        for (const [i, name] of parts.entries()) {
            if (entry.type !== "directory")
                throw invalidArgument(`path: /${parts.slice(0, i).join("/")} is not a directory`);
            const found = (await this.list(open, volume, entry.inode)).find(e => e.name === name);
            if (!found)
                throw notFound(`path: there is no /${parts.slice(0, i + 1).join("/")} in the backup's disk`);
            entry = found;
        }
        return { volume, entry, rest: parts };
    }

    /* The entries of the directory at inode `inode` of a volume ("." and ".." left out). */
    async list(open: OpenDisk, volume: number, inode: number): Promise<FileEntry[]> {
        const v = open.volumes.get(volume)!;
        const r = await tool(toolUser(), open.raw, "debugfs", ["-c", "-R", `ls -p <${inode}>`, `/dev/fd/3?offset=${v.offset}`]);
        if (r.exitCode !== 0)
            throw failed(`debugfs cannot read the directory: ${r.stderr.trim()}`);
        return parseListing(r.stdout);
    }

    /* The file at inode `inode`, taken out once into the disk's directory. */
    async extractFile(open: OpenDisk, volume: number, entry: FileEntry): Promise<string> {
        const key = `${volume}:${entry.inode}`;
        const known = open.files.get(key);
        if (known)
            return known;
        const v = open.volumes.get(volume)!;
        const out = nodePath.join(nodePath.dirname(open.raw), `file-${volume}-${entry.inode}`);
        const outFd = fs.openSync(out, "wx", 0o600);
        try {
            const r = await tool(toolUser(), open.raw, "debugfs", ["-c", "-R", `cat <${entry.inode}>`, `/dev/fd/3?offset=${v.offset}`], outFd);
            if (r.exitCode !== 0 || fs.fstatSync(outFd).size !== entry.size)
                throw failed(`debugfs could not read the file: ${r.exitCode !== 0 ? r.stderr.trim() : "it gave a different size"}`);
        } catch (e) {
            fs.rmSync(out, { force: true });
            throw e;
        } finally {
            fs.closeSync(outFd);
        }
        fs.chmodSync(out, 0o600);
        open.files.set(key, out);
        return out;
    }
}

/* Confined sfdisk, blkid or debugfs on the image, handed to it as descriptor 3; its output to `outFd` when given. */
async function tool(user: ToolUser, raw: string, name: string, args: string[], outFd?: number): Promise<{ exitCode: number; stdout: string; stderr: string }> {
    const [command, ...rest] = confinedToolCommand(user, TOOL_LIMITS, name, args);
    const fd = fs.openSync(raw, "r");
    try {
        return await runTool(command, rest, name, {
            cwd: "/", ownEnv: true, env: CONFINED_PATH, fds: [fd], stdoutFd: outFd, timeout: 300_000, maxBuffer: 64 << 20, allowFailure: true,
        });
    } finally {
        fs.closeSync(fd);
    }
}

async function fsType(user: ToolUser, raw: string, offset: number): Promise<string> {
    const r = await tool(user, raw, "blkid", ["-p", "-o", "export", "-O", String(offset), "/dev/fd/3"]);
    return /^TYPE=(.*)$/m.exec(r.stdout)?.[1] ?? "";
}

/* debugfs `ls -p`: "/INODE/MODE/UID/GID/NAME/SIZE/" per entry. A name holds no "/" but may hold a
 * newline, so entries are matched one after the other, not split by line. */
function parseListing(text: string): FileEntry[] {
    const entries: FileEntry[] = [];
    for (const m of text.matchAll(/\/(\d+)\/([0-7]{6})\/\d+\/\d+\/([^/]*)\/(\d*)\/\n/g)) {
        const [, inode, mode, name, size] = m;
        if (name === "." || name === "..")
            continue;
        const kind = parseInt(mode, 8) & 0o170000;
        entries.push({
            name, inode: Number(inode), mode: parseInt(mode, 8) & 0o7777, size: Number(size || 0),
            type: kind === 0o040000 ? "directory" : kind === 0o100000 ? "file" : kind === 0o120000 ? "link" : "other",
        });
    }
    return entries.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

const entryDict = (e: FileEntry) => ({ Name: e.name, Type: e.type, Size: BigInt(e.size), Mode: e.mode, ...e.fsType !== undefined ? { FsType: e.fsType } : {} });

export function listFilesMethod(area: BackupsHost, files: DiskFiles, repositoryName: string) {
    return method({
        args: z.tuple([snapshotId, diskTarget, browsePath, optionsSchema({})]),
        run: async (ctx, [id, target, path]) => {
            const open = await area.using(repositoryName, () => files.open(area, repositoryName, id, target));
            const { volume, entry } = await files.resolve(open, path);
            let entries: FileEntry[];
            if (volume === -1) {
                entries = [...open.volumes].map(([n, v]) => ({ name: String(n), type: "partition", size: v.size, mode: 0, inode: 0, fsType: v.fsType }));
            } else {
                if (entry!.type !== "directory")
                    throw invalidArgument(`path: ${path} is not a directory`);
                entries = await files.list(open, volume, entry!.inode);
            }
            await ctx.auditStep("BackupRepository.ListFiles", `ok: ${entries.length} entries`, [id, target, path]);
            return [entries.map(entryDict)];
        },
    });
}

export function readFileMethod(area: BackupsHost, files: DiskFiles, repositoryName: string) {
    return method({
        args: z.tuple([snapshotId, diskTarget, browsePath, count(0, MAX_FILE_BYTES, " bytes"), optionsSchema({})]),
        run: async (ctx, [id, target, path, offset]) => {
            const open = await area.using(repositoryName, () => files.open(area, repositoryName, id, target));
            const { volume, entry } = await files.resolve(open, path);
            if (!entry || entry.type !== "file")
                throw invalidArgument(`path: ${path} is ${entry ? `a ${entry.type}` : "the list of partitions"}, not a file`);
            if (entry.size > MAX_FILE_BYTES)
                throw invalidArgument(`path: ${path} holds ${formatBytes(entry.size)}; files up to ${formatBytes(MAX_FILE_BYTES)} can be downloaded (restore the disk for more)`);
            if (offset > entry.size)
                throw invalidArgument(`offset: the file holds ${entry.size} bytes`);
            if (offset === 0)
                await ctx.auditStep("BackupRepository.ReadFile", `ok: ${entry.size} bytes`, [id, target, path]);
            const file = await files.extractFile(open, volume, entry);
            const length = Math.min(CHUNK_BYTES, entry.size - offset);
            const data = Buffer.alloc(length);
            const fd = fs.openSync(file, "r");
            try {
                fs.readSync(fd, data, 0, length, offset);
            } finally {
                fs.closeSync(fd);
            }
            return [data, BigInt(entry.size)];
        },
    });
}
