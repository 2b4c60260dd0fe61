// The Ceph methods: maintenance, pools and the CephFS mount on the
// CephManager, and everything else on the OSD, pool or image it acts on.
// Each checks its names and numbers (names.ts), acts with ceph/rbd, and
// re-reads the cluster before it returns, so a caller sees the result on the
// bus at once. A cluster that does not answer fails the call within seconds.
import fs from "node:fs";
import * as z from "zod/mini";
import { busy, DebVisorError, failed, invalidArgument, notFound, notSupported } from "../../lib/errors.js";
import { contractMethods, method, type MethodTable } from "../bus/call-pipeline.js";
import { machinesUsingRbdImage } from "../machines/disk-users.js";
import { optionsSchema } from "../validation.js";
import type { CephHost } from "./ceph-host.js";
import { CEPHFS_MOUNTPOINT, cephFsMounted, fstabLine, unmount, updateFstab } from "./cephfs-mount.js";
import { currentPlacement, spreadPoolsAcrossHosts } from "./provision/host-placement.js";
import { provisionMethods } from "./provision-methods.js";
import { cephPoolName, imageName, imageSize, MIB, rbdSnapshotName, replicas } from "./names.js";
import { parseRbdSnapshots, type RbdSnapshot } from "./parse.js";
import { DATA_TIMEOUT_MS } from "./tools.js";
import { CEPHIMAGE_IFACE, CEPHMANAGER_IFACE, CEPHOSD_IFACE, CEPHPOOL_IFACE } from "../../../generated/dbus-contract.js";
import { oneAtATime } from "../../lib/one-at-a-time.js";

const confirmOption = z.optional(z.string().check(z.maxLength(300, "is too long")));

/* What deletes or loses data is named again in options.confirm: the `kind`'s name, `name`. */
function requireConfirmed(confirm: string | undefined, kind: string, name: string, purpose: string): void {
    if (confirm !== name)
        throw invalidArgument(`options.confirm: must be the ${kind}'s name, "${name}", to ${purpose}`);
}

/* Refuses (Busy) when the image POOL/IMAGE is a machine's disk (only a running or paused one with `activeOnly`),
 * `advice` saying what to do about "it" or "them"; none uses it when libvirt cannot be asked (as on a host without it). */
async function requireUnused(host: CephHost, spec: string, activeOnly: boolean, advice: (them: string) => string): Promise<void> {
    const users = host.libvirt ? await machinesUsingRbdImage(host.libvirt, spec, activeOnly).catch(() => []) : [];
    if (users.length > 0)
        throw busy(`${spec} is a disk of the ${activeOnly ? "running " : ""}machine${users.length > 1 ? "s" : ""} ${users.join(", ")}; ${advice(users.length > 1 ? "them" : "it")}`);
}

function requireCluster(host: CephHost): void {
    if (host.state === "not-installed")
        throw notSupported("Ceph is not installed on this host (ceph-common)");
    if (host.state === "none")
        throw failed(`no Ceph cluster is configured on this host (${host.tools.config().conf} does not exist)`);
}

/* Runs a change and re-reads the state before returning: the report, and the images of `imagesOf`.
 * A cluster that stopped answering shows as "unreachable" at once (no second wait for a read);
 * refused input changed nothing and needs no read. */
async function change<T>(host: CephHost, work: () => Promise<T>, imagesOf?: string): Promise<T> {
    await host.ready;
    requireCluster(host);
    const reread = async () => {
        if (imagesOf !== undefined)
            await host.refreshImages(imagesOf).catch(() => undefined);
        await host.refresh(false);
    };
    let result: T;
    try {
        result = await work();
    } catch (e) {
        if (e instanceof DebVisorError && /does not answer/.test(e.message))
            host.markUnreachable(e.message);
        else if (!(e instanceof DebVisorError && ["InvalidArgument", "NotFound", "NotSupported"].includes(e.errorName)))
            await reread();
        throw e;
    }
    await reread();
    return result;
}

/* Serializes changes that flip a cluster-wide option for their duration. */
const withOptionLock = oneAtATime();

/* Size 1 (no redundancy) is refused by Ceph unless mon_allow_pool_size_one is set. */
async function allowSizeOne(host: CephHost): Promise<void> {
    await host.tools.ceph(["config", "set", "global", "mon_allow_pool_size_one", "true"], "allowing pools with one replica");
}

