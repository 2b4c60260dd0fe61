// Writes a file so that a reader (or a crash) sees the old content or the new,
// never a half-written one: a temporary file beside it, fsynced, renamed over.
//
// The daemon is root and some of the directories it writes in belong to the
// user of another service (bind's zone directory). Such a user could put a
// symbolic link where root is about to write, chmod or chown, and so have root
// change a file of its choice (/etc/shadow). So nothing here goes through a
// name another user could have planted: the directory is opened without
// following a link at its name, and every name inside it is resolved through
// that open directory (/proc/self/fd/N/NAME), so swapping the directory for a
// link afterwards changes nothing; the temporary file has a random name and is
// created exclusively, never through a link (O_CREAT|O_EXCL|O_NOFOLLOW); its
// mode and owner are set on the open file; rename() replaces a link at the
// target's name instead of writing through it.
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

export interface FileOwner { uid: number; gid: number }

const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW, O_DIRECTORY } = fs.constants;
const PROC_FD = "/proc/self/fd";

/** A directory held open: `at(name)` is a path to `name` in that very directory. */
interface OpenDirectory {
    fd: number;
    at(name: string): string;
    close(): void;
}

/* Opens `dir` itself, refusing a symbolic link at its name (ELOOP, or ENOTDIR). */
function openDirectory(dir: string): OpenDirectory {
    const fd = fs.openSync(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    const base = fs.existsSync(PROC_FD) ? `${PROC_FD}/${fd}` : dir;
    return {
        fd,
        at: name => {
            if (name.includes("/") || name === "." || name === "..")
                throw new Error(`${name} is not a file name`);
            return `${base}/${name}`;
        },
        close: () => fs.closeSync(fd),
    };
}

function withDirectory<T>(dir: string, work: (d: OpenDirectory) => T): T {
    const d = openDirectory(dir);
    try {
        return work(d);
    } finally {
        d.close();
    }
}

/* Creates a new file with a random name in an open directory and writes `content`; never opens an existing file or a link. */
function createExclusive(d: OpenDirectory, prefix: string, content: string | Buffer, mode: number, owner?: FileOwner): string {
    const name = `.${prefix.slice(0, 200)}.${randomBytes(8).toString("hex")}.tmp`; // within NAME_MAX beside a long name
    const fd = fs.openSync(d.at(name), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
    try {
        fs.writeFileSync(fd, content);
        fs.fchmodSync(fd, mode); // the umask must not narrow a mode others rely on (a group-readable key)
        if (owner)
            fs.fchownSync(fd, owner.uid, owner.gid);
        fs.fsyncSync(fd);
    } catch (e) {
        fs.closeSync(fd);
        fs.rmSync(d.at(name), { force: true });
        throw e;
    }
    fs.closeSync(fd);
    return name;
}

export function writeFileAtomically(file: string, content: string | Buffer, mode = 0o644, owner?: FileOwner): void {
    const dir = path.dirname(file);
    fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
    withDirectory(dir, d => {
        const temp = createExclusive(d, path.basename(file), content, mode, owner);
        try {
            fs.renameSync(d.at(temp), d.at(path.basename(file)));
        } catch (e) {
            fs.rmSync(d.at(temp), { force: true });
            throw e;
        }
        // the rename itself is durable once the directory is synced
        fs.fsyncSync(d.fd);
    });
}

export function writeJsonAtomically(file: string, value: unknown, mode = 0o644): void {
    writeFileAtomically(file, JSON.stringify(value, null, 2) + "\n", mode);
}

/* A new file with a random name in `dir`, for a tool to read (a configuration to check); the caller removes it. */
export function writeTemporaryFile(dir: string, prefix: string, content: string, mode = 0o600): string {
    return path.join(dir, withDirectory(dir, d => createExclusive(d, prefix, content, mode)));
}

/* A symbolic link `name` → `target` in `dir`, replacing what was there in one rename. */
export function replaceSymlink(dir: string, name: string, target: string): void {
    withDirectory(dir, d => {
        for (let attempt = 0; ; attempt++) {
            const temp = `.${name.slice(0, 200)}.${randomBytes(8).toString("hex")}.tmp`;
            try {
                fs.symlinkSync(target, d.at(temp)); // fails if anything has the name: never replaces a planted file
            } catch (e) {
                if ((e as NodeJS.ErrnoException).code === "EEXIST" && attempt < 3)
                    continue;
                throw e;
            }
            try {
                fs.renameSync(d.at(temp), d.at(name));
            } catch (e) {
                fs.rmSync(d.at(temp), { force: true });
                throw e;
            }
            return;
        }
    });
}

/* Removes files from `dir` by name; a link is removed, never what it points at. */
export function removeFromDirectory(dir: string, names: string[]): void {
    try {
        withDirectory(dir, d => {
            for (const name of names)
                fs.rmSync(d.at(name), { force: true });
        });
    } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "ENOENT")
            throw e;
    }
}

