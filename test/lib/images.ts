// Disk images for import tests: random data, so qemu-img cannot skip zeros
// and a rate limit makes the import take a predictable while.
import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export const IMAGE_DIR = "/var/lib/libvirt/images";

export function tempDir(prefix: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    fs.chmodSync(dir, 0o755);
    return dir;
}

export function randomImage(dir: string, name: string, mib: number): string {
    const file = path.join(dir, name);
    const fd = fs.openSync(file, "w", 0o644);
    for (let i = 0; i < mib; i++)
        fs.writeSync(fd, crypto.randomBytes(1 << 20));
    fs.closeSync(fd);
    return file;
}

export function uniqueName(prefix: string): string {
    return `${prefix}-${process.pid}-${crypto.randomBytes(3).toString("hex")}`;
}

/* Files in the image directory, hidden partial files included. */
export function imageDirListing(): string[] {
    try {
        return fs.readdirSync(IMAGE_DIR).sort();
    } catch {
        return [];
    }
}

export function removeImage(name: string): void {
    fs.rmSync(path.join(IMAGE_DIR, name), { force: true });
}

export function qemuImgFormat(file: string): string {
    return (JSON.parse(execFileSync("qemu-img", ["info", "--output=json", "-U", file], { encoding: "utf8" })) as { format: string }).format;
}
