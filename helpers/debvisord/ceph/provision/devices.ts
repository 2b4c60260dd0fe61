// Which devices may become OSDs: whole disks that the host's disk
// classification (host/disks.ts, as GetDisks shows it) calls spare, never the
// OS disk; regular files only directly inside the "test-file-osd-directory"
// of /etc/debvisor/ceph.json (tests). A device that is already an OSD of this
// cluster is accepted as that OSD, so a bootstrap run again finds it made.
import fs from "node:fs";
import path from "node:path";
import { invalidArgument } from "../../../lib/errors.js";
import { filesAsDisks, listDisks, type Disk } from "../../host/disks.js";
import { CEPH_LIB, CLUSTER, fileOsdDirectory } from "./config.js";

/* BlueStore needs room for its metadata and a little data: smaller test files are refused. */
export const MIN_FILE_OSD_BYTES = 1024 ** 3;

export interface OsdDevice {
    /** what the caller named */
    name: string;
    /** the path the OSD's "block" link points to: the by-id path of a disk, the real path of a test file */
    path: string;
    /** the device itself (realpath), to compare with existing OSDs */
    real: string;
    file: boolean;
}

interface ExistingOsd {
    id: number;
    /** the realpath of its block device or file; "" when the link is missing */
    device: string;
    dir: string;
}

function realpath(p: string): string {
    try {
        return fs.realpathSync(p);
    } catch {
        return "";
    }
}

/* Whether ceph-osd --mkfs finished in the OSD's data directory. */
export function osdReady(dir: string): boolean {
    try {
        return fs.readFileSync(path.join(dir, "ready"), "utf8").trim() === "ready";
    } catch {
        return false;
    }
}

/* The OSDs whose data directories are on this host, with the devices their "block" links name. */
export function existingOsds(lib = CEPH_LIB): ExistingOsd[] {
    let entries: string[] = [];
    try {
        entries = fs.readdirSync(path.join(lib, "osd"));
    } catch {
        return [];
    }
    const result: ExistingOsd[] = [];
    for (const entry of entries) {
        const m = new RegExp(`^${CLUSTER}-(\\d{1,6})$`).exec(entry);
        if (!m)
            continue;
        const dir = path.join(lib, "osd", entry);
        result.push({ id: Number(m[1]), device: realpath(path.join(dir, "block")), dir });
    }
    return result.sort((a, b) => a.id - b.id);
}

/* The files of the test directory as GetDisks lists disks ("test-files": "ceph"), with the role
 * AddOsd gives them: spare from 1 GiB, in use when an OSD of this cluster is on it; none on a real host. */
export function testFileOsdDisks(dir = fileOsdDirectory(), osds = existingOsds()): Promise<Disk[]> {
    return filesAsDisks(dir, (file, size) => {
        const osd = osds.find(o => o.device === file);
        return osd ? { role: "in-use", reason: `is osd.${osd.id} of this cluster` }
            : size < MIN_FILE_OSD_BYTES ? { role: "unusable", reason: "is smaller than 1 GiB, too small for a BlueStore OSD" }
                : { role: "spare", reason: "is a test file in the test-file-osd-directory" };
    });
}

/* Each device must be a spare disk, a file in the test directory, or an OSD of this cluster already. */
export async function checkOsdDevices(devices: string[], argument = "devices", disks?: Disk[], fileDir = fileOsdDirectory(),
    osds = existingOsds()): Promise<OsdDevice[]> {
    let known = disks;
    const result: OsdDevice[] = [];
    for (const [i, device] of devices.entries()) {
        const where = devices.length === 1 && argument === "device" ? argument : `${argument}[${i}]`;
        if (typeof device !== "string" || device === "" || device.length > 4096 || /[\0\n]/.test(device))
            throw invalidArgument(`${where}: must be a /dev or /dev/disk/by-id path`);
        if (!device.startsWith("/"))
            throw invalidArgument(`${where}: ${JSON.stringify(device)} is not an absolute path (give its /dev or /dev/disk/by-id path; see GetDisks)`);
        let entry: OsdDevice;
        if (fileDir && device.startsWith(fileDir + "/")) {
            const real = realpath(device);
            let stat: fs.Stats | null = null;
            try {
                stat = real ? fs.statSync(real) : null;
            } catch {
                stat = null;
            }
            if (!stat)
                throw invalidArgument(`${where}: ${device} does not exist`);
            if (path.dirname(real) !== fileDir || !stat.isFile())
                throw invalidArgument(`${where}: ${device} must be a regular file directly in ${fileDir}`);
            if (stat.size < MIN_FILE_OSD_BYTES)
                throw invalidArgument(`${where}: ${device} is smaller than 1 GiB, too small for a BlueStore OSD`);
            entry = { name: device, path: real, real, file: true };
        } else {
            known ??= await listDisks();
            const disk = known.find(d => d.Path === device || (d.ById !== "" && d.ById === device));
            if (!disk)
                throw invalidArgument(`${where}: ${JSON.stringify(device)} is not a disk of this host (give its /dev or /dev/disk/by-id path; see GetDisks)`);
            const real = realpath(disk.Path) || disk.Path;
            const isOsd = osds.some(o => o.device === real);
            if (disk.Role === "os")
                throw invalidArgument(`${where}: ${device} is never used: it is the operating system's disk (it ${disk.RoleReason})`);
            if (disk.Role !== "spare" && !isOsd)
                throw invalidArgument(`${where}: ${device} cannot be used: it ${disk.RoleReason}`);
            entry = { name: device, path: disk.ById || disk.Path, real, file: false };
        }
        if (result.some(r => r.real === entry.real))
            throw invalidArgument(`${where}: ${device} is named twice`);
        result.push(entry);
    }
    return result;
}
