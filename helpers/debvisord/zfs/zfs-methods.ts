// The ZFS methods: pools and datasets are created on the ZfsManager, and
// everything else is a method of the pool or dataset it acts on. Each
// method checks its names against the grammar (names.ts) and its values
// against what this host's ZFS accepts, acts, and re-reads the state before
// it returns, so a caller sees the result on the bus at once.
import * as z from "zod/mini";
import { busy, failed, invalidArgument, notFound, notSupported } from "../../lib/errors.js";
import { type CallContext, contractMethods, method, type MethodTable } from "../bus/call-pipeline.js";
import { absolutePath, count, optionsSchema } from "../validation.js";
import { datasetName, poolName, snapshotName } from "./names.js";
import { dependentsOf } from "./parse.js";
import { checkDevices, fileVdevDirectory, LAYOUT_MINIMUM, propertyShape, toZfsProperties, type PropertyValues } from "./properties.js";
import { scheduleFromBus } from "./bus-values.js";
import { scheduleSchema, writeSchedule } from "./schedule.js";
import type { Layout } from "./tools.js";
import type { ZfsHost } from "./zfs-host.js";
import { ZFSDATASET_IFACE, ZFSMANAGER_IFACE, ZFSPOOL_IFACE } from "../../../generated/dbus-contract.js";

const SCRUB_POLL_MS = 1000;
const SCRUB_MAX_POLLS = 60 * 60 * 24 * 14; // a scrub of two weeks is followed no further
const VOLUME_BLOCK = 8192;

function flavorOf(host: ZfsHost) {
    if (!host.flavor)
        throw notSupported("ZFS is not installed on this host (install zfsutils-linux, or zfs-fuse)");
    return host.flavor;
}

/* A change: after the first read, and followed by a fresh one before the answer (see above). */
async function change<T>(host: ZfsHost, work: () => Promise<T>): Promise<T> {
    await host.ready;
    const result = await work();
    await host.refresh();
    return result;
}

function exists(host: ZfsHost, name: string): boolean {
    return host.datasets.some(d => d.name === name);
}

/* "directory" for import: where devices of exported pools may be looked for. */
function importDirectory(directory: string | undefined): string | undefined {
    if (directory === undefined)
        return undefined;
    const allowed = ["/dev", "/dev/disk/by-id", "/dev/disk/by-path", fileVdevDirectory()].filter(Boolean);
    if (!allowed.includes(directory))
        throw invalidArgument(`options.directory: must be one of ${allowed.join(", ")}`);
    return directory;
}

