// How long Prometheus keeps history: a command-line flag only
// (--storage.tsdb.retention.time), so the shipped drop-in starts Prometheus
// with ${DEBVISOR_RETENTION} from an environment file debvisord writes
// (30 days when there is none). A change takes effect when systemd restarts
// prometheus.service; debvisord then asks Prometheus which retention it runs
// with, and puts the old value back when Prometheus does not come back.
import { writeFileAtomically } from "../../lib/atomic-file.js";
import { hasSystemd, restartUnit, unitActive } from "../../lib/systemd-units.js";
import { engineRequest } from "./engine-http.js";
import { PROMETHEUS_URL } from "./history.js";
import { readSavedFile } from "../../lib/saved-file.js";

export const DEFAULT_RETENTION_DAYS = 30;
export const MIN_RETENTION_DAYS = 1;
export const MAX_RETENTION_DAYS = 3650;
const VARIABLE = "DEBVISOR_RETENTION";
const UNIT = "prometheus.service";
const READY_WAIT_MS = 60_000;

/* The days in the environment file; the default where there is none. A file edited by hand to something else is an error. */
export function readRetentionDays(file: string): number {
    const text = readSavedFile(file);
    if (text === null)
        return DEFAULT_RETENTION_DAYS;
    const m = new RegExp(`^${VARIABLE}=(\\d+)d$`, "m").exec(text);
    if (!m)
        throw new Error(`${file} does not say ${VARIABLE}=<days>d`);
    return Number(m[1]);
}

export function writeRetentionDays(file: string, days: number): void {
    writeFileAtomically(file, `# written by debvisord (Metrics.SetHistoryRetention); prometheus.service's DebVisor drop-in reads it\n${VARIABLE}=${days}d\n`, 0o644);
}

/* The retention the running Prometheus was started with, as its flags say ("90d"). */
async function runningRetention(secret: string, base = PROMETHEUS_URL): Promise<string> {
    const out = await engineRequest({ engine: "Prometheus", base, secret, installHint: "prometheus" }, "GET", "/api/v1/status/flags") as
        { data?: Record<string, string> };
    return out.data?.["storage.tsdb.retention.time"] ?? "";
}

/* Restarts Prometheus where systemd runs it and it is running; null when it runs with `days` (or is not run by systemd
 * here: it takes the file at its next start), else why not. */
export async function applyRetention(secret: string, days: number): Promise<string | null> {
    if (!hasSystemd() || !await unitActive(UNIT))
        return null;
    const problem = await restartUnit(UNIT);
    if (problem)
        return problem;
    let running = "";
    for (const until = Date.now() + READY_WAIT_MS; Date.now() < until; await new Promise(r => setTimeout(r, 500))) {
        running = await runningRetention(secret).catch(() => "");
        if (running)
            break;
    }
    return running === `${days}d` ? null : `Prometheus runs with a retention of "${running || "(no answer)"}" after the restart`;
}
