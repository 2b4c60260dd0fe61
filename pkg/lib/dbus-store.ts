// The page's one connection to debvisord: one cockpit.dbus client at module
// scope, one watch on the whole object tree, and a store fed by the bridge's
// "notify" events (the initial GetManagedObjects, then PropertiesChanged,
// InterfacesAdded and InterfacesRemoved). Components read it through hooks;
// nothing polls. The service's state (connecting, ready, unavailable and why)
// comes from the watch, the channel's "close" and "owner" events and failed
// calls; when debvisord is replaced, the page starts over on a new channel.
import { useMemo, useSyncExternalStore } from "react";
import { BRIDGE_META, BUS_NAME, JOB_IFACE, MACHINE_IFACE, MANAGER_IFACE, ROOT_PATH, type PageJobProperties, type PageMachineProperties, type PageManagerProperties } from "../../generated/dbus-contract";
import { AUDIT_IFACE, type PageAuditProperties } from "../../generated/dbus-contract";
import { DNS_IFACE, DNSKEY_IFACE, DNSZONE_IFACE, type PageDnsKeyProperties, type PageDnsProperties, type PageDnsZoneProperties } from "../../generated/dbus-contract";
import { FIREWALL_IFACE, type PageFirewallProperties } from "../../generated/dbus-contract";
import { HARDENING_IFACE, type PageHardeningProperties } from "../../generated/dbus-contract";
import { ZFSDATASET_IFACE, ZFSMANAGER_IFACE, ZFSPOOL_IFACE, type PageZfsDatasetProperties, type PageZfsManagerProperties, type PageZfsPoolProperties } from "../../generated/dbus-contract";
import {
    CEPHIMAGE_IFACE, CEPHMANAGER_IFACE, CEPHOSD_IFACE, CEPHPOOL_IFACE,
    type PageCephImageProperties, type PageCephManagerProperties, type PageCephOsdProperties, type PageCephPoolProperties,
} from "../../generated/dbus-contract";
import {
    BACKUPREPOSITORY_IFACE, BACKUPS_IFACE, BACKUPSCHEDULE_IFACE,
    type PageBackupRepositoryProperties, type PageBackupScheduleProperties, type PageBackupsProperties,
} from "../../generated/dbus-contract";
import { CLUSTER_IFACE, type PageClusterProperties } from "../../generated/dbus-contract";
import { ALERTS_IFACE, METRICS_IFACE, type PageAlertsProperties, type PageMetricsProperties } from "../../generated/dbus-contract";
import { compareNames } from "./collate";
import { cockpit, type CloseOptions, type DBusClient, type DBusError, type NotifyData } from "./cockpit";
import { _, format } from "./gettext";
import { userRole } from "./role";

/** Why the page cannot talk to debvisord. */
export type UnavailableReason =
    | "not-installed" // no such name on the bus, nothing to activate
    | "not-running" // it ran, and stopped while the page was open
    | "failed" // it could not be started, or answered without its Manager
    | "not-authorized" // the bus refused to pass our messages
    | "disconnected"; // the channel to the bridge closed

export type ServiceState =
    | { status: "connecting" }
    | { status: "ready" }
    | { status: "unavailable"; reason: UnavailableReason; message: string };

type Objects = Readonly<Record<string, Readonly<Record<string, Readonly<Record<string, unknown>>>>>>;

interface State { service: ServiceState; objects: Objects }

export const MANAGER_PATH = `${ROOT_PATH}/manager`;

let state: State = { service: { status: "connecting" }, objects: {} };
const listeners = new Set<() => void>();
let client: DBusClient | null = null;

let flushPending = false;

/* Listeners hear of changes once per frame, not once per message: the bridge
 * delivers a large tree (1,000 machines) as many notify messages, and
 * rendering after each would cost more than all of them together. */
function setState(next: State): void {
    state = next;
    if (flushPending)
        return;
    flushPending = true;
    const flush = () => {
        if (!flushPending)
            return;
        flushPending = false;
        for (const l of listeners) l();
    };
    // a hidden page gets no animation frames: the timer is the fallback
    requestAnimationFrame(flush);
    setTimeout(flush, 100);
}

