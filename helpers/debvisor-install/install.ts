/* The installer's disk steps: checks first (nothing written), then partitions
 * the disk (GPT: BIOS boot + EFI system + root ext4), copies the live root
 * file system, configures the new system from the answers, removes what only
 * the live system needs, installs GRUB for BIOS (i386-pc) and EFI (the
 * removable path) and enables first boot. Every tool runs with an argument
 * array, never through a shell.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { runTool } from "../lib/tool-run.js";
import type { Answers } from "./answers.js";

const MIN_DISK_BYTES = 2 * 1024 ** 3;
export const LIVE_SQUASHFS = "/run/live/medium/live/filesystem.squashfs";
/* the live system's own packages, removed from the installed node */
const LIVE_PACKAGES = [
    "live-boot", "live-boot-initramfs-tools", "live-config", "live-config-systemd", "live-tools",
    "user-setup", "debvisor-installer",
];
const FIRSTBOOT_UNIT = "debvisor-firstboot.service";
/* the root file system's label: partition() sets it, and a disk with a file
 * system so labelled holds a DebVisor installation (see installedOn) */
const ROOT_LABEL = "debvisor-root";

export interface InstallOptions {
    answers: Answers;
    source: string; // a squashfs image or a directory holding the root file system
    target: string; // where the new root is mounted while installing
    iface: string; // the network interface for /etc/network/interfaces
    serial: string | null; // e.g. "ttyS0,115200n8": the kernel and GRUB also use this serial line
    minDiskBytes?: number;
    avoid?: string[]; // devices that must not be the target (the live medium, the answers disk)
    only?: string[]; // when given, the only devices that may be the target (--disk)
    log: (line: string) => void;
    logFile?: string; // copied to /var/log/installer/ in the new system
}

export class InstallError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "InstallError";
    }
}

const TIMEOUT = 30 * 60_000;

async function run(opts: InstallOptions, cmd: string, args: string[], input?: string): Promise<string> {
    return runEnv(opts, {}, cmd, args, input);
}

async function runEnv(opts: InstallOptions, env: Record<string, string>, cmd: string, args: string[], input?: string): Promise<string> {
    opts.log(`$ ${cmd} ${args.join(" ")}`);
    // the install log wants stdout and stderr interleaved as the tool printed them
    const r = await runTool(cmd, args, cmd, {
        timeout: TIMEOUT, interleaved: true, input, allowFailure: true, env: { LC_ALL: "C.UTF-8", DEBIAN_FRONTEND: "noninteractive", ...env },
    });
    const out = r.all.trim();
    if (out)
        opts.log(out.length > 4000 ? `${out.slice(0, 4000)}…` : out);
    if (r.exitCode !== 0)
        throw new InstallError(`${cmd} ${args.join(" ")} failed (${r.timedOut ? "timed out" : `exit ${r.exitCode}`}): ${out.split("\n").slice(-3).join(" ")}`);
    return r.stdout;
}

interface LsblkDev {
    name: string;
    path: string;
    type: string;
    size: number | string;
    ro: boolean | string;
    mountpoints?: (string | null)[];
    mountpoint?: string | null;
    children?: LsblkDev[];
}

/* The device and what is on it: lsblk nests the partitions as children, or (without udev's
 * database, e.g. for a loop device) lists them after the device; both are folded into children. */
async function lsblk(dev: string): Promise<LsblkDev> {
    const r = await runTool("lsblk", ["-J", "-b", "-o", "NAME,PATH,TYPE,SIZE,RO,MOUNTPOINT", dev], "lsblk", { timeout: 20_000, allowFailure: true });
    if (r.exitCode !== 0)
        throw new InstallError(`disk ${dev}: ${r.stderr.trim() || "lsblk failed"}`);
    const json = JSON.parse(r.stdout) as { blockdevices: LsblkDev[] };
    const [first, ...rest] = json.blockdevices;
    if (!first)
        throw new InstallError(`disk ${dev}: not found`);
    return { ...first, children: [...first.children ?? [], ...rest] };
}

function mounted(dev: LsblkDev): string[] {
    const here = [...(dev.mountpoints ?? []), dev.mountpoint].filter((m): m is string => !!m);
    return [...here, ...(dev.children ?? []).flatMap(mounted)];
}

