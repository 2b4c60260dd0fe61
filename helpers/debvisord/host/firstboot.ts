// The Manager's FirstBoot property: the state file debvisor-firstboot writes
// after every step, watched, so a page follows first boot as it runs.
import fs from "node:fs";
import path from "node:path";
import { readFirstBoot } from "../../lib/firstboot-file.js";
import { FIRSTBOOT_STATE_FILE, type FirstBoot } from "../../lib/firstboot-state.js";
import { isoToMicroseconds } from "../../lib/times.js";

/* The state as the property holds it (the contract types its members), times in µs. */
export function firstBootToBus(fb: FirstBoot): Record<string, unknown> {
    const time = (iso: string) => BigInt(isoToMicroseconds(iso));
    return {
        State: fb.state,
        Finished: time(fb.finished),
        Steps: fb.steps.map(s => ({
            Id: s.id, Description: s.description, State: s.state, Message: s.message, Started: time(s.started), Finished: time(s.finished), Log: s.log,
        })),
    };
}

/** a missed inotify event (no inotify at all) costs at most this long */
const RECHECK_MS = 5_000;

export class FirstBootWatch {
    /** the state as last read */
    private state: FirstBoot;
    private watcher: fs.FSWatcher | null = null;
    private timer?: NodeJS.Timeout;

    constructor(private readonly onRead: () => void, private readonly file = FIRSTBOOT_STATE_FILE) {
        this.state = readFirstBoot(this.file);
    }

    /* The property's value. */
    get value(): Record<string, unknown> {
        return firstBootToBus(this.state);
    }

    /* Reads the state again; the object server tells whether it changed. */
    private check = (): void => {
        this.state = readFirstBoot(this.file);
        this.onRead();
    };

    start(): void {
        const dir = path.dirname(this.file);
        try {
            fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
            // the file is replaced by rename: watch its directory, not the file
            this.watcher = fs.watch(dir, { persistent: false }, (_event, name) => {
                if (name === null || String(name).startsWith(path.basename(this.file)))
                    this.check();
            });
            this.watcher.on("error", () => undefined);
        } catch {
            // no inotify: the timer below still notices
        }
        this.timer = setInterval(this.check, RECHECK_MS).unref();
        this.check();
    }

    stop(): void {
        this.watcher?.close();
        clearInterval(this.timer);
    }
}
