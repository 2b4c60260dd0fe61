// A disk handed to restic as fixed-size segment files, so that a later
// backup reads only what changed. qemu says which blocks hold data
// (base:allocation) and which changed since the last backup (a persistent
// dirty bitmap in the qcow2, made when that backup read the disk), through
// qemu-nbd; the data is read straight from the image file where qemu maps it
// there (image-map.ts), else through qemu-nbd, the next segment while the
// last one is written. A segment with data is written into the staging directory; a
// segment without data is left out; a segment unchanged since the parent
// snapshot is a sparse placeholder with the size and mtime it had there,
// which restic (--parent, --ignore-inode, --ignore-ctime) takes from the
// parent without reading. Without a usable bitmap every segment is read.
// A restore streams the segments (restic dump's tar) into a new image.
import fs from "node:fs";
import os from "node:os";
import nodePath from "node:path";
import { ByteQueue } from "../../lib/byte-queue.js";
import { failed } from "../../lib/errors.js";
import { tarEntries } from "../../lib/tar-reader.js";
import { lastLines, runTool, startTool, type StartedTool } from "../../lib/tool-run.js";
import { imageMap, readMapped, type MapRun } from "./image-map.js";
import { NbdClient, STATE_DIRTY, STATE_ZERO, type Extent } from "./nbd-client.js";

/** How a segmented disk lies in a backup: its virtual size and the size of each segment. */
export interface SegmentLayout { size: number; segmentBytes: number }

/** What the last backup into one repository left for the next: the bitmap that tracks changes since
 * then (null: none) and each segment's mtime in that snapshot (0: left out, it held no data). */
export interface DiskTracking extends SegmentLayout { bitmap: string | null; mtimes: number[] }

const MIN_SEGMENT = 256 << 10;
/** segments grow with the disk so that one disk is at most this many files */
const MAX_SEGMENTS = 32768;
const PER_DIR = 256;
const BLOCK = 64 << 10;
const ZEROS = Buffer.alloc(BLOCK);
const BITMAP_PREFIX = "debvisor-backup-";
const EXPORT = "disk";

export function segmentBytesFor(size: number): number {
    let bytes = MIN_SEGMENT;
    while (size / bytes > MAX_SEGMENTS)
        bytes *= 2;
    return bytes;
}

/** Where a disk's segments lie under the staging directory (the same path in every backup of the machine). */
export function segmentsDir(staging: string, target: string): string {
    return nodePath.join(staging, "disks", target);
}

function segmentFile(staging: string, target: string, index: number): string {
    return nodePath.join(segmentsDir(staging, target), String(Math.floor(index / PER_DIR)).padStart(6, "0"), String(index).padStart(8, "0"));
}

function segmentLength(layout: SegmentLayout, index: number): number {
    return Math.min(layout.segmentBytes, layout.size - index * layout.segmentBytes);
}

/* The runs of 64 KiB blocks of `data` that hold something other than zeros (one write each). */
function* dataBlocks(data: Buffer): Generator<[number, number]> {
    let run = -1;
    for (let at = 0; at < data.length; at += BLOCK) {
        const end = Math.min(data.length, at + BLOCK);
        const zeros = data.subarray(at, end).equals(ZEROS.subarray(0, end - at));
        if (!zeros && run < 0)
            run = at;
        else if (zeros && run >= 0) {
            yield [run, at];
            run = -1;
        }
    }
    if (run >= 0)
        yield [run, data.length];
}

interface Bitmap { name: string; flags: string[] }

/* A qcow2 image's persistent dirty bitmaps and how many internal snapshots it holds (`shared`: while
 * a running machine's qemu holds it), and whether the offsets qemu maps its data to are the file's own
 * (not encrypted, no data file or backing file). */
export interface ImageInfo { bitmaps: Bitmap[]; snapshots: number; ownOffsets: boolean }

export async function imageInfo(file: string, shared: boolean, format = "qcow2"): Promise<ImageInfo> {
    const r = await runTool("qemu-img", ["info", "--output=json", "-f", format, ...shared ? ["-U"] : [], file], "reading the disk's bitmaps");
    const info = JSON.parse(r.stdout) as {
        snapshots?: unknown[]; encrypted?: boolean; "backing-filename"?: string;
        "format-specific"?: { data?: { bitmaps?: Bitmap[]; "data-file"?: string } };
    };
    const data = info["format-specific"]?.data;
    return {
        bitmaps: data?.bitmaps ?? [], snapshots: info.snapshots?.length ?? 0,
        ownOffsets: !info.encrypted && !info["backing-filename"] && !data?.["data-file"],
    };
}

