// The CLI's connection to debvisord on the system bus: calls that end (an
// answer, a D-Bus error, a lost connection or a time limit), errors turned
// into messages a person can act on, and signal subscriptions.
import dbus from "dbus-next";
import { BUS_NAME, MANAGER_IFACE, ROOT_PATH } from "../../generated/dbus-contract.js";
import { unwrap } from "../lib/variants.js";

export const MANAGER_PATH = `${ROOT_PATH}/manager`;
const PROPERTIES_IFACE = "org.freedesktop.DBus.Properties";
const OBJECT_MANAGER_IFACE = "org.freedesktop.DBus.ObjectManager";
/** longer than bus activation and any method's own work; jobs carry the long work */
const CALL_TIMEOUT_MS = 60_000;

type DBusMessage = InstanceType<typeof dbus.Message>;
type Variant = InstanceType<typeof dbus.Variant>;
export type Properties = Record<string, unknown>;

/** A failure to report as "debvisorctl: <message>" with exit code 1. */
export class CliError extends Error {
    /** the short D-Bus error name, e.g. "NotAuthorized", when the failure came from the bus */
    readonly errorName: string | undefined;

    constructor(message: string, errorName?: string) {
        super(errorName ? `${errorName}: ${message}` : message);
        this.errorName = errorName;
    }
}

const NOT_IN_GROUP_FIX = "Ask an administrator to add you to one (adduser USER debvisor-viewer) and log in again, or run debvisorctl as root.";

/* A D-Bus error as the user reads it: the short error name and the daemon's words. */
export function describeDBusError(type: string, text: string): CliError {
    if (type === "org.freedesktop.DBus.Error.ServiceUnknown")
        return new CliError(`debvisord is not available on the system bus (is the debvisord package installed?): ${text}`);
    if (type === "org.freedesktop.DBus.Error.NameHasNoOwner")
        return new CliError("debvisord is not running");
    if (type.startsWith("org.freedesktop.DBus.Error.Spawn."))
        return new CliError(`debvisord could not be started: ${text}`);
    // the bus policy admits only root and the DebVisor groups (dbus/org.debvisor.DebVisor1.conf)
    if (type === "org.freedesktop.DBus.Error.AccessDenied")
        return new CliError(`the system bus refused the call: you are not in a DebVisor group (debvisor-admin, debvisor-operator, debvisor-viewer). ${NOT_IN_GROUP_FIX}`,
            "AccessDenied");
    return new CliError(text, type.split(".").pop() || type);
}

let bus: dbus.MessageBus | null = null;
let lost: Promise<never> | null = null;
/** calls still waiting for an answer: disconnect() ends them, so that no time limit keeps the process alive */
const pending = new Set<(reason: CliError) => void>();
/** set while a polkit agent may be asking for a password: no time limit then */
let interactive = false;

export function setInteractive(value: boolean): void {
    interactive = value;
}

function connection(): { bus: dbus.MessageBus; lost: Promise<never> } {
    if (!bus || !lost) {
        const b = dbus.systemBus();
        // without a listener a refused connection would crash with a stack trace
        lost = new Promise<never>((_resolve, reject) => b.on("error", (e: Error) =>
            reject(new CliError(`cannot talk to the system bus: ${e.message}`))));
        lost.catch(() => undefined);
        bus = b;
    }
    return { bus, lost };
}

export function systemBus(): dbus.MessageBus {
    return connection().bus;
}

export function disconnect(): void {
    for (const end of pending)
        end(new CliError("the connection to the system bus was closed before the answer came"));
    pending.clear();
    bus?.disconnect();
    bus = null;
    lost = null;
}

export interface CallOptions {
    /** the destination; debvisord unless said */
    destination?: string;
    /** false: do not start debvisord to answer (bus activation) */
    autoStart?: boolean;
    timeoutMs?: number;
}

