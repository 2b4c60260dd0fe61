// The host's disks, from `lsblk -J -b`, sorted into what storage may use:
// the OS disk, disks in use, free spares, and devices that are no disks for
// storage at all (zram, optical drives, read-only or empty devices).
import fs from "node:fs";
import path from "node:path";
import { runTool } from "../../lib/tool-run.js";

const LSBLK_COLUMNS = "NAME,KNAME,PATH,TYPE,SIZE,MODEL,SERIAL,WWN,ROTA,RO,RM,TRAN,FSTYPE,MOUNTPOINTS,MOUNTPOINT";

/** One lsblk device as `lsblk -J -b -o LSBLK_COLUMNS` prints it (util-linux 2.37+, and older). */
export interface LsblkDevice {
    name: string;
    kname?: string;
    path?: string;
    type: string;
    size: number | string | null;
    model?: string | null;
    serial?: string | null;
    wwn?: string | null;
    rota?: boolean | string | null;
    ro?: boolean | string | null;
    rm?: boolean | string | null;
    tran?: string | null;
    fstype?: string | null;
    mountpoints?: Array<string | null>;
    mountpoint?: string | null;
    children?: LsblkDevice[];
}

type DiskRole = "os" | "in-use" | "spare" | "unusable";

interface Partition {
    Name: string;
    Path: string;
    Size: number;
    FsType: string;
    Mountpoints: string[];
}

export interface Disk {
    Name: string;
    Path: string;
    Size: number;
    Model: string;
    Serial: string;
    Wwn: string;
    ById: string;
    Rotational: boolean;
    Removable: boolean;
    ReadOnly: boolean;
    Transport: string;
    FsType: string;
    Mountpoints: string[];
    Partitions: Partition[];
    Role: DiskRole;
    RoleReason: string;
}

/* Mounts that make a disk the one the running system lives on. */
const SYSTEM_MOUNTS = new Set(["/", "/boot", "/boot/efi", "/efi", "/usr", "/var", "[SWAP]"]);
/* On-disk signatures of storage that something else owns. */
const FOREIGN_SIGNATURES: Record<string, string> = {
    LVM2_member: "an LVM physical volume",
    zfs_member: "a ZFS pool member",
    ceph_bluestore: "a Ceph OSD",
    linux_raid_member: "a software RAID member",
    crypto_LUKS: "an encrypted (LUKS) volume",
    bcache: "a bcache device",
};
const MIN_SPARE_BYTES = 1024 ** 3;

// lsblk before 2.33 printed every value as a string
const flag = (v: boolean | string | null | undefined) => v === true || v === "1";
const bytes = (v: number | string | null | undefined) => Number(v ?? 0) || 0;

function mountsOf(d: LsblkDevice): string[] {
    const list = d.mountpoints ?? (d.mountpoint !== undefined ? [d.mountpoint] : []);
    return list.filter((m): m is string => typeof m === "string" && m !== "");
}

function* descendants(d: LsblkDevice): Generator<LsblkDevice> {
    for (const c of d.children ?? []) {
        yield c;
        yield* descendants(c);
    }
}

function classify(d: LsblkDevice): { role: DiskRole; reason: string } {
    const all = [d, ...descendants(d)];
    const mounted = all.flatMap(mountsOf);
    const systemMount = mounted.find(m => SYSTEM_MOUNTS.has(m));
    if (systemMount)
        return { role: "os", reason: systemMount === "[SWAP]" ? "holds the system's swap" : `holds the system mount ${systemMount}` };
    if (d.type !== "disk")
        return { role: "unusable", reason: `is a ${d.type} device` };
    if (d.name.startsWith("zram"))
        return { role: "unusable", reason: "is compressed memory (zram)" };
    if (bytes(d.size) === 0)
        return { role: "unusable", reason: "has no medium or no size" };
    if (flag(d.ro))
        return { role: "unusable", reason: "is read-only" };
    if (mounted.length > 0)
        return { role: "in-use", reason: `has a mounted filesystem at ${mounted[0]}` };
    const foreign = all.find(x => x.fstype && x.fstype in FOREIGN_SIGNATURES);
    if (foreign)
        return { role: "in-use", reason: `${foreign.name === d.name ? "is" : `has ${foreign.name}, which is`} ${FOREIGN_SIGNATURES[foreign.fstype as string]}` };
    if (d.fstype)
        return { role: "in-use", reason: `carries a filesystem (${d.fstype})` };
    if ((d.children ?? []).length > 0)
        return { role: "in-use", reason: `has ${(d.children ?? []).length} partition(s) or holder device(s)` };
    if (flag(d.rm))
        return { role: "unusable", reason: "is removable media" };
    if (bytes(d.size) < MIN_SPARE_BYTES)
        return { role: "unusable", reason: "is smaller than 1 GiB" };
    return { role: "spare", reason: "is empty: no partitions, filesystem or signature" };
}