/* Removes DebVisor's bitmaps that no tracking names any more (the disk must not be in use); `known`: the
 * disk's bitmaps as listed before (else qemu-img lists them now). */
export async function pruneBitmaps(file: string, keep: Set<string>, known?: Bitmap[]): Promise<void> {
    for (const b of known ?? (await imageInfo(file, false)).bitmaps)
        if (b.name.startsWith(BITMAP_PREFIX) && !keep.has(b.name))
            await removeBitmap(file, b.name);
}

export async function removeBitmap(file: string, name: string): Promise<void> {
    await runTool("qemu-img", ["bitmap", "--remove", "-f", "qcow2", file, name], `removing the old backup bitmap ${name}`);
}

/** qemu-nbd serving one image on a private socket, and a client connected to it. */
interface Served { client: NbdClient; close(): Promise<void> }

async function serveImage(file: string, format: string, how: { write?: boolean; shared?: boolean; bitmap?: string }): Promise<Served> {
    const dir = fs.mkdtempSync(nodePath.join(os.tmpdir(), "debvisor-nbd-"));
    const socket = nodePath.join(dir, "socket");
    // shared with the qemu that holds it: qemu-nbd has no --force-share, the block layer's option does it
    const image = how.shared
        ? ["--image-opts", `driver=${format},file.driver=file,file.filename=${file.replace(/,/g, ",,")},force-share=on,read-only=on`]
        : ["--format", format, file];
    const server: StartedTool = startTool("qemu-nbd", [
        "--socket", socket, "--export-name", EXPORT,
        ...how.write ? [] : ["--read-only"], ...how.bitmap ? ["--bitmap", how.bitmap] : [], ...image,
    ], { stdout: "ignore" });
    let exited = false;
    void server.then(() => { exited = true; });
    const stop = async () => {
        if (!exited)
            server.kill("SIGTERM");
        await server;
        fs.rmSync(dir, { recursive: true, force: true });
    };
    try {
        const contexts = how.write ? [] : ["base:allocation", ...how.bitmap ? [`qemu:dirty-bitmap:${how.bitmap}`] : []];
        let client: NbdClient;
        try {
            client = await NbdClient.connect(socket, EXPORT, contexts, () => exited, 30_000);
        } catch (e) {
            if (exited)
                throw failed(`qemu-nbd could not serve ${file}: ${lastLines(String((await server).stderr ?? ""), 3) || "it exited"}`);
            const code = (e as NodeJS.ErrnoException).code;
            if (code === "ENOENT" || code === "ECONNREFUSED")
                throw failed(`qemu-nbd did not start serving ${file} within 30 s`);
            throw e;
        }
        return {
            client,
            close: async () => {
                await client.close();
                await stop();
            },
        };
    } catch (e) {
        await stop();
        throw e;
    }
}

/* For each segment, whether an extent with (or, `without`, lacking) `flag` touches it. */
function touched(extents: Extent[], layout: SegmentLayout, flag: number, without: boolean): Uint8Array {
    const marks = new Uint8Array(Math.ceil(layout.size / layout.segmentBytes));
    for (const e of extents)
        if (Boolean(e.flags & flag) !== without)
            marks.fill(1, Math.floor(e.offset / layout.segmentBytes), Math.floor((e.offset + e.length - 1) / layout.segmentBytes) + 1);
    return marks;
}

export interface StagedDisk {
    tracking: DiskTracking;
    /** segments restic must take from the parent snapshot */
    placeholders: number;
    /** whether only changed segments were read */
    incremental: boolean;
    bytesRead: number;
    /** the segments written with data */
    written: number[];
}

interface StageRequest {
    staging: string;
    target: string;
    file: string;
    format: string;
    size: number;
    /** a running machine's disk (read in full beside the qemu that holds it; no bitmap is made or used) */
    live: boolean;
    /** the tracking the parent snapshot left; null: none */
    previous: DiskTracking | null;
    /** the staging directory still holds the segment files `previous` describes (the last backup went to the same repository) */
    kept: boolean;
    /** the mtime segments written now get (whole seconds) */
    now: number;
    /** a qcow2's imageInfo, taken when the backup began (a raw image needs none: its offsets are its own) */
    info?: ImageInfo;
    signal: AbortSignal;
    onProgress(fraction: number): void;
}