/* min_size may never exceed size, in between either: the order of the two changes follows from the current size. */
async function setReplicas(host: CephHost, name: string, size: number, minSize: number, currentSize: number): Promise<void> {
    if (size === 1)
        await allowSizeOne(host);
    const setSize = () => host.tools.ceph(["osd", "pool", "set", name, "size", String(size), "--yes-i-really-mean-it"], `setting the size of ${name}`);
    const setMin = () => host.tools.ceph(["osd", "pool", "set", name, "min_size", String(minSize)], `setting the min_size of ${name}`);
    if (minSize <= currentSize) {
        await setMin();
        await setSize();
    } else {
        await setSize();
        await setMin();
    }
}

export function managerMethods(host: CephHost): MethodTable {
    return contractMethods(CEPHMANAGER_IFACE, {
        ...provisionMethods(host),
        SetMaintenance: method({
            args: z.tuple([z.boolean(), optionsSchema({})]),
            run: (_ctx, [enabled]) => change(host, async () => {
                await host.tools.ceph(["osd", enabled ? "set" : "unset", "noout"], enabled ? "setting noout" : "clearing noout");
                return [];
            }),
        }),
        CreatePool: method({
            args: z.tuple([cephPoolName, optionsSchema({
                size: z.optional(replicas), min_size: z.optional(replicas),
                application: z.optional(z.enum(["rbd", "cephfs", "rgw"], { error: "must be \"rbd\", \"cephfs\" or \"rgw\"" })),
                pg_autoscale: z.optional(z.enum(["on", "off", "warn"], { error: "must be \"on\", \"off\" or \"warn\"" })),
            })]),
            run: (_ctx, [name, options]) => change(host, async () => {
                if (host.pool(name))
                    throw invalidArgument(`name: a pool named ${name} exists already`);
                // asked now, not from the last report: an OSD added on another node a moment ago counts
                const osds = (JSON.parse(await host.tools.cephJson(["osd", "ls"], "listing the OSDs")) as unknown[]).length;
                const size = options.size ?? (osds === 1 ? 1 : undefined);
                const minSize = options.min_size;
                if (minSize !== undefined && size !== undefined && minSize > size)
                    throw invalidArgument(`options.min_size: must be at most the size, ${size}`);
                if (minSize !== undefined && size === undefined)
                    throw invalidArgument("options.min_size: give the size too");
                const run = (args: string[], what: string) => host.tools.ceph(args, what);
                // with OSDs on several hosts a pool keeps one copy per host (ceph.conf's default was written for one); a size given here stays as given
                const placed = size === undefined ? await currentPlacement(run) : null;
                await host.tools.ceph(["osd", "pool", "create", name, "--autoscale-mode", options.pg_autoscale ?? "on"], `creating the pool ${name}`);
                try {
                    if (size !== undefined)
                        await setReplicas(host, name, size, minSize ?? Math.max(1, size - Math.floor(size / 2)), 1); // 1: so a min_size above 1 waits for the size
                    if (placed) {
                        await setReplicas(host, name, placed.size, placed.minSize, 1);
                        await spreadPoolsAcrossHosts(run);
                    }
                    const app = options.application ?? "rbd";
                    if (app === "rbd")
                        await host.tools.rbd(["pool", "init", name], `initializing ${name} for RBD`);
                    else
                        await host.tools.ceph(["osd", "pool", "application", "enable", name, app], `enabling ${app} on ${name}`);
                } catch (e) {
                    // a half-made pool is removed, so the same call can be made again
                    await deletePool(host, name).catch(() => undefined);
                    throw e;
                }
                return [host.poolPath(name)];
            }),
        }),
        MountCephFS: method({
            args: z.tuple([optionsSchema({})]),
            run: () => change(host, async () => {
                const fsInfo = host.report?.filesystems[0];
                if (!fsInfo)
                    throw notFound("the cluster has no CephFS file system");
                if (!cephFsMounted()) {
                    fs.mkdirSync(CEPHFS_MOUNTPOINT, { recursive: true, mode: 0o755 });
                    await host.tools.fuse(["--client_fs", fsInfo.name, CEPHFS_MOUNTPOINT], `mounting the CephFS ${fsInfo.name} at ${CEPHFS_MOUNTPOINT}`);
                }
                updateFstab(fstabLine(host.tools.config(), fsInfo.name));
                return [];
            }),
        }),
        UnmountCephFS: method({
            args: z.tuple([optionsSchema({})]),
            run: () => change(host, async () => {
                if (cephFsMounted()) {
                    try {
                        await unmount(CEPHFS_MOUNTPOINT);
                    } catch (e) {
                        if (/busy/i.test((e as Error).message))
                            throw busy(`${CEPHFS_MOUNTPOINT} is in use: ${(e as Error).message}`);
                        throw e;
                    }
                }
                updateFstab(null);
                return [];
            }),
        }),
    });
}

