// The first-boot state file (/var/lib/debvisor/firstboot.json): written by
// debvisor-firstboot after every step, read by debvisord for the Manager's
// FirstBoot property and by the Overview page through it.
import fs from "node:fs";

export const FIRSTBOOT_STATE_FILE = "/var/lib/debvisor/firstboot.json";
export const FIRSTBOOT_DONE_FILE = "/var/lib/debvisor/firstboot.done";

export type FirstBootState = "not-run" | "running" | "failed" | "done";
export type StepState = "pending" | "running" | "done" | "failed";

export interface FirstBootStep {
    id: string;
    description: string;
    state: StepState;
    /** what the step did, a warning, or why it failed */
    message: string;
    /** ISO 8601 times, "" until then */
    started: string;
    finished: string;
    /** the lines the step logged (the storage plan …) */
    log: string[];
}

export interface FirstBoot {
    state: FirstBootState;
    steps: FirstBootStep[];
    /** ISO 8601, "" until first boot has finished */
    finished: string;
}

export const NOT_RUN: FirstBoot = { state: "not-run", steps: [], finished: "" };

const STATES: readonly string[] = ["not-run", "running", "failed", "done"];
const STEP_STATES: readonly string[] = ["pending", "running", "done", "failed"];
const MAX_STEPS = 32;
const MAX_TEXT = 16_384;
const MAX_LOG_LINES = 200;

const text = (v: unknown) => typeof v === "string" ? v.slice(0, MAX_TEXT) : "";

/* The state from the file's text; anything that is not a first-boot state reads as not run. */
export function parseFirstBoot(raw: string): FirstBoot {
    let value: unknown;
    try {
        value = JSON.parse(raw);
    } catch {
        return NOT_RUN;
    }
    if (typeof value !== "object" || value === null)
        return NOT_RUN;
    const v = value as Record<string, unknown>;
    const state = typeof v.state === "string" && STATES.includes(v.state) ? v.state as FirstBootState : "not-run";
    const steps = Array.isArray(v.steps) ? v.steps.slice(0, MAX_STEPS).filter(s => typeof s === "object" && s !== null).map(s => {
        const step = s as Record<string, unknown>;
        return {
            id: text(step.id),
            description: text(step.description),
            state: typeof step.state === "string" && STEP_STATES.includes(step.state) ? step.state as StepState : "pending",
            message: text(step.message),
            started: text(step.started),
            finished: text(step.finished),
            log: Array.isArray(step.log) ? step.log.slice(-MAX_LOG_LINES).map(text) : [],
        };
    }) : [];
    return { state, steps, finished: text(v.finished) };
}

export function readFirstBoot(file = FIRSTBOOT_STATE_FILE): FirstBoot {
    try {
        return parseFirstBoot(fs.readFileSync(file, "utf8"));
    } catch {
        return NOT_RUN;
    }
}
