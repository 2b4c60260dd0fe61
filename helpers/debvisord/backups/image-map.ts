// Where a disk's contents lie in its image file, as qemu maps them
// (`qemu-img map`): a raw image holds them as they are, a qcow2 its plain
// clusters at the offsets its tables give. Staging reads those straight from
// the file (one copy, no trip through qemu-nbd's socket); what qemu maps
// otherwise (compressed clusters) goes through qemu-nbd. An image whose
// offsets do not point into the file itself (a qcow2 with a data file), or
// whose clusters are encrypted, is not mapped at all.
import fs from "node:fs";
import { runTool } from "../../lib/tool-run.js";

/** A run of the disk: zeros, plain bytes at `offset` of the image file, or neither (only qemu can read it). */
export interface MapRun { start: number; length: number; zero: boolean; offset?: number }

interface MapEntry { start: number; length: number; depth: number; zero: boolean; data: boolean; offset?: number }

/** How much qemu-img map may print before the file is left to qemu-nbd alone (a very fragmented image). */
const MAX_MAP_BYTES = 64 << 20;

/* The runs of an image file (raw or qcow2) whose offsets are its own (its imageInfo says so);
 * null: read it all through qemu. */
export async function imageMap(file: string, format: string, shared: boolean): Promise<MapRun[] | null> {
    const map = await runTool("qemu-img", ["map", "--output=json", "-f", format, ...shared ? ["-U"] : [], file], "mapping the disk's data",
        { allowFailure: true, maxBuffer: MAX_MAP_BYTES });
    if (map.exitCode !== 0)
        return null;
    return (JSON.parse(map.stdout) as MapEntry[]).map(e => ({
        start: e.start, length: e.length, zero: e.zero,
        ...!e.zero && e.depth === 0 && e.data && typeof e.offset === "number" ? { offset: e.offset } : {},
    }));
}

/* `length` bytes of the disk at `start` into `into` (a fresh buffer if not given), read from the image
 * file `fd` where `runs` say they lie in it; null when some of them only qemu can read. */
export async function readMapped(fd: fs.promises.FileHandle, runs: MapRun[], start: number, length: number, into?: Buffer): Promise<Buffer | null> {
    const out = into ? into.subarray(0, length) : Buffer.allocUnsafe(length);
    const end = start + length;
    let covered = start;
    for (let i = firstRun(runs, start); i < runs.length && covered < end; i++) {
        const run = runs[i];
        const from = Math.max(covered, run.start);
        const to = Math.min(end, run.start + run.length);
        if (from !== covered || to <= from)
            return null;
        if (run.offset !== undefined) {
            const { bytesRead } = await fd.read(out, from - start, to - from, run.offset + (from - run.start));
            if (bytesRead !== to - from)
                return null;
        } else if (run.zero) {
            out.fill(0, from - start, to - start);
        } else {
            return null;
        }
        covered = to;
    }
    return covered === end ? out : null;
}

/* The index of the run that holds `offset` (runs are in order and touch each other). */
function firstRun(runs: MapRun[], offset: number): number {
    let lo = 0, hi = runs.length - 1;
    while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (runs[mid].start <= offset)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}
