// Calls on Machine objects and Manager.CreateMachine, as the logged-in user,
// and the Machine's dictionaries as plain typed data.
import {
    MACHINE_IFACE, MANAGER_IFACE, type PageMachineProperties,
    type PlainMachineDisks, type PlainMachineGraphics, type PlainMachineNics, type PlainMachineSnapshots,
} from "../../../generated/dbus-contract";
import { MANAGER_PATH } from "../dbus-store";
import { callDaemon } from "./call";
import { plainDicts } from "./variants";

export type MachineAction = "Start" | "Shutdown" | "Reboot" | "ForceOff" | "Pause" | "Resume";

export type MachineDisk = PlainMachineDisks[number];
export type MachineNic = PlainMachineNics[number];
export type MachineSnapshot = PlainMachineSnapshots[number];
/** Access: "private" (a socket only root and qemu reach: OpenConsole alone), "local-users", "network" or "none". */
export type MachineGraphics = PlainMachineGraphics[number];

export const machineDisks = (p: PageMachineProperties) => plainDicts<PlainMachineDisks>(p.Disks);
export const machineNics = (p: PageMachineProperties) => plainDicts<PlainMachineNics>(p.Nics);
export const machineSnapshots = (p: PageMachineProperties) => plainDicts<PlainMachineSnapshots>(p.Snapshots);
export const machineGraphics = (p: PageMachineProperties) => plainDicts<PlainMachineGraphics>(p.Graphics);

/* Options as cockpit.js sends a{sv}: { key: { t: signature, v: value } }, absent values left out. */
type OptionValue = { t: string; v: unknown };
function options(entries: Record<string, OptionValue | undefined>): Record<string, OptionValue> {
    return Object.fromEntries(Object.entries(entries).filter(([, v]) => v !== undefined && v.v !== undefined && v.v !== "")) as Record<string, OptionValue>;
}
const s = (v: string | undefined) => v === undefined ? undefined : { t: "s", v };
const t = (v: number | undefined) => v === undefined ? undefined : { t: "t", v };
const u = (v: number | undefined) => v === undefined ? undefined : { t: "u", v };
const b = (v: boolean | undefined) => v === undefined ? undefined : { t: "b", v };

const machine = <R extends unknown[]>(path: string, method: string, args: unknown[]) => callDaemon<R>(path, MACHINE_IFACE, method, args);

export async function machineCall(path: string, action: MachineAction): Promise<void> {
    await machine(path, action, [{}]);
}

export async function machineDelete(path: string, o: { deleteDisks: boolean; force: boolean }): Promise<void> {
    await machine(path, "Delete", [options({ "delete-disks": b(o.deleteDisks), force: b(o.force) })]);
}

export interface CreateRequest {
    name: string;
    source: "empty" | "iso" | "image" | "cloud-image";
    iso?: string;
    image?: string;
    diskBytes?: number;
    vcpus?: number;
    memoryMiB?: number;
    os?: string;
    network?: string;
    start?: boolean;
    cloudInit?: { hostname?: string; user?: string; password?: string; sshKey?: string };
}

/** Returns the new machine's path and the import job ("/" when there is none). */
export async function machineCreate(r: CreateRequest): Promise<{ machine: string; job: string }> {
    const [machinePath, job] = await callDaemon<[string, string]>(MANAGER_PATH, MANAGER_IFACE, "CreateMachine", [r.name, options({
        source: s(r.source), iso: s(r.iso), image: s(r.image), "disk-size": t(r.diskBytes), vcpus: u(r.vcpus),
        "memory-mib": t(r.memoryMiB), os: s(r.os), network: s(r.network), start: b(r.start),
        "cloud-init.hostname": s(r.cloudInit?.hostname), "cloud-init.user": s(r.cloudInit?.user),
        "cloud-init.password": s(r.cloudInit?.password), "cloud-init.ssh-key": s(r.cloudInit?.sshKey),
    })]);
    return { machine: machinePath, job };
}

export async function machineRename(path: string, newName: string): Promise<void> {
    await machine(path, "Rename", [newName, {}]);
}

/** True when the machine must restart for the change. */
export async function machineSetResources(path: string, vcpus: number, memoryMiB: number): Promise<boolean> {
    const [restart] = await machine<[boolean]>(path, "SetResources", [options({ vcpus: u(vcpus), "memory-mib": t(memoryMiB) })]);
    return restart;
}

export async function machineSetAutostart(path: string, autostart: boolean): Promise<void> {
    await machine(path, "SetAutostart", [autostart, {}]);
}

/* `zvol`: a ZFS volume instead of a qcow2 file (OpenZFS and the zfs profile only; the daemon says why not elsewhere). */
export async function machineAttachDisk(path: string, bytes: number, zvol = false): Promise<string> {
    const [target] = await machine<[string]>(path, "AttachDisk", [bytes, options({ kind: s(zvol ? "zvol" : undefined) })]);
    return target;
}

export async function machineDetachDisk(path: string, target: string, deleteVolume: boolean): Promise<void> {
    await machine(path, "DetachDisk", [target, options({ "delete-volume": b(deleteVolume) })]);
}

export async function machineAttachNic(path: string, network?: string): Promise<string> {
    const [mac] = await machine<[string]>(path, "AttachNic", [options({ network: s(network) })]);
    return mac;
}

export async function machineDetachNic(path: string, mac: string): Promise<void> {
    await machine(path, "DetachNic", [mac, {}]);
}

export async function snapshotCreate(path: string, name: string, description: string): Promise<void> {
    await machine(path, "CreateSnapshot", [name, options({ description: s(description) })]);
}

export async function snapshotRevert(path: string, name: string): Promise<void> {
    await machine(path, "RevertSnapshot", [name, {}]);
}

export async function snapshotDelete(path: string, name: string): Promise<void> {
    await machine(path, "DeleteSnapshot", [name, {}]);
}

export async function machineClone(path: string, newName: string): Promise<{ machine: string; job: string }> {
    const [machinePath, job] = await machine<[string, string]>(path, "Clone", [newName, {}]);
    return { machine: machinePath, job };
}

/** A Unix socket path to open a stream channel to. */
export async function machineOpenConsole(path: string, kind: "serial" | "vnc"): Promise<string> {
    const [socket] = await machine<[string]>(path, "OpenConsole", [kind, {}]);
    return socket;
}

/** Moves a running machine to another member of the cluster; the Job's path. */
export async function machineMigrate(path: string, node: string): Promise<string> {
    const [job] = await machine<[string]>(path, "Migrate", [node, {}]);
    return job;
}