/* One method call; resolves to the reply's arguments as plain values. */
export async function call(path: string, iface: string, member: string, signature = "", body: unknown[] = [],
    options: CallOptions = {}): Promise<unknown[]> {
    const { bus: b, lost: connectionLost } = connection();
    const message = new dbus.Message({
        destination: options.destination ?? BUS_NAME, path, interface: iface, member, signature, body,
        flags: options.autoStart === false ? dbus.MessageFlag.NO_AUTO_START : 0,
    });
    const limit = options.timeoutMs ?? (interactive ? 0 : CALL_TIMEOUT_MS);
    let timer: NodeJS.Timeout | undefined;
    let endWaiting: (reason: CliError) => void = () => undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
        endWaiting = reject;
        if (limit > 0)
            timer = setTimeout(() => reject(new CliError(`no answer to ${member} within ${Math.round(limit / 1000)} s`)), limit);
    });
    pending.add(endWaiting);
    try {
        const reply = await Promise.race([b.call(message), connectionLost, timeout]);
        return unwrap(reply?.body ?? []) as unknown[];
    } catch (e) {
        if (e instanceof CliError)
            throw e;
        const error = e as { type?: string; text?: string; message?: string };
        if (error.type)
            throw describeDBusError(error.type, error.text ?? error.message ?? "");
        throw new CliError(error.message ?? String(e));
    } finally {
        clearTimeout(timer);
        pending.delete(endWaiting);
    }
}

export async function getProperties(path: string, iface: string, options: CallOptions = {}): Promise<Properties> {
    const [props] = await call(path, PROPERTIES_IFACE, "GetAll", "s", [iface], options);
    return props as Properties;
}

export function managerProperties(options: CallOptions = {}): Promise<Properties> {
    return getProperties(MANAGER_PATH, MANAGER_IFACE, options);
}

export type ManagedObjects = Record<string, Record<string, Properties>>;

export async function managedObjects(): Promise<ManagedObjects> {
    const [objects] = await call(ROOT_PATH, OBJECT_MANAGER_IFACE, "GetManagedObjects");
    return objects as ManagedObjects;
}

/** An object as a command finds it: its properties, its path as "Path". */
export type Found = Properties & { Path: string };

/* Every object that implements `iface`, its path as "Path" next to its properties. */
export function objectsWith(objects: ManagedObjects, iface: string): Found[] {
    return Object.entries(objects)
        .filter(([, interfaces]) => interfaces[iface])
        .map(([path, interfaces]) => ({ Path: path, ...interfaces[iface] }));
}

/* The objects of `iface` in the order of their names, as lists show them. */
export async function objectsByName(iface: string): Promise<Found[]> {
    return objectsWith(await managedObjects(), iface).sort((a, b) => String(a.Name).localeCompare(String(b.Name)));
}

/* The object of `iface` a command line named; NotFound saying `missing` when there is none. */
export async function findObject(iface: string, matches: (o: Found) => boolean, missing: string): Promise<Found> {
    const found = (await objectsByName(iface)).find(matches);
    if (!found)
        throw new CliError(missing, "NotFound");
    return found;
}

/* The `options a{sv}` of a method call; --no-ask becomes auth.no_user_interaction. */
export function methodOptions(noAsk: boolean, extra: Record<string, Variant> = {}): Record<string, Variant> {
    return noAsk ? { ...extra, "auth.no_user_interaction": new dbus.Variant("b", true) } : extra;
}

/* Delivers the signals that match `rules` (D-Bus match rules) until the returned function is called. */
export async function subscribe(rules: string[], onSignal: (message: DBusMessage) => void): Promise<() => void> {
    const b = systemBus();
    const listener = (message: DBusMessage) => {
        if (message.type === dbus.MessageType.SIGNAL)
            onSignal(message);
    };
    b.on("message", listener);
    try {
        for (const rule of rules)
            await call("/org/freedesktop/DBus", "org.freedesktop.DBus", "AddMatch", "s", [rule], { destination: "org.freedesktop.DBus" });
    } catch (e) {
        b.off("message", listener);
        throw e;
    }
    return () => b.off("message", listener);
}

/* Resolves with a message when the connection to the bus is lost. */
export function connectionLost(): Promise<string> {
    return connection().lost.then(() => "", (e: Error) => e.message);
}
