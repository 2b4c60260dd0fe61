import { JOB_IFACE } from "../../../generated/dbus-contract.js";
import { managedObjects, managerProperties, objectsWith } from "../bus.js";
import { JSON_OPTION, type Command } from "../command.js";
import { fields, print, printJson } from "../output.js";
import { firstBootFromBus, type FirstBootOnBus } from "../../lib/firstboot-state.js";

/* "done at …", "failed: <step>: <error>", "running: <step>"; null where first boot never ran. */
export function firstBootLine(property: unknown): string | null {
    const fb = firstBootFromBus(property as FirstBootOnBus);
    if (fb.state === "not-run")
        return null;
    if (fb.state === "done")
        return `done at ${fb.finished}`;
    const step = fb.steps.find(s => s.state === (fb.state === "failed" ? "failed" : "running"));
    return step ? `${fb.state}: ${step.description}${fb.state === "failed" ? `: ${step.message}` : ""}` : fb.state;
}

export const status: Command = {
    name: "status",
    summary: "this node: version, host name, storage profile, backends, audit chain head, running jobs, the state of each area",
    details: "Reads the Manager's properties; needs no authorization.",
    options: JSON_OPTION,
    async run(values) {
        const [props, objects] = await Promise.all([managerProperties(), managedObjects()]);
        const running = objectsWith(objects, JOB_IFACE).filter(j => j.State === "running").length;
        if (values.json) {
            printJson({ ...props, RunningJobs: running });
            return 0;
        }
        print(fields([
            ["Version", props.Version],
            ["Host name", props.Hostname],
            ["Storage profile", props.Profile],
            ["Backends", (props.Features as string[]).join(", ") || "none"],
            ["Audit records", props.AuditRecordCount],
            ["Audit chain head", props.AuditChainHead],
            ...(props.AuditProblem ? [["Audit log problem", props.AuditProblem] as [string, unknown]] : []),
            ["Running jobs", running],
            // each area's state, and why it is not ready (it retries by itself)
            ...Object.entries((props.Areas ?? {}) as Record<string, [string, string, unknown]>).sort(([a], [b]) => a.localeCompare(b))
                .map(([name, [state, reason]]) => [`Area ${name}`, reason ? `${state}: ${reason}` : state] as [string, unknown]),
            ...(firstBootLine(props.FirstBoot) !== null ? [["First boot", firstBootLine(props.FirstBoot)] as [string, unknown]] : []),
        ]));
        return 0;
    },
};
