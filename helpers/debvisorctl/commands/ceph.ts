// debvisorctl ceph …: the Ceph cluster debvisord follows (health, OSDs,
// pools, RBD images) and the common changes through the same methods as
// the page.
import dbus from "dbus-next";
import { CEPHIMAGE_IFACE, CEPHMANAGER_IFACE, CEPHOSD_IFACE, CEPHPOOL_IFACE, type ContractMethod } from "../../../generated/dbus-contract.js";
import { UsageError } from "../args.js";
import { findObject, getProperties, managedObjects, objectsWith, type Found } from "../bus.js";
import { callCommand, listCommand } from "../call-command.js";
import { JSON_OPTION, NO_ASK_OPTION, type Command } from "../command.js";
import { formatBytes } from "../../lib/bytes.js";
import { printAndFollow } from "../job-follow.js";
import { callMethod, confirmOption, passOptions } from "../method.js";
import { print, printJson } from "../output.js";
import { parseBytes } from "./import.js";

const CEPH_PATH = "/org/debvisor/DebVisor1/ceph";
const bytes = (v: unknown) => formatBytes(Number(v));
async function list(iface: string): Promise<Found[]> {
    return objectsWith(await managedObjects(), iface);
}

const findPool = (name: string) => findObject(CEPHPOOL_IFACE, o => o.Name === name, `no Ceph pool named "${name}"`);

async function findImage(spec: string): Promise<Found> {
    const slash = spec.indexOf("/");
    if (slash < 1)
        throw new UsageError("name the image as POOL/IMAGE");
    const [pool, name] = [spec.slice(0, slash), spec.slice(slash + 1)];
    return findObject(CEPHIMAGE_IFACE, o => o.Pool === pool && o.Name === name, `no RBD image ${spec}`);
}

const cephStatus: Command = {
    name: "ceph status",
    summary: "the Ceph cluster: state, health and its checks, monitors, managers, OSDs, PGs, capacity, CephFS",
    options: JSON_OPTION,
    async run(values) {
        const p = await getProperties(CEPH_PATH, CEPHMANAGER_IFACE);
        if (values.json) {
            printJson(p);
            return 0;
        }
        const lines = [`State:       ${String(p.State)}${p.LastError ? ` (${String(p.LastError)})` : ""}`];
        if (p.State === "reachable" || p.Fsid) {
            const checks = p.HealthChecks as Array<{ Code: string; Severity: string; Summary: string; Explanation: string }>;
            const mons = p.Monitors as Array<{ Name: string; InQuorum: boolean }>;
            const mgrs = p.Managers as Array<{ Name: string; Active: boolean }>;
            const pgs = p.PlacementGroups as Record<string, number>;
            const fsInfo = p.CephFS as { Name: string; State: string; Mounted: boolean; Mountpoint: string };
            const osds = await list(CEPHOSD_IFACE);
            lines.push(
                `Cluster:     ${String(p.Fsid)} (Ceph ${String(p.Version)})`,
                `Health:      ${String(p.Health)}${p.Maintenance ? " — maintenance (noout)" : ""}`,
                ...checks.map(c => `  ${c.Severity === "HEALTH_ERR" ? "ERR " : "WARN"} ${c.Code}: ${c.Summary}\n       ${c.Explanation}`),
                `Monitors:    ${mons.map(m => `${m.Name}${m.InQuorum ? "" : " (out of quorum)"}`).join(", ") || "-"}`,
                `Managers:    ${mgrs.map(m => `${m.Name}${m.Active ? " (active)" : ""}`).join(", ") || "-"}`,
                `OSDs:        ${osds.length} total, ${osds.filter(o => o.Up).length} up, ${osds.filter(o => o.In).length} in`,
                `PGs:         ${Object.values(pgs).reduce((sum, n) => sum + n, 0)}: ${Object.entries(pgs).map(([s, n]) => `${n} ${s}`).join(", ") || "-"}`,
                `Capacity:    ${bytes(p.UsedBytes)} used of ${bytes(p.TotalBytes)}, ${bytes(p.AvailableBytes)} available`,
                `Flags:       ${(p.Flags as string[]).join(", ") || "-"}`,
                `CephFS:      ${fsInfo.Name ? `${fsInfo.Name} ${fsInfo.State}${fsInfo.Mounted ? `, mounted at ${fsInfo.Mountpoint}` : ", not mounted"}` : "none"}`,
            );
        }
        print(lines.join("\n"));
        return 0;
    },
};

