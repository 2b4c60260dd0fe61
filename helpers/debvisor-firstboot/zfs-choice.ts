// Before the zfs and mixed profiles are applied: which ZFS the node runs.
// OpenZFS, whose kernel module the image built with DKMS for its kernel,
// wherever that module loads; zfs-fuse only where it cannot (Secure Boot
// refusing a module signed by no enrolled key, a kernel without the module).
// zfs-fuse conflicts with zfsutils-linux, so the image keeps it as packages
// (ZFS_FUSE_DIR, made by the image's hook) and dpkg swaps the two, offline.
import fs from "node:fs";
import path from "node:path";
import type { RunResult } from "./host.js";

const ZFS_FUSE_DIR = "/var/cache/debvisor/zfs-fuse";
const DPKG_TIMEOUT_MS = 600_000;

export class ZfsChoiceError extends Error {}

/* What of Host this needs (a test gives its own). */
export interface ZfsRunner {
    run(program: string, args: string[], options?: { timeoutMs?: number }): Promise<RunResult>;
}

export interface ZfsPaths {
    /** the OpenZFS module once loaded */
    module: string;
    /** zfs-fuse's daemon, once installed */
    fuseDaemon: string;
    fallbackDir: string;
}

const PATHS: ZfsPaths = { module: "/sys/module/zfs", fuseDaemon: "/usr/sbin/zfs-fuse", fallbackDir: ZFS_FUSE_DIR };

const firstLine = (r: RunResult) => (r.stderr || r.stdout).trim().split("\n")[0] || `exit code ${r.exitCode}`;

/* One line for the step's log: the implementation in use, and why. */
export async function chooseZfs(host: ZfsRunner, paths: ZfsPaths = PATHS): Promise<string> {
    if (fs.existsSync(paths.fuseDaemon))
        return "ZFS: zfs-fuse (installed already)";
    if (fs.existsSync(paths.module))
        return "ZFS: OpenZFS, its kernel module is loaded";
    const probe = await host.run("modprobe", ["zfs"]);
    if (probe.exitCode === 0)
        return "ZFS: OpenZFS, its kernel module loaded";
    const why = firstLine(probe);
    const debs = fs.existsSync(paths.fallbackDir)
        ? fs.readdirSync(paths.fallbackDir).filter(f => f.endsWith(".deb")).sort().map(f => path.join(paths.fallbackDir, f))
        : [];
    if (!debs.some(f => path.basename(f).startsWith("zfs-fuse_")))
        throw new ZfsChoiceError(`the OpenZFS kernel module does not load (modprobe zfs: ${why}) and ${paths.fallbackDir} holds no zfs-fuse package to fall back to`);
    // dpkg, not apt: apt would fetch the same versions from the archive rather than use these files.
    // OpenZFS's tools (and ZED, which needs them) make way first: zfs-fuse conflicts with them
    const steps: Array<[string, string[]]> = [
        ["removing OpenZFS's tools", ["dpkg", "--remove", "zfs-zed", "zfsutils-linux"]],
        ["installing zfs-fuse", ["dpkg", "--force-confold", "-i", ...debs]],
    ];
    for (const [what, argv] of steps) {
        const r = await host.run("env", ["DEBIAN_FRONTEND=noninteractive", ...argv], { timeoutMs: DPKG_TIMEOUT_MS });
        if (r.exitCode !== 0)
            throw new ZfsChoiceError(`the OpenZFS kernel module does not load (modprobe zfs: ${why}); ${what} for zfs-fuse failed: ${(r.stderr || r.stdout).trim().split("\n").slice(-4).join(" ")}`);
    }
    return `ZFS: zfs-fuse (no lz4, no volumes), since the OpenZFS kernel module does not load (modprobe zfs: ${why})`;
}
