// The DebVisor installer's disk steps, unattended from an answers file, onto
// a real loop device (a sparse file): GPT with BIOS boot, EFI and root
// partitions, the source root copied, fstab by UUID, host name, accounts,
// network, storage profile, GRUB for BIOS and EFI. The source is a small root
// directory made here (its kernel and initrd are fake files: nothing boots
// them), so the steps that run programs inside the new system are skipped, as
// the installer's log says. Bad answers stop before the disk is touched: the
// first MiB of the loop device is compared byte for byte. The finished
// installation is not installed over again unless the answers say
// overwrite=yes (no reinstall loop when a machine boots the installer again).
import { spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import QUnit from "qunit";
import { parseProfile } from "../../helpers/debvisord/host/facts.js";
import { firstMiB as readFirstMiB, makeSource, must, sh } from "../lib/installer.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const TSX = path.join(ROOT, "node_modules/.bin/tsx");
const MAIN = path.join(ROOT, "helpers/debvisor-install/main.ts");
const SHA512 = "$6$HgSx8ZvK.z//Qgtz$XrUpMSdzcZu79Y8QXG7y5CLk7.yrzjgPW/2SU4ltbQQF9O00bw8enXObUnfIviai689dbekRQq2CFyK4rTY7N/";
const YESCRYPT = "$y$j9T$F5Jx5fExrKuPp53xLKQ..1$fBkehN8XxIjm2k.IJiAudSA8u2iI1zH8jDXmTKBsEFC";


let work = "";
let image = "";
let loop = "";
const mounts: string[] = [];

function answers(over: Record<string, string | null> = {}, extra = ""): string {
    const base: Record<string, string> = {
        locale: "en_US.UTF-8", timezone: "Europe/Berlin", hostname: "node7.example.org", disk: loop,
        "root-password-hash": SHA512, "admin-user": "alice", "admin-password-hash": YESCRYPT, profile: "zfs",
        network: "dhcp", interface: "ens3", finish: "none",
    };
    const lines = Object.entries({ ...base, ...over }).filter(([, v]) => v !== null).map(([k, v]) => `${k}=${v}`);
    const file = path.join(work, `answers-${crypto.randomUUID()}.conf`);
    fs.writeFileSync(file, `${lines.join("\n")}\n${extra}`);
    return file;
}

function installer(answersFile: string, more: string[] = []) {
    const started = Date.now();
    const r = spawnSync(TSX, [MAIN, "--answers", answersFile, "--source", path.join(work, "source"),
        "--target", path.join(work, "target"), "--serial", "ttyS0,115200n8", "--min-disk-gib", "2",
        "--log", path.join(work, "install.log"), ...more], { encoding: "utf8", timeout: 600_000 });
    return { status: r.status, out: `${r.stdout}\n${r.stderr}`, ms: Date.now() - started };
}

function firstMiB(): Buffer {
    return readFirstMiB(loop);
}

function mountRo(dev: string, name: string): string {
    const dir = path.join(work, name);
    fs.mkdirSync(dir, { recursive: true });
    must("mount", ["-o", "ro", dev, dir]);
    mounts.push(dir);
    return dir;
}

function unmountAll(): void {
    while (mounts.length)
        sh("umount", [mounts.pop()!]);
}

QUnit.module("installer: disk steps on a loop device", hooks => {
    hooks.before(() => {
        work = fs.mkdtempSync(path.join(os.tmpdir(), "debvisor-installer-"));
        makeSource(path.join(work, "source"));
        image = path.join(work, "disk.img");
        fs.closeSync(fs.openSync(image, "w"));
        fs.truncateSync(image, 3 * 1024 ** 3);
        loop = must("losetup", ["-P", "--show", "-f", image]).trim();
    });
    hooks.after(() => {
        unmountAll();
        for (const m of [path.join(work, "target/boot/efi"), path.join(work, "target")])
            sh("umount", [m]);
        if (loop)
            sh("losetup", ["-d", loop]);
        fs.rmSync(work, { recursive: true, force: true });
    });

    QUnit.test("bad answers stop before the disk is touched (the first MiB stays the same)", assert => {
        // something recognisable on the disk first
        const fd = fs.openSync(loop, "r+");
        fs.writeSync(fd, Buffer.from("DEBVISOR-TEST-PATTERN ".repeat(50000).slice(0, 1024 * 1024)), 0, 1024 * 1024, 0);
        fs.fsyncSync(fd);
        fs.closeSync(fd);
        const before = firstMiB();
        const cases: Array<[string, string, RegExp, string[]?]> = [
            ["missing disk", answers({ disk: null }), /disk is missing/],
            ["a disk that does not exist", answers({ disk: "/dev/debvisor-no-such-disk" }), /does not exist/],
            ["a partition, not a disk", answers({ disk: `${loop}p1` }), /does not exist|not a whole disk/],
            ["empty admin password", answers({ "admin-password-hash": "" }), /admin-password-hash is missing/],
            ["weak (MD5) root password", answers({ "root-password-hash": "$1$abcdefgh$abcdefghijklmnopqrstuv" }), /root-password-hash: not a sha512/],
            ["a plain password", answers({ "admin-password-hash": null }, "admin-password=secret123\n"), /admin-password is not accepted/],
            ["unknown profile", answers({ profile: "btrfs" }), /not a storage profile/],
            ["bad host name", answers({ hostname: "-node;rm" }), /not a valid host name/],
            ["unknown time zone", answers({ timezone: "Mars/Olympus" }), /time zone Mars\/Olympus is unknown/],
            ["a disk too small", answers(), /too small/, ["--min-disk-gib", "100"]],
        ];
        for (const [name, file, want, more] of cases) {
            const r = installer(file, more);
            assert.strictEqual(r.status, 2, `${name}: exit status 2\n${r.out}`);
            assert.ok(want.test(r.out), `${name}: ${want}\n${r.out}`);
            assert.ok(/nothing was written/.test(r.out), `${name}: says nothing was written`);
        }
        assert.true(firstMiB().equals(before), "the first MiB of the disk is unchanged");
        assert.false(fs.existsSync(path.join(work, "target")) && fs.readdirSync(path.join(work, "target")).length > 0, "nothing in the target");
    });

    QUnit.test("unattended install: partitions, files, accounts, GRUB", assert => {
        const r = installer(answers());
        assert.strictEqual(r.status, 0, r.out);
        assert.ok(r.out.includes("DEBVISOR-INSTALL: DONE"), r.out);
        assert.ok(/warning: debvisor-firstboot\.service is not in the installed system/.test(r.out), "first boot's absence is a warning");
        assert.ok(r.out.includes("skipped in the new system: update-initramfs"), "programs of the new system skipped (there are none)");

        // GPT: BIOS boot, EFI system, Linux root
        const table = must("sgdisk", ["-p", loop]);
        assert.ok(/^\s+1\s+2048\s+4095\s+1024\.0 KiB\s+EF02\s+bios$/m.test(table), table);
        assert.ok(/^\s+2\s+\d+\s+\d+\s+256\.0 MiB\s+EF00\s+efi$/m.test(table), table);
        assert.ok(/^\s+3\s+\d+\s+\d+\s+[\d.]+ GiB\s+8304\s+root$/m.test(table), table);
        const rootUuid = must("blkid", ["-s", "UUID", "-o", "value", `${loop}p3`]).trim();
        const efiUuid = must("blkid", ["-s", "UUID", "-o", "value", `${loop}p2`]).trim();
        assert.strictEqual(must("blkid", ["-s", "TYPE", "-o", "value", `${loop}p3`]).trim(), "ext4");
        assert.strictEqual(must("blkid", ["-s", "TYPE", "-o", "value", `${loop}p2`]).trim(), "vfat");

        const root = mountRo(`${loop}p3`, "check-root");
        const read = (rel: string) => fs.readFileSync(path.join(root, rel), "utf8");
        assert.ok(new RegExp(`^UUID=${rootUuid}\\s+/\\s+ext4\\s`, "m").test(read("etc/fstab")), read("etc/fstab"));
        assert.ok(new RegExp(`^UUID=${efiUuid}\\s+/boot/efi\\s+vfat\\s`, "m").test(read("etc/fstab")), read("etc/fstab"));
        assert.strictEqual(read("etc/hostname"), "node7\n");
        assert.ok(read("etc/hosts").includes("127.0.1.1\tnode7.example.org node7\n"), read("etc/hosts"));
        assert.strictEqual(read("etc/debvisor-profile"), "PROFILE=zfs\n");
        assert.strictEqual(parseProfile(read("etc/debvisor-profile")), "zfs", "debvisord reads the profile");
        assert.ok(read("etc/network/interfaces").includes("auto ens3\niface ens3 inet dhcp\n"), read("etc/network/interfaces"));
        assert.strictEqual(read("etc/default/locale"), "LANG=en_US.UTF-8\n");
        assert.ok(read("etc/locale.gen").includes("\nen_US.UTF-8 UTF-8\n"));
        assert.strictEqual(fs.readlinkSync(path.join(root, "etc/localtime")), "/usr/share/zoneinfo/Europe/Berlin");
        assert.strictEqual(read("usr/share/doc/README"), "a file to copy\n", "the source was copied");
        assert.false(fs.existsSync(path.join(root, "etc/ssh/ssh_host_ed25519_key")), "the image's SSH host key is not on the node");
        assert.false(fs.existsSync(path.join(root, "etc/live")), "live-config's settings are gone");
        assert.ok(/^[0-9a-f]{32}\n$/.test(read("etc/machine-id")), `a machine id of its own: ${read("etc/machine-id")}`);

        // accounts: the hashes as given, the admin in sudo and debvisor-admin, a home from the skeleton
        const shadow = read("etc/shadow");
        assert.ok(shadow.includes(`\nalice:${YESCRYPT}:`) || shadow.startsWith(`alice:${YESCRYPT}:`), shadow);
        assert.ok(shadow.startsWith(`root:${SHA512}:`), shadow);
        const group = read("etc/group");
        assert.ok(/^sudo:x:27:alice$/m.test(group), group);
        assert.ok(/^debvisor-admin:x:\d+:alice$/m.test(group), group);
        assert.ok(/^alice:x:\d+:\d+:DebVisor administrator:\/home\/alice:\/bin\/bash$/m.test(read("etc/passwd")), read("etc/passwd"));
        assert.strictEqual(read("home/alice/.bashrc"), "# skeleton\n");
        assert.strictEqual(fs.statSync(path.join(root, "etc/shadow")).mode & 0o777, 0o640);

        // GRUB: BIOS core image and boot code, EFI on the removable path, its configuration
        assert.ok(fs.existsSync(path.join(root, "boot/grub/i386-pc/core.img")), "BIOS GRUB modules");
        // the EFI partition read with mtools (the test host's kernel may lack FAT)
        const efiDir = spawnSync("mdir", ["-i", `${loop}p2`, "-b", "::/EFI/BOOT"], { encoding: "utf8", env: { ...process.env, MTOOLS_SKIP_CHECK: "1" } });
        assert.ok(efiDir.stdout.includes("::/EFI/BOOT/BOOTX64.EFI"), `EFI GRUB on the removable path: ${efiDir.stdout}${efiDir.stderr}`);
        const efiImage = spawnSync("mtype", ["-i", `${loop}p2`, "::/EFI/BOOT/BOOTX64.EFI"], { env: { ...process.env, MTOOLS_SKIP_CHECK: "1" } }).stdout;
        assert.strictEqual(efiImage.subarray(0, 2).toString("latin1"), "MZ", "a PE image");
        assert.ok(efiImage.includes(Buffer.from(`search.fs_uuid ${rootUuid} root`)), "it finds the root by UUID");
        assert.ok(fs.existsSync(path.join(root, "boot/grub/x86_64-efi/linux.mod")), "EFI GRUB modules");
        const disk = firstMiB();
        const grubBoot = fs.readFileSync("/usr/lib/grub/i386-pc/boot.img");
        assert.true(disk.subarray(0x68, 0x1b8).equals(grubBoot.subarray(0x68, 0x1b8)), "GRUB's boot code in the MBR");
        assert.strictEqual(disk.readBigUInt64LE(0x5c), 2048n, "it loads the core image from sector 2048");
        assert.strictEqual(disk.readUInt16LE(0x1fe), 0xaa55, "the MBR's signature");
        assert.strictEqual(disk[0x1c2], 0xee, "the protective MBR's GPT entry is kept");
        const core = fs.readFileSync(path.join(root, "boot/grub/i386-pc/core.img"));
        const embedded = Buffer.alloc(1024 * 1024);
        const fd = fs.openSync(loop, "r");
        fs.readSync(fd, embedded, 0, embedded.length, 2048 * 512);
        fs.closeSync(fd);
        assert.true(embedded.subarray(512, core.length).equals(core.subarray(512)), "the core image in the BIOS boot partition");
        assert.strictEqual(embedded.readBigUInt64LE(0x1f4), 2049n, "its block list: from sector 2049");
        assert.strictEqual(embedded.readUInt16LE(0x1fc), Math.ceil(core.length / 512) - 1, "its block list: the rest of the image");
        assert.strictEqual(read("boot/grub/i386-pc/load.cfg"), `search.fs_uuid ${rootUuid} root\nset prefix=($root)/boot/grub\n`,
            "its early configuration (compressed inside core.img) finds the root by UUID");
        const cfg = read("boot/grub/grub.cfg");
        assert.ok(cfg.includes(`search --no-floppy --fs-uuid --set=root ${rootUuid}\n`), cfg);
        assert.ok(cfg.includes(`linux /vmlinuz root=UUID=${rootUuid} ro quiet console=tty0 console=ttyS0,115200n8\n`), cfg);
        assert.ok(cfg.includes("initrd /initrd.img\n"), cfg);
        assert.ok(read("var/log/installer/debvisor-install.log").includes("== partitioning"), "the log is kept on the node");
        unmountAll();
    });

    QUnit.test("a mounted disk is refused, and so is a non-empty target", assert => {
        const before = firstMiB();
        mountRo(`${loop}p3`, "busy");
        const r = installer(answers());
        unmountAll();
        assert.strictEqual(r.status, 2, r.out);
        assert.ok(/is in use \(mounted on /.test(r.out), r.out);
        fs.mkdirSync(path.join(work, "target"), { recursive: true });
        fs.writeFileSync(path.join(work, "target/leftover"), "x");
        const r2 = installer(answers());
        fs.rmSync(path.join(work, "target/leftover"));
        assert.strictEqual(r2.status, 2, r2.out);
        assert.ok(/is not empty/.test(r2.out), r2.out);
        assert.true(firstMiB().equals(before), "the first MiB of the disk is unchanged");
    });

    // a machine that boots the installer medium again after installing must not install again
    QUnit.test("a disk holding DebVisor is refused unless overwrite=yes; --disk restricts the disks", assert => {
        const before = firstMiB();
        const rootUuid = must("blkid", ["-p", "-s", "UUID", "-o", "value", `${loop}p3`]).trim();
        const r = installer(answers());
        assert.strictEqual(r.status, 2, r.out);
        assert.ok(new RegExp(`disk ${loop} already holds a DebVisor installation \\(${loop}p3 is labelled debvisor-root\\)`).test(r.out), r.out);
        assert.ok(/add overwrite=yes to the answers/.test(r.out), "says how to install again");
        assert.ok(/nothing was written to any disk/.test(r.out), r.out);
        const no = installer(answers({ overwrite: "no" }));
        assert.strictEqual(no.status, 2, `overwrite=no: refused\n${no.out}`);
        assert.true(firstMiB().equals(before), "the first MiB of the disk is unchanged");
        assert.strictEqual(must("blkid", ["-p", "-s", "UUID", "-o", "value", `${loop}p3`]).trim(), rootUuid, "the installed root file system is untouched");

        const elsewhere = installer(answers({ overwrite: "yes" }), ["--disk", "/dev/debvisor-other-disk"]);
        assert.strictEqual(elsewhere.status, 2, elsewhere.out);
        assert.ok(/is not one of the disks this installer may use \(--disk \/dev\/debvisor-other-disk\)/.test(elsewhere.out), elsewhere.out);
        const badOption = installer(answers({ overwrite: "yes" }), ["--disk", "../dev/sda"]);
        assert.strictEqual(badOption.status, 2, badOption.out);
        assert.ok(/--disk: .*not a disk device path/.test(badOption.out), badOption.out);
        assert.true(firstMiB().equals(before), "still unchanged");

        const again = installer(answers({ overwrite: "yes", hostname: "node8" }), ["--disk", loop]);
        assert.strictEqual(again.status, 0, again.out);
        assert.ok(again.out.includes("DEBVISOR-INSTALL: DONE"), again.out);
        const newUuid = must("blkid", ["-p", "-s", "UUID", "-o", "value", `${loop}p3`]).trim();
        assert.notStrictEqual(newUuid, rootUuid, "a new root file system");
        const root = mountRo(`${loop}p3`, "check-again");
        assert.strictEqual(fs.readFileSync(path.join(root, "etc/hostname"), "utf8"), "node8\n", "installed from the new answers");
        unmountAll();
    });
});
