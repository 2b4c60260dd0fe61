// Watches debvisord's signals from the test process (as root): property
// changes of one object and the Completed signal of a job.
import dbus from "dbus-next";
import { fromDBus } from "./bus-client.js";

type DBusMessage = InstanceType<typeof dbus.Message>;

export interface JobWatch {
    progress: number[];
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

/* Starts watching before the job exists, so that no signal is missed: pass a
 * path prefix when the job path is not known yet. */
export async function watchJobs(pathPrefix = "/org/debvisor/DebVisor1/jobs/"): Promise<(path: string) => JobWatch> {
    await addMatch("type='signal',sender='org.debvisor.DebVisor1',path_namespace='/org/debvisor/DebVisor1'");
    const seen = new Map<string, DBusMessage[]>();
    const listeners = new Set<(msg: DBusMessage) => void>();
    const onMessage = (msg: DBusMessage) => {
        if (msg.type !== dbus.MessageType.SIGNAL || !String(msg.path).startsWith(pathPrefix))
            return;
        const list = seen.get(msg.path as string) ?? [];
        list.push(msg);
        seen.set(msg.path as string, list);
        for (const l of listeners) l(msg);
    };
    bus().on("message", onMessage);

    return (path: string): JobWatch => {
        const watch: JobWatch = { progress: [], states: [], completed: Promise.resolve([false, ""]), stop: () => undefined };
        let resolveCompleted: (v: [boolean, string]) => void = () => undefined;
        watch.completed = new Promise(r => { resolveCompleted = r });
        const handle = (msg: DBusMessage) => {
            if (msg.path !== path)
                return;
            if (msg.member === "PropertiesChanged") {
                const changed = fromDBus(msg.body[1]) as Record<string, unknown>;
                if (typeof changed.Progress === "number" && changed.ProgressValid)
                    watch.progress.push(changed.Progress);
                if (typeof changed.State === "string")
                    watch.states.push(changed.State);
            } else if (msg.member === "Completed") {
                resolveCompleted(msg.body as [boolean, string]);
            }
        };
        for (const msg of seen.get(path) ?? []) handle(msg);
        listeners.add(handle);
        watch.stop = () => listeners.delete(handle);
        return watch;
    };
}

export function closeWatchBus(): void {
    shared?.disconnect();
    shared = null;
}

