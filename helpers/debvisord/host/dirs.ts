// Directories the daemon creates get their mode set explicitly: debvisord
// runs with umask 077, which would make a shared parent such as
// /var/lib/libvirt unreadable to the services that live in it (libvirt's
// qemu runs as its own user and must traverse it).
import fs from "node:fs";
import path from "node:path";

/* Creates `dir` and any missing parents; parents get 0755, `dir` itself `mode`. */
export function ensureDir(dir: string, mode: number): void {
    const missing: string[] = [];
    for (let d = path.resolve(dir); !fs.existsSync(d); d = path.dirname(d))
        missing.unshift(d);
    for (const d of missing) {
        fs.mkdirSync(d);
        fs.chmodSync(d, d === path.resolve(dir) ? mode : 0o755);
    }
}
