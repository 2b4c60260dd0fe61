// What the installer's integration tests share: running a tool, the small
// root file system they install from, and reading the first MiB of the disk
// they install on.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

/* A tool's exit status and output; it never throws. */
export function sh(cmd: string, args: string[], input?: string) {
    const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 120_000, ...(input !== undefined ? { input } : {}) });
    return { status: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

/* A tool's output; a failure throws with its stderr. */
export function must(cmd: string, args: string[]): string {
    const r = sh(cmd, args);
    if (r.status !== 0)
        throw new Error(`${cmd} ${args.join(" ")}: ${r.stderr}`);
    return r.stdout;
}

/* A small root file system: the account files, a skeleton, an SSH host key, a fake kernel and initrd
 * (nothing boots them; the steps that run programs inside the new system are skipped). */
export function makeSource(dir: string): void {
    const files: Record<string, string> = {
        "etc/passwd": "root:x:0:0:root:/root:/bin/bash\n",
        "etc/shadow": "root:*:20000:0:99999:7:::\n",
        "etc/group": "root:x:0:\nsudo:x:27:\n",
        "etc/gshadow": "root:*::\nsudo:*::\n",
        "etc/skel/.bashrc": "# skeleton\n",
        "etc/hostname": "debian\n",
        "etc/fstab": "# UNCONFIGURED FSTAB FOR BASE SYSTEM\n",
        "etc/locale.gen": "# en_US.UTF-8 UTF-8\n",
        "etc/ssh/ssh_host_ed25519_key": "the image's key: must not reach the node\n",
        "etc/live/config.conf.d/x.conf": "LIVE_HOSTNAME=debian\n",
        "boot/vmlinuz-6.12.0-fake-amd64": "fake kernel\n",
        "boot/initrd.img-6.12.0-fake-amd64": "fake initrd\n",
        "home/.keep": "",
        "usr/share/doc/README": "a file to copy\n",
    };
    for (const [rel, text] of Object.entries(files)) {
        fs.mkdirSync(path.join(dir, path.dirname(rel)), { recursive: true });
        fs.writeFileSync(path.join(dir, rel), text);
    }
    fs.chmodSync(path.join(dir, "etc/shadow"), 0o640);
    fs.symlinkSync("boot/vmlinuz-6.12.0-fake-amd64", path.join(dir, "vmlinuz"));
    fs.symlinkSync("boot/initrd.img-6.12.0-fake-amd64", path.join(dir, "initrd.img"));
}

export function firstMiB(dev: string): Buffer {
    const fd = fs.openSync(dev, "r");
    try {
        const buf = Buffer.alloc(1024 * 1024);
        fs.readSync(fd, buf, 0, buf.length, 0);
        return buf;
    } finally {
        fs.closeSync(fd);
    }
}

/* A recognisable pattern over the first MiB, so that "unchanged" means something. */
export function writePattern(dev: string, text: string): void {
    const fd = fs.openSync(dev, "r+");
    try {
        fs.writeSync(fd, Buffer.from(text.repeat(Math.ceil(1024 * 1024 / text.length)).slice(0, 1024 * 1024)), 0, 1024 * 1024, 0);
        fs.fsyncSync(fd);
    } finally {
        fs.closeSync(fd);
    }
}