/* Interprets lsblk's JSON. `byId` maps a kernel name (sda) to its /dev/disk/by-id path. */
export function interpretLsblk(json: { blockdevices: LsblkDevice[] }, byId: Map<string, string> = new Map()): Disk[] {
    return json.blockdevices
        .filter(d => d.type !== "loop" || (d.children ?? []).length > 0 || bytes(d.size) > 0)
        .map(d => {
            const { role, reason } = classify(d);
            const kname = d.kname ?? d.name;
            return {
                Name: d.name,
                Path: d.path ?? `/dev/${d.name}`,
                Size: bytes(d.size),
                Model: (d.model ?? "").trim(),
                Serial: (d.serial ?? "").trim(),
                Wwn: d.wwn ?? "",
                ById: byId.get(kname) ?? "",
                Rotational: flag(d.rota),
                Removable: flag(d.rm),
                ReadOnly: flag(d.ro),
                Transport: d.tran ?? "",
                FsType: d.fstype ?? "",
                Mountpoints: mountsOf(d),
                Partitions: (d.children ?? []).map(c => ({
                    Name: c.name,
                    Path: c.path ?? `/dev/${c.name}`,
                    Size: bytes(c.size),
                    FsType: c.fstype ?? "",
                    Mountpoints: [c, ...descendants(c)].flatMap(mountsOf),
                })),
                Role: role,
                RoleReason: reason,
            };
        });
}

/* Prefers the by-id name udev derived from the serial (ata-, nvme-, scsi-, virtio-) over wwn- names. */
function readByIdLinks(dir = "/dev/disk/by-id"): Map<string, string> {
    const result = new Map<string, string>();
    let entries: string[] = [];
    try {
        entries = fs.readdirSync(dir).sort((a, b) => Number(a.startsWith("wwn-")) - Number(b.startsWith("wwn-")));
    } catch {
        return result; // no udev
    }
    for (const entry of entries) {
        if (/-part\d+$/.test(entry))
            continue;
        try {
            const target = path.basename(fs.readlinkSync(path.join(dir, entry)));
            if (!result.has(target))
                result.set(target, path.join(dir, entry));
        } catch {
            // not a link
        }
    }
    return result;
}

export async function listDisks(): Promise<Disk[]> {
    const { stdout } = await runTool("lsblk", ["-J", "-b", "-o", LSBLK_COLUMNS], "listing the disks", { timeout: 15_000 });
    return interpretLsblk(JSON.parse(stdout) as { blockdevices: LsblkDevice[] }, readByIdLinks());
}

/* TEST ONLY: the directory an area's configuration file names under `key` ("test-file-vdev-directory" …)
 * for files that stand in for disks, resolved; "" when none is configured (real hosts). */
export function testFileDirectory(configFile: string, key: string): string {
    try {
        const dir = (JSON.parse(fs.readFileSync(configFile, "utf8")) as Record<string, unknown>)[key];
        return typeof dir === "string" && dir.startsWith("/") ? fs.realpathSync(dir) : "";
    } catch {
        return "";
    }
}

/* TEST ONLY: the regular files (not links) directly in a test directory that an area takes in
 * place of disks (the first 64 by name), as Disks with the role and reason `classify` gives;
 * a file it gives none for is left out. */
export async function filesAsDisks(dir: string,
    classify: (file: string, size: number) => Promise<TestFileRole | null> | TestFileRole | null): Promise<Disk[]> {
    let entries: string[] = [];
    try {
        entries = dir ? fs.readdirSync(dir).sort() : [];
    } catch {
        return [];
    }
    const result: Disk[] = [];
    for (const entry of entries.slice(0, 64)) {
        const file = path.join(dir, entry);
        let stat: fs.Stats;
        try {
            stat = fs.lstatSync(file);
        } catch {
            continue;
        }
        const c = stat.isFile() ? await classify(file, stat.size) : null;
        if (!c)
            continue;
        result.push({
            Name: entry, Path: file, Size: stat.size, Model: "test file", Serial: "", Wwn: "", ById: "", Rotational: false, Removable: false,
            ReadOnly: false, Transport: "file", FsType: c.fsType ?? "", Mountpoints: [], Partitions: [], Role: c.role, RoleReason: c.reason,
        });
    }
    return result;
}

interface TestFileRole { role: DiskRole; reason: string; fsType?: string }
