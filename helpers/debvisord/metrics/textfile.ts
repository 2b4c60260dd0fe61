// debvisord's metrics out through node-exporter's textfile collector, so that
// the daemon opens no port of its own: every WRITE_INTERVAL_MS the whole file
// is written anew and renamed into place (node-exporter reads only *.prom,
// never the temporary file beside it). Readable by the prometheus group only.
import fs from "node:fs";
import path from "node:path";
import { writeFileAtomically, type FileOwner } from "../../lib/atomic-file.js";
import { groupId } from "../../lib/system-ids.js";
import { exposition, type Family } from "./exposition.js";
import { everyInterval } from "./every-interval.js";

const TEXTFILE_DIR = "/var/lib/prometheus/node-exporter";
export const TEXTFILE = path.join(TEXTFILE_DIR, "debvisor.prom");
const WRITE_INTERVAL_MS = 15_000;

/* A node writes every WRITE_INTERVAL_MS; a test's debvisord writes more often with DEBVISOR_METRICS_INTERVAL_MS
 * (doc/debvisord.8), so that its Prometheus sees a change within seconds. A value that is no whole number from
 * 1000 to 3600000 is an error. */
export function writeInterval(env: NodeJS.ProcessEnv = process.env): number {
    const value = env.DEBVISOR_METRICS_INTERVAL_MS;
    if (value === undefined || value === "")
        return WRITE_INTERVAL_MS;
    const ms = /^\d+$/.test(value) ? Number(value) : NaN;
    if (!(ms >= 1000 && ms <= 3_600_000))
        throw new Error(`DEBVISOR_METRICS_INTERVAL_MS must be a whole number of milliseconds from 1000 to 3600000, not "${value}"`);
    return ms;
}

type FamilySource = () => Family[];

export class MetricsTextfile {
    private stopWriting = () => {};

    constructor(private readonly sources: FamilySource[], private readonly file = TEXTFILE,
                private readonly now: () => number = Date.now) {}

    /* The file's content now. */
    render(): string {
        const families = this.sources.flatMap(source => source());
        families.push({ name: "debvisor_metrics_written_timestamp_seconds", type: "gauge", help: "When debvisord last wrote this file.",
                        samples: [{ value: Math.floor(this.now() / 1000) }] });
        return exposition(families);
    }

    /* Writes the file where node-exporter's textfile directory exists (node-exporter is installed); "" or why not. */
    write(): string {
        const dir = path.dirname(this.file);
        if (!fs.existsSync(dir))
            return `${dir} does not exist (prometheus-node-exporter is not installed)`;
        try {
            writeFileAtomically(this.file, this.render(), 0o640, prometheusGroup());
            return "";
        } catch (e) {
            return `cannot write ${this.file}: ${(e as Error).message}`;
        }
    }

    start(log: (message: string) => void, intervalMs = WRITE_INTERVAL_MS): void {
        this.stopWriting = everyInterval(intervalMs, () => this.write(), problem => log(`metrics: ${problem}`));
    }

    stop(): void {
        this.stopWriting();
    }
}

/* root:prometheus, so that node-exporter (user prometheus) reads the file and other users do not. */
export function prometheusGroup(): FileOwner | undefined {
    const gid = groupId("prometheus");
    return gid === undefined ? undefined : { uid: 0, gid };
}
