// A JSON-friendly D-Bus client for tests: arguments and replies are plain
// data, a{sv} entries are written as [signature, value], 64-bit integers come
// back as numbers. The same code runs in the test process (as root) and in
// a child process per test user (call-as.ts).
import dbus from "dbus-next";
import { splitSignature } from "../../helpers/lib/dbus-xml.js";

export interface CallRequest {
    path: string;
    iface: string;
    method: string;
    signature: string;
    body: unknown[];
    destination?: string;
}

/** a pseudo-interface the per-user call server (call-server.ts) answers itself: the signals it received */
export const SIGNALS_TAKE = "test.debvisor.Signals";

export type CallResult =
    | { ok: true; body: unknown[] }
    | { ok: false; errorName: string; message: string };

function toDBus(value: unknown, signature: string): unknown {
    if (signature === "v") {
        const [sig, v] = value as [string, unknown];
        return new dbus.Variant(sig, toDBus(v, sig));
    }
    if (signature.startsWith("a{")) {
        const valueSig = signature.slice(3, -1);
        return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, toDBus(v, valueSig)]));
    }
    if (signature.startsWith("a"))
        return (value as unknown[]).map(v => toDBus(v, signature.slice(1)));
    return value;
}

export function fromDBus(value: unknown): unknown {
    if (value instanceof dbus.Variant)
        return fromDBus(value.value);
    if (typeof value === "bigint")
        return Number(value);
    if (Array.isArray(value))
        return value.map(fromDBus);
    if (value && typeof value === "object" && !(value instanceof Buffer))
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fromDBus(v)]));
    return value;
}

export class BusClient {
    readonly bus = dbus.systemBus();

    async call(req: CallRequest): Promise<CallResult> {
        const types = splitSignature(req.signature);
        const message = new dbus.Message({
            destination: req.destination ?? "org.debvisor.DebVisor1",
            path: req.path, interface: req.iface, member: req.method,
            signature: req.signature, body: req.body.map((v, i) => toDBus(v, types[i])),
        });
        try {
            const reply = await this.bus.call(message);
            return { ok: true, body: fromDBus(reply?.body ?? []) as unknown[] };
        } catch (e) {
            const error = e as { type?: string; text?: string; message?: string };
            return { ok: false, errorName: error.type ?? "unknown", message: error.text ?? error.message ?? String(e) };
        }
    }

    disconnect(): void {
        this.bus.disconnect();
    }
}
