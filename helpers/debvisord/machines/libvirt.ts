// libvirt through libvirt-dbus on the system bus (org.libvirt): typed calls
// and domain lifecycle signals, with no process started per call.
import dbus from "dbus-next";
import { failed, notFound } from "../../lib/errors.js";
import { unwrap } from "../../lib/variants.js";

type DBusMessage = InstanceType<typeof dbus.Message>;

const LIBVIRT_BUS_NAME = "org.libvirt";
const CONNECT_PATH = "/org/libvirt/QEMU";
const CONNECT = "org.libvirt.Connect";
const DOMAIN = "org.libvirt.Domain";
const POOL = "org.libvirt.StoragePool";
const VOLUME = "org.libvirt.StorageVol";
const SNAPSHOT = "org.libvirt.DomainSnapshot";
const NETWORK = "org.libvirt.Network";
const PROPERTIES = "org.freedesktop.DBus.Properties";

/** virDomainModificationImpact: change the running guest, its stored definition, or both. */
export const AFFECT_LIVE = 1, AFFECT_CONFIG = 2;

/** virDomainXMLFlags: the stored (inactive) definition. */
const XML_INACTIVE = 2;

/** libvirt's virDomainState, in words. */
const DOMAIN_STATES = ["unknown", "running", "blocked", "paused", "shutting-down", "shutoff", "crashed", "pmsuspended"];
/** libvirt's virDomainEventType. */
export const enum DomainEvent { Defined = 0, Undefined = 1, Started = 2, Suspended = 3, Resumed = 4, Stopped = 5, Shutdown = 6 }

/* The object path a lookup returns, or null when libvirt has no such thing. */
async function orNull(lookup: Promise<unknown[]>): Promise<string | null> {
    try {
        const [path] = await lookup;
        return path as string;
    } catch (e) {
        if ((e as { errorName?: string }).errorName === "NotFound")
            return null;
        throw e;
    }
}

/* The bus refuses a connection more than 128 pending replies; polkit and
 * the other areas share debvisord's connection, so libvirt gets at most this many. */
const MAX_CALLS_IN_FLIGHT = 64;

export class Libvirt {
    private inFlight = 0;
    private readonly waiting: Array<() => void> = [];

    constructor(private readonly bus: dbus.MessageBus) {}

    async call(path: string, iface: string, member: string, signature = "", body: unknown[] = []): Promise<unknown[]> {
        if (this.inFlight < MAX_CALLS_IN_FLIGHT)
            this.inFlight++;
        else
            await new Promise<void>(resolve => this.waiting.push(resolve)); // a finished call hands its slot over
        try {
            return await this.send(path, iface, member, signature, body);
        } finally {
            const next = this.waiting.shift();
            if (next)
                next();
            else
                this.inFlight--;
        }
    }

    /* The first value of the reply: what most of libvirt-dbus's methods return. */
    private async first<T>(path: string, iface: string, member: string, signature = "", body: unknown[] = []): Promise<T> {
        const [value] = await this.call(path, iface, member, signature, body);
        return value as T;
    }

    private async send(path: string, iface: string, member: string, signature: string, body: unknown[]): Promise<unknown[]> {
        try {
            const reply = await this.bus.call(new dbus.Message({ destination: LIBVIRT_BUS_NAME, path, interface: iface, member, signature, body }));
            return unwrap(reply?.body ?? []) as unknown[];
        } catch (e) {
            const error = e as { type?: string; text?: string; message?: string };
            const text = error.text ?? error.message ?? String(e);
            if (/not found|no (domain|storage pool|storage vol|network|domain snapshot) with matching/i.test(text))
                throw notFound(`libvirt: ${text}`);
            throw failed(`libvirt: ${text}`);
        }
    }

    listDomains(): Promise<string[]> {
        return this.first(CONNECT_PATH, CONNECT, "ListDomains", "u", [0]);
    }

