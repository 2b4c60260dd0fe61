// Tells the ZFS area that the host's pools changed outside DebVisor, so a pool
// made, imported, exported or destroyed with `zpool` shows on the bus within
// a moment rather than at the next periodic read (up to 10 s later, which is
// what made such a pool appear "sometimes at once, sometimes after 8 s"):
// - both ZFS implementations rewrite the pool cache file on every such
//   change (OpenZFS /etc/zfs/zpool.cache, zfs-fuse /var/lib/zfs/zpool.cache),
//   written beside it and renamed, so the directory is watched; it may be
//   rewritten for other reasons too, so the area first compares the pool
//   names (one cheap `zpool list`) before reading everything again;
// - OpenZFS also streams its kernel events (`zpool events -f`), which covers
//   datasets, scrubs and device faults; zfs-fuse has no event stream, so its
//   dataset changes made outside DebVisor still wait for the periodic read.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import readline from "node:readline";
import type { ZfsFlavor } from "./parse.js";

const POOL_CACHE_FILES = ["/etc/zfs/zpool.cache", "/var/lib/zfs/zpool.cache"];
/** changes come in bursts (a cache file written twice, several events of one command): one read for them */
const SETTLE_MS = 100;
const EVENTS_RESTART_MS = 30_000;

export class ZfsChangeWatch {
    private readonly watchers: fs.FSWatcher[] = [];
    private events: ChildProcess | null = null;
    private settle: NodeJS.Timeout | null = null;
    private restart: NodeJS.Timeout | null = null;
    private stopped = false;

    /* `poolsMayHaveChanged`: the cache file was written; `changed`: OpenZFS reported an event. */
    constructor(private readonly poolsMayHaveChanged: () => void, private readonly changed: () => void,
                private readonly cacheFiles = POOL_CACHE_FILES) {}

    start(flavor: ZfsFlavor, zpoolBin = "zpool"): void {
        for (const file of this.cacheFiles) {
            const dir = path.dirname(file);
            const name = path.basename(file);
            try {
                const watcher = fs.watch(dir, { persistent: false }, (_event, entry) => {
                    // the file itself, or the temporary file renamed over it
                    if (entry === null || String(entry).startsWith(name))
                        this.soon(this.poolsMayHaveChanged);
                });
                watcher.on("error", () => watcher.close());
                this.watchers.push(watcher);
            } catch {
                // no such directory: that implementation is not the one installed
            }
        }
        if (flavor.kind === "openzfs")
            this.followEvents(zpoolBin);
    }

    stop(): void {
        this.stopped = true;
        for (const w of this.watchers)
            w.close();
        this.watchers.length = 0;
        if (this.settle)
            clearTimeout(this.settle);
        if (this.restart)
            clearTimeout(this.restart);
        this.events?.kill();
        this.events = null;
    }

    private soon(then: () => void): void {
        if (this.stopped || this.settle)
            return;
        this.settle = setTimeout(() => {
            this.settle = null;
            then();
        }, SETTLE_MS);
        this.settle.unref();
    }

    /* `zpool events -f -H` prints one line per event as it happens; each one means "read again".
     * Spawned, not run through runTool: it never ends by itself, its lines are read as they come. */
    private followEvents(zpoolBin: string): void {
        if (this.stopped)
            return;
        const child = spawn(zpoolBin, ["events", "-f", "-H"], { stdio: ["ignore", "pipe", "ignore"], env: { LC_ALL: "C", PATH: process.env.PATH ?? "" } });
        this.events = child;
        child.on("error", () => undefined);
        // the events already queued come first: they cost one read at the start, not one each
        readline.createInterface({ input: child.stdout! }).on("line", () => this.soon(this.changed));
        child.on("exit", () => {
            this.events = null;
            // the module reloaded, or zpool is gone: try again later, never in a tight loop
            if (!this.stopped) {
                this.restart = setTimeout(() => this.followEvents(zpoolBin), EVENTS_RESTART_MS);
                this.restart.unref();
            }
        });
        child.unref();
    }
}
