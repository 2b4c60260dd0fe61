// debvisorctl vm create|show|rename|set|clone|convert|convert-disk|snapshot|disk|nic
import fs from "node:fs";
import path from "node:path";
import dbus from "dbus-next";
import { MACHINE_IFACE, MANAGER_IFACE, type ContractMethod } from "../../../generated/dbus-contract.js";
import { UsageError, wholeNumber, type Values } from "../args.js";
import { MANAGER_PATH } from "../bus.js";
import { JSON_OPTION, NO_ASK_OPTION, type Command } from "../command.js";
import { printAndFollow } from "../job-follow.js";
import { callMethod, passOptions } from "../method.js";
import { print, printJson, table, timeText } from "../output.js";
import { parseBytes } from "./import.js";
import { callMachine, findMachine, machinePath } from "./machine-lookup.js";
import { callCommand } from "../call-command.js";

type Variant = InstanceType<typeof dbus.Variant>;
const WAIT_OPTION = { wait: { type: "boolean" as const, help: "follow the job until it ends; Ctrl-C cancels it" } };

const vmCreate: Command = {
    name: "vm create",
    args: "NAME",
    summary: "create a virtual machine: blank disk, installer ISO, disk image or cloud image",
    details: "Without --iso, --image or --cloud-image the machine gets a blank disk. An image is converted to qcow2 as a\n" +
        "job (its path is printed; --wait follows it). The disk goes to the storage pool the storage profile names.\n" +
        "The cloud-init password is read from standard input with --cloud-password-stdin, never from the command line.",
    options: {
        iso: { type: "string", value: "FILE", help: "boot an installer from this ISO" },
        image: { type: "string", value: "FILE", help: "import this disk image (qcow2, raw, vmdk, vdi …) as the machine's disk" },
        "cloud-image": { type: "string", value: "FILE", help: "import this cloud image and attach a cloud-init seed" },
        "disk-size": { type: "string", value: "BYTES", help: "disk size (K, M, G, T suffixes); default 10G for a blank disk" },
        zvol: { type: "boolean", help: "the disk as a ZFS volume (OpenZFS, storage profile zfs; blank disk or --iso only)" },
        vcpus: { type: "string", value: "N", help: "virtual CPUs (default 1)" },
        memory: { type: "string", value: "MIB", help: "memory in MiB (default 1024)" },
        os: { type: "string", value: "ID", help: "the libosinfo id of the OS, e.g. http://debian.org/debian/12" },
        network: { type: "string", value: "NET", help: "bridge:NAME, network:NAME or none (default: br0 if present, else network:default)" },
        start: { type: "boolean", help: "start the machine once it is created" },
        "cloud-user": { type: "string", value: "USER", help: "cloud-init: the user to create" },
        "cloud-password-stdin": { type: "boolean", help: "cloud-init: read that user's password from standard input" },
        "ssh-key-file": { type: "string", value: "FILE", help: "cloud-init: the user's SSH public key (a .pub file)" },
        hostname: { type: "string", value: "NAME", help: "cloud-init: the guest's host name (default: the machine's name)" },
        ...WAIT_OPTION,
        ...NO_ASK_OPTION,
    },
    async run(values, [name]) {
        const o: Record<string, Variant> = {};
        const sources = (["iso", "image", "cloud-image"] as const).filter(k => values[k] !== undefined);
        if (sources.length > 1)
            throw new UsageError("give one of --iso, --image and --cloud-image");
        if (sources[0]) {
            o.source = new dbus.Variant("s", sources[0]);
            o[sources[0] === "iso" ? "iso" : "image"] = new dbus.Variant("s", path.resolve(String(values[sources[0]])));
        }
        if (values["disk-size"] !== undefined)
            o["disk-size"] = new dbus.Variant("t", BigInt(parseBytes(String(values["disk-size"]))));
        if (values.zvol)
            o["disk-kind"] = new dbus.Variant("s", "zvol");
        if (values.vcpus !== undefined)
            o.vcpus = new dbus.Variant("u", wholeNumber(values.vcpus, "--vcpus"));
        if (values.memory !== undefined)
            o["memory-mib"] = new dbus.Variant("t", BigInt(wholeNumber(values.memory, "--memory")));
        for (const [option, key] of [["os", "os"], ["network", "network"], ["cloud-user", "cloud-init.user"], ["hostname", "cloud-init.hostname"]]) {
            if (values[option] !== undefined)
                o[key] = new dbus.Variant("s", String(values[option]));
        }
        if (values.start)
            o.start = new dbus.Variant("b", true);
        if (values["cloud-password-stdin"])
            o["cloud-init.password"] = new dbus.Variant("s", fs.readFileSync(0, "utf8").replace(/\r?\n$/, ""));
        if (values["ssh-key-file"] !== undefined)
            o["cloud-init.ssh-key"] = new dbus.Variant("s", fs.readFileSync(String(values["ssh-key-file"]), "utf8").trim());
        const [machine, job] = await callMethod(MANAGER_PATH, MANAGER_IFACE, "CreateMachine", [name], values, o) as [string, string];
        print(machine);
        return printAndFollow(job, values);
    },
};