/* Writes a disk's segments into the staging directory. */
export async function stageDisk(r: StageRequest): Promise<StagedDisk> {
    const layout = { size: r.size, segmentBytes: segmentBytesFor(r.size) };
    const count = Math.ceil(layout.size / layout.segmentBytes);
    const previous = r.previous && r.previous.size === layout.size && r.previous.segmentBytes === layout.segmentBytes &&
        r.previous.mtimes.length === count ? r.previous : null;
    let base: DiskTracking | null = null;
    let bitmap: string | null = null;
    // A running machine's disk is read in full: while it runs, its writes go to the backup's overlay and
    // reach the disk by a block commit, which is not known here to be seen by the disk's bitmaps
    const info = r.format === "raw" ? { bitmaps: [], snapshots: 0, ownOffsets: true } :
        r.format === "qcow2" ? r.info ?? await imageInfo(r.file, r.live) : null;
    if (r.format === "qcow2" && !r.live) {
        const { bitmaps } = info!;
        const old = previous?.bitmap ? bitmaps.find(b => b.name === previous.bitmap) : undefined;
        // "auto": enabled, tracking every write; "in-use": not saved cleanly, so not to be trusted
        if (old && old.flags.includes("auto") && !old.flags.includes("in-use"))
            base = previous;
        // made before anything is read: from this moment on, it tracks what the next backup must read
        // (none where it cannot be stored, as in a qcow2 of version 2 (compat 0.10): the next backup reads all)
        const name = `${BITMAP_PREFIX}${Date.now().toString(36)}`;
        const added = await runTool("qemu-img", ["bitmap", "--add", "-f", "qcow2", r.file, name], "adding the backup bitmap", { allowFailure: true });
        bitmap = added.exitCode === 0 ? name : null;
    }
    // what qemu maps into the file itself is read from it (mapped while qemu-nbd starts)
    const mapping = info?.ownOffsets ? imageMap(r.file, r.format, r.live).catch(() => null) : Promise.resolve(null);
    let served: Served;
    try {
        served = await serveImage(r.file, r.format, { shared: r.live, bitmap: base?.bitmap ?? undefined });
    } catch (e) {
        if (!base)
            throw e;
        // the bitmap cannot be read after all: every segment is read
        base = null;
        served = await serveImage(r.file, r.format, { shared: r.live });
    }
    let runs: MapRun[] | null, image: fs.promises.FileHandle | null;
    try {
        runs = await mapping;
        image = runs ? await fs.promises.open(r.file, "r") : null;
    } catch (e) {
        await served.close();
        throw e;
    }
    // unchanged segments already lie there as placeholders when the last backup went to the same repository
    const reuse = r.kept && base !== null;
    if (!reuse)
        fs.rmSync(segmentsDir(r.staging, r.target), { recursive: true, force: true });
    // there even when the disk holds no data: a restore reads the directory
    fs.mkdirSync(segmentsDir(r.staging, r.target), { recursive: true, mode: 0o700 });
    const mtimes = new Array<number>(count).fill(0);
    let placeholders = 0, bytesRead = 0;
    const written: number[] = [];
    const made = new Set<string>();
    const create = (index: number, mtime: number, data?: Buffer) => {
        const file = segmentFile(r.staging, r.target, index);
        const dir = nodePath.dirname(file);
        if (!made.has(dir)) {
            fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
            made.add(dir);
        }
        const fd = fs.openSync(file, "wx", 0o600);
        try {
            fs.ftruncateSync(fd, segmentLength(layout, index));
            if (data)
                for (const [from, to] of dataBlocks(data))
                    fs.writeSync(fd, data, from, to - from, from);
            fs.futimesSync(fd, mtime, mtime);
        } finally {
            fs.closeSync(fd);
        }
        mtimes[index] = mtime;
        if (data)
            written.push(index);
    };
    try {
        const { client } = served;
        if (client.size !== layout.size)
            throw failed(`disk ${r.target}: qemu-nbd serves ${client.size} bytes, the image says ${layout.size}`);
        const hasData = touched(await client.extents("base:allocation"), layout, STATE_ZERO, true);
        const dirty = base ? touched(await client.extents(`qemu:dirty-bitmap:${base.bitmap}`), layout, STATE_DIRTY, false) : null;
        const toRead: number[] = [];
        for (let i = 0; i < count; i++) {
            if (base && dirty && !dirty[i]) {
                if (base.mtimes[i]) {
                    if (reuse)
                        mtimes[i] = base.mtimes[i];
                    else
                        create(i, base.mtimes[i]);
                    placeholders++;
                }
                continue;
            }
            // (one that is not there is no harm: restic's count of segments it took unread tells)
            if (reuse && base?.mtimes[i])
                fs.rmSync(segmentFile(r.staging, r.target, i), { force: true });
            if (hasData[i])
                toRead.push(i);
        }
        // two buffers in turn: one is read into while the other is written out
        const buffers = image ? [Buffer.allocUnsafe(layout.segmentBytes), Buffer.allocUnsafe(layout.segmentBytes)] : [];
        const readSegment = (n: number) => {
            const i = toRead[n];
            const [at, length] = [i * layout.segmentBytes, segmentLength(layout, i)];
            const reading = (async () => (image && runs && await readMapped(image, runs, at, length, buffers[n % 2])) || await client.read(at, length))();
            reading.catch(() => undefined); // awaited below, unless this stops first
            return reading;
        };
        // the next segment is being read while this one is written
        let next = toRead.length ? readSegment(0) : null;
        for (const [n, i] of toRead.entries()) {
            if (r.signal.aborted)
                throw r.signal.reason;
            const data = await next!;
            next = n + 1 < toRead.length ? readSegment(n + 1) : null;
            bytesRead += data.length;
            if (dataBlocks(data).next().done)
                continue;
            // never the mtime the parent has for this segment: restic would take the old one
            create(i, previous?.mtimes[i] === r.now ? r.now + 1 : r.now, data);
            if (n % 64 === 0)
                r.onProgress(n / toRead.length);
        }
    } finally {
        await image?.close();
        await served.close();
    }
    return { tracking: { ...layout, bitmap, mtimes }, placeholders, incremental: base !== null, bytesRead, written };
}

