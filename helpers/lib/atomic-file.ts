// Writes a file so that a reader (or a crash) sees the old content or the new,
// never a half-written one: a temporary file beside it, fsynced, renamed over.
// The temporary file is FILE.PID.tmp; a process killed between the write and
// the rename leaves it behind, and removeStaleTemporaries() clears those.
import fs from "node:fs";
import path from "node:path";

const TEMP_NAME = /^(.+)\.([1-9][0-9]*)\.tmp$/;

/* Whether `pid` is a running DebVisor program (debvisord, debvisorctl, the first-boot setup …)
 * other than this process: only such a process can still be writing its temporary file. */
function livingWriter(pid: number): boolean {
    if (pid === process.pid)
        return false; // an earlier process with our pid; this one has written nothing yet
    try {
        return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("debvisor");
    } catch {
        return false; // gone
    }
}

/* Removes the temporary files of writeFileAtomically() whose writer is gone.
 * `places`: a directory ending in "/" (every FILE.PID.tmp in it is ours) or a
 * file in a directory shared with others (only that FILE.PID.tmp). Returns the removed paths. */
export function removeStaleTemporaries(places: string[]): string[] {
    const removed: string[] = [];
    for (const place of places) {
        const dir = place.endsWith("/") ? place.slice(0, -1) : path.dirname(place);
        let names: string[];
        try {
            names = fs.readdirSync(dir);
        } catch {
            continue; // not there: nothing written yet
        }
        for (const name of names) {
            const match = TEMP_NAME.exec(name);
            if (!match || (!place.endsWith("/") && match[1] !== path.basename(place)) || livingWriter(Number(match[2])))
                continue;
            const file = path.join(dir, name);
            try {
                if (!fs.lstatSync(file).isFile() && !fs.lstatSync(file).isSymbolicLink())
                    continue;
                fs.rmSync(file);
                removed.push(file);
            } catch {
                // removed meanwhile
            }
        }
    }
    return removed;
}

export interface FileOwner { uid: number; gid: number }

export function writeFileAtomically(file: string, content: string, mode = 0o644, owner?: FileOwner): void {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
    const temp = `${file}.${process.pid}.tmp`;
    try {
        fs.writeFileSync(temp, content, { mode });
        fs.chmodSync(temp, mode); // the umask must not narrow a mode others rely on (a group-readable key)
        if (owner)
            fs.chownSync(temp, owner.uid, owner.gid);
        const fd = fs.openSync(temp, "r");
        fs.fsyncSync(fd);
        fs.closeSync(fd);
        fs.renameSync(temp, file);
    } catch (e) {
        fs.rmSync(temp, { force: true });
        throw e;
    }
    // the rename itself is durable once the directory is synced
    const dirFd = fs.openSync(path.dirname(file), "r");
    try {
        fs.fsyncSync(dirFd);
    } finally {
        fs.closeSync(dirFd);
    }
}

export function writeJsonAtomically(file: string, value: unknown, mode = 0o644): void {
    writeFileAtomically(file, JSON.stringify(value, null, 2) + "\n", mode);
}
