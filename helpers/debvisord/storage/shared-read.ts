// One read of a storage area's whole state at a time (the Ceph and ZFS areas).
// Concurrent callers share the running read; a call made while one runs gets
// one more read after it, shared by everyone who asked meanwhile, because the
// running read may have started before that caller's change.

/* `read(full)`: one read; `full` when any caller of the coming read asked for a full one. */
export function sharedRead(read: (full: boolean) => Promise<void>): (full?: boolean) => Promise<void> {
    let running: Promise<void> | null = null;
    let next: Promise<void> | null = null;
    let nextFull = false;
    const run = (full = false): Promise<void> => {
        if (running) {
            nextFull ||= full;
            next ??= running.then(() => {
                next = null;
                const f = nextFull;
                nextFull = false;
                return run(f);
            });
            return next;
        }
        running = read(full).finally(() => {
            running = null;
        });
        return running;
    };
    return run;
}
