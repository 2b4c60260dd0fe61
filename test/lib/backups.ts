// What the backup tests share: libvirt and image inspection through the real
// tools, the bus calls on repositories and machines, restic and debvisorctl
// as a user would run them.
import { execFileSync, spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { JobWatch } from "./bus-watch.js";
import { callAs, getProperty, MANAGER } from "./call-as.js";
import { ADMIN, OPERATOR } from "./users.js";
import { waitFor, withTimeout } from "./wait.js";

export const ROOT = "/org/debvisor/DebVisor1";
export const BACKUPS = { path: `${ROOT}/backups`, iface: "org.debvisor.DebVisor1.Backups" };
export const REPOSITORY = "org.debvisor.DebVisor1.BackupRepository";
export const MACHINE = "org.debvisor.DebVisor1.Machine";
export const JOB = "org.debvisor.DebVisor1.Job";
export const MIB = 1024 ** 2;

export const virsh = (...args: string[]) => execFileSync("virsh", ["-c", "qemu:///system", ...args], { encoding: "utf8", stdio: "pipe" });
export const domainNames = () => virsh("list", "--all", "--name").split("\n").map(l => l.trim()).filter(Boolean);
/* A shut-off machine on one qcow2 disk of sizeMiB holding dataMiB of a pattern from 1 MiB on,
 * defined in libvirt: what a backup test backs up. Its definition is written into dir. */
export function defineDiskMachine(name: string, disk: string, dir: string, sizeMiB: number, dataMiB: number): void {
    execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", disk, `${sizeMiB}M`]);
    execFileSync("qemu-io", ["-f", "qcow2", "-c", `write -P 0x5a 1M ${dataMiB}M`, disk], { stdio: "pipe" });
    defineMachineOn(name, disk, dir);
}

/* A raw guest disk of 64 MiB as an installer leaves one: a GPT with an ext4 partition of 24 MiB
 * holding the files under `root` (written by mke2fs -d, nothing mounted) and a FAT one of 16 MiB. */
export function writeGuestDisk(image: string, root: string): void {
    fs.writeFileSync(image, "");
    fs.truncateSync(image, 64 * MIB);
    execFileSync("sfdisk", ["-q", image], { input: "label: gpt\n,24M,L\n,16M,L\n" });
    execFileSync("mkfs.ext4", ["-q", "-F", "-E", `offset=${MIB}`, "-d", root, image, "24M"]);
    execFileSync("mkfs.vfat", ["--offset", String(MIB / 512 + 24 * 2048), image, String(16 * 1024)], { stdio: "pipe" });
}

/* A shut-off machine on the qcow2 disk `disk`, defined in libvirt; its definition is written into dir. */
export function defineMachineOn(name: string, disk: string, dir: string): void {
    const xmlFile = path.join(dir, "domain.xml");
    fs.writeFileSync(xmlFile, `<domain type='qemu'><name>${name}</name><memory unit='MiB'>32</memory><vcpu>1</vcpu>
        <os><type arch='x86_64' machine='pc'>hvm</type></os>
        <devices><disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='${disk}'/><target dev='vda' bus='virtio'/></disk></devices></domain>`);
    virsh("define", xmlFile);
}
export const volumeFile = (name: string, pool = "default") => virsh("vol-path", "--pool", pool, name).trim();
export const volumeNames = (pool: string) => virsh("vol-list", pool).split("\n").slice(2).map(l => l.trim().split(/\s+/)[0]).filter(Boolean);
export const prop = (objectPath: string, name: string) => getProperty(objectPath, MACHINE, name).catch(() => undefined);
/* The file of a machine's first disk, in whichever pool the storage profile put it. */
export async function firstDisk(objectPath: string): Promise<{ pool: string; file: string }> {
    const disks = await getProperty(objectPath, MACHINE, "Disks") as Array<Record<string, unknown>>;
    const [pool, volume] = String(disks.find(d => d.Device === "disk")?.Source).split("/");
    return { pool, file: volumeFile(volume, pool) };
}
export const sha256 = (file: string) => crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");

export type Options = Record<string, [string, unknown]>;

/* The guest-visible content of a disk image (read while a machine may run: -U). */
export function rawContent(file: string, dir: string): string {
    const out = path.join(dir, `content-${crypto.randomBytes(4).toString("hex")}.raw`);
    execFileSync("qemu-img", ["convert", "-U", "-O", "raw", file, out], { stdio: "pipe" });
    try {
        return sha256(out);
    } finally {
        fs.rmSync(out, { force: true });
    }
}

/* Writes `pattern` over [offset, offset+length) of an image with qemu-io. */
export function writePattern(file: string, format: string, pattern: number, offset: number, length: number): void {
    execFileSync("qemu-io", ["-f", format, "-c", `write -P ${pattern} ${offset} ${length}`, file], { stdio: "pipe" });
}

/* Whether [offset, offset+length) of an image holds `pattern` (qemu-io's own verification). */
export function holdsPattern(file: string, format: string, pattern: number, offset: number, length: number): boolean {
    const out = execFileSync("qemu-io", ["-r", "-U", "-f", format, "-c", `read -P ${pattern} ${offset} ${length}`, file], { encoding: "utf8", stdio: "pipe" });
    return !/Pattern verification failed/.test(out);
}

export function addRepository(user: string | null, name: unknown, location: unknown, password: unknown, options: Options = {}) {
    return callAs(user, { ...BACKUPS, method: "AddRepository", signature: "sssa{sv}", body: [name, location, password, options] });
}

export function repoCall(user: string | null, repoPath: string, method: string, signature: string, body: unknown[]) {
    return callAs(user, { path: repoPath, iface: REPOSITORY, method, signature, body });
}

export function machineCall(user: string | null, objectPath: string, method: string, signature: string, body: unknown[]) {
    return callAs(user, { path: objectPath, iface: MACHINE, method, signature, body });
}

/* restic itself, as root, with the repository's password: what is really in the repository. */
export function restic(repo: string, passwordFile: string, ...args: string[]): string {
    return execFileSync("restic", ["-r", repo, "--password-file", passwordFile, "--no-cache", ...args], { encoding: "utf8", stdio: "pipe" });
}

export const repositoryObjects = async () => {
    const all = await callAs(null, { path: ROOT, iface: "org.freedesktop.DBus.ObjectManager", method: "GetManagedObjects", signature: "", body: [] });
    if (!all.ok)
        throw new Error(all.message);
    return all.body[0] as Record<string, Record<string, Record<string, unknown>>>;
};

/* The installed debvisorctl, as root or as a test user (with that user's groups). */
export function ctl(args: string[], options: { user?: string; input?: string } = {}) {
    const [command, argv] = options.user
        ? ["setpriv", ["--reuid", options.user, "--regid", options.user, "--init-groups", "debvisorctl", ...args]]
        : ["debvisorctl", args];
    const r = spawnSync(command, argv, { encoding: "utf8", timeout: 300_000, input: options.input ?? "" });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}


type WatchJob = (path: string) => JobWatch;

/* A repository added by an admin at `location`; its object path. */
export async function addTestRepository(name: string, location: string, password: string): Promise<string> {
    const added = await addRepository(ADMIN.name, name, location, password);
    if (!added.ok)
        throw new Error(added.message);
    return added.body[0] as string;
}

/* A machine an admin creates from the disk image `image` (imported as its disk); its object path, once it is listed. */
export async function createMachineFromImage(name: string, image: string, watch: WatchJob): Promise<string> {
    const created = await callAs(ADMIN.name, { ...MANAGER, method: "CreateMachine", signature: "sa{sv}",
        body: [name, { source: ["s", "image"], image: ["s", image] }] });
    if (!created.ok)
        throw new Error(created.message);
    const machinePath = created.body[0] as string;
    const [ok, message] = await withTimeout(watch(created.body[1] as string).completed, 120_000, "the import");
    if (!ok)
        throw new Error(message);
    await waitFor("the machine", async () => await prop(machinePath, "Name") === name);
    return machinePath;
}

/* An operator's backup of the machine into the repository; the snapshot's short id. */
export async function backUpMachine(machinePath: string, repository: string, watch: WatchJob): Promise<string> {
    const backup = await machineCall(OPERATOR.name, machinePath, "Backup", "sa{sv}", [repository, {}]);
    if (!backup.ok)
        throw new Error(backup.message);
    const [backedUp, message] = await withTimeout(watch(backup.body[0] as string).completed, 300_000, "the backup");
    if (!backedUp)
        throw new Error(message);
    return /snapshot ([0-9a-f]{8})/.exec(message)?.[1] ?? "";
}

/* What a test made: its machine (stopped, undefined with its storage) and its repository (forgotten). */
export async function removeTestMachineAndRepository(name: string, repository: string): Promise<void> {
    if (domainNames().includes(name)) {
        try { virsh("destroy", name) } catch { /* not running */ }
        virsh("undefine", name, "--remove-all-storage");
    }
    for (const [p, ifaces] of Object.entries(await repositoryObjects()))
        if (ifaces[REPOSITORY]?.Name === repository)
            await repoCall(null, p, "Remove", "a{sv}", [{}]);
}
