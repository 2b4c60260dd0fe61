// Calls the bus as a given local user: one long-lived child process per user
// (started with setpriv, so the bus and polkit see that user's uid), fed
// requests over a pipe.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import readline from "node:readline";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { BusClient, SIGNALS_TAKE, type CallRequest, type CallResult } from "./bus-client.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const bundle = `/tmp/debvisor-test-call-server-${process.pid}.cjs`;

class UserCaller {
    private next = 1;
    private readonly waiting = new Map<number, (r: CallResult) => void>();

    constructor(private readonly child: ChildProcess) {
        readline.createInterface({ input: child.stdout! }).on("line", line => {
            const { id, result } = JSON.parse(line) as { id: number; result: CallResult };
            this.waiting.get(id)?.(result);
            this.waiting.delete(id);
        });
    }

    call(request: CallRequest): Promise<CallResult> {
        const id = this.next++;
        return new Promise(resolve => {
            this.waiting.set(id, resolve);
            this.child.stdin!.write(JSON.stringify({ id, request }) + "\n");
        });
    }

    close(): void {
        this.child.stdin!.end();
    }
}

const callers = new Map<string, UserCaller>();
let rootClient: BusClient | null = null;

function ensureBundle(): void {
    if (fs.existsSync(bundle))
        return;
    esbuild.buildSync({
        entryPoints: [path.join(here, "call-server.ts")], bundle: true, platform: "node", format: "cjs",
        outfile: bundle, external: ["x11", "usocket"], logLevel: "error",
    });
    fs.chmodSync(bundle, 0o644);
}

/* Calls as `user` (a local account name), or as root when user is null.
 * `connection`: a name for another bus connection of the same user (one process each). */
export async function callAs(user: string | null, request: CallRequest, connection = ""): Promise<CallResult> {
    if (user === null) {
        rootClient ??= new BusClient();
        return rootClient.call(request);
    }
    const key = connection ? `${user}#${connection}` : user;
    let caller = callers.get(key);
    if (!caller) {
        ensureBundle();
        const child = spawn("setpriv", ["--reuid", user, "--regid", user, "--init-groups", "--reset-env", process.execPath, bundle],
            { stdio: ["pipe", "pipe", "inherit"] });
        caller = new UserCaller(child);
        callers.set(key, caller);
    }
    return caller.call(request);
}

export function closeCallers(): void {
    for (const c of callers.values()) c.close();
    callers.clear();
    rootClient?.disconnect();
    rootClient = null;
    fs.rmSync(bundle, { force: true });
}

/** A signal as a user's connection received it. */
export interface HeardSignal { sender: string; path: string; iface: string; member: string }

/* Adds a match rule on `user`'s connection; its signals are kept until heardBy(). */
export async function listenAs(user: string, rule: string): Promise<CallResult> {
    return callAs(user, { destination: "org.freedesktop.DBus", path: "/org/freedesktop/DBus", iface: "org.freedesktop.DBus",
        method: "AddMatch", signature: "s", body: [rule] });
}

/* The signals `user`'s connection received since the last call. */
export async function heardBy(user: string): Promise<HeardSignal[]> {
    const reply = await callAs(user, { path: "/", iface: SIGNALS_TAKE, method: "Take", signature: "", body: [] });
    return reply.ok ? reply.body[0] as HeardSignal[] : [];
}

export const MANAGER = { path: "/org/debvisor/DebVisor1/manager", iface: "org.debvisor.DebVisor1.Manager" };

/* One property, read as root; an error (no such object or property) throws. */
export async function getProperty(path: string, iface: string, name: string): Promise<unknown> {
    const reply = await callAs(null, { path, iface: "org.freedesktop.DBus.Properties", method: "Get", signature: "ss", body: [iface, name] });
    if (!reply.ok)
        throw new Error(reply.message);
    return reply.body[0];
}
