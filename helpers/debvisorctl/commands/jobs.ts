import { JOB_IFACE, ROOT_PATH } from "../../../generated/dbus-contract.js";
import { parse, UsageError } from "../args.js";
import { call, managedObjects, methodOptions } from "../bus.js";
import { printJson, table } from "../output.js";
import type { Command } from "./command.js";
import { usageOf } from "./status.js";

/* "7" and "/org/debvisor/DebVisor1/jobs/7" name the same job. */
export function jobPath(arg: string): string {
    if (/^\d+$/.test(arg))
        return `${ROOT_PATH}/jobs/${arg}`;
    if (/^\/org\/debvisor\/DebVisor1\/jobs\/\d+$/.test(arg))
        return arg;
    throw new UsageError(`"${arg}" is not a job number or job path`);
}

export const jobs: Command = {
    name: "jobs",
    summary: "running and recently finished jobs; `jobs cancel N` stops one",
    usage: "debvisorctl jobs [--json]\n       debvisorctl jobs cancel N|PATH [--no-ask]",
    async run(argv) {
        const { values, positionals, help } = parse(argv, { json: { type: "boolean" }, "no-ask": { type: "boolean" } }, { min: 0, max: 2 });
        if (help) return usageOf(this);
        if (positionals.length > 0) {
            if (positionals[0] !== "cancel" || positionals.length !== 2)
                throw new UsageError(`unknown jobs command "${positionals.join(" ")}"`);
            await call(jobPath(positionals[1]), JOB_IFACE, "Cancel", "a{sv}", [methodOptions(values["no-ask"] === true)]);
            process.stdout.write(`cancelled ${jobPath(positionals[1])}\n`);
            return 0;
        }
        const objects = await managedObjects();
        const list = Object.entries(objects)
            .filter(([, ifaces]) => ifaces[JOB_IFACE])
            .map(([path, ifaces]) => ({ Path: path, ...ifaces[JOB_IFACE] }) as Record<string, unknown> & { Path: string })
            .sort((a, b) => Number(a.Path.split("/").pop()) - Number(b.Path.split("/").pop()));
        if (values.json) {
            printJson(list);
            return 0;
        }
        process.stdout.write(table(["JOB", "OPERATION", "PROGRESS", "STATE", "DESCRIPTION"], list.map(j => [
            j.Path.split("/").pop() as string, String(j.Operation),
            j.ProgressValid ? `${Math.round(Number(j.Progress) * 100)}%` : "-", String(j.State), String(j.Description),
        ])) + "\n");
        return 0;
    },
};