/* Graphics' Access in words: who reaches the display without asking DebVisor. */
const DISPLAY_ACCESS: Record<string, string> = {
    private: "only through DebVisor (vm console, the page)",
    "local-users": "every local user",
    network: "anyone on the network",
    none: "nobody (no listener)",
};

const vmShow: Command = {
    name: "vm show",
    args: "NAME",
    summary: "one machine in full: resources, disks, network interfaces with addresses, displays, snapshots",
    options: JSON_OPTION,
    async run(values, [name]) {
        const m = await findMachine(name);
        if (values.json) {
            printJson(m);
            return 0;
        }
        const list = (key: string) => (m[key] ?? []) as Array<Record<string, unknown>>;
        print(table(["", ""], [
            ["Name", String(m.Name)], ["UUID", String(m.UUID)], ["State", String(m.State)],
            ["vCPUs", String(m.Vcpus)], ["Memory", `${String(m.MemoryMiB)} MiB`], ["Autostart", m.Autostart ? "yes" : "no"],
            ["OS", String(m.OsInfo || "-")], ["Created by", String(m.CreatedBy || "-")], ["Emulated", m.Emulated ? "yes (TCG)" : "no (KVM)"],
        ]).split("\n").slice(1).join("\n"));
        print("\n" + table(["DISK", "DEVICE", "BUS", "FORMAT", "SOURCE"], list("Disks").map(d => [d.Target, d.Device, d.Bus, d.Format, d.Source].map(String))));
        print("\n" + table(["MAC", "TYPE", "SOURCE", "MODEL", "ADDRESSES"], list("Nics").map(n =>
            [n.Mac, n.Type, n.Source, n.Model, ((n.Addresses ?? []) as string[]).join(", ") || "-"].map(String))));
        print("\n" + table(["DISPLAY", "LISTENS ON", "WHO CAN CONNECT"], list("Graphics").map(g => [
            String(g.Type),
            g.Access === "private" ? "private socket" : Number(g.Port) > 0 ? `${String(g.Listen || "127.0.0.1")}:${Number(g.Port)}` : String(g.Listen || "-"),
            DISPLAY_ACCESS[String(g.Access)] ?? String(g.Access),
        ])));
        print("\n" + table(["SNAPSHOT", "TAKEN", "STATE", "CURRENT", "DESCRIPTION"], list("Snapshots").map(s => [
            String(s.Name), timeText(s.CreationTime), String(s.State), s.Current ? "yes" : "", String(s.Description)])));
        return 0;
    },
};

const vmRename = callCommand({
    name: "vm rename", args: "NAME NEW_NAME", summary: "rename a shut-off machine", options: NO_ASK_OPTION,
    path: machinePath, iface: MACHINE_IFACE, method: "Rename", callArgs: ([, newName]) => [newName],
});

const vmSet: Command = {
    name: "vm set",
    args: "NAME",
    summary: "change virtual CPUs and memory (a running machine gets them at its next boot)",
    options: {
        vcpus: { type: "string", value: "N", help: "virtual CPUs" },
        memory: { type: "string", value: "MIB", help: "memory in MiB" },
        ...NO_ASK_OPTION,
    },
    async run(values, [name]) {
        const o: Record<string, Variant> = {};
        if (values.vcpus !== undefined)
            o.vcpus = new dbus.Variant("u", wholeNumber(values.vcpus, "--vcpus"));
        if (values.memory !== undefined)
            o["memory-mib"] = new dbus.Variant("t", BigInt(wholeNumber(values.memory, "--memory")));
        if (Object.keys(o).length === 0)
            throw new UsageError("give --vcpus, --memory or both");
        const [restart] = await callMachine(name, "SetResources", values, o) as [boolean];
        if (restart)
            print(`${name} is running: the change applies when it is shut down and started again`);
        return 0;
    },
};

const vmClone = callCommand({
    name: "vm clone",
    args: "NAME NEW_NAME",
    summary: "copy a shut-off machine with all of its disks, as a job",
    options: { ...WAIT_OPTION, ...NO_ASK_OPTION },
    path: machinePath, iface: MACHINE_IFACE, method: "Clone", callArgs: ([, newName]) => [newName], prints: "job",
});

/* --format is required for both conversions. */
function formatGiven(_given: string[], values: Values): void {
    if (values.format === undefined)
        throw new UsageError("--format is required: qcow2 or raw");
}

