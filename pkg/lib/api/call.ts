// Every call to debvisord goes through here: as the logged-in user, on the
// page's one client. A failure that means the service is gone is reported to
// the store (the page shows the matching empty state); the caller gets an
// error with the D-Bus error name and the daemon's message in words.
import type { DBusError } from "../cockpit";
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

export async function callDaemon<Result extends unknown[]>(path: string, iface: string, method: string, args: unknown[]): Promise<Result> {
    try {
        return await dbusClient().call(path, iface, method, args) as Result;
    } catch (error) {
        noteCallFailure(error as DBusError);
        throw toCallError(error);
    }
}