export function managerMethods(host: ZfsHost): MethodTable {
    return contractMethods(ZFSMANAGER_IFACE, {
        CreatePool: method({
            args: z.tuple([
                poolName,
                z.enum(["single", "mirror", "raidz1", "raidz2"], { error: "must be \"single\", \"mirror\", \"raidz1\" or \"raidz2\"" }),
                z.array(absolutePath).check(z.minLength(1, "must name at least one device"), z.maxLength(64, "must name at most 64 devices")),
                optionsSchema({ mountpoint: propertyShape.mountpoint, compression: propertyShape.compression, atime: propertyShape.atime }),
            ]),
            run: (_ctx, [name, layout, devices, options]) => change(host, async () => {
                const flavor = flavorOf(host);
                if (devices.length < LAYOUT_MINIMUM[layout])
                    throw invalidArgument(`devices: a ${layout} pool needs at least ${LAYOUT_MINIMUM[layout]} devices, not ${devices.length}`);
                const { mountpoint, ...rest } = options;
                const properties = toZfsProperties(rest, flavor, "options");
                if ((await host.tools.poolNames()).includes(name))
                    throw invalidArgument(`name: a pool named ${name} exists already`);
                const checked = await checkDevices(devices);
                const inUse = host.devicesInUse();
                for (const [i, device] of checked.entries()) {
                    if (inUse.has(device))
                        throw invalidArgument(`devices[${i}]: ${devices[i]} is part of the pool ${inUse.get(device)}`);
                }
                await host.tools.createPool(name, layout as Layout, checked, properties, mountpoint);
                return [host.poolPath(name)];
            }),
        }),
        GetImportablePools: method({
            args: z.tuple([optionsSchema({ directory: z.optional(absolutePath) })]),
            run: async (_ctx, [options]) => {
                await host.ready;
                flavorOf(host);
                const list = await host.tools.importable(importDirectory(options.directory));
                return [list.map(p => ({ Name: p.name, Id: p.id, State: p.state }))];
            },
        }),
        ImportPool: method({
            args: z.tuple([poolName, optionsSchema({ directory: z.optional(absolutePath) })]),
            run: (_ctx, [name, options]) => change(host, async () => {
                flavorOf(host);
                if ((await host.tools.poolNames()).includes(name))
                    throw invalidArgument(`name: ${name} is imported already`);
                await host.tools.importPool(name, importDirectory(options.directory));
                return [host.poolPath(name)];
            }),
        }),
        CreateDataset: method({
            args: z.tuple([datasetName, optionsSchema(propertyShape)]),
            run: (_ctx, [name, options]) => change(host, async () => {
                const flavor = flavorOf(host);
                const properties = toZfsProperties(options, flavor, "options");
                requireNewChild(host, name);
                await host.tools.createDataset(name, properties);
                return [host.datasetPath(name)];
            }),
        }),
        CreateVolume: method({
            args: z.tuple([datasetName, count(VOLUME_BLOCK, Number.MAX_SAFE_INTEGER, " bytes"), optionsSchema({ compression: propertyShape.compression })]),
            run: (_ctx, [name, size, options]) => change(host, async () => {
                const flavor = flavorOf(host);
                if (!flavor.volumes)
                    throw notSupported("zfs-fuse cannot make volumes (zvols): it runs in user space without block devices; OpenZFS can");
                if (size % VOLUME_BLOCK !== 0)
                    throw invalidArgument(`size: must be a multiple of ${VOLUME_BLOCK} bytes`);
                const properties = toZfsProperties(options, flavor, "options");
                requireNewChild(host, name);
                await host.tools.createVolume(name, BigInt(size), properties);
                return [host.datasetPath(name)];
            }),
        }),
        SetSchedule: method({
            args: z.tuple([
                // the counts' and times' ranges, and the names, are scheduleSchema's to check (with its messages)
                z.record(z.string(), z.tuple([z.number(), z.number(), z.number(), z.number(), z.boolean()])),
                z.record(z.string(), z.tuple([z.number(), z.number()])),
                optionsSchema({}),
            ]),
            run: async (_ctx, [snapshots, scrub]) => {
                await host.ready;
                const json = scheduleFromBus(snapshots, scrub);
                const parsed = scheduleSchema.safeParse(json);
                if (!parsed.success)
                    throw invalidArgument(`schedule: ${parsed.error.issues.map(i => `${i.path.map(String).join(".") || "(top)"}: ${i.message}`).join("; ")}`);
                const schedule = parsed.data;
                for (const dataset of Object.keys(schedule.snapshots ?? {})) {
                    if (!host.datasets.some(d => d.name === dataset && d.type !== "snapshot"))
                        throw invalidArgument(`schedule: snapshots.${dataset}: no such dataset`);
                }
                const pools = new Set(host.datasets.filter(d => !d.name.includes("/") && !d.name.includes("@")).map(d => d.name));
                for (const pool of Object.keys(schedule.scrub ?? {})) {
                    if (!pools.has(pool))
                        throw invalidArgument(`schedule: scrub.${pool}: no such pool`);
                }
                writeSchedule(schedule, host.scheduleFile);
                host.setSchedule(schedule);
                return [];
            },
        }),
    });
}

/* A new dataset's parent must exist and be a filesystem, and the name must be free. */
function requireNewChild(host: ZfsHost, name: string): void {
    if (exists(host, name))
        throw invalidArgument(`name: ${name} exists already`);
    const parent = name.slice(0, name.lastIndexOf("/"));
    if (!name.includes("/"))
        throw invalidArgument(`name: must be POOL/NAME; a pool's own dataset is made with CreatePool`);
    const p = host.datasets.find(d => d.name === parent);
    if (!p)
        throw notFound(`name: the parent ${parent} does not exist`);
    if (p.type !== "filesystem")
        throw invalidArgument(`name: the parent ${parent} is a ${p.type}, not a filesystem`);
}

export function poolMethods(host: ZfsHost, path: string, name: string): MethodTable {
    const noOptions = z.tuple([optionsSchema({})]);
    return contractMethods(ZFSPOOL_IFACE, {
        Scrub: method({
            args: noOptions,
            run: async (ctx: CallContext) => {
                await host.ready;
                const scan = host.poolState(path)?.ScrubState;
                if (scan === "scrubbing" || scan === "resilvering")
                    throw busy(`${name} is being ${scan === "scrubbing" ? "scrubbed" : "resilvered"} already`);
                await host.tools.scrub(name, false);
                await host.refresh();
                const job = host.jobs.start({ operation: "zfs-scrub", description: `Scrubbing ${name}`, caller: ctx.caller, objects: [path] },
                    async control => {
                        for (let i = 0; i < SCRUB_MAX_POLLS; i++) {
                            if (control.signal.aborted) {
                                await host.tools.scrub(name, true).catch(() => undefined);
                                await host.refresh();
                                throw control.signal.reason;
                            }
                            const state = host.poolState(path);
                            if (!state)
                                throw failed(`${name} is gone`);
                            if (state.ScrubState !== "scrubbing")
                                return String(state.LastScrub || `scrub ${String(state.ScrubState)}`);
                            control.setProgress(Number(state.ScrubProgress));
                            await new Promise(r => setTimeout(r, SCRUB_POLL_MS));
                            await host.refresh();
                        }
                        return `${name} is still being scrubbed; no longer followed`;
                    });
                return [job.path];
            },
        }),
        StopScrub: method({
            args: noOptions,
            run: () => change(host, async () => {
                await host.tools.scrub(name, true);
                return [];
            }),
        }),
        Export: method({
            args: noOptions,
            run: () => change(host, async () => {
                await host.tools.exportPool(name);
                return [];
            }),
        }),
        Destroy: method({
            args: z.tuple([optionsSchema({ confirm: z.optional(z.string().check(z.maxLength(300, "is too long"))) })]),
            run: (_ctx, [options]) => change(host, async () => {
                if (options.confirm !== name)
                    throw invalidArgument(`options.confirm: must be the pool's name, "${name}", to destroy it and everything in it`);
                await host.tools.destroyPool(name);
                return [];
            }),
        }),
    });
}

