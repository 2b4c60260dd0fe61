// The first-boot state (/var/lib/debvisor/firstboot.json, read by
// firstboot-file.ts): written by debvisor-firstboot after every step, read by
// debvisord for the Manager's FirstBoot property. The property carries it as
// the contract types it (a{sv}, times in µs since the epoch); firstBootFromBus
// turns that back into this shape for debvisorctl and the Overview page, so
// nothing here touches a file.
import { microsecondsToIso } from "./times.js";

export const FIRSTBOOT_STATE_FILE = "/var/lib/debvisor/firstboot.json";
export const FIRSTBOOT_DONE_FILE = "/var/lib/debvisor/firstboot.done";

type FirstBootState = "not-run" | "running" | "failed" | "done";
type StepState = "pending" | "running" | "done" | "failed";

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
    try {
        return normalizeFirstBoot(JSON.parse(raw));
    } catch {
        return NOT_RUN;
    }
}

/* Only what a first-boot state holds, each text and list bounded. */
function normalizeFirstBoot(value: unknown): FirstBoot {
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

/** The Manager's FirstBoot property as the contract types it, its dictionaries unwrapped. */
export interface FirstBootOnBus {
    State?: unknown;
    /** µs since the epoch; 0 until first boot has finished */
    Finished?: unknown;
    Steps?: unknown;
}

/* The property, as debvisorctl and the page read it, back into the state's shape. */
export function firstBootFromBus(bus: FirstBootOnBus | null | undefined): FirstBoot {
    if (!bus || typeof bus !== "object")
        return NOT_RUN;
    const steps = Array.isArray(bus.Steps) ? bus.Steps as Array<Record<string, unknown>> : [];
    return normalizeFirstBoot({
        state: bus.State,
        finished: microsecondsToIso(bus.Finished),
        steps: steps.map(s => ({
            id: s.Id, description: s.Description, state: s.State, message: s.Message,
            started: microsecondsToIso(s.Started), finished: microsecondsToIso(s.Finished), log: s.Log,
        })),
    });
}