function isTrue(v: boolean | string): boolean {
    return v === true || v === "1" || v === "true";
}

/* Everything that can be checked before the disk is touched. */
export async function preflight(opts: InstallOptions): Promise<string> {
    const { answers } = opts;
    let disk: string;
    try {
        disk = fs.realpathSync(answers.disk);
    } catch {
        throw new InstallError(`disk ${answers.disk} does not exist`);
    }
    if (!fs.statSync(disk).isBlockDevice())
        throw new InstallError(`disk ${answers.disk} is not a block device`);
    const dev = await lsblk(disk);
    if (dev.type !== "disk" && dev.type !== "loop")
        throw new InstallError(`${answers.disk} is a ${dev.type}, not a whole disk`);
    if (isTrue(dev.ro))
        throw new InstallError(`disk ${answers.disk} is read-only`);
    const size = Number(dev.size);
    if (size < (opts.minDiskBytes ?? MIN_DISK_BYTES))
        throw new InstallError(`disk ${answers.disk} is too small: ${gib(size)} GiB, at least ${gib(opts.minDiskBytes ?? MIN_DISK_BYTES)} GiB needed`);
    const inUse = mounted(dev);
    if (inUse.length)
        throw new InstallError(`disk ${answers.disk} is in use (mounted on ${inUse.join(", ")})`);
    for (const avoid of opts.avoid ?? []) {
        let real = avoid;
        try {
            real = fs.realpathSync(avoid);
        } catch { /* gone: nothing to avoid */ }
        if (real === disk)
            throw new InstallError(`disk ${answers.disk} holds the installer or its answers: choose another disk`);
    }
    if (opts.only?.length && !opts.only.some(d => realpathOr(d) === disk))
        throw new InstallError(`disk ${answers.disk} is not one of the disks this installer may use (--disk ${opts.only.join(", ")})`);
    if (!fs.existsSync(opts.source))
        throw new InstallError(`the system to install is missing: ${opts.source}`);
    if (!fs.existsSync(path.join("/usr/share/zoneinfo", answers.timezone)))
        throw new InstallError(`time zone ${answers.timezone} is unknown (no /usr/share/zoneinfo/${answers.timezone})`);
    if (fs.existsSync(opts.target) && fs.readdirSync(opts.target).length)
        throw new InstallError(`${opts.target} is not empty: is another installation running?`);
    // last: a machine that boots the installer medium again after an unattended installation
    // must not install over the node it made
    const installed = await installedOn(disk);
    if (installed && !answers.overwrite) {
        throw new InstallError(`disk ${answers.disk} already holds a DebVisor installation (${installed} is labelled ${ROOT_LABEL}): ` +
            "not installing over it. If this machine started the installer again after installing, remove the installer medium " +
            "or boot from the disk; to install again, add overwrite=yes to the answers");
    }
    return disk;
}

function realpathOr(p: string): string {
    try {
        return fs.realpathSync(p);
    } catch {
        return p;
    }
}

/* The partition of disk holding a file system labelled debvisor-root (what
 * partition() makes), or null. Each partition is probed directly (blkid -p),
 * not through a cache or udev's database, and nothing is mounted. */
export async function installedOn(disk: string): Promise<string | null> {
    let dev: LsblkDev;
    try {
        dev = await lsblk(disk);
    } catch {
        return null;
    }
    const all = (d: LsblkDev): LsblkDev[] => [d, ...(d.children ?? []).flatMap(all)];
    const parts = all(dev).filter(c => c.type === "part").map(c => c.path);
    for (const part of parts) {
        const label = await runTool("blkid", ["-p", "-s", "LABEL", "-o", "value", part], "blkid", { timeout: 20_000, allowFailure: true });
        if (label.exitCode === 0 && label.stdout.trim() === ROOT_LABEL)
            return part;
    }
    return null;
}

function gib(bytes: number): string {
    return (bytes / 1024 ** 3).toFixed(1);
}

export function partitionPath(disk: string, n: number): string {
    return /[0-9]$/.test(disk) ? `${disk}p${n}` : `${disk}${n}`;
}

async function waitFor(file: string, ms: number): Promise<void> {
    const end = Date.now() + ms;
    while (!fs.existsSync(file)) {
        if (Date.now() > end)
            throw new InstallError(`${file} did not appear after partitioning`);
        await new Promise(r => setTimeout(r, 200));
    }
}

