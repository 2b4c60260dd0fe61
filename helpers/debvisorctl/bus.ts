// The CLI's connection to debvisord: calls with the D-Bus error turned into a
// message a person can act on.
import dbus from "dbus-next";
import { BUS_NAME, MANAGER_IFACE, ROOT_PATH } from "../../generated/dbus-contract.js";
import { unwrap } from "../lib/variants.js";

export const MANAGER_PATH = `${ROOT_PATH}/Manager`;

/** A failure to report on stderr with exit code 1. */
export class CliError extends Error {}

let bus: dbus.MessageBus | null = null;

export function systemBus(): dbus.MessageBus {
    bus ??= dbus.systemBus();
    return bus;
}

export function disconnect(): void {
    bus?.disconnect();
    bus = null;
}

export async function call(path: string, iface: string, member: string, signature = "", body: unknown[] = []): Promise<unknown[]> {
    try {
        const reply = await systemBus().call(new dbus.Message({ destination: BUS_NAME, path, interface: iface, member, signature, body }));
        return unwrap(reply?.body ?? []) as unknown[];
    } catch (e) {
        const error = e as { type?: string; text?: string; message?: string };
        const name = (error.type ?? "").split(".").pop();
        if (error.type === "org.freedesktop.DBus.Error.ServiceUnknown")
            throw new CliError("the DebVisor service is not installed or cannot be started (apt install debvisord)");
        throw new CliError(`${name ? name + ": " : ""}${error.text ?? error.message ?? String(e)}`);
    }
}

export async function managerProperties(): Promise<Record<string, unknown>> {
    const [props] = await call(MANAGER_PATH, "org.freedesktop.DBus.Properties", "GetAll", "s", [MANAGER_IFACE]);
    return props as Record<string, unknown>;
}

export async function managedObjects(): Promise<Record<string, Record<string, Record<string, unknown>>>> {
    const [objects] = await call(ROOT_PATH, "org.freedesktop.DBus.ObjectManager", "GetManagedObjects");
    return objects as Record<string, Record<string, Record<string, unknown>>>;
}

/* Method options: --no-ask becomes auth.no_user_interaction. */
export function methodOptions(noAsk: boolean, extra: Record<string, InstanceType<typeof dbus.Variant>> = {}) {
    return noAsk ? { ...extra, "auth.no_user_interaction": new dbus.Variant("b", true) } : extra;
}
