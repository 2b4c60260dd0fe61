// A real, tiny guest for the lifecycle tests: a bootable ISO (isolinux) with
// Debian's kernel and a busybox initramfs whose init gives a shell on the
// serial console and runs acpid, so an ACPI power-button press powers it
// off. It boots under TCG in seconds and is created through the same
// "install from an ISO" path a user takes. Built from Debian packages
// (downloaded, not installed) and kept in a cache between runs.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const CACHE = "/var/cache/debvisor-tests";
export const TINY_GUEST_PROMPT = "tiny-guest# ";
export const TINY_GUEST_READY = "tiny guest ready";

/* Modules, in load order: virtio for the disk, button + evdev for acpid. */
const MODULES = [
    "drivers/virtio/virtio.ko", "drivers/virtio/virtio_ring.ko",
    "drivers/virtio/virtio_pci_legacy_dev.ko", "drivers/virtio/virtio_pci_modern_dev.ko",
    "drivers/virtio/virtio_pci.ko", "drivers/block/virtio_blk.ko",
    "drivers/acpi/button.ko", "drivers/input/evdev.ko",
];

const INIT = `#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /var/log /root /tmp
for m in ${MODULES.map(m => path.basename(m)).join(" ")}; do insmod /lib/modules/$m 2>/dev/null; done
acpid
echo "${TINY_GUEST_READY}"
export PS1='${TINY_GUEST_PROMPT}' HOME=/root
while true; do setsid cttyhack sh; done
`;

/* busybox acpid runs /etc/acpi/PWRF/00000080 when the power button is pressed. */
const POWER_BUTTON = `#!/bin/sh
sync
poweroff -f
`;

function run(cmd: string, args: string[], cwd?: string): string {
    return execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/* The current kernel package that linux-image-amd64 points at. */
function kernelPackage(): string {
    const out = run("apt-cache", ["depends", "linux-image-amd64"]);
    const match = /Depends: (linux-image-[\w.+-]+)/.exec(out);
    if (!match)
        throw new Error(`cannot tell which kernel linux-image-amd64 depends on:\n${out}`);
    return match[1];
}

function download(pkg: string, into: string): string {
    run("apt-get", ["download", "-q", pkg], into);
    const deb = fs.readdirSync(into).find(f => f.startsWith(`${pkg.split("=")[0]}_`) && f.endsWith(".deb"));
    if (!deb)
        throw new Error(`apt-get download ${pkg} left no .deb`);
    const dir = path.join(into, `${pkg}-x`);
    run("dpkg", ["-x", path.join(into, deb), dir]);
    return dir;
}

/* The kernel package and busybox unpacked in a fresh directory, and an initramfs tree holding busybox and `dirs`; `build` makes what is cached from them. */
function withKernelAndBusybox<T>(kernel: string, dirs: string[], build: (p: { kernelDir: string; version: string; root: string; work: string }) => T): T {
    fs.mkdirSync(CACHE, { recursive: true });
    // apt's sandbox user must be able to write the download directory
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "dv-tiny-guest-"));
    fs.chmodSync(work, 0o777);
    try {
        const kernelDir = download(kernel, work);
        const busyboxDir = download("busybox-static", work);
        const version = fs.readdirSync(path.join(kernelDir, "lib/modules"))[0];
        const root = path.join(work, "initrd");
        for (const d of ["bin", ...dirs])
            fs.mkdirSync(path.join(root, d), { recursive: true });
        fs.copyFileSync(path.join(busyboxDir, "bin/busybox"), path.join(root, "bin/busybox"));
        fs.chmodSync(path.join(root, "bin/busybox"), 0o755);
        return build({ kernelDir, version, root, work });
    } finally {
        fs.rmSync(work, { recursive: true, force: true });
    }
}

/* The initramfs tree as a gzipped newc cpio archive. */
function packInitrd(root: string): Buffer {
    const files = run("find", [".", "-print"], root);
    const cpio = execFileSync("cpio", ["-o", "-H", "newc", "--quiet"], { cwd: root, input: files, maxBuffer: 64 << 20 });
    return execFileSync("gzip", ["-9"], { input: cpio, maxBuffer: 64 << 20 });
}