    /* virConnectGetAllDomainStats: one record (domain name, typed parameters) per domain, in one call. */
    allDomainStats(stats: number, flags: number): Promise<Array<[string, Record<string, unknown>]>> {
        return this.first(CONNECT_PATH, CONNECT, "GetAllDomainStats", "uu", [stats, flags]);
    }

    async domainState(path: string): Promise<string> {
        const [[state]] = await this.call(path, DOMAIN, "GetState", "u", [0]) as [[number, number]];
        return DOMAIN_STATES[state] ?? "unknown";
    }

    domainProperties(path: string): Promise<{ Name: string; UUID: string; Autostart: boolean; Persistent: boolean; Active: boolean }> {
        return this.first(path, "org.freedesktop.DBus.Properties", "GetAll", "s", [DOMAIN]);
    }

    domainXml(path: string): Promise<string> {
        return this.first(path, DOMAIN, "GetXMLDesc", "u", [0]);
    }

    /* The stored definition: what the domain boots with next, not what runs now. */
    domainStoredXml(path: string): Promise<string> {
        return this.first(path, DOMAIN, "GetXMLDesc", "u", [XML_INACTIVE]);
    }

    async domainCall(path: string, member: string, signature = "u", body: unknown[] = [0]): Promise<void> {
        await this.call(path, DOMAIN, member, signature, body);
    }

    async setAutostart(path: string, autostart: boolean, iface = DOMAIN): Promise<void> {
        await this.call(path, PROPERTIES, "Set", "ssv", [iface, "Autostart", new dbus.Variant("b", autostart)]);
    }

    /* Defines (or redefines) a persistent domain; returns its object path. */
    defineDomain(xml: string): Promise<string> {
        return this.first(CONNECT_PATH, CONNECT, "DomainDefineXML", "s", [xml]);
    }

    async domainByName(name: string): Promise<string | null> {
        return orNull(this.call(CONNECT_PATH, CONNECT, "DomainLookupByName", "s", [name]));
    }

    async domainByUuid(uuid: string): Promise<string | null> {
        return orNull(this.call(CONNECT_PATH, CONNECT, "DomainLookupByUUID", "s", [uuid]));
    }

    capabilities(): Promise<string> {
        return this.first(CONNECT_PATH, CONNECT, "GetCapabilities");
    }

    /* ---- storage pools and volumes ---- */

    listPools(): Promise<string[]> {
        return this.first(CONNECT_PATH, CONNECT, "ListStoragePools", "u", [0]);
    }

    async poolByName(name: string): Promise<string | null> {
        return orNull(this.call(CONNECT_PATH, CONNECT, "StoragePoolLookupByName", "s", [name]));
    }

    definePool(xml: string): Promise<string> {
        return this.first(CONNECT_PATH, CONNECT, "StoragePoolDefineXML", "su", [xml, 0]);
    }

    async poolCall(path: string, member: string, signature = "u", body: unknown[] = [0]): Promise<unknown[]> {
        return this.call(path, POOL, member, signature, body);
    }

    poolActive(path: string): Promise<boolean> {
        return this.first(path, PROPERTIES, "Get", "ss", [POOL, "Active"]);
    }

    poolXml(path: string): Promise<string> {
        return this.first(path, POOL, "GetXMLDesc", "u", [0]);
    }

    /* Capacity, allocation and available bytes. */
    async poolInfo(path: string): Promise<{ capacity: number; allocation: number; available: number }> {
        const [[, capacity, allocation, available]] = await this.call(path, POOL, "GetInfo") as [[number, bigint, bigint, bigint]];
        return { capacity: Number(capacity), allocation: Number(allocation), available: Number(available) };
    }

    createVolume(poolPath: string, xml: string): Promise<string> {
        return this.first(poolPath, POOL, "StorageVolCreateXML", "su", [xml, 0]);
    }

