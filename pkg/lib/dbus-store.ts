// The page's one connection to debvisord: one cockpit.dbus client at module
// scope, one watch on the whole object tree, and a store fed by the bridge's
// "notify" events (the initial GetManagedObjects, then PropertiesChanged,
// InterfacesAdded and InterfacesRemoved). Components read it through hooks;
// nothing polls.
import { useSyncExternalStore } from "react";
import { BUS_NAME, JOB_IFACE, MACHINE_IFACE, MANAGER_IFACE, ROOT_PATH, type PageJobProperties, type PageMachineProperties, type PageManagerProperties } from "../../generated/dbus-contract";
import { cockpit, type DBusClient, type DBusError, type NotifyData } from "./cockpit";

export type ServiceState =
    | { status: "connecting" }
    | { status: "ready" }
    | { status: "unavailable"; reason: "not-installed" | "not-running"; message: string };

type Objects = Readonly<Record<string, Readonly<Record<string, Readonly<Record<string, unknown>>>>>>;

interface State { service: ServiceState; objects: Objects }

export const MANAGER_PATH = `${ROOT_PATH}/Manager`;

let state: State = { service: { status: "connecting" }, objects: {} };
const listeners = new Set<() => void>();
let client: DBusClient | null = null;

function setState(next: State): void {
    state = next;
    for (const l of listeners) l();
}

/* Merges one notify message; every changed object and interface is a new value. */
export function applyNotify(objects: Objects, data: NotifyData): Objects {
    const next: Record<string, Record<string, Readonly<Record<string, unknown>>>> = { ...objects };
    for (const [path, interfaces] of Object.entries(data)) {
        const merged: Record<string, Readonly<Record<string, unknown>>> = { ...(next[path] ?? {}) };
        for (const [iface, props] of Object.entries(interfaces)) {
            if (props === null)
                delete merged[iface];
            else
                merged[iface] = { ...(merged[iface] ?? {}), ...props };
        }
        if (Object.keys(merged).length === 0)
            delete next[path];
        else
            next[path] = merged;
    }
    return next;
}

export function describeUnavailable(error: DBusError): ServiceState {
    if (error.name === "org.freedesktop.DBus.Error.ServiceUnknown")
        return { status: "unavailable", reason: "not-installed", message: error.message };
    return { status: "unavailable", reason: "not-running", message: error.message };
}

function watchTree(c: DBusClient): void {
    c.watch({ path_namespace: ROOT_PATH }).then(
        () => {
            const ready = state.objects[MANAGER_PATH]?.[MANAGER_IFACE] !== undefined;
            setState({ ...state, service: ready ? { status: "ready" } : { status: "unavailable", reason: "not-running", message: "" } });
        },
        (error: DBusError) => setState({ ...state, service: describeUnavailable(error) }),
    );
}

/* The shared client; created on first use. */
export function dbusClient(): DBusClient {
    if (client)
        return client;
    const c = cockpit.dbus(BUS_NAME, { bus: "system" });
    c.addEventListener("notify", (_event, data) => {
        const objects = applyNotify(state.objects, data);
        const service: ServiceState = objects[MANAGER_PATH] ? { status: "ready" } : state.service;
        setState({ service, objects });
    });
    c.addEventListener("owner", (_event, owner) => {
        if (owner === null) {
            // the daemon stopped: its objects are gone with it
            setState({ service: { status: "connecting" }, objects: {} });
        } else if (state.service.status !== "ready") {
            watchTree(c);
        }
    });
    c.addEventListener("close", (_event, options) =>
        setState({ ...state, service: { status: "unavailable", reason: "not-running", message: options.message ?? options.problem ?? "" } }));
    client = c;
    watchTree(c);
    return c;
}

function subscribe(listener: () => void): () => void {
    dbusClient();
    listeners.add(listener);
    return () => listeners.delete(listener);
}

export function useServiceState(): ServiceState {
    return useSyncExternalStore(subscribe, () => state.service);
}

export function useManager(): PageManagerProperties | null {
    return useSyncExternalStore(subscribe, () =>
        (state.objects[MANAGER_PATH]?.[MANAGER_IFACE] as unknown as PageManagerProperties | undefined) ?? null);
}

export interface ObjectOf<Props> { path: string; props: Props }
export type JobObject = ObjectOf<PageJobProperties>;
export type MachineObject = ObjectOf<PageMachineProperties>;

/* A selector of all objects with one interface, sorted; it returns the same
 * array as long as the objects did not change, as useSyncExternalStore needs. */
function objectsWith<Props>(iface: string, order: (a: ObjectOf<Props>, b: ObjectOf<Props>) => number): () => Array<ObjectOf<Props>> {
    let cache: { objects: Objects | null; list: Array<ObjectOf<Props>> } = { objects: null, list: [] };
    return () => {
        if (cache.objects !== state.objects) {
            const list = Object.entries(state.objects)
                .filter(([, ifaces]) => ifaces[iface] !== undefined)
                .map(([path, ifaces]) => ({ path, props: ifaces[iface] as unknown as Props }))
                .sort(order);
            cache = { objects: state.objects, list };
        }
        return cache.list;
    };
}

const selectJobs = objectsWith<PageJobProperties>(JOB_IFACE, (a, b) => b.props.StartTime - a.props.StartTime || b.path.localeCompare(a.path));
const selectMachines = objectsWith<PageMachineProperties>(MACHINE_IFACE, (a, b) => a.props.Name.localeCompare(b.props.Name));

/** Jobs, newest first. */
export function useJobs(): JobObject[] {
    return useSyncExternalStore(subscribe, selectJobs);
}

/** Virtual machines by name. */
export function useMachines(): MachineObject[] {
    return useSyncExternalStore(subscribe, selectMachines);
}