async function uuid(opts: InstallOptions, dev: string): Promise<string> {
    const u = (await run(opts, "blkid", ["-s", "UUID", "-o", "value", dev])).trim();
    if (!/^[0-9A-Fa-f-]{4,36}$/.test(u))
        throw new InstallError(`no file system UUID on ${dev}`);
    return u;
}

interface Layout {
    disk: string;
    efi: string;
    root: string;
    efiUuid: string;
    rootUuid: string;
}

async function partition(opts: InstallOptions, disk: string): Promise<Layout> {
    opts.log(`partitioning ${disk} (GPT: BIOS boot, EFI system, root)`);
    await run(opts, "wipefs", ["-a", "-q", disk]);
    await run(opts, "sgdisk", ["--zap-all", disk]);
    await run(opts, "sgdisk",
        ["-n", "1:2048:+1M", "-t", "1:EF02", "-c", "1:bios",
            "-n", "2:0:+256M", "-t", "2:EF00", "-c", "2:efi",
            "-n", "3:0:0", "-t", "3:8304", "-c", "3:root", disk]);
    await run(opts, "partprobe", [disk]).catch(async () => run(opts, "partx", ["-u", disk]));
    if (fs.existsSync("/usr/bin/udevadm") || fs.existsSync("/bin/udevadm"))
        await run(opts, "udevadm", ["settle", "--timeout=20"]).catch(() => undefined);
    const efi = partitionPath(disk, 2);
    const root = partitionPath(disk, 3);
    await waitFor(efi, 20_000);
    await waitFor(root, 20_000);
    await run(opts, "mkfs.vfat", ["-F", "32", "-n", "EFI", efi]);
    await run(opts, "mkfs.ext4", ["-F", "-q", "-L", ROOT_LABEL, root]);
    return { disk, efi, root, efiUuid: await uuid(opts, efi), rootUuid: await uuid(opts, root) };
}

async function mountTarget(opts: InstallOptions, layout: Layout): Promise<void> {
    fs.mkdirSync(opts.target, { recursive: true });
    await run(opts, "mount", [layout.root, opts.target]);
}

async function copySystem(opts: InstallOptions): Promise<void> {
    if (fs.statSync(opts.source).isDirectory()) {
        opts.log(`copying ${opts.source} to ${opts.target}`);
        await run(opts, "rsync", ["-aHAX", "--numeric-ids", "--one-file-system",
            "--exclude=/proc/*", "--exclude=/sys/*", "--exclude=/dev/*", "--exclude=/run/*", "--exclude=/tmp/*",
            `${opts.source.replace(/\/+$/, "")}/`, `${opts.target}/`]);
    } else {
        opts.log(`unpacking ${opts.source} to ${opts.target}`);
        await run(opts, "unsquashfs", ["-f", "-n", "-d", opts.target, opts.source]);
    }
}

