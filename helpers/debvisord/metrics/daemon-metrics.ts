// debvisord's own figures since it started: method calls by outcome, per area
// (the interface's last name element) and method, and finished jobs with
// their durations. Counted in memory; the textfile writer puts them out.
import { DebVisorError } from "../../lib/errors.js";
import type { Dispatcher, IncomingCall } from "../bus/object-server.js";
import type { Family, Labels } from "./exposition.js";

type Outcome = "ok" | "denied" | "invalid" | "failed";

/** The operations whose failed jobs an alert rule counts (monitoring/rules). */
const ALERTED_JOB_FAILURES = ["machine-backup"];

const OUTCOME_BY_ERROR: Record<string, Outcome> = { NotAuthorized: "denied", InvalidArgument: "invalid" };

class Counter {
    private readonly values = new Map<string, { labels: Labels; value: number }>();

    add(labels: Labels, by = 1): void {
        const key = JSON.stringify(labels);
        const entry = this.values.get(key) ?? { labels, value: 0 };
        entry.value += by;
        this.values.set(key, entry);
    }

    samples(): Array<{ labels: Labels; value: number }> {
        return [...this.values.values()].map(e => ({ labels: e.labels, value: e.value }));
    }
}

export class DaemonMetrics {
    private readonly calls = new Counter();
    private readonly jobsFinished = new Counter();
    private readonly jobSeconds = new Counter();

    constructor() {
        // the series an alert watches with increase() exist from the start, at 0: Prometheus sees
        // no increase in a counter whose first sample is already 1 (BackupFailed's first failure)
        for (const operation of ALERTED_JOB_FAILURES)
            this.jobsFinished.add({ operation, state: "failed" }, 0);
    }

    /* The dispatcher, counting each call's outcome. */
    instrument(dispatch: Dispatcher): Dispatcher {
        return async (call: IncomingCall) => {
            const labels = { area: call.iface.split(".").pop() ?? call.iface, method: call.method.name };
            try {
                const out = await dispatch(call);
                this.calls.add({ ...labels, outcome: "ok" });
                return out;
            } catch (e) {
                const name = e instanceof DebVisorError ? e.errorName : "";
                this.calls.add({ ...labels, outcome: OUTCOME_BY_ERROR[name] ?? "failed" });
                throw e;
            }
        };
    }

    jobFinished(operation: string, state: string, seconds: number): void {
        this.jobsFinished.add({ operation, state });
        this.jobSeconds.add({ operation, state }, seconds);
    }

    families(): Family[] {
        return [
            { name: "debvisor_calls_total", type: "counter", help: "Method calls to debvisord by area, method and outcome (ok, denied, invalid, failed).", samples: this.calls.samples() },
            { name: "debvisor_jobs_finished_total", type: "counter", help: "Jobs finished by operation and state (succeeded, failed, cancelled).", samples: this.jobsFinished.samples() },
            { name: "debvisor_job_duration_seconds_total", type: "counter", help: "Seconds the finished jobs ran, by operation and state.", samples: this.jobSeconds.samples() },
        ];
    }
}
