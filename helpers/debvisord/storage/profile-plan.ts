// What applying a storage profile would do, worked out from the disk list and
// the current ZFS, Ceph and libvirt state (pure: no tool runs here). A plan is a
// list of steps, each saying whether what it makes exists already (and is
// kept, so applying again changes nothing), the disks it would wipe by their
// stable identity, and the disks it refuses with the reason. Its token is a
// SHA-256 of the disks' identities, sizes and signatures and of the steps, so
// a plan is applied only to the disks it was shown for.
import crypto from "node:crypto";
import type { Disk } from "../host/disks.js";
import type { Profile } from "../host/facts.js";

export type PlannedProfile = Exclude<Profile, "none">;

const ZFS_POOL = "tank";
const LIBVIRT_ZFS_POOL = "debvisor-zfs";
export const LIBVIRT_RBD_POOL = "debvisor-rbd";
export const CEPH_RBD_POOL = "rbd";
export const CEPH_FS = "cephfs";
const PROFILE_DATASETS: Array<{ name: string; mountpoint: string; profiles: PlannedProfile[] }> = [
    { name: `${ZFS_POOL}/vm`, mountpoint: "/srv/vm", profiles: ["zfs"] },
    { name: `${ZFS_POOL}/docker`, mountpoint: "/srv/docker", profiles: ["zfs", "mixed"] },
    { name: `${ZFS_POOL}/k8s`, mountpoint: "/srv/k8s", profiles: ["zfs", "mixed"] },
];

type StepKind = "zfs-pool" | "zfs-dataset" | "libvirt-pool" | "ceph-cluster" | "ceph-osd" | "ceph-rbd-pool" | "profile-file";

export interface PlanStep {
    Id: string;
    Kind: StepKind;
    Description: string;
    /** what the step makes is there already: applying keeps it */
    Exists: boolean;
    /** the stable identities of the disks the step uses (pool and OSD steps) */
    Devices: string[];
    /** the step's settings: layout, compression, mountpoint, target … */
    Settings: Record<string, string>;
}

interface PlanDisk {
    /** the stable identity: the by-id path, else the serial, else the /dev path */
    Id: string;
    Path: string;
    Size: number;
    Model: string;
    Serial: string;
    Signature: string;
    /** its partitions' paths: wiped before the disk */
    Partitions: string[];
}

interface Wipe extends PlanDisk {
    Step: string;
    Reason: string;
}

interface Refusal {
    Id: string;
    Path: string;
    Reason: string;
}

export interface Plan {
    Profile: PlannedProfile;
    Steps: PlanStep[];
    Wipes: Wipe[];
    Kept: string[];
    Refused: Refusal[];
    /** why the plan cannot be applied as it is (no spare disks …) */
    Problems: string[];
    Token: string;
    /** SHA-256 of the disks the plan wipes alone: what a join that applies the profile after it checks (its other steps change with the join) */
    WipesToken: string;
}

/** What exists now, read by the caller. */
export interface CurrentState {
    profile: Profile;
    /** lz4 compression is available (OpenZFS); zfs-fuse has lzjb */
    lz4: boolean;
    /** ZFS is installed at all */
    zfs: boolean;
    pools: Array<{ name: string; devices: string[] }>;
    datasets: Array<{ name: string; mountpoint: string }>;
    libvirtPools: Array<{ name: string; type: string; target: string }>;
    /** the local Ceph cluster (absent: none, as on a host without Ceph) */
    ceph?: CephState;
}

interface CephState {
    /** the Ceph daemons are installed */
    installed: boolean;
    /** monitor and manager made and running */
    coreDone: boolean;
    /** MDS, CephFS, the RBD pool (and the CephFS mount) there */
    finishDone: boolean;
    /** this host's OSDs by the real path of their device; done when made and running */
    osds: Array<{ id: number; device: string; done: boolean }>;
}

