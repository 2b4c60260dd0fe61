// The dataset properties DebVisor sets, each checked against what the
// host's ZFS accepts before any is set, and the devices a pool may be made of.
import fs from "node:fs";
import path from "node:path";
import * as z from "zod/mini";
import { invalidArgument } from "../../lib/errors.js";
import { listDisks, testFileDirectory, type Disk } from "../host/disks.js";
import { absolutePath } from "../validation.js";
import type { ZfsFlavor } from "./parse.js";

const ZFS_CONFIG_FILE = "/etc/debvisor/zfs.json";
const MIB = 1024 ** 2;
const MIN_FILE_VDEV_BYTES = 64 * MIB;

const COMPRESSION_ALWAYS = ["on", "off", "lzjb", "gzip", "zle", ...[1, 2, 3, 4, 5, 6, 7, 8, 9].map(n => `gzip-${n}`)];
const COMPRESSION_OPENZFS = ["lz4", "zstd", "zstd-fast", ...Array.from({ length: 19 }, (_, i) => `zstd-${i + 1}`)];

/** The settable properties as they arrive in a{sv} (already unwrapped), before the host check. */
export const propertyShape = {
    compression: z.optional(z.string().check(z.regex(/^[a-z0-9-]{1,16}$/, "must be a compression name such as \"lz4\", \"lzjb\" or \"off\""))),
    quota: z.optional(z.int().check(z.minimum(0, "must be 0 (none) or a number of bytes"), z.maximum(Number.MAX_SAFE_INTEGER, "is too large"))),
    recordsize: z.optional(z.int().check(z.refine(n => n >= 512 && n <= MIB && (n & (n - 1)) === 0,
        "must be a power of two from 512 to 1048576 bytes"))),
    atime: z.optional(z.enum(["on", "off"], { error: "must be \"on\" or \"off\"" })),
    mountpoint: z.optional(z.union([z.enum(["none", "legacy"]), absolutePath], { error: "must be an absolute path, \"none\" or \"legacy\"" })),
};

export interface PropertyValues {
    compression?: string;
    quota?: number;
    recordsize?: number;
    atime?: "on" | "off";
    mountpoint?: string;
}

/* The values as zfs takes them; what this host's ZFS lacks is refused with a way out. */
export function toZfsProperties(values: PropertyValues, flavor: ZfsFlavor, argument = "properties"): Record<string, string> {
    const result: Record<string, string> = {};
    if (values.compression !== undefined) {
        const allowed = flavor.kind === "openzfs" ? [...COMPRESSION_ALWAYS, ...COMPRESSION_OPENZFS] : COMPRESSION_ALWAYS;
        if (!allowed.includes(values.compression)) {
            const hint = COMPRESSION_OPENZFS.includes(values.compression) ? ` (${values.compression} needs OpenZFS; zfs-fuse has lzjb and gzip)` : "";
            throw invalidArgument(`${argument}.compression: "${values.compression}" is not available here${hint}; use one of ${allowed.slice(0, 6).join(", ")} …`);
        }
        result.compression = values.compression;
    }
    if (values.quota !== undefined) {
        if (values.quota !== 0 && values.quota < MIB)
            throw invalidArgument(`${argument}.quota: must be 0 (none) or at least 1 MiB`);
        result.quota = values.quota === 0 ? "none" : String(values.quota);
    }
    if (values.recordsize !== undefined)
        result.recordsize = String(values.recordsize);
    if (values.atime !== undefined)
        result.atime = values.atime;
    if (values.mountpoint !== undefined)
        result.mountpoint = values.mountpoint;
    return result;
}

const DEFAULT_READ_EVERY_S = 10;

/* How often the whole ZFS state is read again besides the change watch ("read-every-seconds", 1–3600). */
export function readEverySeconds(file = ZFS_CONFIG_FILE): number {
    try {
        const config = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
        const s = config["read-every-seconds"];
        return typeof s === "number" && Number.isInteger(s) && s >= 1 && s <= 3600 ? s : DEFAULT_READ_EVERY_S;
    } catch {
        return DEFAULT_READ_EVERY_S;
    }
}

/* The directory whose files may be pool devices, for tests; "" when none is configured. */
export const fileVdevDirectory = (file = ZFS_CONFIG_FILE) => testFileDirectory(file, "test-file-vdev-directory");

/* Each device must be a spare disk, or a file in the configured test directory. */
export async function checkDevices(devices: string[], disks?: Disk[]): Promise<string[]> {
    const fileDir = fileVdevDirectory();
    let known = disks;
    const checked: string[] = [];
    for (const [i, device] of devices.entries()) {
        const where = `devices[${i}]`;
        if (checked.includes(device))
            throw invalidArgument(`${where}: ${device} is named twice`);
        if (fileDir && device.startsWith(fileDir + "/")) {
            let real: string, stat: fs.Stats;
            try {
                real = fs.realpathSync(device);
                stat = fs.statSync(real);
            } catch {
                throw invalidArgument(`${where}: ${device} does not exist`);
            }
            if (path.dirname(real) !== fileDir || !stat.isFile())
                throw invalidArgument(`${where}: ${device} must be a regular file directly in ${fileDir}`);
            if (stat.size < MIN_FILE_VDEV_BYTES)
                throw invalidArgument(`${where}: ${device} is smaller than 64 MiB, the least ZFS accepts`);
            checked.push(real);
            continue;
        }
        known ??= await listDisks();
        const disk = known.find(d => d.Path === device || (d.ById !== "" && d.ById === device));
        if (!disk)
            throw invalidArgument(`${where}: ${device} is not a disk of this host (give its /dev or /dev/disk/by-id path; see GetDisks)`);
        if (disk.Role !== "spare")
            throw invalidArgument(`${where}: ${device} cannot be used: it ${disk.RoleReason}`);
        checked.push(disk.ById || disk.Path);
    }
    return checked;
}

/* How many devices each layout needs. */
export const LAYOUT_MINIMUM: Record<string, number> = { single: 1, mirror: 2, raidz1: 3, raidz2: 4 };