/* Makes `dir` (missing parents 0755) and gives it `mode` and `owner`, set on the open directory: a link at its name
 * is refused, not followed. Also corrects a directory an older version made with a wider mode. */
export function ensureDirectory(dir: string, mode: number, owner?: FileOwner): void {
    const missing: string[] = [];
    for (let d = path.resolve(dir); !fs.existsSync(d); d = path.dirname(d))
        missing.unshift(d);
    for (const d of missing) {
        fs.mkdirSync(d, { mode: 0o700 });
        // the daemon's umask (077) must not leave a parent that services cannot traverse
        if (d !== path.resolve(dir))
            withDirectory(d, p => fs.fchmodSync(p.fd, 0o755));
    }
    withDirectory(dir, d => {
        if (owner)
            fs.fchownSync(d.fd, owner.uid, owner.gid);
        fs.fchmodSync(d.fd, mode);
    });
}

// Temporary files a killed writer left behind: ".NAME.<16 hex>.tmp" (createExclusive), and
// "NAME.PID.tmp" from versions before it. A writer renames its file within moments of
// making it, so one of the first kind older than STALE_AFTER_MS has no writer any more;
// one of the second kind is stale once its process is gone or is no DebVisor program.
const RANDOM_TEMP = /^\.(.+)\.[0-9a-f]{16}\.tmp$/;
const PID_TEMP = /^(.+)\.([1-9][0-9]*)\.tmp$/;
export const STALE_AFTER_MS = 5 * 60_000;

/* Whether `pid` is a running DebVisor program (debvisord, debvisorctl, the first-boot setup …) other than this one. */
function livingWriter(pid: number): boolean {
    if (pid === process.pid)
        return false; // an earlier process with our pid; this one has written nothing yet
    try {
        return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("debvisor");
    } catch {
        return false; // gone
    }
}

/* Removes the temporary files of atomic writes whose writer is gone. `places`: a directory
 * ending in "/" (every such file in it is ours) or a file in a directory shared with others
 * (only that file's temporaries). A link is removed, never what it points at. Returns the removed paths. */
export function removeStaleTemporaries(places: string[], now = Date.now()): string[] {
    const removed: string[] = [];
    for (const place of places) {
        const whole = place.endsWith("/");
        const dir = whole ? place.slice(0, -1) : path.dirname(place);
        let d: OpenDirectory;
        try {
            d = openDirectory(dir);
        } catch {
            continue; // not there (nothing written yet), or a link: not ours to clean
        }
        try {
            for (const name of fs.readdirSync(fs.existsSync(PROC_FD) ? `${PROC_FD}/${d.fd}` : dir)) {
                const random = RANDOM_TEMP.exec(name), old = random ? null : PID_TEMP.exec(name);
                const target = random?.[1] ?? old?.[1];
                if (target === undefined || (!whole && target !== path.basename(place)))
                    continue;
                try {
                    const stat = fs.lstatSync(d.at(name));
                    if (!stat.isFile() && !stat.isSymbolicLink())
                        continue;
                    if (random ? now - stat.mtimeMs < STALE_AFTER_MS : livingWriter(Number(old![2])))
                        continue;
                    fs.rmSync(d.at(name));
                    removed.push(path.join(dir, name));
                } catch {
                    // removed meanwhile
                }
            }
        } finally {
            d.close();
        }
    }
    return removed;
}