    async volumeByName(poolPath: string, name: string): Promise<string | null> {
        return orNull(this.call(poolPath, POOL, "StorageVolLookupByName", "s", [name]));
    }

    volumePath(volume: string): Promise<string> {
        return this.first(volume, PROPERTIES, "Get", "ss", [VOLUME, "Path"]);
    }

    async deleteVolume(volume: string): Promise<void> {
        await this.call(volume, VOLUME, "Delete", "u", [0]);
    }

    /* ---- snapshots ---- */

    listSnapshots(domainPath: string): Promise<string[]> {
        return this.first(domainPath, DOMAIN, "ListDomainSnapshots", "u", [0]);
    }

    snapshotXml(snapshotPath: string): Promise<string> {
        return this.first(snapshotPath, SNAPSHOT, "GetXMLDesc", "u", [0]);
    }

    snapshotByName(domainPath: string, name: string): Promise<string> {
        return this.first(domainPath, DOMAIN, "SnapshotLookupByName", "su", [name, 0]);
    }

    async snapshotCall(snapshotPath: string, member: "Revert" | "Delete"): Promise<void> {
        await this.call(snapshotPath, SNAPSHOT, member, "u", [0]);
    }

    /* ---- networks ---- */

    async networkByName(name: string): Promise<string | null> {
        return orNull(this.call(CONNECT_PATH, CONNECT, "NetworkLookupByName", "s", [name]));
    }

    networkActive(path: string): Promise<boolean> {
        return this.first(path, PROPERTIES, "Get", "ss", [NETWORK, "Active"]);
    }

    async startNetwork(path: string): Promise<void> {
        await this.call(path, NETWORK, "Create");
    }

    /* The addresses libvirt knows for a running domain's interfaces, by MAC. */
    async interfaceAddresses(domainPath: string, source: number): Promise<Map<string, string[]>> {
        const [ifaces] = await this.call(domainPath, DOMAIN, "InterfaceAddresses", "uu", [source, 0]) as [Array<[string, string, Array<[number, string, number]>]>];
        return new Map(ifaces.map(([, mac, addrs]) => [mac.toLowerCase(), addrs.map(([, addr, prefix]) => `${addr}/${prefix}`)]));
    }

    /* Calls back for every domain lifecycle event (domain object path, event type). */
    onDomainEvent(callback: (domainPath: string, event: number) => void): Promise<void> {
        return this.onSignal(`sender='${LIBVIRT_BUS_NAME}',interface='${CONNECT}',member='DomainEvent'`,
            msg => msg.interface === CONNECT && msg.member === "DomainEvent", msg => callback(msg.body[0] as string, msg.body[1] as number));
    }

    /* Calls back when libvirt-dbus goes away or a new one takes its name (true: it is there now). */
    onServiceChange(callback: (present: boolean) => void): Promise<void> {
        return this.onSignal(`sender='org.freedesktop.DBus',interface='org.freedesktop.DBus',member='NameOwnerChanged',arg0='${LIBVIRT_BUS_NAME}'`,
            msg => msg.member === "NameOwnerChanged" && msg.sender === "org.freedesktop.DBus" && msg.body[0] === LIBVIRT_BUS_NAME,
            msg => callback(msg.body[2] !== ""));
    }

    /* Asks the bus for the signals `rule` matches, and hands each that `wanted` takes to `callback`. */
    private async onSignal(rule: string, wanted: (msg: DBusMessage) => boolean, callback: (msg: DBusMessage) => void): Promise<void> {
        await this.bus.call(new dbus.Message({
            destination: "org.freedesktop.DBus", path: "/org/freedesktop/DBus", interface: "org.freedesktop.DBus",
            member: "AddMatch", signature: "s", body: [`type='signal',${rule}`],
        }));
        this.bus.on("message", (msg: DBusMessage) => {
            if (msg.type === dbus.MessageType.SIGNAL && wanted(msg))
                callback(msg);
        });
    }
}
