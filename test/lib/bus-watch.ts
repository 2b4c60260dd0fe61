// Watches debvisord's signals from the test process (as root): property
// changes of one object and the Completed signal of a job.
import dbus from "dbus-next";
import { jobProgress, KnownProperties, touchesProgress, type PropertyValues } from "../../helpers/lib/known-properties.js";
import { fromDBus } from "./bus-client.js";

type DBusMessage = InstanceType<typeof dbus.Message>;

export interface JobWatch {
    progress: number[];
    /** when each progress value arrived (performance.now(), ms) */
    progressAt: number[];
    states: string[];
    completed: Promise<[boolean, string]>;
    stop(): void;
}

let shared: dbus.MessageBus | null = null;

function bus(): dbus.MessageBus {
    shared ??= dbus.systemBus();
    return shared;
}

async function addMatch(rule: string): Promise<void> {
    await bus().call(new dbus.Message({
        destination: "org.freedesktop.DBus", path: "/org/freedesktop/DBus", interface: "org.freedesktop.DBus",
        member: "AddMatch", signature: "s", body: [rule],
    }));
}

/* The object a signal is about: InterfacesAdded and InterfacesRemoved come from the root and name it. */
function subjectOf(msg: DBusMessage): string {
    return msg.member === "InterfacesAdded" || msg.member === "InterfacesRemoved" ? String(msg.body[0]) : String(msg.path);
}

/* One job's watch, fed its signals in the order sent. Its values are kept the
 * D-Bus way (all of them from InterfacesAdded, each PropertiesChanged merged
 * in: a signal names only what changed), so a progress signalled alone counts
 * with the validity known from before. */
export function jobWatch(path: string): { watch: JobWatch; handle: (msg: DBusMessage, at?: number) => void } {
    const watch: JobWatch = { progress: [], progressAt: [], states: [], completed: Promise.resolve([false, ""]), stop: () => undefined };
    let resolveCompleted: (v: [boolean, string]) => void = () => undefined;
    watch.completed = new Promise(r => { resolveCompleted = r });
    const known = new KnownProperties();
    const handle = (msg: DBusMessage, at = performance.now()) => {
        if (subjectOf(msg) !== path)
            return;
        if (msg.member === "InterfacesAdded") {
            const interfaces = fromDBus(msg.body[1]) as Record<string, PropertyValues>;
            known.replace(Object.values(interfaces)[0] ?? {});
        } else if (msg.member === "PropertiesChanged") {
            const changed = fromDBus(msg.body[1]) as PropertyValues;
            known.merge(changed, msg.body[2] as string[]);
            const progress = jobProgress(known.values);
            if (touchesProgress(changed) && progress !== null) {
                watch.progress.push(progress);
                watch.progressAt.push(at);
            }
            if (typeof changed.State === "string")
                watch.states.push(changed.State);
        } else if (msg.member === "Completed") {
            resolveCompleted(msg.body as [boolean, string]);
        }
    };
    return { watch, handle };
}

/* Starts watching before the job exists, so that no signal is missed: pass a
 * path prefix when the job path is not known yet. */
export async function watchJobs(pathPrefix = "/org/debvisor/DebVisor1/jobs/"): Promise<(path: string) => JobWatch> {
    await addMatch("type='signal',sender='org.debvisor.DebVisor1',path_namespace='/org/debvisor/DebVisor1'");
    const seen = new Map<string, Array<{ msg: DBusMessage; at: number }>>();
    const listeners = new Set<(msg: DBusMessage, at: number) => void>();
    const onMessage = (msg: DBusMessage) => {
        if (msg.type !== dbus.MessageType.SIGNAL)
            return;
        const subject = subjectOf(msg);
        if (!subject.startsWith(pathPrefix))
            return;
        const at = performance.now();
        const list = seen.get(subject) ?? [];
        list.push({ msg, at });
        seen.set(subject, list);
        for (const l of listeners) l(msg, at);
    };
    bus().on("message", onMessage);

    return (path: string): JobWatch => {
        const { watch, handle } = jobWatch(path);
        for (const { msg, at } of seen.get(path) ?? []) handle(msg, at);
        listeners.add(handle);
        watch.stop = () => listeners.delete(handle);
        return watch;
    };
}

export function closeWatchBus(): void {
    shared?.disconnect();
    shared = null;
}