const cephOsds = listCommand({
    name: "ceph osds",
    summary: "the OSDs: up/in, host, class, device, used, PGs",
    items: async () => (await list(CEPHOSD_IFACE)).sort((a, b) => Number(a.Id) - Number(b.Id)),
    headers: ["ID", "UP", "IN", "HOST", "CLASS", "SIZE", "USED", "PGS", "DEVICE"],
    row: o => [
        String(o.Id), o.Up ? "up" : "down", o.In ? "in" : "out", String(o.Host), String(o.DeviceClass || "-"),
        bytes(o.TotalBytes), bytes(o.UsedBytes), String(o.PlacementGroups), String(o.Device),
    ],
});

const cephPools = listCommand({
    name: "ceph pools",
    summary: "the pools: replicas, PGs, applications, stored, available",
    items: async () => (await list(CEPHPOOL_IFACE)).sort((a, b) => Number(a.PoolId) - Number(b.PoolId)),
    headers: ["NAME", "ID", "SIZE", "MIN", "PGS", "AUTOSCALE", "APPLICATIONS", "STORED", "AVAIL"],
    row: p => [
        String(p.Name), String(p.PoolId), String(p.Size), String(p.MinSize), String(p.PgNum), String(p.PgAutoscale),
        (p.Applications as string[]).join(",") || "-", bytes(p.StoredBytes), bytes(p.MaxAvailableBytes),
    ],
});

const cephImages = listCommand({
    name: "ceph images",
    args: "[POOL]",
    summary: "RBD images (of one pool): size, used, snapshots",
    items: async (_values, [pool]) => (await list(CEPHIMAGE_IFACE)).filter(i => pool === undefined || i.Pool === pool)
        .sort((a, b) => `${String(a.Pool)}/${String(a.Name)}` < `${String(b.Pool)}/${String(b.Name)}` ? -1 : 1),
    headers: ["IMAGE", "SIZE", "USED", "SNAPSHOTS"],
    row: i => [
        `${String(i.Pool)}/${String(i.Name)}`, bytes(i.Size), bytes(i.UsedBytes),
        (i.Snapshots as Array<{ Name: string }>).map(s => s.Name).join(", ") || "-",
    ],
});

const cephMaintenance = callCommand({
    name: "ceph maintenance",
    args: "on|off",
    summary: "maintenance mode: \"on\" sets noout, so OSDs that go down are not marked out",
    options: NO_ASK_OPTION,
    path: CEPH_PATH, iface: CEPHMANAGER_IFACE, method: "SetMaintenance",
    check: ([state]) => {
        if (state !== "on" && state !== "off")
            throw new UsageError("say on or off");
    },
    callArgs: ([state]) => [state === "on"],
});

const cephOsdMark: Command = {
    name: "ceph osd",
    args: "in|out ID",
    summary: "mark an OSD in (it takes data) or out (its data moves away)",
    options: NO_ASK_OPTION,
    async run(values, [verb, id]) {
        if (verb !== "in" && verb !== "out")
            throw new UsageError("say in or out");
        const osd = await findObject(CEPHOSD_IFACE, o => String(o.Id) === id.replace(/^osd\./, ""), `no OSD ${id}`);
        await callMethod(osd.Path, CEPHOSD_IFACE, verb === "in" ? "MarkIn" : "MarkOut", [], values);
        return 0;
    },
};

const WAIT_OPTION = { wait: { type: "boolean" as const, help: "follow the job until it ends" } };

