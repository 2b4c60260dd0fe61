// Test pools on sparse files: the daemon accepts files as devices only in
// the directory named in /etc/debvisor/zfs.json, which a test sets for its
// run and restores afterwards.
import { execFileSync } from "node:child_process";
import fs from "node:fs";

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

/* Destroys a test pool if it is there; zfs-fuse answers "busy" for a moment after writes. */
export async function destroyTestPool(pool: string): Promise<void> {
    for (let attempt = 0; attempt < 20; attempt++) {
        const pools = execFileSync("zpool", ["list", "-H", "-o", "name"], { encoding: "utf8", stdio: "pipe" }).split("\n");
        if (!pools.includes(pool))
            return;
        try {
            execFileSync("zpool", ["destroy", "-f", pool], { stdio: "pipe" });
            return;
        } catch {
            await new Promise(r => setTimeout(r, 500));
        }
    }
    throw new Error(`the test pool ${pool} stays busy`);
}

/* A sparse file of `bytes`. */
export function sparseFile(file: string, bytes: number): string {
    fs.closeSync(fs.openSync(file, "w"));
    fs.truncateSync(file, bytes);
    return file;
}
