// Calling a DebVisor method from a command: the options a{sv} last, with
// --no-ask in them; on a terminal polkit may ask for a password first.
import dbus from "dbus-next";
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

/* The given command-line options as method options of the same names: text ("s") or switches ("b"). */
export function passOptions(values: Values, kinds: Record<string, "s" | "b">): Record<string, Variant> {
    const o: Record<string, Variant> = {};
    for (const [name, kind] of Object.entries(kinds))
        if (kind === "b" ? values[name] === true : values[name] !== undefined)
            o[name] = new dbus.Variant(kind, kind === "b" ? true : String(values[name]));
    return o;
}

/* --confirm NAME as the option a destructive method checks; sent empty when not given, so the refusal says what to repeat. */
export function confirmOption(values: Values): Record<string, Variant> {
    return { confirm: new dbus.Variant("s", String(values.confirm ?? "")) };
}