const cephBootstrap: Command = {
    name: "ceph bootstrap",
    args: "DEVICE…",
    summary: "create a single-node cluster with one OSD per spare disk, an MDS with a CephFS and an RBD pool (a job)",
    options: {
        "rbd-pool": { type: "string", value: "NAME", help: "the RBD pool for VM disks (default rbd; \"\" for none)" },
        cephfs: { type: "string", value: "NAME", help: "the CephFS's name (default cephfs; \"\" for none)" },
        "no-mount": { type: "boolean", help: "do not mount the CephFS at /srv/cephfs" },
        "public-network": { type: "string", value: "CIDR", help: "the network the daemons use (default 127.0.0.0/8)" },
        ...WAIT_OPTION,
        ...NO_ASK_OPTION,
    },
    positionals: { min: 1, max: 64 },
    async run(values, devices) {
        const options: Record<string, InstanceType<typeof dbus.Variant>> = {};
        for (const key of ["rbd-pool", "cephfs", "public-network"] as const)
            if (values[key] !== undefined)
                options[key] = new dbus.Variant("s", String(values[key]));
        if (values["no-mount"])
            options.mount = new dbus.Variant("b", false);
        const [job] = await callMethod(CEPH_PATH, CEPHMANAGER_IFACE, "Bootstrap", [devices], values, options) as [string];
        return printAndFollow(job, values);
    },
};

const cephOsdAdd = callCommand({
    name: "ceph osd add",
    args: "DEVICE",
    summary: "make a spare disk an OSD of the cluster (a job)",
    options: { ...WAIT_OPTION, ...NO_ASK_OPTION },
    path: CEPH_PATH, iface: CEPHMANAGER_IFACE, method: "AddOsd", prints: "job",
});

const cephPoolCreate: Command = {
    name: "ceph pool create",
    args: "NAME",
    summary: "create a replicated pool",
    options: {
        size: { type: "string", value: "N", help: "replicas, 1 to 10" },
        "min-size": { type: "string", value: "N", help: "replicas needed to accept writes" },
        application: { type: "string", value: "APP", help: "rbd (default), cephfs or rgw" },
        autoscale: { type: "string", value: "MODE", help: "PG autoscaling: on (default), off or warn" },
        ...NO_ASK_OPTION,
    },
    async run(values, [name]) {
        const options: Record<string, InstanceType<typeof dbus.Variant>> = {};
        const count = (key: string) => {
            const n = Number(values[key]);
            if (!Number.isInteger(n) || n < 1)
                throw new UsageError(`--${key}: a whole number of replicas`);
            return new dbus.Variant("u", n);
        };
        if (values.size !== undefined)
            options.size = count("size");
        if (values["min-size"] !== undefined)
            options.min_size = count("min-size");
        if (values.application !== undefined)
            options.application = new dbus.Variant("s", String(values.application));
        if (values.autoscale !== undefined)
            options.pg_autoscale = new dbus.Variant("s", String(values.autoscale));
        await callMethod(CEPH_PATH, CEPHMANAGER_IFACE, "CreatePool", [name], values, options);
        return 0;
    },
};

const cephPoolSize: Command = {
    name: "ceph pool size",
    args: "NAME SIZE MIN_SIZE",
    summary: "change a pool's replication",
    options: NO_ASK_OPTION,
    async run(values, [name, size, minSize]) {
        const pool = await findPool(name);
        if (!/^\d+$/.test(size) || !/^\d+$/.test(minSize))
            throw new UsageError("SIZE and MIN_SIZE are whole numbers");
        await callMethod(pool.Path, CEPHPOOL_IFACE, "SetSize", [Number(size), Number(minSize)], values);
        return 0;
    },
};

const cephPoolDelete = callCommand({
    name: "ceph pool delete",
    args: "NAME",
    summary: "delete a pool and everything in it; --confirm NAME repeats its name",
    options: { confirm: { type: "string", value: "NAME", help: "the pool's name again" }, ...NO_ASK_OPTION },
    path: async ([name]) => (await findPool(name)).Path, iface: CEPHPOOL_IFACE, method: "Delete",
    callArgs: () => [], callOptions: confirmOption,
});

