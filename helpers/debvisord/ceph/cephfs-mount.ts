// The CephFS at /srv/cephfs: mounted with ceph-fuse (the host may have no
// kernel client) and kept in /etc/fstab as a fuse.ceph line, written
// atomically. Only the line for /srv/cephfs is ever added or removed.
import fs from "node:fs";
import { failed } from "../../lib/errors.js";
import { writeFileAtomically } from "../../lib/atomic-file.js";
import { runTool } from "../../lib/tool-run.js";
import type { CephConfig } from "./tools.js";
import { readSavedFile } from "../../lib/saved-file.js";

export const CEPHFS_MOUNTPOINT = "/srv/cephfs";
export const FSTAB = "/etc/fstab";
const UMOUNT = "/usr/bin/umount";

/* The /proc/mounts line of the mount point, if mounted (fuse escapes spaces as \040; ours has none). */
function mountEntry(mountpoint = CEPHFS_MOUNTPOINT, mounts = "/proc/mounts"): { source: string; type: string } | null {
    let text = "";
    try {
        text = fs.readFileSync(mounts, "utf8");
    } catch {
        return null;
    }
    for (const line of text.split("\n")) {
        const [source, target, type] = line.split(" ");
        if (target === mountpoint)
            return { source, type };
    }
    return null;
}

export function cephFsMounted(mountpoint = CEPHFS_MOUNTPOINT): boolean {
    const e = mountEntry(mountpoint);
    return e !== null && (e.type === "fuse.ceph-fuse" || e.type === "ceph" || e.type === "fuse.ceph");
}

/* The fstab line mount.fuse.ceph understands: "ceph.OPTION=VALUE" becomes "--OPTION=VALUE". */
export function fstabLine(config: CephConfig, fsName: string, mountpoint = CEPHFS_MOUNTPOINT): string {
    const options = [`ceph.conf=${config.conf}`, `ceph.keyring=${config.keyring}`, `ceph.client_fs=${fsName}`, "_netdev", "defaults"];
    return `none ${mountpoint} fuse.ceph ${options.join(",")} 0 0`;
}

/* fstab's text with the line for `mountpoint` replaced by `line` (or removed when null); other lines as they were. */
export function withFstabLine(text: string, mountpoint: string, line: string | null): string {
    const lines = text.split("\n");
    if (lines.at(-1) === "")
        lines.pop();
    const kept = lines.filter(l => {
        const fields = l.trim().split(/\s+/);
        return l.trim().startsWith("#") || fields[1] !== mountpoint;
    });
    if (line !== null)
        kept.push(line);
    return kept.length > 0 ? `${kept.join("\n")}\n` : "";
}

export function updateFstab(line: string | null, mountpoint = CEPHFS_MOUNTPOINT, fstab = FSTAB): void {
    const text = readSavedFile(fstab) ?? "";
    const updated = withFstabLine(text, mountpoint, line);
    if (updated !== text)
        writeFileAtomically(fstab, updated, 0o644);
}

export async function unmount(mountpoint = CEPHFS_MOUNTPOINT): Promise<void> {
    const r = await runTool(UMOUNT, [mountpoint], `unmounting ${mountpoint}`, { timeout: 30_000, allowFailure: true });
    if (r.exitCode !== 0 || r.timedOut)
        throw failed(`unmounting ${mountpoint}: ${r.timedOut ? "umount did not finish within 30 s" : r.stderr.trim() || `exit code ${r.exitCode}`}`);
}
