// debvisord's real ObjectServer on a stand-in bus connection that records
// the signals it would send, for unit tests of the areas: which objects are
// exported, their properties as the bus would answer, and every
// PropertiesChanged with the names it carried.
import dbus from "dbus-next";
import { CONTRACT_XML, ROOT_PATH } from "../../generated/dbus-contract.js";
import type { AuditLog } from "../../helpers/debvisord/audit/audit-log.js";
import { ObjectServer } from "../../helpers/debvisord/bus/object-server.js";
import { JobRegistry, type Job, type JobControl } from "../../helpers/debvisord/jobs/jobs.js";
import { parseIntrospection } from "../../helpers/lib/dbus-xml.js";

type Message = InstanceType<typeof dbus.Message>;

export interface RecordingServer {
    server: ObjectServer;
    /** exported objects: path → the first interface's name and its current properties */
    objects: Map<string, { name: string; properties: () => Record<string, unknown> }>;
    /** PropertiesChanged: [path, interface, property names] */
    changes: Array<[string, string, string[]]>;
    /** every signal sent, as "member path" */
    signals: string[];
    /** every PropertiesChanged as sent: [interface, changed values as Variants, invalidated] */
    changedBodies: unknown[][];
    /** every signal as sent, for a client to read */
    sent: Message[];
}

export function recordingServer(): RecordingServer {
    const objects: RecordingServer["objects"] = new Map();
    const changes: RecordingServer["changes"] = [];
    const signals: string[] = [];
    const changedBodies: unknown[][] = [];
    const sent: Message[] = [];
    let server: ObjectServer | null = null;
    const bus = {
        addMethodHandler: () => undefined,
        send: (m: Message) => {
            if (m.type !== dbus.MessageType.SIGNAL)
                return;
            sent.push(m);
            signals.push(`${m.member} ${m.member === "InterfacesAdded" || m.member === "InterfacesRemoved" ? m.body[0] : m.path}`);
            if (m.member === "InterfacesAdded") {
                const path = m.body[0] as string;
                const name = Object.keys(m.body[1] as object)[0];
                objects.set(path, { name, properties: () => exportedProperties(server!, path, name) });
            } else if (m.member === "InterfacesRemoved") {
                objects.delete(m.body[0] as string);
            } else if (m.member === "PropertiesChanged") {
                changes.push([m.path as string, m.body[0] as string, Object.keys(m.body[1] as object)]);
                changedBodies.push(m.body as unknown[]);
            }
        },
    };
    server = new ObjectServer(bus as unknown as dbus.MessageBus, ROOT_PATH, CONTRACT_XML, parseIntrospection(CONTRACT_XML), () => Promise.resolve([]));
    return { server, objects, changes, signals, changedBodies, sent };
}

/* The plain values an exported interface answers Get/GetAll with. */
function exportedProperties(server: ObjectServer, path: string, iface: string): Record<string, unknown> {
    // the server keeps its objects to itself; a test reads them as the bus would
    const objects = server["objects"] as Map<string, { iface: string; props: Record<string, unknown> }>;
    const object = objects.get(path);
    return object?.iface === iface ? object.props : {};
}

/* A job of the real JobRegistry on the server, its work held open: the test sets its progress and ends it. */
export function heldJob(server: ObjectServer): { job: Job; control: JobControl; finish: (message: string) => void } {
    const audit = { append: async () => ({ seq: 1, hash: "" }) } as unknown as AuditLog;
    const registry = new JobRegistry(server, audit, 10_000);
    const caller = { sender: ":1.9", uid: 1000, pid: 1, loginuid: 1000, user: "ana", loginUser: "ana" };
    let control: JobControl | null = null;
    let finish: (message: string) => void = () => undefined;
    const job = registry.start({ operation: "test", description: "Testing", caller }, c => {
        control = c;
        return new Promise(resolve => { finish = resolve });
    });
    return { job, control: control!, finish };
}
