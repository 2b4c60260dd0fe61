import dbus from "dbus-next";
import { parse, UsageError } from "../args.js";
import { call, CliError, managedObjects, methodOptions } from "../bus.js";
import { printJson, table } from "../output.js";
import type { Command } from "./command.js";
import { followJob } from "./import.js";
import { usageOf } from "./status.js";

const MACHINE_IFACE = "org.debvisor.DebVisor1.Machine";

/* Machine method for each action word. */
const ACTIONS: Record<string, string> = {
    start: "Start", shutdown: "Shutdown", reboot: "Reboot", "force-off": "ForceOff",
    pause: "Pause", resume: "Resume", delete: "Delete", autostart: "SetAutostart",
};

async function machines(): Promise<Array<Record<string, unknown> & { Path: string }>> {
    const objects = await managedObjects();
    return Object.entries(objects)
        .filter(([, ifaces]) => ifaces[MACHINE_IFACE])
        .map(([path, ifaces]) => ({ Path: path, ...ifaces[MACHINE_IFACE] }) as Record<string, unknown> & { Path: string })
        .sort((a, b) => String(a.Name).localeCompare(String(b.Name)));
}

async function machinePath(name: string): Promise<string> {
    const found = (await machines()).find(m => m.Name === name || m.UUID === name);
    if (!found)
        throw new CliError(`NotFound: no virtual machine named "${name}"`);
    return found.Path;
}

export const vm: Command = {
    name: "vm",
    summary: "virtual machines: list them, start, shut down, reboot, force off, pause, resume, delete, autostart",
    usage: [
        "debvisorctl vm list [--json]",
        "       debvisorctl vm start|reboot|force-off|pause|resume NAME [--no-ask]",
        "       debvisorctl vm shutdown NAME [--timeout SECONDS [--wait]] [--no-ask]",
        "       debvisorctl vm delete NAME [--delete-disks] [--force] [--no-ask]",
        "       debvisorctl vm autostart NAME on|off [--no-ask]",
    ].join("\n"),
    async run(argv) {
        const { values, positionals, help } = parse(argv, {
            json: { type: "boolean" }, "no-ask": { type: "boolean" }, timeout: { type: "string" }, wait: { type: "boolean" },
            "delete-disks": { type: "boolean" }, force: { type: "boolean" },
        }, { min: 0, max: 3 });
        if (help || positionals.length === 0) return usageOf(this);
        const [action, name, extra] = positionals;
        if (action === "list") {
            const list = await machines();
            if (values.json)
                printJson(list);
            else
                process.stdout.write(table(["NAME", "STATE", "VCPUS", "MEMORY", "AUTOSTART"], list.map(m => [
                    String(m.Name), String(m.State), String(m.Vcpus), `${String(m.MemoryMiB)} MiB`, m.Autostart ? "yes" : "no",
                ])) + "\n");
            return 0;
        }
        const member = ACTIONS[action];
        if (!member || name === undefined)
            throw new UsageError(member ? "missing the machine's name" : `unknown vm command "${action}"`);
        if ((action === "autostart") !== (extra !== undefined))
            throw new UsageError(action === "autostart" ? "say on or off" : `unexpected argument "${extra}"`);
        const path = await machinePath(name);
        const options: Record<string, InstanceType<typeof dbus.Variant>> = {};
        if (action === "shutdown" && values.timeout !== undefined) {
            if (!/^\d+$/.test(String(values.timeout)))
                throw new UsageError("--timeout takes a number of seconds");
            options.timeout = new dbus.Variant("u", Number(values.timeout));
        }
        if (action === "delete") {
            if (values["delete-disks"]) options["delete-disks"] = new dbus.Variant("b", true);
            if (values.force) options.force = new dbus.Variant("b", true);
        }
        const opts = methodOptions(values["no-ask"] === true, options);
        if (action === "autostart") {
            if (extra !== "on" && extra !== "off")
                throw new UsageError("say on or off");
            await call(path, MACHINE_IFACE, member, "ba{sv}", [extra === "on", opts]);
            return 0;
        }
        const [job] = await call(path, MACHINE_IFACE, member, "a{sv}", [opts]) as [string | undefined];
        if (action === "shutdown" && job && job !== "/") {
            process.stdout.write(`${job}\n`);
            if (values.wait)
                return await followJob(job) ? 0 : 1;
        }
        return 0;
    },
};