interface PlanOptions {
    /** disks (by path, by-id path or serial) the caller names to be used although they are in use */
    include?: string[];
}

function diskId(d: Disk): string {
    return d.ById || (d.Serial ? `serial:${d.Serial}` : d.Path);
}

function signatureOf(d: Disk): string {
    return [d.FsType, ...d.Partitions.map(p => p.FsType)].filter(Boolean).join(",");
}

function planDisk(d: Disk): PlanDisk {
    return { Id: diskId(d), Path: d.Path, Size: d.Size, Model: d.Model, Serial: d.Serial, Signature: signatureOf(d), Partitions: d.Partitions.map(p => p.Path) };
}

const names = (d: Disk) => [d.Path, d.ById, d.Serial, diskId(d)].filter(Boolean);

function layoutFor(count: number): "single" | "mirror" | "raidz1" {
    return count <= 1 ? "single" : count === 2 ? "mirror" : "raidz1";
}

/* The disks a profile may use: the spares, and the in-use disks the caller named (never the OS disk, never a mounted one). */
function usableDisks(disks: Disk[], options: PlanOptions): { usable: Disk[]; refused: Refusal[]; problems: string[] } {
    const include = new Set(options.include ?? []);
    const usable: Disk[] = [];
    const refused: Refusal[] = [];
    const problems: string[] = [];
    const matched = new Set<string>();
    for (const d of disks) {
        const named = names(d).filter(n => include.has(n));
        named.forEach(n => matched.add(n));
        if (d.Role === "spare") {
            usable.push(d);
            continue;
        }
        if (d.Role === "unusable")
            continue;
        const mounted = d.Mountpoints.length > 0 || d.Partitions.some(p => p.Mountpoints.length > 0);
        if (d.Role === "os" || mounted || named.length === 0) {
            const why = d.Role === "os" ? `it is the operating system's disk: it ${d.RoleReason}`
                : mounted ? `it ${d.RoleReason}; unmount it first` : `it ${d.RoleReason}; name it in "include" to wipe it`;
            refused.push({ Id: diskId(d), Path: d.Path, Reason: named.length > 0 && d.Role === "os" ? `named, but never used: ${why}` : why });
            continue;
        }
        usable.push(d);
    }
    for (const n of include) {
        if (!matched.has(n))
            problems.push(`include: ${n} is not a disk of this host`);
    }
    usable.sort((a, b) => diskId(a) < diskId(b) ? -1 : diskId(a) > diskId(b) ? 1 : 0);
    return { usable, refused, problems };
}

/* The OSD a disk is, by its path or its by-id path (both resolved by the caller to real paths in state.ceph.osds). */
function osdOf(d: Disk, ceph: CephState | undefined, realPath: (p: string) => string) {
    return ceph?.osds.find(o => o.device !== "" && (o.device === realPath(d.Path) || (d.ById !== "" && o.device === realPath(d.ById))));
}