export function datasetMethods(host: ZfsHost, name: string): MethodTable {
    const snapshotOf = (short: string) => {
        const full = `${name}@${short}`;
        if (!exists(host, full))
            throw notFound(`snapshot: ${name} has no snapshot ${short}`);
        return full;
    };
    return contractMethods(ZFSDATASET_IFACE, {
        SetProperties: method({
            args: z.tuple([optionsSchema(propertyShape), optionsSchema({})]),
            run: (_ctx, [values]) => change(host, async () => {
                const properties = toZfsProperties(values as PropertyValues, flavorOf(host));
                if (Object.keys(properties).length === 0)
                    throw invalidArgument("properties: name at least one property to set");
                await host.tools.setProperties(name, properties);
                return [];
            }),
        }),
        Destroy: method({
            args: z.tuple([optionsSchema({ recursive: z.optional(z.boolean()) })]),
            run: (_ctx, [options]) => change(host, async () => {
                if (!name.includes("/"))
                    throw invalidArgument(`${name} is the pool's own dataset: destroy the pool instead`);
                const dependents = dependentsOf(name, host.datasets);
                const outside = dependents.filter(d => !d.startsWith(`${name}/`) && !d.startsWith(`${name}@`));
                if (outside.length > 0)
                    throw busy(`${name} cannot be destroyed: clones of its snapshots depend on it: ${outside.join(", ")} (destroy or promote them first)`);
                if (dependents.length > 0 && !options.recursive)
                    throw busy(`${name} has ${dependents.length} dependent${dependents.length > 1 ? "s" : ""}: ${dependents.join(", ")}; pass the option "recursive" to destroy ${dependents.length > 1 ? "them" : "it"} too`);
                await host.tools.destroy(name, dependents.length > 0);
                return [];
            }),
        }),
        Snapshot: method({
            args: z.tuple([snapshotName, optionsSchema({ recursive: z.optional(z.boolean()) })]),
            run: (_ctx, [short, options]) => change(host, async () => {
                if (exists(host, `${name}@${short}`))
                    throw invalidArgument(`name: ${name}@${short} exists already`);
                if (`${name}@${short}`.length > 255)
                    throw invalidArgument(`name: ${name}@${short} is longer than 255 characters`);
                await host.tools.snapshot(`${name}@${short}`, options.recursive ?? false);
                return [];
            }),
        }),
        Rollback: method({
            args: z.tuple([snapshotName, optionsSchema({ "destroy-newer": z.optional(z.boolean()) })]),
            run: (ctx: CallContext, [short, options]) => change(host, async () => {
                const full = snapshotOf(short);
                if (options["destroy-newer"])
                    await ctx.authorize("org.debvisor.zfs.destroy");
                else {
                    const snapshots = host.datasets.filter(d => d.name.startsWith(`${name}@`));
                    const at = snapshots.findIndex(d => d.name === full);
                    const newer = snapshots.slice(at + 1).map(d => d.name);
                    if (newer.length > 0)
                        throw busy(`snapshot: newer snapshots exist: ${newer.join(", ")}; pass the option "destroy-newer" to destroy them and roll back`);
                }
                await host.tools.rollback(full, options["destroy-newer"] ?? false);
                return [];
            }),
        }),
        Clone: method({
            args: z.tuple([snapshotName, datasetName, optionsSchema({})]),
            run: (_ctx, [short, target]) => change(host, async () => {
                const full = snapshotOf(short);
                if (target.split("/")[0] !== name.split("/")[0])
                    throw invalidArgument(`target: a clone must be in the same pool, ${name.split("/")[0]}`);
                requireNewChild(host, target);
                await host.tools.clone(full, target);
                return [host.datasetPath(target)];
            }),
        }),
        DestroySnapshot: method({
            args: z.tuple([snapshotName, optionsSchema({})]),
            run: (_ctx, [short]) => change(host, async () => {
                const full = snapshotOf(short);
                const clones = dependentsOf(full, host.datasets);
                if (clones.length > 0)
                    throw busy(`${full} cannot be destroyed: clones depend on it: ${clones.join(", ")}`);
                await host.tools.destroy(full, false);
                return [];
            }),
        }),
    });
}
