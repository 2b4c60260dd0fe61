// libvirt through libvirt-dbus on the system bus (org.libvirt): typed calls
// and domain lifecycle signals, with no process started per call.
import dbus from "dbus-next";
import { failed, notFound } from "../../lib/errors.js";
import { unwrap } from "../../lib/variants.js";

type DBusMessage = InstanceType<typeof dbus.Message>;

export const LIBVIRT_BUS_NAME = "org.libvirt";
const CONNECT_PATH = "/org/libvirt/QEMU";
const CONNECT = "org.libvirt.Connect";
export const DOMAIN = "org.libvirt.Domain";

/** libvirt's virDomainState, in words. */
export const DOMAIN_STATES = ["unknown", "running", "blocked", "paused", "shutting-down", "shutoff", "crashed", "pmsuspended"];
/** libvirt's virDomainEventType. */
export const enum DomainEvent { Defined = 0, Undefined = 1, Started = 2, Suspended = 3, Resumed = 4, Stopped = 5, Shutdown = 6 }

export class Libvirt {
    constructor(private readonly bus: dbus.MessageBus) {}

    async call(path: string, iface: string, member: string, signature = "", body: unknown[] = []): Promise<unknown[]> {
        try {
            const reply = await this.bus.call(new dbus.Message({ destination: LIBVIRT_BUS_NAME, path, interface: iface, member, signature, body }));
            return unwrap(reply?.body ?? []) as unknown[];
        } catch (e) {
            const error = e as { type?: string; text?: string; message?: string };
            const text = error.text ?? error.message ?? String(e);
            if (/Domain not found|no domain with matching/i.test(text))
                throw notFound(`libvirt: ${text}`);
            throw failed(`libvirt: ${text}`);
        }
    }

    async listDomains(): Promise<string[]> {
        const [paths] = await this.call(CONNECT_PATH, CONNECT, "ListDomains", "u", [0]);
        return paths as string[];
    }

    async domainState(path: string): Promise<string> {
        const [[state]] = await this.call(path, DOMAIN, "GetState", "u", [0]) as [[number, number]];
        return DOMAIN_STATES[state] ?? "unknown";
    }

    async domainProperties(path: string): Promise<{ Name: string; UUID: string; Autostart: boolean; Persistent: boolean; Active: boolean }> {
        const [props] = await this.call(path, "org.freedesktop.DBus.Properties", "GetAll", "s", [DOMAIN]);
        return props as { Name: string; UUID: string; Autostart: boolean; Persistent: boolean; Active: boolean };
    }

    async domainXml(path: string): Promise<string> {
        const [xml] = await this.call(path, DOMAIN, "GetXMLDesc", "u", [0]);
        return xml as string;
    }

    async domainCall(path: string, member: string, signature = "u", body: unknown[] = [0]): Promise<void> {
        await this.call(path, DOMAIN, member, signature, body);
    }

    async setAutostart(path: string, autostart: boolean): Promise<void> {
        await this.call(path, "org.freedesktop.DBus.Properties", "Set", "ssv", [DOMAIN, "Autostart", new dbus.Variant("b", autostart)]);
    }

    /* Calls back for every domain lifecycle event (domain object path, event type). */
    async onDomainEvent(callback: (domainPath: string, event: number) => void): Promise<void> {
        await this.bus.call(new dbus.Message({
            destination: "org.freedesktop.DBus", path: "/org/freedesktop/DBus", interface: "org.freedesktop.DBus",
            member: "AddMatch", signature: "s", body: [`type='signal',sender='${LIBVIRT_BUS_NAME}',interface='${CONNECT}',member='DomainEvent'`],
        }));
        this.bus.on("message", (msg: DBusMessage) => {
            if (msg.type === dbus.MessageType.SIGNAL && msg.interface === CONNECT && msg.member === "DomainEvent")
                callback(msg.body[0] as string, msg.body[1] as number);
        });
    }
}
