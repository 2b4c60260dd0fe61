// Machines are named on the command line by their libvirt name (or UUID);
// the API names them by object path.
import type dbus from "dbus-next";
import { MACHINE_IFACE, type ContractMethod } from "../../../generated/dbus-contract.js";
import type { Values } from "../args.js";
import { findObject, objectsByName, type Found } from "../bus.js";
import { callMethod } from "../method.js";

export type Machine = Found;
type Variant = InstanceType<typeof dbus.Variant>;

export const machines = () => objectsByName(MACHINE_IFACE);

export function findMachine(name: string): Promise<Machine> {
    return findObject(MACHINE_IFACE, m => m.Name === name || m.UUID === name, `no virtual machine named "${name}"`);
}

/* The machine's path for a command whose first argument names it. */
export async function machinePath([name]: string[]): Promise<string> {
    return (await findMachine(name)).Path;
}

export async function callMachine(name: string, member: ContractMethod<typeof MACHINE_IFACE>, values: Values, options: Record<string, Variant> = {},
    args: unknown[] = []): Promise<unknown[]> {
    return callMethod((await findMachine(name)).Path, MACHINE_IFACE, member, args, values, options);
}
