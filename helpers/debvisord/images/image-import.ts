// Importing a disk image into libvirt's image directory with qemu-img: probe
// the source, convert it to a hidden partial file with progress, and give it
// its final name only when the copy is complete.
import fs from "node:fs";
import path from "node:path";
import { execa } from "execa";
import { cancelled, failed, invalidArgument, notFound } from "../../lib/errors.js";
import { ensureDir } from "../host/dirs.js";

export const IMAGE_DIR = "/var/lib/libvirt/images";
export const SOURCE_FORMATS = ["qcow2", "raw", "vmdk", "vdi", "vpc", "vhdx"] as const;
export const TARGET_FORMATS = ["qcow2", "raw"] as const;
export type TargetFormat = typeof TARGET_FORMATS[number];
const PARTIAL_SUFFIX = ".debvisor-partial";

export interface ImageInfo { format: string; virtualSize: number; backingFile?: string }

/* Finds the format of a source image; refuses anything that could pull in other files. */
export async function probeImage(source: string): Promise<ImageInfo> {
    let stat: fs.Stats;
    try {
        stat = await fs.promises.stat(source);
    } catch {
        throw notFound(`source_path: ${source} does not exist`);
    }
    if (!stat.isFile())
        throw invalidArgument(`source_path: ${source} is not a regular file`);
    const result = await execa("qemu-img", ["info", "--output=json", source], { timeout: 60_000, reject: false });
    if (result.exitCode !== 0)
        throw invalidArgument(`source_path: qemu-img cannot read ${source}: ${result.stderr.trim()}`);
    const info = JSON.parse(result.stdout) as { format: string; "virtual-size": number; "backing-filename"?: string };
    if (!(SOURCE_FORMATS as readonly string[]).includes(info.format))
        throw invalidArgument(`source_path: ${source} is a ${info.format} image; supported are ${SOURCE_FORMATS.join(", ")}`);
    if (info["backing-filename"])
        throw invalidArgument(`source_path: ${source} has a backing file (${info["backing-filename"]}); import a flattened image`);
    return { format: info.format, virtualSize: info["virtual-size"] };
}

export function targetPath(name: string, format: TargetFormat, dir = IMAGE_DIR): string {
    return path.join(dir, `${name}.${format}`);
}

function partialPath(target: string): string {
    return path.join(path.dirname(target), `.${path.basename(target)}${PARTIAL_SUFFIX}`);
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
export function parseProgress(text: string): number | null {
    const matches = [...text.matchAll(/\((\d+(?:\.\d+)?)\/100%\)/g)];
    if (matches.length === 0)
        return null;
    return Number(matches[matches.length - 1][1]) / 100;
}

export interface ConvertRequest {
    source: string;
    sourceFormat: string;
    target: string;
    format: TargetFormat;
    rateLimit?: number;
    signal: AbortSignal;
    onProgress(fraction: number): void;
}

export async function convertImage(req: ConvertRequest): Promise<void> {
    const partial = partialPath(req.target);
    ensureDir(path.dirname(req.target), 0o711);
    const args = ["convert", "-p", "-f", req.sourceFormat, "-O", req.format];
    if (req.rateLimit)
        args.push("-r", String(req.rateLimit));
    args.push(req.source, partial);
    try {
        // --pdeathsig: if debvisord dies, qemu-img dies with it instead of
        // writing on into a file the next daemon removes
        const child = execa("setpriv", ["--pdeathsig", "SIGTERM", "--", "qemu-img", ...args], { cancelSignal: req.signal, reject: false, stripFinalNewline: false });
        child.stdout?.on("data", (chunk: Buffer) => {
            const fraction = parseProgress(chunk.toString());
            if (fraction !== null)
                req.onProgress(fraction);
        });
        const result = await child;
        if (result.isCanceled || req.signal.aborted)
            throw req.signal.reason instanceof Error ? req.signal.reason : cancelled("The import was cancelled");
        if (result.exitCode !== 0)
            throw failed(`qemu-img convert failed: ${result.stderr.trim() || `exit code ${result.exitCode}`}`);
        // link() fails if the name was taken meanwhile, where rename() would overwrite
        try {
            fs.linkSync(partial, req.target);
        } catch (e) {
            if ((e as NodeJS.ErrnoException).code === "EEXIST")
                throw failed(`${req.target} appeared while the import ran; the import was not kept`);
            throw e;
        }
    } finally {
        fs.rmSync(partial, { force: true });
    }
}
