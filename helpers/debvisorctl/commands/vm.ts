import dbus from "dbus-next";
import { CLUSTER_IFACE, MACHINE_IFACE, ROOT_PATH, type ContractMethod } from "../../../generated/dbus-contract.js";
import { UsageError } from "../args.js";
import { callCommand, listCommand } from "../call-command.js";
import { NO_ASK_OPTION, type Command } from "../command.js";
import { printAndFollow } from "../job-follow.js";
import { callMethod, passOptions } from "../method.js";
import { callMachine, machinePath, machines } from "./machine-lookup.js";
import { vmChangeCommands } from "./vm-change.js";
import { vmConsole } from "./vm-console.js";
import { vmMigrate } from "./vm-migrate.js";

type Variant = InstanceType<typeof dbus.Variant>;

const vmList = listCommand({
    name: "vm list",
    summary: "virtual machines: name, state, CPUs, memory, autostart",
    items: machines,
    headers: ["NAME", "STATE", "VCPUS", "MEMORY", "AUTOSTART"],
    row: m => [String(m.Name), String(m.State), String(m.Vcpus), `${String(m.MemoryMiB)} MiB`, m.Autostart ? "yes" : "no"],
});

/* The actions that take only the machine's name; Start and ForceOff also on another member of the cluster (--node). */
function simpleAction(word: string, member: ContractMethod<typeof MACHINE_IFACE>, summary: string): Command {
    const elsewhere = member === "Start" || member === "ForceOff";
    return {
        name: `vm ${word}`, args: "NAME", summary,
        options: elsewhere ? { node: { type: "string", value: "NODE", help: "the member of the cluster that has the machine (run there)" }, ...NO_ASK_OPTION } : NO_ASK_OPTION,
        async run(values, [name]) {
            if (typeof values.node === "string")
                await callMethod(`${ROOT_PATH}/cluster`, CLUSTER_IFACE, "MachineCall", [values.node, name, member], values);
            else
                await callMachine(name, member, values);
            return 0;
        },
    };
}

const vmShutdown: Command = {
    name: "vm shutdown",
    args: "NAME",
    summary: "ask the guest to shut down (ACPI power button)",
    details: "With --timeout, a job forces the machine off when the guest has not shut down in time;\n" +
        "its path is printed, and --wait follows it.",
    options: {
        timeout: { type: "string", value: "SECONDS", help: "force the machine off after this many seconds" },
        wait: { type: "boolean", help: "with --timeout: wait until the machine is off" },
        ...NO_ASK_OPTION,
    },
    async run(values, [name]) {
        const options: Record<string, Variant> = {};
        if (values.timeout !== undefined) {
            if (!/^\d+$/.test(String(values.timeout)))
                throw new UsageError("--timeout takes a number of seconds");
            options.timeout = new dbus.Variant("u", Number(values.timeout));
        } else if (values.wait) {
            throw new UsageError("--wait follows the job that --timeout starts: give --timeout too");
        }
        const [job] = await callMachine(name, "Shutdown", values, options) as [string];
        return printAndFollow(job, values);
    },
};

const vmDelete = callCommand({
    name: "vm delete",
    args: "NAME",
    summary: "remove a machine from libvirt (a running one only with --force)",
    options: {
        "delete-disks": { type: "boolean", help: "also remove its disks (volumes of the storage pools, images in /var/lib/libvirt/images)" },
        force: { type: "boolean", help: "force a running machine off first" },
        ...NO_ASK_OPTION,
    },
    path: machinePath, iface: MACHINE_IFACE, method: "Delete",
    callArgs: () => [], callOptions: values => passOptions(values, { "delete-disks": "b", force: "b" }),
});

const vmAutostart = callCommand({
    name: "vm autostart",
    args: "NAME on|off",
    summary: "whether the machine starts when the host boots",
    options: NO_ASK_OPTION,
    check: ([, setting]) => {
        if (setting !== "on" && setting !== "off")
            throw new UsageError(`say on or off, not "${setting}"`);
    },
    path: machinePath, iface: MACHINE_IFACE, method: "SetAutostart", callArgs: ([, setting]) => [setting === "on"],
});

export const vmCommands: Command[] = [
    vmList,
    simpleAction("start", "Start", "boot the machine"),
    vmShutdown,
    simpleAction("reboot", "Reboot", "ask the guest to reboot"),
    simpleAction("force-off", "ForceOff", "stop the machine at once, like pulling the plug"),
    simpleAction("pause", "Pause", "freeze the running machine in memory"),
    simpleAction("resume", "Resume", "let a paused machine run on"),
    vmDelete,
    vmAutostart,
    ...vmChangeCommands,
    vmConsole,
    vmMigrate,
];
