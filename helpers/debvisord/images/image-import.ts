// Importing a disk image with qemu-img: open the source once, read its format
// from its own header (refusing images that reference other files), convert
// it as the unprivileged debvisor-img into a hidden partial file with
// progress, and give it its final name only when the copy is complete.
//
// Why the source is handed over as a descriptor: the file is opened here once,
// so the file inspected is the file converted, whatever happens to its name
// meanwhile (a symlink swapped, a file renamed over it). qemu-img opens that
// descriptor again as /dev/fd/3, and the kernel checks the inode's permissions
// on that reopen: debvisor-img can read the source directly only where its mode
// lets it. Otherwise the daemon copies the bytes from the descriptor into a
// private staging file that root owns and debvisor-img may only read, inspects
// that copy again (nobody else can change it), and converts from it. The
// output is created here, owned by debvisor-img only while qemu-img writes it,
// and passed the same way as /dev/fd/4; then it becomes root's and is linked
// under its final name.
import fs from "node:fs";
import path from "node:path";
import { cancelled, failed, invalidArgument, notFound } from "../../lib/errors.js";
import { ensureDir } from "../host/dirs.js";
import { convertLimits, INFO_LIMITS, readableBy, runConfined, toolUser, type ToolUser } from "./confined-qemu-img.js";
import { fdReader, inspectImage, RefusedImage, type SourceFormat } from "./image-headers.js";

export const IMAGE_DIR = "/var/lib/libvirt/images";
export const TARGET_FORMATS = ["qcow2", "raw"] as const;
type TargetFormat = typeof TARGET_FORMATS[number];
const PARTIAL_SUFFIX = ".debvisor-partial";
/* the share of a job's progress that copying a source debvisor-img cannot read takes */
const STAGING_SHARE = 0.5;

/* An image source, open: its descriptor is what every later step reads. */
export interface SourceImage {
    /** the path as the caller named it, for messages */
    path: string;
    /** the argument that named it, for messages */
    argument: string;
    format: SourceFormat;
    virtualSize: number;
    fd: number;
    stat: fs.Stats;
    /** the format a machine's definition gives the disk, if any */
    declared?: string;
    close(): void;
}

function inspect(fd: number, size: number, declared: string | undefined, what: string) {
    try {
        return inspectImage(fdReader(fd, size, fs.readSync), declared);
    } catch (e) {
        if (e instanceof RefusedImage)
            throw invalidArgument(`${what} ${e.message}`);
        throw e;
    }
}

/*
 * Opens a source image once and reads its format; refuses anything that is
 * not a regular file or that would pull in other files. `declared` is the
 * format a machine's definition gives its disk (a raw disk stays raw).
 */
export function openSource(file: string, argument: string, declared?: string): SourceImage {
    let fd: number;
    try {
        // O_NONBLOCK: opening a FIFO does not wait for a writer; the fstat below refuses it
        fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOCTTY | fs.constants.O_NONBLOCK);
    } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "ENOENT")
            throw notFound(`${argument}: ${file} does not exist`);
        throw invalidArgument(`${argument}: cannot open ${file} (${code})`);
    }
    try {
        const stat = fs.fstatSync(fd);
        if (!stat.isFile())
            throw invalidArgument(`${argument}: ${file} is not a regular file`);
        const { format, virtualSize } = inspect(fd, stat.size, declared, `${argument}: ${file}`);
        let open = true;
        return {
            path: file, argument, format, virtualSize, fd, stat, declared,
            close() {
                if (open)
                    fs.closeSync(fd);
                open = false;
            },
        };
    } catch (e) {
        fs.closeSync(fd);
        throw e;
    }
}

export function targetPath(name: string, format: TargetFormat, dir = IMAGE_DIR): string {
    return path.join(dir, `${name}.${format}`);
}

function partialPath(target: string, what = ""): string {
    return path.join(path.dirname(target), `.${path.basename(target)}${what}${PARTIAL_SUFFIX}`);
}

/* Removes partial files a killed daemon left behind; called at start, when no import runs. */
export function removeStalePartials(dir = IMAGE_DIR): string[] {
    let entries: string[];
    try {
        entries = fs.readdirSync(dir);
    } catch {
        return [];
    }
    const removed = entries.filter(e => e.startsWith(".") && e.endsWith(PARTIAL_SUFFIX));
    for (const e of removed)
        fs.rmSync(path.join(dir, e), { force: true });
    return removed;
}

/* qemu-img -p prints "    (42.00/100%)\r" */
function parseProgress(text: string): number | null {
    const matches = [...text.matchAll(/\((\d+(?:\.\d+)?)\/100%\)/g)];
    if (matches.length === 0)
        return null;
    return Number(matches[matches.length - 1][1]) / 100;
}

/* Creates a file only the daemon names: O_EXCL and O_NOFOLLOW, so nothing in its place is reused. */
function createPrivate(file: string, mode: number): number {
    fs.rmSync(file, { force: true });
    const fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, mode);
    // the mode exactly: debvisord's umask (0077 under systemd) would take the group's read bit
    fs.fchmodSync(fd, mode);
    return fd;
}

const CHUNK = 1 << 20;
const ZEROS = Buffer.alloc(CHUNK);

/*
 * Copies the source's bytes from its descriptor into a staging file that
 * debvisor-img may read but not change; all-zero chunks stay holes.
 */