function write(opts: InstallOptions, rel: string, text: string, mode = 0o644): void {
    const file = path.join(opts.target, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    // a symbolic link in the copied system must not send the write elsewhere
    try {
        if (fs.lstatSync(file).isSymbolicLink())
            fs.unlinkSync(file);
    } catch { /* absent */ }
    fs.writeFileSync(file, text, { mode });
    fs.chmodSync(file, mode);
    opts.log(`wrote /${rel}`);
}

export function fstab(layout: Pick<Layout, "rootUuid" | "efiUuid">): string {
    return "# /etc/fstab: written by the DebVisor installer; see fstab(5)\n" +
        "# <file system>                            <mount point> <type> <options>         <dump> <pass>\n" +
        `UUID=${layout.rootUuid} /             ext4   errors=remount-ro 0      1\n` +
        `UUID=${layout.efiUuid}                            /boot/efi     vfat   umask=0077        0      1\n`;
}

export function interfaces(iface: string, answers: Answers): string {
    const lines = [
        "# /etc/network/interfaces: written by the DebVisor installer; see interfaces(5)",
        "source /etc/network/interfaces.d/*",
        "",
        "auto lo",
        "iface lo inet loopback",
        "",
        `auto ${iface}`,
    ];
    if (answers.network.mode === "dhcp") {
        lines.push(`iface ${iface} inet dhcp`);
    } else {
        const v6 = answers.network.address.includes(":");
        lines.push(`iface ${iface} ${v6 ? "inet6" : "inet"} static`,
            `    address ${answers.network.address}`,
            `    gateway ${answers.network.gateway}`,
            `    dns-nameservers ${answers.network.dns.join(" ")}`);
    }
    return `${lines.join("\n")}\n`;
}

export function hosts(answers: Answers): string {
    const fqdn = answers.domain ? `${answers.hostname}.${answers.domain}` : answers.hostname;
    const names = answers.domain ? `${fqdn} ${answers.hostname}` : answers.hostname;
    const own = answers.network.mode === "static" && !answers.network.address.includes(":")
        ? answers.network.address.replace(/\/.*$/, "") : "127.0.1.1";
    return `127.0.0.1\tlocalhost\n${own}\t${names}\n\n` +
        "::1\tlocalhost ip6-localhost ip6-loopback\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n";
}

/* The kernel and the initial RAM disk as GRUB finds them on the root file system. */
function kernelPaths(root: string): { kernel: string; initrd: string } {
    // the links that the kernel packages keep up to date, first
    for (const dir of ["", "boot/"]) {
        if (fs.existsSync(path.join(root, dir, "vmlinuz")) && fs.existsSync(path.join(root, dir, "initrd.img")))
            return { kernel: `/${dir}vmlinuz`, initrd: `/${dir}initrd.img` };
    }
    const versions = fs.readdirSync(path.join(root, "boot"))
        .filter(f => f.startsWith("vmlinuz-") && fs.existsSync(path.join(root, "boot", `initrd.img-${f.slice(8)}`)))
        .map(f => f.slice(8))
        .sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
    const v = versions.at(-1);
    if (!v)
        throw new InstallError("the system to install has no kernel with an initial RAM disk in /boot");
    return { kernel: `/boot/vmlinuz-${v}`, initrd: `/boot/initrd.img-${v}` };
}

export function grubCfg(rootUuid: string, kernel: { kernel: string; initrd: string }, serial: string | null): string {
    const unit = serial ? /^ttyS([0-9]+)/.exec(serial)?.[1] ?? null : null;
    const speed = serial ? /,([0-9]+)/.exec(serial)?.[1] ?? "115200" : "115200";
    const consoles = serial ? `console=tty0 console=${serial}` : "";
    return [
        "# GRUB's configuration, written by the DebVisor installer.",
        "# The kernel and initrd are the links /vmlinuz and /initrd.img that the kernel packages update.",
        ...(unit !== null ? [`serial --unit=${unit} --speed=${speed}`, "terminal_input console serial", "terminal_output console serial"] : []),
        "set default=0",
        "set timeout=3",
        "insmod part_gpt",
        "insmod ext2",
        `search --no-floppy --fs-uuid --set=root ${rootUuid}`,
        "menuentry 'DebVisor' {",
        `    linux ${kernel.kernel} root=UUID=${rootUuid} ro quiet ${consoles}`.trimEnd(),
        `    initrd ${kernel.initrd}`,
        "}",
        "menuentry 'DebVisor (recovery mode)' {",
        `    linux ${kernel.kernel} root=UUID=${rootUuid} ro single ${consoles}`.trimEnd(),
        `    initrd ${kernel.initrd}`,
        "}",
        "",
    ].join("\n");
}

async function configure(opts: InstallOptions, layout: Layout): Promise<void> {
    const { answers } = opts;
    write(opts, "etc/fstab", fstab(layout));
    write(opts, "etc/hostname", `${answers.hostname}\n`);
    write(opts, "etc/hosts", hosts(answers));
    write(opts, "etc/network/interfaces", interfaces(opts.iface, answers));
    if (answers.network.mode === "static")
        write(opts, "etc/resolv.conf", answers.network.dns.map(d => `nameserver ${d}`).join("\n") + "\n");
    write(opts, "etc/debvisor-profile", `PROFILE=${answers.profile}\n`);
    write(opts, "etc/default/locale", `LANG=${answers.locale}\n`);
    write(opts, "etc/timezone", `${answers.timezone}\n`);
    const localtime = path.join(opts.target, "etc/localtime");
    fs.rmSync(localtime, { force: true });
    fs.symlinkSync(`/usr/share/zoneinfo/${answers.timezone}`, localtime);
    const localeGen = path.join(opts.target, "etc/locale.gen");
    if (answers.locale !== "C.UTF-8")
        fs.appendFileSync(localeGen, `${answers.locale} UTF-8\n`);
    // a new identity for this node: its own machine id (not empty: systemd would take the next boot
    // for a first boot and apply its unit presets), SSH host keys made below
    write(opts, "etc/machine-id", `${crypto.randomBytes(16).toString("hex")}\n`, 0o444);
    for (const f of fs.existsSync(path.join(opts.target, "etc/ssh")) ? fs.readdirSync(path.join(opts.target, "etc/ssh")) : []) {
        if (f.startsWith("ssh_host_"))
            fs.rmSync(path.join(opts.target, "etc/ssh", f), { force: true });
    }
    await accounts(opts);
}

async function accounts(opts: InstallOptions): Promise<void> {
    const { answers, target } = opts;
    for (const group of ["sudo", "debvisor-admin"])
        await run(opts, "groupadd", ["--root", target, "-f", "-r", group]);
    await run(opts, "useradd", ["--root", target, "-m", "-s", "/bin/bash", "-G", "sudo,debvisor-admin",
        "-c", "DebVisor administrator", "--", answers.adminUser]);
    // the hashes go through standard input, never on a command line
    await run(opts, "chpasswd", ["--root", target, "-e"],
        `root:${answers.rootPasswordHash}\n${answers.adminUser}:${answers.adminPasswordHash}\n`);
}

/* Runs a program inside the new system (with /proc, /sys and /dev), or says why not. */
async function inTarget(opts: InstallOptions, program: string, args: string[]): Promise<boolean> {
    const exists = ["usr/bin", "usr/sbin", "bin", "sbin"].some(d => fs.existsSync(path.join(opts.target, d, program)));
    if (!exists) {
        opts.log(`skipped in the new system: ${program} ${args.join(" ")} (no ${program} there)`);
        return false;
    }
    await run(opts, "chroot", [opts.target, program, ...args]);
    return true;
}

async function withSystemMounts<T>(opts: InstallOptions, fn: () => Promise<T>): Promise<T> {
    const mounts: string[] = [];
    try {
        for (const [what, args] of [["proc", ["-t", "proc", "proc"]], ["sys", ["-t", "sysfs", "sysfs"]], ["dev", ["--bind", "/dev"]]] as const) {
            const where = path.join(opts.target, what);
            fs.mkdirSync(where, { recursive: true });
            await run(opts, "mount", [...args, where]);
            mounts.push(where);
        }
        return await fn();
    } finally {
        for (const m of mounts.reverse())
            await run(opts, "umount", ["-l", m]).catch(() => undefined);
    }
}

async function finishSystem(opts: InstallOptions): Promise<string[]> {
    const warnings: string[] = [];
    let initramfsDone = false;
    await withSystemMounts(opts, async () => {
        // what only the live system needs
        if (fs.existsSync(path.join(opts.target, "usr/bin/dpkg"))) {
            const installed = (await runTool("chroot", [opts.target, "dpkg-query", "-W", "-f", "${Package} ${db:Status-Status}\\n"],
                "dpkg-query", { timeout: 60_000, allowFailure: true })).stdout
                .split("\n").filter(l => l.endsWith(" installed")).map(l => l.split(" ")[0]);
            const remove = LIVE_PACKAGES.filter(p => installed.includes(p));
            if (remove.length)
                await inTarget(opts, "dpkg", ["--purge", ...remove]);
            // removing live-boot's initramfs hooks triggers initramfs-tools, which rebuilds the initramfs
            // (minutes under emulation): once is enough
            initramfsDone = remove.includes("live-boot-initramfs-tools");
        } else {
            opts.log("skipped in the new system: removing the live packages (no dpkg there)");
        }
        for (const leftover of ["etc/live", "lib/live/mount", "etc/sudoers.d/live", "etc/systemd/system/getty@tty1.service.d/live-config_autologin.conf",
            "etc/systemd/system/serial-getty@ttyS0.service.d/live-config_autologin.conf"])
            fs.rmSync(path.join(opts.target, leftover), { recursive: true, force: true });
        await inTarget(opts, "locale-gen", []).catch(e => { warnings.push(`locale-gen: ${(e as Error).message}`); });
        await inTarget(opts, "ssh-keygen", ["-A"]);
        if (initramfsDone)
            opts.log("the initramfs was rebuilt without live-boot when it was removed");
        else
            await inTarget(opts, "update-initramfs", ["-u", "-k", "all"]);
        // first boot: another package's unit, enabled by name
        const unitThere = ["usr/lib/systemd/system", "lib/systemd/system", "etc/systemd/system"]
            .some(d => fs.existsSync(path.join(opts.target, d, FIRSTBOOT_UNIT)));
        if (!unitThere) {
            warnings.push(`${FIRSTBOOT_UNIT} is not in the installed system: first boot will not provision the node`);
        } else if (!await inTarget(opts, "systemctl", ["enable", FIRSTBOOT_UNIT]).catch(e => {
            warnings.push(`enabling ${FIRSTBOOT_UNIT} failed: ${(e as Error).message}`);
            return true;
        })) {
            warnings.push(`${FIRSTBOOT_UNIT} could not be enabled (no systemctl in the installed system)`);
        }
    });
    for (const w of warnings)
        opts.log(`warning: ${w}`);
    return warnings;
}

async function installBootloader(opts: InstallOptions, layout: Layout): Promise<void> {
    const boot = path.join(opts.target, "boot");
    fs.mkdirSync(path.join(boot, "efi"), { recursive: true });
    await installBios(opts, layout);
    await installEfi(opts, layout);
    write(opts, "boot/grub/grub.cfg", grubCfg(layout.rootUuid, kernelPaths(opts.target), opts.serial));
}

const EFI_GRUB_MODULES = "/usr/lib/grub/x86_64-efi";
const BIOS_GRUB_MODULES = "/usr/lib/grub/i386-pc";
/* the BIOS boot partition that partition() makes: sectors 2048 to 4095 */
const BIOS_BOOT_START = 2048;
const BIOS_BOOT_SECTORS = 2048;

function copyModules(from: string, to: string, extra: string[] = []): void {
    fs.mkdirSync(to, { recursive: true });
    for (const f of fs.readdirSync(from)) {
        if (/\.(mod|lst)$/.test(f) || extra.includes(f))
            fs.copyFileSync(path.join(from, f), path.join(to, f));
    }
}

/* The first thing GRUB's core image runs: find the root by UUID, read its GRUB directory. */
function earlyConfig(opts: InstallOptions, layout: Layout, dir: string): string {
    const file = path.join(opts.target, dir, "load.cfg");
    fs.writeFileSync(file, `search.fs_uuid ${layout.rootUuid} root\nset prefix=($root)/boot/grub\n`);
    return file;
}

/* GRUB for BIOS on a GPT disk, as grub-bios-setup does it: the core image in the
 * BIOS boot partition, the boot sector (boot.img, pointing at it) in the MBR with
 * the disk's own partition table kept. Done here because GRUB's tools cannot map
 * every kind of disk (a loop device) to a BIOS drive. */
async function installBios(opts: InstallOptions, layout: Layout): Promise<void> {
    const rel = "boot/grub/i386-pc";
    const dir = path.join(opts.target, rel);
    copyModules(BIOS_GRUB_MODULES, dir, ["boot.img"]);
    const core = path.join(dir, "core.img");
    await run(opts, "grub-mkimage", ["-O", "i386-pc", "-d", BIOS_GRUB_MODULES, "-o", core, "-c", earlyConfig(opts, layout, rel),
        "-p", "/boot/grub", "biosdisk", "part_gpt", "part_msdos", "ext2", "search_fs_uuid"]);
    const image = fs.readFileSync(core);
    const sectors = Math.ceil(image.length / 512);
    if (sectors > BIOS_BOOT_SECTORS)
        throw new InstallError(`GRUB's core image (${image.length} bytes) does not fit the BIOS boot partition`);
    const padded = Buffer.alloc(sectors * 512);
    image.copy(padded);
    // the first sector (diskboot) loads the rest: one block list entry
    const list = 512 - 12;
    padded.writeBigUInt64LE(BigInt(BIOS_BOOT_START + 1), list);
    padded.writeUInt16LE(sectors - 1, list + 8);
    padded.writeUInt16LE(0x820, list + 10);

    const fd = fs.openSync(layout.disk, "r+");
    try {
        const mbr = Buffer.alloc(512);
        fs.readSync(fd, mbr, 0, 512, 0);
        const boot = fs.readFileSync(path.join(BIOS_GRUB_MODULES, "boot.img"));
        if (boot.length !== 512)
            throw new InstallError("GRUB's boot.img is not one sector");
        mbr.copy(boot, 0x03, 0x03, 0x5a); // what a BIOS parameter block there was
        mbr.copy(boot, 0x1b8, 0x1b8, 0x200); // disk signature, partition table, 55 AA
        boot.writeBigUInt64LE(BigInt(BIOS_BOOT_START), 0x5c); // where the core image starts
        boot[0x66] = 0x90; // a hard disk: no check of the drive number the BIOS passed
        boot[0x67] = 0x90;
        opts.log(`writing GRUB's core image (${sectors} sectors) at sector ${BIOS_BOOT_START} and its boot sector to ${layout.disk}`);
        fs.writeSync(fd, padded, 0, padded.length, BIOS_BOOT_START * 512);
        fs.writeSync(fd, boot, 0, 512, 0);
        fs.fsyncSync(fd);
    } finally {
        fs.closeSync(fd);
    }
}

/* GRUB for EFI on the removable path (EFI/BOOT/BOOTX64.EFI): an image that finds
 * the root file system by its UUID and reads /boot/grub/grub.cfg there, with its
 * modules in /boot/grub/x86_64-efi. The EFI partition is written with mtools, so
 * the installer needs no FAT driver in the running kernel. */
async function installEfi(opts: InstallOptions, layout: Layout): Promise<void> {
    copyModules(EFI_GRUB_MODULES, path.join(opts.target, "boot/grub/x86_64-efi"));
    const early = earlyConfig(opts, layout, "boot/grub/x86_64-efi");
    const image = path.join(opts.target, "boot/grub/x86_64-efi/core.efi");
    await run(opts, "grub-mkimage", ["-O", "x86_64-efi", "-d", EFI_GRUB_MODULES, "-o", image, "-c", early, "-p", "/boot/grub",
        "part_gpt", "part_msdos", "ext2", "fat", "search_fs_uuid", "normal", "configfile", "linux", "echo", "all_video", "gzio"]);
    const env = { MTOOLS_SKIP_CHECK: "1" };
    await runEnv(opts, env, "mmd", ["-i", layout.efi, "::/EFI", "::/EFI/BOOT"]);
    await runEnv(opts, env, "mcopy", ["-i", layout.efi, image, "::/EFI/BOOT/BOOTX64.EFI"]);
}

async function unmountTarget(opts: InstallOptions): Promise<void> {
    await run(opts, "sync", []);
    for (const m of [opts.target]) {
        const r = await runTool("mountpoint", ["-q", m], "mountpoint", { timeout: 10_000, allowFailure: true });
        if (r.exitCode === 0)
            await run(opts, "umount", [m]);
    }
}

interface InstallResult {
    layout: Layout;
    warnings: string[];
    seconds: Record<string, number>;
}

/* The whole installation; on failure the target is unmounted before the error goes up. */
export async function install(opts: InstallOptions): Promise<InstallResult> {
    const seconds: Record<string, number> = {};
    const timed = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
        const t = Date.now();
        opts.log(`== ${name}`);
        try {
            return await fn();
        } finally {
            seconds[name] = Math.round((Date.now() - t) / 100) / 10;
        }
    };
    const disk = await timed("checks", () => preflight(opts));
    try {
        const layout = await timed("partitioning", () => partition(opts, disk));
        await timed("mounting", () => mountTarget(opts, layout));
        await timed("copying the system", () => copySystem(opts));
        await timed("configuring", () => configure(opts, layout));
        const warnings = await timed("finishing the system", () => finishSystem(opts));
        await timed("boot loader", () => installBootloader(opts, layout));
        if (opts.logFile && fs.existsSync(opts.logFile)) {
            const logDir = path.join(opts.target, "var/log/installer");
            fs.mkdirSync(logDir, { recursive: true, mode: 0o700 });
            fs.copyFileSync(opts.logFile, path.join(logDir, "debvisor-install.log"));
        }
        await timed("unmounting", () => unmountTarget(opts));
        return { layout, warnings, seconds };
    } catch (e) {
        await unmountTarget(opts).catch(() => undefined);
        throw e;
    }
}
