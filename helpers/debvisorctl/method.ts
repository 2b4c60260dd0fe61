// Calling a DebVisor method from a command: the options a{sv} last, with
// --no-ask in them; on a terminal polkit may ask for a password first.
import type dbus from "dbus-next";
import { IN_SIGNATURES, type ContractInterface, type ContractMethod } from "../../generated/dbus-contract.js";
import type { Values } from "./args.js";
import { call, methodOptions } from "./bus.js";
import { startPasswordAgent } from "./polkit-agent.js";

type Variant = InstanceType<typeof dbus.Variant>;

/* The signature is the contract's: a method or argument the XML does not
 * have fails to compile, and one that changes there is sent as it says. */
export async function callMethod<I extends ContractInterface>(path: string, iface: I, member: ContractMethod<I>, args: unknown[],
    values: Values, options: Record<string, Variant> = {}): Promise<unknown[]> {
    const noAsk = values["no-ask"] === true;
    await startPasswordAgent(noAsk);
    const signature = (IN_SIGNATURES[iface] as Record<string, string>)[member];
    return call(path, iface, member, signature, [...args, methodOptions(noAsk, options)]);
}
