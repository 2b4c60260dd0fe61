// The state of debvisord itself as gauges: whether its audit log can be
// written (changes are refused while it cannot), how many records it holds,
// and whether each area is ready.
import type { AreaStatus } from "../area-supervisor.js";
import type { Family } from "./exposition.js";

interface ServiceState {
    auditProblem(): string;
    auditRecords(): number;
    areas(): Record<string, AreaStatus>;
}

export function serviceFamilies(state: ServiceState): Family[] {
    return [
        { name: "debvisor_audit_log_writable", type: "gauge", help: "1 while debvisord can write its audit log; 0 while it cannot (and refuses changes).",
          samples: [{ value: state.auditProblem() ? 0 : 1 }] },
        { name: "debvisor_audit_records", type: "gauge", help: "Records in debvisord's audit log chain.",
          samples: [{ value: state.auditRecords() }] },
        { name: "debvisor_area_ready", type: "gauge", help: "1 when an area of debvisord is ready, else 0; state says how it is.",
          samples: Object.entries(state.areas()).map(([area, s]) => ({ labels: { area, state: s.state }, value: s.state === "ready" ? 1 : 0 })) },
    ];
}
