// Segmented disks against the real qemu-nbd, qemu-io and restic in a
// temporary directory: a qcow2 staged in full, changed through qemu's block
// layer, staged again reading only what its dirty bitmap marks, backed up
// with the first snapshot as parent (restic takes every placeholder without
// reading it), and written back from restic dump's tar as qcow2 and raw:
// the same content as the disk (qemu-img compare). A damaged tar is refused.
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import QUnit from "qunit";
import { ByteQueue } from "../../helpers/lib/byte-queue.js";
import { tarEntries } from "../../helpers/lib/tar-reader.js";
import { imageInfo, punchSegment, segmentsDir, stageDisk, writeSegmentedImage, type DiskTracking } from "../../helpers/debvisord/backups/disk-segments.js";
import { imageMap, readMapped } from "../../helpers/debvisord/backups/image-map.js";
import { moduleUnless } from "../lib/skip.js";

const MIB = 1 << 20;
const tools = (() => {
    try {
        execFileSync("restic", ["version"], { stdio: "ignore" });
        execFileSync("qemu-nbd", ["--version"], { stdio: "ignore" });
        return true;
    } catch {
        return false;
    }
})();

moduleUnless("backups: disks as segments, with qemu-nbd and restic, for real", tools ? null : "restic or qemu-nbd is not installed", hooks => {
    let dir = "";
    hooks.beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), "dv-segments-")) });
    hooks.afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    QUnit.test("staged in full, then only the changed segments; restored from restic as qcow2 and raw with the same content", async assert => {
        const disk = path.join(dir, "disk.qcow2");
        const staging = path.join(dir, "staging");
        const repo = ["-r", path.join(dir, "repo"), "--password-file", path.join(dir, "password")];
        fs.writeFileSync(path.join(dir, "password"), "segments");
        const run = (tool: string, args: string[]) => execFileSync(tool, args, { encoding: "utf8" });
        run("qemu-img", ["create", "-q", "-f", "qcow2", disk, "64M"]);
        run("qemu-io", ["-f", "qcow2", "-c", "write -P 7 1M 10M", "-c", "write -P 3 30M 300k", disk]);
        run("restic", [...repo, "init", "-q"]);
        const stage = (previous: DiskTracking | null, kept = false) => {
            if (!kept) {
                fs.rmSync(staging, { recursive: true, force: true });
                fs.mkdirSync(staging);
            }
            return stageDisk({
                staging, target: "vda", file: disk, format: "qcow2", size: 64 * MIB, live: false, previous, kept, now: 1_700_000_000,
                signal: new AbortController().signal, onProgress: () => undefined,
            });
        };
        const backup = (args: string[]) => JSON.parse(run("restic", [...repo, "backup", "--json", ...args, staging]).trim().split("\n").at(-1)!) as
            { snapshot_id: string; files_unmodified: number; files_new: number; files_changed: number };

        const first = await stage(null);
        assert.false(first.incremental, "no tracking: in full");
        assert.equal(first.bytesRead, 42 * 256 * 1024, "only the segments with data were read (10 MiB, and the two 256 KiB segments the 300 KiB touch)");
        assert.equal(first.tracking.mtimes.filter(Boolean).length, 42, "one file per segment with data");
        assert.equal(first.tracking.bitmap?.startsWith("debvisor-backup-"), true, "a bitmap now tracks changes");
        const parent = backup(["--force"]);

        run("qemu-io", ["-f", "qcow2", "-c", "write -P 9 5M 100k", "-c", "write -z 30M 64k", "-c", "write -P 1 50M 4k", disk]);
        const second = await stage(first.tracking);
        assert.true(second.incremental, "the bitmap was used");
        assert.equal(second.bytesRead, 3 * 256 * 1024, "the three changed segments, nothing else");
        assert.equal(second.placeholders, 40, "the others are placeholders");
        assert.equal(second.tracking.mtimes[20], 1_700_000_001, "a written segment never has the parent's mtime");
        const child = backup(["--parent", parent.snapshot_id, "--ignore-inode", "--ignore-ctime"]);
        assert.equal(child.files_unmodified, 40, "restic took every placeholder from the parent");
        assert.equal(child.files_changed + child.files_new, 3);

        const restoresExactly = async (snapshot: string, what: string) => {
            for (const format of ["qcow2", "raw"] as const) {
                const out = path.join(dir, `restored.${format}`);
                fs.rmSync(out, { force: true });
                const dump = spawn("restic", [...repo, "dump", snapshot, segmentsDir(staging, "vda")], { stdio: ["ignore", "pipe", "ignore"] });
                await writeSegmentedImage({ size: 64 * MIB, segmentBytes: 256 * 1024 }, out, format, dump.stdout, () => undefined);
                assert.equal(run("qemu-img", ["compare", "-f", "qcow2", "-F", format, disk, out]).trim(), "Images are identical.", `${what}, as ${format}`);
            }
        };
        await restoresExactly(child.snapshot_id, "the second backup");

        // the written segments let go of their data; the next backup finds them there as placeholders
        for (const i of second.written)
            await punchSegment(staging, "vda", second.tracking, i);
        assert.equal(fs.statSync(path.join(segmentsDir(staging, "vda"), "000000", "00000020")).blocks, 0, "no data kept in the staging directory");
        run("qemu-io", ["-f", "qcow2", "-c", "write -P 4 5M 4k", "-c", "write -z 1M 256k", disk]);
        const third = await stage(second.tracking, true);
        assert.equal(third.bytesRead, 256 * 1024, "only the segment with data that changed was read");
        assert.equal(third.placeholders, 41, "43 segments with data, less the two changed ones, are where they were");
        assert.false(fs.existsSync(path.join(segmentsDir(staging, "vda"), "000000", "00000004")), "the zeroed segment was removed");
        const grandchild = backup(["--parent", child.snapshot_id, "--ignore-inode", "--ignore-ctime"]);
        assert.equal(grandchild.files_unmodified, 41, "restic took every kept placeholder from the parent");
        await restoresExactly(grandchild.snapshot_id, "the third backup");
    });

    QUnit.test("a disk another qemu holds (a running machine's) is read in full beside it, no bitmap made or used", async assert => {
        const disk = path.join(dir, "held.qcow2");
        const staging = path.join(dir, "staging");
        execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", disk, "8M"]);
        execFileSync("qemu-io", ["-f", "qcow2", "-c", "write -P 5 1M 1M", disk]);
        // a writable qemu-nbd holds the image's write lock, as a running machine's qemu does
        const holder = spawn("qemu-nbd", ["-f", "qcow2", "-k", path.join(dir, "holder.sock"), disk], { stdio: "ignore" });
        try {
            for (let i = 0; i < 100 && !fs.existsSync(path.join(dir, "holder.sock")); i++)
                await new Promise(resolve => setTimeout(resolve, 20));
            fs.mkdirSync(staging);
            const staged = await stageDisk({
                staging, target: "vda", file: disk, format: "qcow2", size: 8 * MIB, live: true, previous: null, kept: false, now: 1_700_000_000,
                signal: new AbortController().signal, onProgress: () => undefined,
            });
            assert.false(staged.incremental);
            assert.equal(staged.tracking.bitmap, null, "no bitmap");
            assert.equal(staged.bytesRead, MIB, "the data read");
        } finally {
            holder.kill();
        }
    });

    QUnit.test("read from the image file where qemu maps the data, through qemu-nbd where it does not (compressed): the disk's bytes either way", async assert => {
        const run = (tool: string, args: string[]) => execFileSync(tool, args, { encoding: "utf8" });
        const source = path.join(dir, "source.qcow2");
        const disk = path.join(dir, "mixed.qcow2");
        run("qemu-img", ["create", "-q", "-f", "qcow2", source, "8M"]);
        run("qemu-io", ["-f", "qcow2", "-c", "write -P 6 0 2M", source]);
        // compressed clusters in the first 2 MiB, plain ones written over part of them and after
        run("qemu-img", ["convert", "-c", "-O", "qcow2", source, disk]);
        run("qemu-io", ["-f", "qcow2", "-c", "write -P 8 1M 64k", "-c", "write -P 9 3M 1M", "-c", "write -P 2 7M 300k", disk]);
        const raw = path.join(dir, "disk.raw");
        run("qemu-img", ["convert", "-O", "raw", disk, raw]);
        const bytes = fs.readFileSync(raw);

        const info = await imageInfo(disk, false);
        assert.true(info.ownOffsets, "a plain qcow2 maps into itself");
        const runs = (await imageMap(disk, "qcow2", false))!;
        const fd = await fs.promises.open(disk, "r");
        try {
            assert.true((await readMapped(fd, runs, 3 * MIB, MIB))?.equals(bytes.subarray(3 * MIB, 4 * MIB)), "plain clusters: the disk's bytes, from the file");
            assert.true((await readMapped(fd, runs, 4 * MIB, 3 * MIB))?.equals(Buffer.alloc(3 * MIB)), "unallocated: zeros");
            assert.true((await readMapped(fd, runs, 7 * MIB - 4096, 8192))?.equals(bytes.subarray(7 * MIB - 4096, 7 * MIB + 4096)), "across a run's start");
            assert.equal(await readMapped(fd, runs, 0, MIB), null, "compressed clusters: left to qemu");
        } finally {
            await fd.close();
        }

        const staging = path.join(dir, "staging");
        fs.mkdirSync(staging);
        const staged = await stageDisk({
            staging, target: "vda", file: disk, format: "qcow2", size: 8 * MIB, live: false, previous: null, kept: false, now: 1_700_000_000,
            signal: new AbortController().signal, onProgress: () => undefined,
        });
        assert.equal(staged.written.length, 8 + 4 + 2, "every segment with data");
        for (const i of staged.written) {
            const file = path.join(segmentsDir(staging, "vda"), "000000", String(i).padStart(8, "0"));
            assert.true(fs.readFileSync(file).equals(bytes.subarray(i * 256 * 1024, (i + 1) * 256 * 1024)), `segment ${i} holds the disk's bytes`);
        }

        const external = path.join(dir, "external.qcow2");
        run("qemu-img", ["create", "-q", "-f", "qcow2", "-o", `data_file=${path.join(dir, "external.data")}`, external, "1M"]);
        assert.false((await imageInfo(external, false)).ownOffsets, "a qcow2 with a data file: its offsets point into another file");
        const encrypted = path.join(dir, "encrypted.qcow2");
        // (qcow2's old AES: made at once, where LUKS spends seconds on its key)
        run("qemu-img", ["create", "-q", "--object", "secret,id=s0,data=segments", "-f", "qcow2", "-o", "encrypt.format=aes,encrypt.key-secret=s0", encrypted, "1M"]);
        assert.false((await imageInfo(encrypted, false)).ownOffsets, "an encrypted qcow2: its clusters are not the disk's bytes");
    });

    QUnit.test("a tar entry larger than a segment, or cut short, is refused", async assert => {
        const header = (name: string, size: number) => {
            const h = Buffer.alloc(512);
            h.write(name, 0);
            h.write(`${size.toString(8).padStart(11, "0")}\0`, 124);
            h.write("0", 156);
            return h;
        };
        const read = async (bytes: Buffer, max: number) => {
            const names = [];
            for await (const e of tarEntries(new ByteQueue((async function* () { yield bytes })()), max))
                names.push(`${e.name}:${e.data.length}`);
            return names;
        };
        const ok = Buffer.concat([header("a/00000001", 3), Buffer.from("abc"), Buffer.alloc(509), Buffer.alloc(1024)]);
        assert.deepEqual(await read(ok, 1024), ["a/00000001:3"]);
        await assert.rejects(read(ok, 2), /more than the 2 expected/);
        await assert.rejects(read(ok.subarray(0, 600), 1024), /ended early/);
    });
});