/** The file of each segment a backup wrote with data, and its index: restic names the files it has saved. */
export function writtenSegmentFiles(staging: string, target: string, written: number[]): Map<string, number> {
    return new Map(written.map(i => [segmentFile(staging, target, i), i]));
}

/* The data of a segment a backup wrote is let go once restic has read it: it becomes a sparse
 * placeholder of the same size and mtime, for the next backup into the same repository. */
export async function punchSegment(staging: string, target: string, tracking: DiskTracking, index: number): Promise<void> {
    const file = segmentFile(staging, target, index);
    await fs.promises.truncate(file, 0);
    await fs.promises.truncate(file, segmentLength(tracking, index));
    await fs.promises.utimes(file, tracking.mtimes[index], tracking.mtimes[index]);
}

/** Writes image data at offsets: a raw file directly, a qcow2 through qemu-nbd. */
interface ImageWriter { write(offset: number, data: Buffer): Promise<void>; finish(): Promise<void>; abort(): Promise<void> }

async function openImageWriter(target: string, format: "raw" | "qcow2", size: number): Promise<ImageWriter> {
    const fd = fs.openSync(target, "wx", 0o600);
    if (format === "raw") {
        fs.ftruncateSync(fd, size);
        const close = () => fs.closeSync(fd);
        return {
            write: async (offset, data) => { fs.writeSync(fd, data, 0, data.length, offset); },
            finish: async () => {
                fs.fsyncSync(fd);
                close();
            },
            abort: async () => close(),
        };
    }
    fs.closeSync(fd);
    await runTool("qemu-img", ["create", "-q", "-f", "qcow2", target, String(size)], `creating ${target}`);
    const served = await serveImage(target, "qcow2", { write: true });
    return {
        write: (offset, data) => served.client.write(offset, data),
        finish: async () => {
            await served.client.flush();
            await served.close();
        },
        abort: () => served.close().catch(() => undefined),
    };
}

/* A segmented disk out of restic dump's tar of its segments directory (`tar`) into a new image
 * `target`; whatever fails leaves `target` for the caller to remove. */
export async function writeSegmentedImage(layout: SegmentLayout, target: string, format: "raw" | "qcow2",
    tar: AsyncIterable<Buffer>, onBytes: (bytes: number) => void): Promise<void> {
    const count = Math.ceil(layout.size / layout.segmentBytes);
    const writer = await openImageWriter(target, format, layout.size);
    let written = 0;
    const input = new ByteQueue(tar[Symbol.asyncIterator]());
    try {
        for await (const entry of tarEntries(input, layout.segmentBytes)) {
            if (entry.type !== "0")
                continue;
            const index = /^\d{8}$/.test(nodePath.basename(entry.name)) ? Number(nodePath.basename(entry.name)) : -1;
            if (index < 0 || index >= count || entry.data.length > segmentLength(layout, index))
                throw failed(`the backup's segment ${entry.name} does not fit the disk's ${layout.size} bytes`);
            for (const [from, to] of dataBlocks(entry.data))
                await writer.write(index * layout.segmentBytes + from, entry.data.subarray(from, to));
            written += entry.data.length;
            onBytes(written);
        }
        await input.drain();
        await writer.finish();
    } catch (e) {
        await writer.abort();
        throw e;
    }
}