/* Returns the path of the ISO, building it on first use. */
export function tinyGuestIso(): string {
    const kernel = kernelPackage();
    const iso = path.join(CACHE, `tiny-guest-${kernel}.iso`);
    if (fs.existsSync(iso))
        return iso;
    return withKernelAndBusybox(kernel, ["lib/modules", "etc/acpi/PWRF", "proc", "sys", "dev"], ({ kernelDir, version, root: initrd, work }) => {
        for (const m of MODULES)
            fs.copyFileSync(path.join(kernelDir, "lib/modules", version, "kernel", m), path.join(initrd, "lib/modules", path.basename(m)));
        fs.writeFileSync(path.join(initrd, "init"), INIT, { mode: 0o755 });
        fs.writeFileSync(path.join(initrd, "etc/acpi/PWRF/00000080"), POWER_BUTTON, { mode: 0o755 });

        const tree = path.join(work, "iso");
        fs.mkdirSync(path.join(tree, "isolinux"), { recursive: true });
        fs.writeFileSync(path.join(tree, "initrd.gz"), packInitrd(initrd));
        fs.copyFileSync(path.join(kernelDir, "boot", `vmlinuz-${version}`), path.join(tree, "vmlinuz"));
        fs.copyFileSync("/usr/lib/ISOLINUX/isolinux.bin", path.join(tree, "isolinux/isolinux.bin"));
        fs.copyFileSync("/usr/lib/syslinux/modules/bios/ldlinux.c32", path.join(tree, "isolinux/ldlinux.c32"));
        fs.writeFileSync(path.join(tree, "isolinux/isolinux.cfg"),
            "SERIAL 0 115200\nDEFAULT tiny\nPROMPT 0\nTIMEOUT 1\n" +
            "LABEL tiny\n  KERNEL /vmlinuz\n  APPEND initrd=/initrd.gz console=ttyS0,115200 quiet panic=-1\n");
        const partial = `${iso}.partial-${process.pid}`;
        run("xorriso", ["-as", "mkisofs", "-quiet", "-o", partial, "-V", "TINYGUEST",
            "-b", "isolinux/isolinux.bin", "-c", "isolinux/boot.cat", "-no-emul-boot", "-boot-load-size", "4", "-boot-info-table",
            "-r", "-J", tree]);
        fs.renameSync(partial, iso);
        return iso;
    });
}

export const COUNTER_BOOTED = "counter guest booted";

/* A guest that boots straight from a kernel and initramfs (no disk needed to
 * boot) and prints "count N" on its serial console every second: a reboot
 * would start again from 0, so a count that goes on shows it kept running.
 * Returns the two files, building them on first use. */
export function counterGuest(): { kernel: string; initrd: string } {
    const pkg = kernelPackage();
    const kernel = path.join(CACHE, `counter-guest-${pkg}.vmlinuz`);
    const initrd = path.join(CACHE, `counter-guest-${pkg}.initrd.gz`);
    if (fs.existsSync(kernel) && fs.existsSync(initrd))
        return { kernel, initrd };
    return withKernelAndBusybox(pkg, ["proc"], ({ kernelDir, version, root }) => {
        fs.writeFileSync(path.join(root, "init"), `#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
echo "${COUNTER_BOOTED}"
i=0
while true; do echo "count $i"; i=$((i+1)); sleep 1; done
`, { mode: 0o755 });
        // npm test's two lanes may build it at the same time: each writes its own partial files
        const partial = `.partial-${process.pid}`;
        fs.writeFileSync(`${initrd}${partial}`, packInitrd(root));
        fs.copyFileSync(path.join(kernelDir, "boot", `vmlinuz-${version}`), `${kernel}${partial}`);
        fs.renameSync(`${kernel}${partial}`, kernel);
        fs.renameSync(`${initrd}${partial}`, initrd);
        return { kernel, initrd };
    });
}
