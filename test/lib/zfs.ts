// Test pools on sparse files: the daemon accepts files as devices only in
// the directory named in /etc/debvisor/zfs.json, which a test sets for its
// run and restores afterwards.
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

export const ZFS_CONFIG = "/etc/debvisor/zfs.json";

/* Sets the test file directory; returns a function that restores what was there. */
export function allowFileVdevs(dir: string): () => void {
    const saved = fs.existsSync(ZFS_CONFIG) ? fs.readFileSync(ZFS_CONFIG, "utf8") : null;
    fs.mkdirSync("/etc/debvisor", { recursive: true });
    fs.writeFileSync(ZFS_CONFIG, JSON.stringify({ "test-file-vdev-directory": dir }));
    return () => {
        if (saved === null)
            fs.rmSync(ZFS_CONFIG, { force: true });
        else
            fs.writeFileSync(ZFS_CONFIG, saved);
    };
}

/* Why no test pool can be made on this host, or null. */
export function zfsMissing(): string | null {
    return spawnSync("zpool", ["list", "-H", "-o", "name"], { stdio: "ignore" }).status === 0 ? null : "no ZFS here (zfs-fuse or OpenZFS)";
}

/* A mirror of two sparse files in dir, made with zpool itself, its second half taken offline: DEGRADED.
 * The files, in order; `zpool online POOL FILES[1]` repairs it. */
export function degradedMirror(pool: string, dir: string): string[] {
    const files = ["a", "b"].map(n => sparseFile(path.join(dir, `${pool}-${n}.img`), 128 * 1024 * 1024));
    execFileSync("zpool", ["create", "-f", "-m", "none", pool, "mirror", ...files], { stdio: "pipe" });
    execFileSync("zpool", ["offline", pool, files[1]], { stdio: "pipe" });
    return files;
}

/* Destroys a test pool if it is there. zfs-fuse answers "busy" while any
 * process reads the pool (debvisord's periodic read included) or has a file
 * open on its datasets; each try unmounts what it can, so it is tried again
 * for up to a minute, and the error then names who holds the mount points. */
export async function destroyTestPool(pool: string): Promise<void> {
    let last = "";
    for (let attempt = 0; attempt < 60; attempt++) {
        const pools = execFileSync("zpool", ["list", "-H", "-o", "name"], { encoding: "utf8", stdio: "pipe" }).split("\n");
        if (!pools.includes(pool))
            return;
        try {
            execFileSync("zpool", ["destroy", "-f", pool], { stdio: "pipe" });
            return;
        } catch (e) {
            last = String((e as { stderr?: Buffer }).stderr ?? e).trim();
            await new Promise(r => setTimeout(r, 1000));
        }
    }
    throw new Error(`the test pool ${pool} stays busy: ${last}; ${holdersOf(mountPointsOf(pool))}`);
}

function mountPointsOf(pool: string): string[] {
    try {
        return execFileSync("zfs", ["list", "-H", "-r", "-o", "mountpoint", pool], { encoding: "utf8", stdio: "pipe" })
            .split("\n").filter(m => m.startsWith("/"));
    } catch {
        return [];
    }
}

/* Which processes have a working directory, root or open file under these directories. */
function holdersOf(dirs: string[]): string {
    if (dirs.length === 0)
        return "no mounted dataset";
    const under = (target: string) => dirs.some(d => target === d || target.startsWith(`${d}/`));
    const holders: string[] = [];
    for (const pid of fs.readdirSync("/proc").filter(p => /^\d+$/.test(p))) {
        try {
            const links = ["cwd", "root", ...fs.readdirSync(`/proc/${pid}/fd`).map(fd => `fd/${fd}`)];
            if (links.some(l => { try { return under(fs.readlinkSync(`/proc/${pid}/${l}`)) } catch { return false } }))
                holders.push(`${pid} ${fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ").trim().slice(0, 120)}`);
        } catch {
            // the process ended meanwhile
        }
    }
    return holders.length > 0 ? `held by: ${holders.join("; ")}` : `nothing holds ${dirs.join(", ")}`;
}

/* A sparse file of `bytes`. */
export function sparseFile(file: string, bytes: number): string {
    fs.closeSync(fs.openSync(file, "w"));
    fs.truncateSync(file, bytes);
    return file;
}