export function osdMethods(host: CephHost, id: number): MethodTable {
    const mark = (verb: "in" | "out") => method({
        args: z.tuple([optionsSchema({})]),
        run: () => change(host, async () => {
            if (!host.report?.osds.some(o => o.id === id))
                throw notFound(`osd.${id} is gone`);
            await host.tools.ceph(["osd", verb, `osd.${id}`], `marking osd.${id} ${verb}`);
            return [];
        }),
    });
    return contractMethods(CEPHOSD_IFACE, { MarkIn: mark("in"), MarkOut: mark("out") });
}

async function deletePool(host: CephHost, name: string): Promise<void> {
    await withOptionLock(async () => {
        const was = (await host.tools.ceph(["config", "get", "mon", "mon_allow_pool_delete"], "reading mon_allow_pool_delete")).trim();
        if (was !== "true")
            await host.tools.ceph(["config", "set", "mon", "mon_allow_pool_delete", "true"], "allowing pool deletion for this call");
        try {
            await host.tools.ceph(["osd", "pool", "rm", name, name, "--yes-i-really-really-mean-it"], `deleting the pool ${name}`);
        } finally {
            if (was !== "true")
                await host.tools.ceph(["config", "rm", "mon", "mon_allow_pool_delete"], "forbidding pool deletion again");
        }
    });
}

export function poolMethods(host: CephHost, name: string): MethodTable {
    const current = () => {
        const p = host.pool(name);
        if (!p)
            throw notFound(`the pool ${name} is gone`);
        return p;
    };
    return contractMethods(CEPHPOOL_IFACE, {
        SetSize: method({
            args: z.tuple([replicas, replicas, optionsSchema({})]),
            run: (_ctx, [size, minSize]) => change(host, async () => {
                if (minSize > size)
                    throw invalidArgument(`min_size: must be at most the size, ${size}`);
                const p = current();
                await setReplicas(host, name, size, minSize, p.size);
                return [];
            }),
        }),
        CreateImage: method({
            args: z.tuple([imageName, imageSize, optionsSchema({})]),
            run: (_ctx, [image, size]) => change(host, async () => {
                const p = current();
                if (!p.applications.includes("rbd"))
                    throw invalidArgument(`${name} is not enabled for RBD (its applications: ${p.applications.join(", ") || "none"})`);
                const existing = await host.tools.rbd(["ls", "--format", "json", "-p", name], `listing the images of ${name}`);
                if ((JSON.parse(existing.trim() || "[]") as string[]).includes(image))
                    throw invalidArgument(`name: ${name} has an image ${image} already`);
                await host.tools.rbd(["create", "--size", `${size / MIB}M`, `${name}/${image}`], `creating the image ${name}/${image}`);
                return [host.imagePath(name, image)];
            }, name),
        }),
        Delete: method({
            args: z.tuple([optionsSchema({ confirm: confirmOption })]),
            run: (_ctx, [options]) => change(host, async () => {
                current();
                requireConfirmed(options.confirm, "pool", name, "delete it and everything in it");
                if (host.cephFsPools().includes(name))
                    throw busy(`${name} is used by the CephFS file system; remove the file system first`);
                await deletePool(host, name);
                host.forgetPool(name);
                return [];
            }),
        }),
    });
}

/* An image's snapshots as rbd lists them now, not as last read: one may have been made, removed or (un)protected since. */
export async function snapshotsNow(host: CephHost, spec: string): Promise<RbdSnapshot[]> {
    return parseRbdSnapshots(await host.tools.rbd(["snap", "ls", "--format", "json", spec], `listing the snapshots of ${spec}`));
}

