// Every call to debvisord goes through here: as the logged-in user, on the
// page's one client (a graph's history on the second channel beside it,
// dbus-store's readsClient), with the method's signature from the contract. A failure that means the service is gone is reported to
// the store (the page shows the matching empty state); the caller gets an
// error with the D-Bus error name and the daemon's message in words.
import { BRIDGE_META } from "../../../generated/dbus-contract";
import type { DBusClient, DBusError } from "../cockpit";
import { cockpit } from "../cockpit";
import { dbusClient, noteCallFailure } from "../dbus-store";

export interface CallError {
    /** e.g. "org.debvisor.DebVisor1.Error.NotAuthorized", or Cockpit's problem code */
    name: string;
    message: string;
}

export const NOT_AUTHORIZED = "org.debvisor.DebVisor1.Error.NotAuthorized";

function toCallError(error: unknown): CallError {
    const e = (error ?? {}) as DBusError;
    return { name: e.name || e.problem || "", message: cockpit.message(e) || String(error) };
}

type Meta = Readonly<Record<string, { methods: Readonly<Record<string, { in: readonly string[] } | undefined>> } | undefined>>;

/* The method's in-signature from the contract: the bridge then sends the call without introspecting its object first. */
const signatureOf = (iface: string, method: string): string | undefined => (BRIDGE_META as Meta)[iface]?.methods[method]?.in.join("");

/* `client`: the page's client, or readsClient() for a read that must not wait for the page's watch. */
export async function callDaemon<Result extends unknown[]>(path: string, iface: string, method: string, args: unknown[],
    client: DBusClient = dbusClient()): Promise<Result> {
    try {
        return await client.call(path, iface, method, args, { type: signatureOf(iface, method) }) as Result;
    } catch (error) {
        noteCallFailure(error as DBusError);
        throw toCallError(error);
    }
}
