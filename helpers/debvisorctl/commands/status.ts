import { parse } from "../args.js";
import { managedObjects, managerProperties } from "../bus.js";
import { printJson } from "../output.js";
import type { Command } from "./command.js";

export const status: Command = {
    name: "status",
    summary: "the node: version, host name, storage profile, backends, audit chain, running jobs",
    usage: "debvisorctl status [--json]",
    async run(argv) {
        const { values, help } = parse(argv, { json: { type: "boolean" } }, { min: 0, max: 0 });
        if (help) return usageOf(this);
        const [props, objects] = await Promise.all([managerProperties(), managedObjects()]);
        const running = Object.values(objects).filter(o => o["org.debvisor.DebVisor1.Job"]?.State === "running").length;
        if (values.json) {
            printJson({ ...props, RunningJobs: running });
            return 0;
        }
        const lines = [
            ["Version", props.Version],
            ["Host name", props.Hostname],
            ["Storage profile", props.Profile],
            ["Backends", (props.Features as string[]).join(", ") || "none"],
            ["Audit records", props.AuditRecordCount],
            ["Audit chain head", props.AuditChainHead],
            ["Running jobs", running],
        ];
        process.stdout.write(lines.map(([k, v]) => `${String(k).padEnd(17)} ${String(v)}`).join("\n") + "\n");
        return 0;
    },
};

export function usageOf(command: Command): number {
    process.stdout.write(`Usage: ${command.usage}\n\n${command.summary[0].toUpperCase()}${command.summary.slice(1)}.\n`);
    return 0;
}