export function planProfile(profile: PlannedProfile, disks: Disk[], state: CurrentState, options: PlanOptions = {},
    realPath: (p: string) => string = p => p): Plan {
    const wantsCephDisks = profile === "ceph" || profile === "mixed";
    // a disk that is an OSD of this host's cluster already is that OSD's step (kept or completed), never refused as in use
    const osdDisks = wantsCephDisks ? disks.filter(d => osdOf(d, state.ceph, realPath)) : [];
    const { usable, refused, problems } = usableDisks(disks.filter(d => !osdDisks.includes(d)), options);
    const steps: PlanStep[] = [];
    const wipes: Wipe[] = [];
    const pool = state.pools.find(p => p.name === ZFS_POOL);
    const wantsZfs = profile === "zfs" || profile === "mixed";
    const wantsCeph = profile === "ceph" || profile === "mixed";
    // mixed: the first half of the disks (rounded up) to ZFS, the rest to Ceph; with tank made already, all to Ceph
    const zfsShare = !wantsZfs || pool ? 0 : profile === "zfs" ? usable.length : Math.ceil(usable.length / 2);
    const zfsDisks = usable.slice(0, zfsShare);
    // once the cluster is finished with its OSDs, applying again adds none (new disks are added with AddOsd); an apply
    // cut short after its first OSDs were begun still takes the other spare disks it would have taken
    const cephDisks = wantsCeph && (osdDisks.length === 0 || !state.ceph?.finishDone) ? usable.slice(zfsShare) : [];
    const unused = usable.slice(zfsShare + cephDisks.length);
    for (const d of unused)
        refused.push({ Id: diskId(d), Path: d.Path, Reason: wantsCeph && osdDisks.length > 0 ? "not needed: the Ceph cluster has its OSDs already" : "not needed: the pool exists already" });

    if (wantsZfs) {
        if (!state.zfs)
            problems.push("ZFS is not installed on this host (zfsutils-linux or zfs-fuse)");
        const compression = state.lz4 ? "lz4" : "lzjb";
        const layout = layoutFor(zfsDisks.length);
        steps.push({
            Id: "zfs-pool", Kind: "zfs-pool", Exists: Boolean(pool),
            Description: pool ? `ZFS pool ${ZFS_POOL} exists (${pool.devices.length} device(s)): kept`
                : `Create the ZFS pool ${ZFS_POOL} (${layout}, ${compression} compression) from ${zfsDisks.length} disk(s)`,
            Devices: pool ? [] : zfsDisks.map(diskId),
            Settings: pool ? {} : { name: ZFS_POOL, layout, compression, mountpoint: "none" },
        });
        if (!pool && zfsDisks.length === 0)
            problems.push(`no spare disk for the ZFS pool ${ZFS_POOL}`);
        const sizes = [...new Set(zfsDisks.map(d => d.Size))];
        if (!pool && sizes.length > 1)
            problems.push(`the disks for ${ZFS_POOL} differ in size (${zfsDisks.map(d => `${d.Path}: ${d.Size} bytes`).join(", ")}); ZFS makes no ${layout} of unequal disks`);
        for (const d of zfsDisks)
            wipes.push({ ...planDisk(d), Step: "zfs-pool", Reason: `becomes part of the ZFS pool ${ZFS_POOL}` });
        for (const ds of PROFILE_DATASETS.filter(x => x.profiles.includes(profile))) {
            const existing = state.datasets.find(x => x.name === ds.name);
            steps.push({
                Id: `zfs-dataset:${ds.name}`, Kind: "zfs-dataset", Exists: Boolean(existing),
                Description: existing ? `Dataset ${ds.name} exists (mounted at ${existing.mountpoint}): kept` : `Create the dataset ${ds.name} mounted at ${ds.mountpoint}`,
                Devices: [], Settings: { name: ds.name, mountpoint: ds.mountpoint },
            });
            if (existing && existing.mountpoint !== ds.mountpoint)
                problems.push(`${ds.name} exists but is mounted at ${existing.mountpoint}, not ${ds.mountpoint}; it is kept as it is`);
        }
    }
    if (profile === "zfs") {
        const existing = state.libvirtPools.find(p => p.name === LIBVIRT_ZFS_POOL);
        steps.push({
            Id: `libvirt-pool:${LIBVIRT_ZFS_POOL}`, Kind: "libvirt-pool", Exists: Boolean(existing),
            Description: existing ? `libvirt storage pool ${LIBVIRT_ZFS_POOL} exists (${existing.type} on ${existing.target}): kept`
                : `Define the libvirt storage pool ${LIBVIRT_ZFS_POOL} (directory /srv/vm) for VM disks`,
            Devices: [], Settings: { name: LIBVIRT_ZFS_POOL, type: "dir", target: "/srv/vm" },
        });
        if (existing && (existing.type !== "dir" || existing.target !== "/srv/vm"))
            problems.push(`the libvirt pool ${LIBVIRT_ZFS_POOL} exists as ${existing.type} on ${existing.target}, not dir on /srv/vm`);
    }
    if (wantsCeph) {
        const ceph = state.ceph;
        if (ceph && !ceph.installed)
            problems.push("Ceph is not installed on this host (ceph-mon, ceph-mgr, ceph-osd, ceph-mds, ceph-common, ceph-fuse)");
        steps.push({
            Id: "ceph-cluster", Kind: "ceph-cluster", Exists: Boolean(ceph?.coreDone),
            Description: ceph?.coreDone ? "The Ceph cluster's monitor and manager run: kept" : "Bootstrap a single-node Ceph cluster (monitor and manager on 127.0.0.1)",
            Devices: [], Settings: {},
        });
        for (const d of osdDisks) {
            const osd = osdOf(d, ceph, realPath)!;
            steps.push({
                Id: `ceph-osd:${diskId(d)}`, Kind: "ceph-osd", Exists: osd.done,
                Description: osd.done ? `${d.Path} is osd.${osd.id}: kept` : `Complete osd.${osd.id} on ${d.Path}`,
                Devices: [diskId(d)], Settings: { osd: String(osd.id) },
            });
        }
        for (const d of cephDisks) {
            steps.push({ Id: `ceph-osd:${diskId(d)}`, Kind: "ceph-osd", Exists: false, Description: `Make ${d.Path} a Ceph OSD (BlueStore)`, Devices: [diskId(d)], Settings: {} });
            wipes.push({ ...planDisk(d), Step: `ceph-osd:${diskId(d)}`, Reason: "becomes a Ceph OSD" });
        }
        if (cephDisks.length === 0 && osdDisks.length === 0)
            problems.push("no spare disk for Ceph");
        const libvirtRbd = state.libvirtPools.find(p => p.name === LIBVIRT_RBD_POOL);
        const done = Boolean(libvirtRbd) && Boolean(ceph?.finishDone);
        steps.push({
            Id: `libvirt-pool:${LIBVIRT_RBD_POOL}`, Kind: "ceph-rbd-pool", Exists: done,
            Description: done ? `The CephFS, the RBD pool ${CEPH_RBD_POOL} and the libvirt pool ${LIBVIRT_RBD_POOL} exist: kept`
                : `Create the CephFS ${CEPH_FS} (mounted at /srv/cephfs), the RBD pool ${CEPH_RBD_POOL}, and the libvirt storage pool ${LIBVIRT_RBD_POOL} on it for VM disks`,
            Devices: [], Settings: { name: LIBVIRT_RBD_POOL, type: "rbd", pool: CEPH_RBD_POOL, cephfs: CEPH_FS },
        });
        if (libvirtRbd && libvirtRbd.type !== "rbd")
            problems.push(`the libvirt pool ${LIBVIRT_RBD_POOL} exists as ${libvirtRbd.type}, not rbd`);
    }
    steps.push({
        Id: "profile-file", Kind: "profile-file", Exists: state.profile === profile,
        Description: state.profile === profile ? `The profile is ${profile} already: kept` : `Record the profile ${profile} (was ${state.profile})`,
        Devices: [], Settings: { profile },
    });
    const token = crypto.createHash("sha256").update(JSON.stringify({
        profile,
        disks: [...usable, ...disks.filter(d => refused.some(r => r.Path === d.Path))].map(planDisk),
        steps, wipes, refused,
    })).digest("hex");
    const wipesToken = crypto.createHash("sha256").update(JSON.stringify({
        profile, wipes: wipes.map(w => [w.Id, w.Path, w.Size, w.Signature, w.Step]),
    })).digest("hex");
    return {
        Profile: profile, Steps: steps, Wipes: wipes, Kept: steps.filter(s => s.Exists).map(s => s.Id), Refused: refused, Problems: problems, Token: token,
        WipesToken: wipesToken,
    };
}
