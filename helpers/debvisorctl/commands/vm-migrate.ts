// debvisorctl vm migrate NAME NODE: a running machine moves to another member
// of the cluster without stopping (Machine.Migrate, a Job).
import { NO_ASK_OPTION, type Command } from "../command.js";
import { printAndFollow } from "../job-follow.js";
import { callMachine } from "./machine-lookup.js";

export const vmMigrate: Command = {
    name: "vm migrate",
    args: "NAME NODE",
    summary: "move a running machine to another node of the cluster, live",
    details: "NODE is a member's name as \"cluster status\" lists it. Disks on RBD stay where they are; disks in a\n" +
        "storage pool are copied to the same pool there, and the copies here removed once the machine runs there.\n" +
        "The job's path is printed; --wait follows it, and Ctrl-C cancels it (the machine keeps running here).",
    options: {
        wait: { type: "boolean", help: "wait until the machine runs on NODE, with progress" },
        ...NO_ASK_OPTION,
    },
    async run(values, [name, node]) {
        const [job] = await callMachine(name, "Migrate", values, {}, [node]) as [string];
        return printAndFollow(job, values);
    },
};
