// The time a part of debvisord goes by. A test can start debvisord with an
// environment variable that names a file holding the time (an ISO 8601 date):
// DEBVISOR_BACKUPS_TEST_CLOCK lets backup schedules see days pass in seconds
// (they then look at the time every second), DEBVISOR_CLUSTER_TEST_CLOCK
// gives a node a clock that is off, as a join must notice. Only root can
// start debvisord with them (or give its unit an Environment=): the bus's
// activation sets neither.
import fs from "node:fs";

export interface Clock {
    now(): Date;
    /** how often a schedule looks whether it is due */
    readonly tickMs: number;
}

const TICK_MS = 60_000;
const TEST_TICK_MS = 1000;

export const systemClock: Clock = { now: () => new Date(), tickMs: TICK_MS };

/* The time written in a file; when the file cannot be read or holds no date, the system's time. */
export function fileClock(file: string): Clock {
    return {
        tickMs: TEST_TICK_MS,
        now: () => {
            try {
                const t = Date.parse(fs.readFileSync(file, "utf8").trim());
                return Number.isNaN(t) ? new Date() : new Date(t);
            } catch {
                return new Date();
            }
        },
    };
}

export function clockFromEnvironment(variable: "DEBVISOR_BACKUPS_TEST_CLOCK" | "DEBVISOR_CLUSTER_TEST_CLOCK", env = process.env): Clock {
    const file = env[variable];
    return file ? fileClock(file) : systemClock;
}