const vmConvert = callCommand({
    name: "vm convert",
    args: "SOURCE NAME",
    summary: "convert a disk image file into the image directory in another format, as a job",
    details: "SOURCE is an image file on this host (qcow2, raw, vmdk, vdi, vpc, vhdx); NAME the new image's name.\n" +
        "To convert a disk of a machine in place, use \"vm convert-disk\".",
    options: {
        format: { type: "string", value: "FORMAT", help: "qcow2 or raw (required)" },
        ...WAIT_OPTION,
        ...NO_ASK_OPTION,
    },
    check: formatGiven,
    path: MANAGER_PATH, iface: MANAGER_IFACE, method: "ImportImage", prints: "job",
    callArgs: ([source, name]) => [path.resolve(source), name], callOptions: values => ({ format: new dbus.Variant("s", String(values.format)) }),
});

const vmConvertDisk = callCommand({
    name: "vm convert-disk",
    args: "NAME DISK",
    summary: "convert a disk of a shut-off machine (e.g. vda) to another format and switch the machine to it",
    options: {
        format: { type: "string", value: "FORMAT", help: "qcow2 or raw (required)" },
        "keep-original": { type: "boolean", help: "keep the old image file" },
        ...WAIT_OPTION,
        ...NO_ASK_OPTION,
    },
    check: formatGiven,
    path: machinePath, iface: MACHINE_IFACE, method: "ConvertDisk", prints: "job",
    callArgs: ([, disk], values) => [disk, String(values.format)], callOptions: values => passOptions(values, { "keep-original": "b" }),
});

const vmSnapshot: Command = {
    name: "vm snapshot",
    args: "create|revert|delete NAME SNAPSHOT",
    summary: "take, revert to or delete a snapshot (a running machine's includes its memory)",
    details: "Reverting loses everything the machine wrote since the snapshot was taken. \"vm show\" lists the snapshots.",
    options: {
        description: { type: "string", value: "TEXT", help: "with create: what the snapshot is for" },
        ...NO_ASK_OPTION,
    },
    async run(values, [verb, name, snapshot]) {
        const members: Record<string, ContractMethod<typeof MACHINE_IFACE>> = { create: "CreateSnapshot", revert: "RevertSnapshot", delete: "DeleteSnapshot" };
        const member = members[verb];
        if (!member)
            throw new UsageError(`say create, revert or delete, not "${verb}"`);
        const o = verb === "create" ? passOptions(values, { description: "s" }) : {};
        await callMachine(name, member, values, o, [snapshot]);
        return 0;
    },
};

const vmDisk: Command = {
    name: "vm disk",
    args: "attach NAME SIZE | detach NAME DISK",
    summary: "add a new disk of SIZE bytes (K, M, G, T suffixes), or detach one (e.g. vdb)",
    options: {
        zvol: { type: "boolean", help: "with attach: a ZFS volume (OpenZFS, storage profile zfs) instead of a qcow2 file" },
        "delete-volume": { type: "boolean", help: "with detach: also delete the disk's volume (or zvol)" },
        ...NO_ASK_OPTION,
    },
    positionals: { min: 3, max: 3 },
    async run(values, [verb, name, what]) {
        if (values.zvol && verb !== "attach")
            throw new UsageError("--zvol goes with attach only");
        if (verb === "attach") {
            const o: Record<string, Variant> = values.zvol ? { kind: new dbus.Variant("s", "zvol") } : {};
            const [target] = await callMachine(name, "AttachDisk", values, o, [BigInt(parseBytes(what))]) as [string];
            print(target);
        } else if (verb === "detach") {
            const o = passOptions(values, { "delete-volume": "b" });
            await callMachine(name, "DetachDisk", values, o, [what]);
        } else {
            throw new UsageError(`say attach or detach, not "${verb}"`);
        }
        return 0;
    },
};

const vmNic: Command = {
    name: "vm nic",
    args: "attach NAME | detach NAME MAC",
    summary: "add a network interface (--network) or remove one by its MAC address",
    options: {
        network: { type: "string", value: "NET", help: "with attach: bridge:NAME or network:NAME (default: br0 if present, else network:default)" },
        ...NO_ASK_OPTION,
    },
    positionals: { min: 2, max: 3 },
    async run(values, [verb, name, mac]) {
        if (verb === "attach") {
            const o = passOptions(values, { network: "s" });
            const [newMac] = await callMachine(name, "AttachNic", values, o) as [string];
            print(newMac);
        } else if (verb === "detach" && mac) {
            await callMachine(name, "DetachNic", values, {}, [mac]);
        } else {
            throw new UsageError(verb === "detach" ? "detach needs the interface's MAC address" : `say attach or detach, not "${verb}"`);
        }
        return 0;
    },
};

export const vmChangeCommands: Command[] = [vmCreate, vmShow, vmRename, vmSet, vmClone, vmConvert, vmConvertDisk, vmSnapshot, vmDisk, vmNic];
