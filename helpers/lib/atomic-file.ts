// Writes a file so that a reader (or a crash) sees the old content or the new,
// never a half-written one: a temporary file beside it, fsynced, renamed over.
import fs from "node:fs";
import path from "node:path";

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
