// debvisorctl vm migrate NAME NODE: a running machine moves to another member
// of the cluster without stopping (Machine.Migrate, a Job).
import { MACHINE_IFACE } from "../../../generated/dbus-contract.js";
import { callCommand } from "../call-command.js";
import { NO_ASK_OPTION } from "../command.js";
import { machinePath } from "./machine-lookup.js";

export const vmMigrate = callCommand({
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
    path: machinePath, iface: MACHINE_IFACE, method: "Migrate", callArgs: ([, node]) => [node], prints: "job",
});