/* The snapshot as rbd lists it now, after the confirmation. */
async function confirmedSnapshot(host: CephHost, spec: string, snap: string, confirm: string | undefined, what: string): Promise<RbdSnapshot> {
    requireConfirmed(confirm, "snapshot", snap, what);
    const snaps = await snapshotsNow(host, spec);
    const found = snaps.find(s => s.name === snap);
    if (!found)
        throw notFound(`snapshot: ${spec} has no snapshot ${snap}${snaps.length > 0 ? ` (it has ${snaps.map(s => s.name).join(", ")})` : ""}`);
    return found;
}

function snapshotMethods(host: CephHost, pool: string, name: string, current: () => unknown): MethodTable {
    const spec = `${pool}/${name}`;
    return contractMethods(CEPHIMAGE_IFACE, {
        RollbackSnapshot: method({
            args: z.tuple([rbdSnapshotName, optionsSchema({ confirm: confirmOption })]),
            run: (_ctx, [snap, options]) => change(host, async () => {
                current();
                await confirmedSnapshot(host, spec, snap, options.confirm, "return the image to it; everything written after it is lost");
                await requireUnused(host, spec, true, them => `shut ${them} down first`);
                await host.tools.rbd(["snap", "rollback", "--no-progress", `${spec}@${snap}`], `rolling ${spec} back to ${snap}`, DATA_TIMEOUT_MS);
                return [];
            }, pool),
        }),
        DeleteSnapshot: method({
            args: z.tuple([rbdSnapshotName, optionsSchema({ confirm: confirmOption })]),
            run: (_ctx, [snap, options]) => change(host, async () => {
                current();
                const s = await confirmedSnapshot(host, spec, snap, options.confirm, "delete it");
                if (s.protected)
                    throw busy(`${spec}@${snap} is protected (clones may be made from it); unprotect it first with rbd snap unprotect`);
                await host.tools.rbd(["snap", "rm", "--no-progress", `${spec}@${snap}`], `deleting the snapshot ${spec}@${snap}`, DATA_TIMEOUT_MS);
                return [];
            }, pool),
        }),
    });
}

export function imageMethods(host: CephHost, pool: string, name: string): MethodTable {
    const spec = `${pool}/${name}`;
    const current = () => {
        const i = host.image(pool, name);
        if (!i)
            throw notFound(`the image ${spec} is gone`);
        return i;
    };
    return contractMethods(CEPHIMAGE_IFACE, {
        ...snapshotMethods(host, pool, name, current),
        Resize: method({
            args: z.tuple([imageSize, optionsSchema({ "allow-shrink": z.optional(z.boolean()) })]),
            run: (_ctx, [size, options]) => change(host, async () => {
                const i = current();
                if (size < i.size && !options["allow-shrink"])
                    throw invalidArgument(`size: ${size} is smaller than the image (${i.size} bytes): shrinking loses data; pass "allow-shrink" to do it`);
                await host.tools.rbd(["resize", "--size", `${size / MIB}M`, ...(size < i.size ? ["--allow-shrink"] : []), "--no-progress", spec],
                    `resizing ${spec}`, DATA_TIMEOUT_MS);
                return [];
            }, pool),
        }),
        Snapshot: method({
            args: z.tuple([rbdSnapshotName, optionsSchema({})]),
            run: (_ctx, [snap]) => change(host, async () => {
                const i = current();
                if (i.snapshots.some(s => s.name === snap))
                    throw invalidArgument(`name: ${spec} has a snapshot ${snap} already`);
                await host.tools.rbd(["snap", "create", "--no-progress", `${spec}@${snap}`], `taking the snapshot ${spec}@${snap}`);
                return [];
            }, pool),
        }),
        Delete: method({
            args: z.tuple([optionsSchema({ confirm: confirmOption })]),
            run: (_ctx, [options]) => change(host, async () => {
                current();
                requireConfirmed(options.confirm, "image", name, "delete it with its snapshots");
                await requireUnused(host, spec, false, () => "detach it first");
                const snapshots = await snapshotsNow(host, spec);
                for (const s of snapshots.filter(s => s.protected))
                    await host.tools.rbd(["snap", "unprotect", `${spec}@${s.name}`], `unprotecting ${spec}@${s.name} (clones of it must be flattened or deleted first)`);
                if (snapshots.length > 0)
                    await host.tools.rbd(["snap", "purge", "--no-progress", spec], `deleting the snapshots of ${spec}`, DATA_TIMEOUT_MS);
                await host.tools.rbd(["rm", "--no-progress", spec], `deleting the image ${spec}`, DATA_TIMEOUT_MS);
                return [];
            }, pool),
        }),
    });
}