const cephImageCreate: Command = {
    name: "ceph image create",
    args: "POOL/NAME SIZE",
    summary: "create an RBD image; SIZE in bytes or with M, G or T (whole MiB)",
    options: NO_ASK_OPTION,
    async run(values, [spec, size]) {
        const slash = spec.indexOf("/");
        if (slash < 1)
            throw new UsageError("name the image as POOL/NAME");
        const pool = await findPool(spec.slice(0, slash));
        await callMethod(pool.Path, CEPHPOOL_IFACE, "CreateImage", [spec.slice(slash + 1), BigInt(parseBytes(size))], values);
        return 0;
    },
};

/* The image's path for a command whose first argument is POOL/NAME; the arguments after it go to the method. */
const imagePath = async ([spec]: string[]) => (await findImage(spec)).Path;
const afterImage = ([, ...rest]: string[]) => rest;

const cephImageResize = callCommand({
    name: "ceph image resize",
    args: "POOL/NAME SIZE",
    summary: "grow an RBD image (shrink with --allow-shrink: the end is lost)",
    options: { "allow-shrink": { type: "boolean", help: "allow a smaller size" }, ...NO_ASK_OPTION },
    path: imagePath, iface: CEPHIMAGE_IFACE, method: "Resize",
    callArgs: ([, size]) => [BigInt(parseBytes(size))], callOptions: values => passOptions(values, { "allow-shrink": "b" }),
});

const cephImageSnapshot = callCommand({
    name: "ceph image snapshot",
    args: "POOL/NAME SNAPSHOT",
    summary: "take a snapshot of an RBD image",
    options: NO_ASK_OPTION,
    path: imagePath, iface: CEPHIMAGE_IFACE, method: "Snapshot", callArgs: afterImage,
});

const cephImageDelete = callCommand({
    name: "ceph image delete",
    args: "POOL/NAME",
    summary: "delete an RBD image with its snapshots; --confirm NAME repeats the image's name",
    options: { confirm: { type: "string", value: "NAME", help: "the image's name again" }, ...NO_ASK_OPTION },
    path: imagePath, iface: CEPHIMAGE_IFACE, method: "Delete", callArgs: afterImage, callOptions: confirmOption,
});

/* Rollback and snapshot-delete: both name a snapshot and repeat its name with --confirm. */
const snapshotCommand = (verb: string, method: ContractMethod<typeof CEPHIMAGE_IFACE>, summary: string) => callCommand({
    name: `ceph image ${verb}`,
    args: "POOL/NAME SNAPSHOT",
    summary,
    options: { confirm: { type: "string", value: "SNAPSHOT", help: "the snapshot's name again" }, ...NO_ASK_OPTION },
    path: imagePath, iface: CEPHIMAGE_IFACE, method, callArgs: afterImage, callOptions: confirmOption,
});

const cephImageRollback = snapshotCommand("rollback", "RollbackSnapshot",
    "return an RBD image to a snapshot (what was written since is lost; refused while a running machine uses it); --confirm SNAPSHOT repeats its name");
const cephImageSnapshotDelete = snapshotCommand("snapshot-delete", "DeleteSnapshot",
    "delete one snapshot of an RBD image (a protected one is refused); --confirm SNAPSHOT repeats its name");

const cephFsMount: Command = {
    name: "ceph fs",
    args: "mount|unmount",
    summary: "mount the CephFS at /srv/cephfs (and keep it in /etc/fstab), or unmount it",
    options: NO_ASK_OPTION,
    async run(values, [verb]) {
        if (verb !== "mount" && verb !== "unmount")
            throw new UsageError("say mount or unmount");
        await callMethod(CEPH_PATH, CEPHMANAGER_IFACE, verb === "mount" ? "MountCephFS" : "UnmountCephFS", [], values);
        return 0;
    },
};

export const cephCommands: Command[] = [cephStatus, cephBootstrap, cephOsdAdd, cephOsds, cephPools, cephImages, cephMaintenance, cephOsdMark, cephPoolCreate, cephPoolSize,
    cephPoolDelete, cephImageCreate, cephImageResize, cephImageSnapshot, cephImageDelete, cephImageRollback, cephImageSnapshotDelete, cephFsMount];