async function stageCopy(source: SourceImage, file: string, user: ToolUser, signal: AbortSignal,
    rateLimit: number | undefined, onProgress: (f: number) => void): Promise<number> {
    const fd = createPrivate(file, 0o640);
    fs.fchownSync(fd, 0, user.gid);
    const buffer = Buffer.alloc(CHUNK);
    const started = Date.now();
    const size = source.stat.size;
    for (let at = 0; at < size;) {
        if (signal.aborted)
            break;
        const n = await new Promise<number>((resolve, reject) =>
            fs.read(source.fd, buffer, 0, Math.min(CHUNK, size - at), at, (e, got) => e ? reject(e) : resolve(got)));
        if (n === 0)
            break;
        const chunk = buffer.subarray(0, n);
        if (!chunk.equals(ZEROS.subarray(0, n)))
            await new Promise<void>((resolve, reject) => fs.write(fd, chunk, 0, n, at, e => e ? reject(e) : resolve()));
        at += n;
        onProgress(at / size);
        if (rateLimit) {
            const ahead = at / rateLimit * 1000 - (Date.now() - started);
            if (ahead > 0)
                await new Promise(resolve => setTimeout(resolve, ahead));
        }
    }
    fs.ftruncateSync(fd, size);
    fs.closeSync(fd);
    // read it back through a read-only descriptor, the one qemu-img gets
    return fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
}

interface QemuImgInfo {
    "backing-filename"?: string;
    "format-specific"?: { type: string; data?: { "data-file"?: string; extents?: Array<{ filename?: string }> } };
}

/*
 * A second opinion from qemu-img itself, confined, on the descriptor it will
 * convert: it must see no backing file, no data file and no extent elsewhere.
 */
async function crossCheck(user: ToolUser, fd: number, format: SourceFormat, what: string): Promise<void> {
    const result = await runConfined({ user, limits: INFO_LIMITS, fds: [fd], timeout: 60_000,
        args: ["info", "--output=json", "-f", format, "/dev/fd/3"] });
    if (result.exitCode !== 0)
        throw invalidArgument(`${what}: qemu-img cannot read it as ${format}: ${String(result.stderr).trim() || `exit code ${result.exitCode}`}`);
    const info = JSON.parse(String(result.stdout)) as QemuImgInfo;
    const data = info["format-specific"]?.data;
    const elsewhere = [info["backing-filename"], data?.["data-file"], ...(data?.extents ?? []).map(e => e.filename)]
        .filter(f => f !== undefined && f !== "/dev/fd/3");
    if (elsewhere.length > 0)
        throw invalidArgument(`${what}: references other files (${elsewhere.join(", ")}); import a self-contained image`);
}

interface ConvertRequest {
    source: SourceImage;
    target: string;
    format: TargetFormat;
    rateLimit?: number;
    signal: AbortSignal;
    onProgress(fraction: number): void;
}

export async function convertImage(req: ConvertRequest): Promise<void> {
    const { source } = req;
    const user = toolUser();
    const partial = partialPath(req.target);
    const staged = partialPath(req.target, ".source");
    const what = `${source.argument}: ${source.path}`;
    ensureDir(path.dirname(req.target), 0o711);
    const opened: number[] = [];
    const abortedError = () => req.signal.reason instanceof Error ? req.signal.reason : cancelled("The import was cancelled");
    try {
        let readFd = source.fd;
        let share = 0;
        if (!readableBy(user, source.stat)) {
            readFd = await stageCopy(source, staged, user, req.signal, req.rateLimit, f => req.onProgress(f * STAGING_SHARE));
            opened.push(readFd);
            share = STAGING_SHARE;
            if (req.signal.aborted)
                throw abortedError();
        }
        // inspected again right before qemu-img reads it: the file may have changed since the call
        const again = inspect(readFd, fs.fstatSync(readFd).size, source.declared, what);
        if (again.format !== source.format)
            throw invalidArgument(`${what} changed from ${source.format} to ${again.format} while it was imported`);
        await crossCheck(user, readFd, source.format, what);
        const outFd = createPrivate(partial, 0o600);
        opened.push(outFd);
        fs.fchownSync(outFd, user.uid, user.gid);
        const args = ["convert", "-p", "-f", source.format, "-O", req.format];
        if (req.rateLimit)
            args.push("-r", String(req.rateLimit));
        args.push("/dev/fd/3", "/dev/fd/4");
        const child = runConfined({ user, limits: convertLimits(again.virtualSize), args, fds: [readFd, outFd], signal: req.signal });
        child.stdout?.on("data", (chunk: Buffer) => {
            const fraction = parseProgress(chunk.toString());
            if (fraction !== null)
                req.onProgress(share + fraction * (1 - share));
        });
        const result = await child;
        if (result.isCanceled || req.signal.aborted)
            throw abortedError();
        if (result.exitCode !== 0)
            throw failed(`qemu-img convert failed: ${String(result.stderr).trim() || `exit code ${result.exitCode}`}`);
        // the finished image is root's: debvisor-img must not change it after this
        fs.fchownSync(outFd, 0, 0);
        fs.fchmodSync(outFd, 0o600);
        // link() fails if the name was taken meanwhile, where rename() would overwrite
        try {
            fs.linkSync(partial, req.target);
        } catch (e) {
            if ((e as NodeJS.ErrnoException).code === "EEXIST")
                throw failed(`${req.target} appeared while the import ran; the import was not kept`);
            throw e;
        }
    } finally {
        for (const fd of opened)
            fs.closeSync(fd);
        fs.rmSync(partial, { force: true });
        fs.rmSync(staged, { force: true });
    }
}