function setService(service: ServiceState): void {
    setState({ ...state, service });
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

/** Whether an error says the service cannot be reached at all (as opposed to
 * one call failing, e.g. with org.debvisor.DebVisor1.Error.NotAuthorized). */
export function unavailableReason(error: DBusError | CloseOptions): UnavailableReason | null {
    const name = "name" in error ? error.name ?? "" : "";
    const problem = error.problem ?? "";
    if (problem === "not-found" || name === "org.freedesktop.DBus.Error.ServiceUnknown" || name === "org.freedesktop.DBus.Error.NameHasNoOwner")
        return "not-installed";
    if (name.startsWith("org.freedesktop.DBus.Error.Spawn."))
        return "failed";
    if (problem === "access-denied" || problem === "not-authorized" || name === "org.freedesktop.DBus.Error.AccessDenied")
        return "not-authorized";
    if (problem === "disconnected" || problem === "terminated" || problem === "no-session")
        return "disconnected";
    return null;
}

function unavailable(reason: UnavailableReason, error: DBusError | CloseOptions | null): ServiceState {
    // a bare problem code ("not-found") says less than the empty state already does
    const text = error && (error.message || error.problem) ? cockpit.message(error) : "";
    return { status: "unavailable", reason, message: text === error?.problem ? "" : text };
}

/* Opens the channel and reads the whole tree. The bridge answers a watch with
 * notify events (first everything, then changes against what it sent) before
 * it resolves the watch; a watch addressed to the bus name also starts a
 * bus-activatable debvisord that is not running yet. */
function openClient(): DBusClient {
    const c = cockpit.dbus(BUS_NAME, { bus: "system" });
    client = c;
    // the contract describes every interface: the bridge answers the watch without introspecting an
    // object of each first, one call after another. Only where cockpit.js still has meta() (up to
    // Cockpit 288): calling it where it does not (Debian 13's 337) threw, and the page stayed empty
    c.meta?.(BRIDGE_META);
    let lastOwner: string | null = null;
    let ownerLost = false;

    c.addEventListener("notify", (_event, data) => {
        if (client !== c || ownerLost)
            return;
        // when data arrived, for the page benchmark (bench/machines.ts) and the browser's profiler
        performance.mark("debvisor-notify");
        const objects = applyNotify(state.objects, data);
        const service: ServiceState = state.service.status === "connecting" && objects[MANAGER_PATH] ? { status: "ready" } : state.service;
        setState({ service, objects });
    });
    c.addEventListener("owner", (_event, owner) => {
        if (client !== c)
            return;
        if (owner === null) {
            // at start the owner is null until the watch has activated debvisord
            if (state.service.status === "ready") {
                ownerLost = true;
                setState({ service: unavailable("not-running", null), objects: {} });
            }
        } else if (ownerLost || (lastOwner !== null && owner !== lastOwner)) {
            // a new debvisord (started by hand, or by someone's call): the
            // bridge would send it as changes against the old one, so read it
            // on a new channel
            reconnect();
            return;
        }
        lastOwner = owner;
    });
    c.addEventListener("close", (_event, options) => {
        if (client !== c)
            return;
        client = null;
        setState({ service: unavailable(unavailableReason(options) ?? "disconnected", options), objects: {} });
    });

    const held = watchHeld;
    watchHeld = null;
    if (held)
        void held.then(() => { if (client === c) watchObjects(c, () => ownerLost) });
    else
        watchObjects(c, () => ownerLost);
    return c;
}

/* Reads the whole tree on the page's channel, and keeps it up to date. */
function watchObjects(c: DBusClient, ownerLost: () => boolean): void {
    // when the page asked (its scripts ran), for the page benchmarks and the browser's profiler
    performance.mark("debvisor-watch-sent");
    c.watch({ path_namespace: ROOT_PATH }).then(
        () => {
            performance.mark("debvisor-watch-ready");
            if (client !== c || ownerLost())
                return;
            if (state.objects[MANAGER_PATH]?.[MANAGER_IFACE] !== undefined) {
                setService({ status: "ready" });
                return;
            }
            // Cockpit's bridge answers a watch whose calls the bus refused with no objects and
            // no error; the bus refuses exactly the users in no DebVisor group
            void userRole().then(role => {
                if (client !== c || state.service.status !== "connecting")
                    return;
                setService(role === "none"
                    ? unavailable("not-authorized", null)
                    : unavailable("failed", { message: format(_("$0 answered without its Manager object."), BUS_NAME) }));
            });
        },
        (error: DBusError) => {
            if (client === c)
                setService(unavailable(unavailableReason(error) ?? "failed", error));
        },
    );
}

let watchHeld: Promise<void> | null = null;

/** Holds back the page's first read of the bus's objects until `first` has settled, for at most `atMostMs`: what the
 * page shows first (a machine's History opened at its address) then has debvisord and Cockpit's bridge to itself,
 * instead of sharing them with the reading of every object. Called by a page's first script, before anything uses the
 * client. */
export function holdWatchUntil(first: Promise<unknown>, atMostMs: number): void {
    if (client)
        return; // too late: the objects are being read already
    // the time counts from when the page's connection is open: the calls `first` made are queued until then, and
    // on a loaded host that can take longer than `atMostMs` itself
    const atMost = new Promise<void>(resolve => cockpit.transport.wait(() => setTimeout(resolve, atMostMs)));
    watchHeld = Promise.race([first.then(() => undefined, () => undefined), atMost]);
}

/* The page's client; opened on first use. */
export function dbusClient(): DBusClient {
    return client ?? openClient();
}

let reads: DBusClient | null = null;

/** A second channel, without a watch, for reads that need none of the objects (a graph's
 * history): the bridge sends a channel's answers only after what its watch reads, so on the
 * page's client they would wait for the whole object tree. Opened on first use. */
export function readsClient(): DBusClient {
    if (!reads) {
        const c = cockpit.dbus(BUS_NAME, { bus: "system" });
        c.addEventListener("close", () => { if (reads === c) reads = null });
        reads = c;
    }
    return reads;
}

/** Starts over on a new channel: after the service was unavailable ("Try
 * again"), or when debvisord was replaced. */
export function reconnect(): void {
    const old = client;
    setState({ service: { status: "connecting" }, objects: {} });
    openClient();
    old?.close();
}

/** Called with every failed call: an error that means the service is gone
 * turns the whole page into the matching empty state. */
export function noteCallFailure(error: DBusError): void {
    const reason = unavailableReason(error);
    if (reason && state.service.status !== "unavailable")
        setService(unavailable(reason, error));
}

function subscribe(listener: () => void): () => void {
    dbusClient();
    listeners.add(listener);
    return () => listeners.delete(listener);
}

export function useServiceState(): ServiceState {
    return useSyncExternalStore(subscribe, () => state.service);
}

/* The Manager once all of its properties are known (a page renders them all). */
function selectManager(): PageManagerProperties | null {
    const props = state.objects[MANAGER_PATH]?.[MANAGER_IFACE];
    return props && MANAGER_PROPERTIES.every(name => name in props) ? props as unknown as PageManagerProperties : null;
}

// every property of the contract's Manager: the compiler checks the list is complete
const MANAGER_PROPERTIES = Object.keys({
    Version: true, Hostname: true, Profile: true, Features: true, Virtualization: true, AuditChainHead: true, AuditRecordCount: true,
    AuditProblem: true, FirstBoot: true, Areas: true, RoleMembers: true,
} satisfies Record<keyof PageManagerProperties, true>);

export function useManager(): PageManagerProperties | null {
    return useSyncExternalStore(subscribe, selectManager);
}

/** An area of debvisord (machines, dns, zfs, ceph, firewall) as Manager.Areas tells it. */
export interface AreaStatus {
    state: "starting" | "ready" | "retrying" | "unavailable" | "not-installed";
    reason: string;
    /** ms since the epoch; 0 when no attempt is planned */
    nextAttempt: number;
}

/** One area's state; null before debvisord said (an older debvisord says nothing). */
export function useArea(name: string): AreaStatus | null {
    const raw = useSyncExternalStore(subscribe, () => (state.objects[MANAGER_PATH]?.[MANAGER_IFACE] as Partial<PageManagerProperties> | undefined)?.Areas?.[name]);
    return useMemo(() => {
        if (!Array.isArray(raw))
            return null;
        const [state, reason, next] = raw as [AreaStatus["state"], string, number];
        return { state, reason, nextAttempt: Math.floor(Number(next) / 1000) };
    }, [raw]);
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
const selectMachines = objectsWith<PageMachineProperties>(MACHINE_IFACE, (a, b) => compareNames(a.props.Name, b.props.Name));

/** Jobs, newest first. */
export function useJobs(): JobObject[] {
    return useSyncExternalStore(subscribe, selectJobs);
}

/** Virtual machines by name. */
export function useMachines(): MachineObject[] {
    return useSyncExternalStore(subscribe, selectMachines);
}

export type AuditObject = ObjectOf<PageAuditProperties>;
const selectAudit = objectsWith<PageAuditProperties>(AUDIT_IFACE, (a, b) => a.path.localeCompare(b.path));

/** The Audit singleton, once debvisord announced it. */
export function useAudit(): AuditObject | null {
    return useSyncExternalStore(subscribe, selectAudit)[0] ?? null;
}

export type DnsZoneObject = ObjectOf<PageDnsZoneProperties>;
export type DnsKeyObject = ObjectOf<PageDnsKeyProperties>;
const selectDns = objectsWith<PageDnsProperties>(DNS_IFACE, (a, b) => a.path.localeCompare(b.path));
const selectDnsZones = objectsWith<PageDnsZoneProperties>(DNSZONE_IFACE, (a, b) => compareNames(a.props.Name, b.props.Name));
const selectDnsKeys = objectsWith<PageDnsKeyProperties>(DNSKEY_IFACE, (a, b) => compareNames(a.props.Name, b.props.Name));

/** The Dns singleton (registrations, leases), once debvisord announced it. */
export function useDns(): PageDnsProperties | null {
    return useSyncExternalStore(subscribe, selectDns)[0]?.props ?? null;
}

/** DNS zones by name. */
export function useDnsZones(): DnsZoneObject[] {
    return useSyncExternalStore(subscribe, selectDnsZones);
}

/** TSIG keys by name. */
export function useDnsKeys(): DnsKeyObject[] {
    return useSyncExternalStore(subscribe, selectDnsKeys);
}

export type FirewallObject = ObjectOf<PageFirewallProperties>;
const selectFirewall = objectsWith<PageFirewallProperties>(FIREWALL_IFACE, (a, b) => a.path.localeCompare(b.path));

/** The Firewall singleton, once debvisord announced it. */
export function useFirewall(): FirewallObject | null {
    return useSyncExternalStore(subscribe, selectFirewall)[0] ?? null;
}

const selectAlerts = objectsWith<PageAlertsProperties>(ALERTS_IFACE, (a, b) => a.path.localeCompare(b.path));

/** The Alerts singleton's properties (the notification targets), once debvisord announced it. */
export function useAlerts(): PageAlertsProperties | null {
    return useSyncExternalStore(subscribe, selectAlerts)[0]?.props ?? null;
}

const selectMetrics = objectsWith<PageMetricsProperties>(METRICS_IFACE, (a, b) => a.path.localeCompare(b.path));

/** The Metrics singleton's properties (how long history is kept), once debvisord announced it. */
export function useMetrics(): PageMetricsProperties | null {
    return useSyncExternalStore(subscribe, selectMetrics)[0]?.props ?? null;
}

export type HardeningObject = ObjectOf<PageHardeningProperties>;
const selectHardening = objectsWith<PageHardeningProperties>(HARDENING_IFACE, (a, b) => a.path.localeCompare(b.path));

/** The Hardening singleton (checks, SSH MFA, fail2ban), once debvisord announced it. */
export function useHardening(): HardeningObject | null {
    return useSyncExternalStore(subscribe, selectHardening)[0] ?? null;
}

// ZFS: the ZfsManager singleton, pools and datasets by name
export type ZfsPoolObject = ObjectOf<PageZfsPoolProperties>;
export type ZfsDatasetObject = ObjectOf<PageZfsDatasetProperties>;
const selectZfsManager = objectsWith<PageZfsManagerProperties>(ZFSMANAGER_IFACE, (a, b) => a.path.localeCompare(b.path));
const selectZfsPools = objectsWith<PageZfsPoolProperties>(ZFSPOOL_IFACE, (a, b) => compareNames(a.props.Name, b.props.Name));
// by name, so that a parent comes right before its children ("/" sorts before letters and digits)
const selectZfsDatasets = objectsWith<PageZfsDatasetProperties>(ZFSDATASET_IFACE,
    (a, b) => a.props.Name < b.props.Name ? -1 : a.props.Name > b.props.Name ? 1 : 0);

/** The ZfsManager, once debvisord announced it. */
export function useZfsManager(): PageZfsManagerProperties | null {
    return useSyncExternalStore(subscribe, selectZfsManager)[0]?.props ?? null;
}

export function useZfsPools(): ZfsPoolObject[] {
    return useSyncExternalStore(subscribe, selectZfsPools);
}

export function useZfsDatasets(): ZfsDatasetObject[] {
    return useSyncExternalStore(subscribe, selectZfsDatasets);
}

// Ceph: the CephManager singleton, OSDs by number, pools and images by name
export type CephManagerObject = ObjectOf<PageCephManagerProperties>;
export type CephOsdObject = ObjectOf<PageCephOsdProperties>;
export type CephPoolObject = ObjectOf<PageCephPoolProperties>;
export type CephImageObject = ObjectOf<PageCephImageProperties>;
const selectCephManager = objectsWith<PageCephManagerProperties>(CEPHMANAGER_IFACE, (a, b) => a.path.localeCompare(b.path));
const selectCephOsds = objectsWith<PageCephOsdProperties>(CEPHOSD_IFACE, (a, b) => a.props.Id - b.props.Id);
const selectCephPools = objectsWith<PageCephPoolProperties>(CEPHPOOL_IFACE, (a, b) => compareNames(a.props.Name, b.props.Name));
const selectCephImages = objectsWith<PageCephImageProperties>(CEPHIMAGE_IFACE,
    (a, b) => compareNames(a.props.Pool, b.props.Pool) || compareNames(a.props.Name, b.props.Name));

/** The CephManager, once debvisord announced it. */
export function useCephManager(): CephManagerObject | null {
    return useSyncExternalStore(subscribe, selectCephManager)[0] ?? null;
}

export function useCephOsds(): CephOsdObject[] {
    return useSyncExternalStore(subscribe, selectCephOsds);
}

export function useCephPools(): CephPoolObject[] {
    return useSyncExternalStore(subscribe, selectCephPools);
}

/** RBD images of every pool, by pool and name. */
export function useCephImages(): CephImageObject[] {
    return useSyncExternalStore(subscribe, selectCephImages);
}

// Backups: the repositories by name (their backups are listed by a call, not kept as objects)
export type BackupRepositoryObject = ObjectOf<PageBackupRepositoryProperties>;
const selectBackupRepositories = objectsWith<PageBackupRepositoryProperties>(BACKUPREPOSITORY_IFACE, (a, b) => compareNames(a.props.Name, b.props.Name));

export function useBackupRepositories(): BackupRepositoryObject[] {
    return useSyncExternalStore(subscribe, selectBackupRepositories);
}

export type BackupScheduleObject = ObjectOf<PageBackupScheduleProperties>;
const selectBackupSchedules = objectsWith<PageBackupScheduleProperties>(BACKUPSCHEDULE_IFACE, (a, b) => compareNames(a.props.Name, b.props.Name));
const selectBackups = objectsWith<PageBackupsProperties>(BACKUPS_IFACE, (a, b) => a.path.localeCompare(b.path));

/** Backup schedules by name, with their last run's outcome. */
export function useBackupSchedules(): BackupScheduleObject[] {
    return useSyncExternalStore(subscribe, selectBackupSchedules);
}

/** The Backups singleton, once debvisord announced it. */
export function useBackups(): ObjectOf<PageBackupsProperties> | null {
    return useSyncExternalStore(subscribe, selectBackups)[0] ?? null;
}

// The cluster: this node's view of every member
const selectCluster = objectsWith<PageClusterProperties>(CLUSTER_IFACE, (a, b) => a.path.localeCompare(b.path));

/** The Cluster singleton, once debvisord announced it. */
export function useCluster(): PageClusterProperties | null {
    return useSyncExternalStore(subscribe, selectCluster)[0]?.props ?? null;
}
