// Machines are named on the command line by their libvirt name (or UUID);
// the API names them by object path.
import type dbus from "dbus-next";
import { MACHINE_IFACE, type ContractMethod } from "../../../generated/dbus-contract.js";
import type { Values } from "../args.js";
import { CliError, managedObjects, objectsWith, type Properties } from "../bus.js";
import { callMethod } from "../method.js";

export type Machine = Properties & { Path: string };
type Variant = InstanceType<typeof dbus.Variant>;

export async function machines(): Promise<Machine[]> {
    return objectsWith(await managedObjects(), MACHINE_IFACE).sort((a, b) => String(a.Name).localeCompare(String(b.Name)));
}

export async function findMachine(name: string): Promise<Machine> {
    const found = (await machines()).find(m => m.Name === name || m.UUID === name);
    if (!found)
        throw new CliError(`no virtual machine named "${name}"`, "NotFound");
    return found;
}

export async function callMachine(name: string, member: ContractMethod<typeof MACHINE_IFACE>, values: Values, options: Record<string, Variant> = {},
    args: unknown[] = []): Promise<unknown[]> {
    return callMethod((await findMachine(name)).Path, MACHINE_IFACE, member, args, values, options);
}
