import { JOB_IFACE, ROOT_PATH } from "../../../generated/dbus-contract.js";
import { UsageError } from "../args.js";
import { CliError, managedObjects, objectsWith, type Properties } from "../bus.js";
import { JSON_OPTION, NO_ASK_OPTION, type Command } from "../command.js";
import { callMethod } from "../method.js";
import { print, printList, tableOf } from "../output.js";

const JOBS_PATH = `${ROOT_PATH}/jobs/`;

/* "7" and "/org/debvisor/DebVisor1/jobs/7" name the same job. */
export function jobPath(arg: string): string {
    if (/^\d+$/.test(arg))
        return JOBS_PATH + arg;
    if (arg.startsWith(JOBS_PATH) && /^\d+$/.test(arg.slice(JOBS_PATH.length)))
        return arg;
    throw new UsageError(`"${arg}" is not a job number or job path`);
}

type JobListing = Properties & { Path: string; Number: number };

export const jobsTable = tableOf<JobListing>(["JOB", "OPERATION", "PROGRESS", "STATE", "DESCRIPTION"], j => [
    String(j.Number), String(j.Operation),
    j.ProgressValid ? `${Math.floor(Number(j.Progress) * 100)}%` : "-", String(j.State), String(j.Description),
]);

export const jobs: Command = {
    name: "jobs",
    summary: "running and recently finished jobs (a finished job stays listed for a minute)",
    options: JSON_OPTION,
    async run(values) {
        const list = objectsWith(await managedObjects(), JOB_IFACE)
            .map(j => ({ ...j, Number: Number(j.Path.slice(JOBS_PATH.length)) }))
            .sort((a, b) => a.Number - b.Number);
        return printList(values, list, jobsTable);
    },
};

export const jobsCancel: Command = {
    name: "jobs cancel",
    args: "N|PATH",
    summary: "cancel a running job: it stops and undoes its partial work",
    options: NO_ASK_OPTION,
    async run(values, [which]) {
        const path = jobPath(which);
        try {
            await callMethod(path, JOB_IFACE, "Cancel", [], values);
        } catch (e) {
            if (e instanceof CliError && e.errorName === "UnknownObject")
                throw new CliError(`there is no job ${path.slice(JOBS_PATH.length)} (finished jobs disappear a minute after they end)`, "NotFound");
            throw e;
        }
        print(`cancelled job ${path.slice(JOBS_PATH.length)}`);
        return 0;
    },
};
