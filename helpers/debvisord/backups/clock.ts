// The time backup schedules go by. A test starts its own debvisord with
// DEBVISOR_BACKUPS_TEST_CLOCK naming a file that holds the time (an ISO 8601
// date), so that it can let days pass in seconds; the schedules then look at
// the time every second. Only root can start debvisord with it: the bus's
// activation does not set it.
import fs from "node:fs";

export interface Clock {
    now(): Date;
    /** how often the schedules look whether one is due */
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

export function clockFromEnvironment(env = process.env): Clock {
    const file = env.DEBVISOR_BACKUPS_TEST_CLOCK;
    return file ? fileClock(file) : systemClock;
}
