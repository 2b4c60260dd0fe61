// Calling a DebVisor method from a command: the options a{sv} last, with
// --no-ask in them; on a terminal polkit may ask for a password first.
import type dbus from "dbus-next";
import type { Values } from "./args.js";
import { call, methodOptions } from "./bus.js";
import { startPasswordAgent } from "./polkit-agent.js";

type Variant = InstanceType<typeof dbus.Variant>;

export async function callMethod(path: string, iface: string, member: string, signature: string, args: unknown[],
    values: Values, options: Record<string, Variant> = {}): Promise<unknown[]> {
    const noAsk = values["no-ask"] === true;
    await startPasswordAgent(noAsk);
    return call(path, iface, member, signature, [...args, methodOptions(noAsk, options)]);
}
