// Importing a disk image: debvisord's conversion (source opened once,
// header inspected, qemu-img confined as debvisor-img) against the
// `qemu-img convert` as root a user would otherwise run, for a source that
// debvisor-img may read (converted straight from the descriptor) and for one
// only root may read (copied into a staging file first).
import crypto from "node:crypto";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { convertImage, openSource } from "../helpers/debvisord/images/image-import.js";
import { median, report, timeMs } from "./lib.js";

const MIB = 256;

export async function imagesBench(): Promise<void> {
    // on /var/tmp: the same file system kind as a pool, not a tmpfs
    const dir = fs.mkdtempSync("/var/tmp/dv-bench-images-");
    fs.chmodSync(dir, 0o711);
    try {
        const readable = path.join(dir, "readable.raw");
        const fd = fs.openSync(readable, "w", 0o644);
        for (let i = 0; i < MIB; i++)
            fs.writeSync(fd, crypto.randomBytes(1 << 20));
        fs.closeSync(fd);
        fs.chmodSync(readable, 0o644);
        const rootOnly = path.join(dir, "root-only.raw");
        fs.copyFileSync(readable, rootOnly);
        fs.chmodSync(rootOnly, 0o600);
        const target = path.join(dir, "out.qcow2");
        const plain: number[] = [];
        const direct: number[] = [];
        const staged: number[] = [];
        const ours = async (file: string) => {
            fs.rmSync(target, { force: true });
            const source = openSource(file, "source_path");
            try {
                await convertImage({ source, target, format: "qcow2", signal: new AbortController().signal, onProgress: () => undefined });
            } finally {
                source.close();
            }
        };
        for (let i = 0; i < 3; i++) {
            fs.rmSync(target, { force: true });
            plain.push(await timeMs(() => execFileSync("qemu-img", ["convert", "-f", "raw", "-O", "qcow2", readable, target])));
            direct.push(await timeMs(() => ours(readable)));
            staged.push(await timeMs(() => ours(rootOnly)));
        }
        const p = median(plain);
        report(`import ${MIB} MiB raw → qcow2, readable source`, `${(median(direct) / 1000).toFixed(2)} s`, `qemu-img convert as root (${(p / 1000).toFixed(2)} s)`, median(direct) / p, "≤ 1.5");
        report(`import ${MIB} MiB raw → qcow2, root-only source`, `${(median(staged) / 1000).toFixed(2)} s`, `qemu-img convert as root (${(p / 1000).toFixed(2)} s)`, median(staged) / p, "≤ 3");
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
