// Exports debvisord's objects on the bus, the way udisks2 does: a root
// object with org.freedesktop.DBus.ObjectManager, one object per managed
// thing, read-only properties with PropertiesChanged, and introspection data
// taken verbatim from the contract XML (documentation included).
//
// dbus-next's own service layer cannot tell a method who called it, which
// every DebVisor method must know, so this module handles method calls at the
// message level and hands them to the call pipeline.
import dbus from "dbus-next";
import { interfaceXml, inSignature, outSignature, type InterfaceSpec, type MethodSpec } from "../../lib/dbus-xml.js";
import { busy, DebVisorError, invalidArgument } from "../../lib/errors.js";
import { comparable, marshal } from "../../lib/variants.js";
import { formatBytes } from "../../lib/bytes.js";
import { heldBody } from "./large-bodies.js";
import { managedObjectEntry, managedObjectsBody, sendManagedObjectsReply } from "./managed-objects-reply.js";

const { Message, Variant } = dbus;
type DBusMessage = InstanceType<typeof Message>;
type MessageBus = dbus.MessageBus;

const PROPERTIES = "org.freedesktop.DBus.Properties";
const INTROSPECTABLE = "org.freedesktop.DBus.Introspectable";
const OBJECT_MANAGER = "org.freedesktop.DBus.ObjectManager";
const PEER = "org.freedesktop.DBus.Peer";

const MAX_BYTES_ANNOTATION = "org.debvisor.DebVisor1.MaxArgumentBytes";
/** A method's arguments may take this much unless the contract says more (MAX_BYTES_ANNOTATION):
 * names, paths, options and keys are far smaller; the lists of the firewall and DNS carry their own limit. */
const DEFAULT_MAX_ARGUMENT_BYTES = 1024 * 1024;
/** Calls of one connection that may wait for their answers at once; more are refused with Busy.
 * Half the system bus's limit of 128 pending replies per connection: a client gains
 * nothing from more (records of concurrent calls share one fsync), and each waiting
 * call holds a polkit query and its arguments. */
const MAX_CALLS_IN_FLIGHT = 64;
/** Of those, calls with large arguments (still held as bytes while they wait for polkit). */
const MAX_LARGE_CALLS_IN_FLIGHT = 4;

const STANDARD_XML = `  <interface name="${PEER}">
    <method name="Ping"/>
    <method name="GetMachineId"><arg name="machine_uuid" type="s" direction="out"/></method>
  </interface>
  <interface name="${INTROSPECTABLE}">
    <method name="Introspect"><arg name="xml_data" type="s" direction="out"/></method>
  </interface>
  <interface name="${PROPERTIES}">
    <method name="Get"><arg name="interface_name" type="s" direction="in"/><arg name="property_name" type="s" direction="in"/><arg name="value" type="v" direction="out"/></method>
    <method name="GetAll"><arg name="interface_name" type="s" direction="in"/><arg name="props" type="a{sv}" direction="out"/></method>
    <method name="Set"><arg name="interface_name" type="s" direction="in"/><arg name="property_name" type="s" direction="in"/><arg name="value" type="v" direction="in"/></method>
    <signal name="PropertiesChanged"><arg name="interface_name" type="s"/><arg name="changed_properties" type="a{sv}"/><arg name="invalidated_properties" type="as"/></signal>
  </interface>
`;
const OBJECT_MANAGER_XML = `  <interface name="${OBJECT_MANAGER}">
    <method name="GetManagedObjects"><arg name="object_paths_interfaces_and_properties" type="a{oa{sa{sv}}}" direction="out"/></method>
    <signal name="InterfacesAdded"><arg name="object_path" type="o"/><arg name="interfaces_and_properties" type="a{sa{sv}}"/></signal>
    <signal name="InterfacesRemoved"><arg name="object_path" type="o"/><arg name="interfaces" type="as"/></signal>
  </interface>
`;

/** A method call as it reaches the pipeline. */
export interface IncomingCall {
    sender: string;
    path: string;
    iface: string;
    method: MethodSpec;
    /** the arguments, or null when they are large and still bytes: then readBody() unmarshals them */
    body: unknown[] | null;
    readBody?: () => unknown[];
    implementation: unknown;
}

export type Dispatcher = (call: IncomingCall) => Promise<unknown[]>;

/** What an area wants on the bus for one object: one interface, its values, and its methods (asked for once, at export). */
export interface Published {
    iface: string;
    props: Record<string, unknown>;
    methods?: () => Record<string, unknown>;
}

/** What of a property is news (see ObjectServer.publish). */
export type News = (name: string, value: unknown) => unknown;

/** An exported object. Every object of the contract has one interface of its own (the standard ones are the server's). */
interface Exported {
    iface: string;
    /** method implementations, keyed by method name, handed to the dispatcher */
    methods: Record<string, unknown>;
    /** the values last published, plain JavaScript (marshalled by the XML types when read) */
    props: Record<string, unknown>;
    /** each property as compared text, as last signalled */
    compared: Record<string, string>;
    /** what of each property was news when last published */
    news: Record<string, string>;
    /** each property as compared text, as last published (signalled or not) */
    latest: Record<string, string>;
    /** its entry of GetManagedObjects' answer, marshalled from the values last published; made when first asked for */
    entry?: Buffer;
}

/* The singletons' paths of DebVisor 0.1.0, capitalized where every other path is lower case: for
 * one contract version they still answer calls, Get and Introspect as the lower-case object
 * (GetManagedObjects and signals name only the new path). */
export const OLD_PATHS: Readonly<Record<string, string>> = { Manager: "manager", Audit: "audit", Firewall: "firewall", Hardening: "hardening" };

export class ObjectServer {
    private readonly objects = new Map<string, Exported>();
    private readonly specs: Map<string, InterfaceSpec>;
    // calls waiting for their answers, per sender: all of them, and those with large arguments
    private readonly inFlight = new Map<string, { calls: number; large: number }>();

    constructor(
        private readonly bus: MessageBus,
        readonly rootPath: string,
        private readonly contractXml: string,
        interfaces: InterfaceSpec[],
        private readonly dispatch: Dispatcher,
    ) {
        this.specs = new Map(interfaces.map(i => [i.name, i]));
        bus.addMethodHandler((msg: DBusMessage) => this.handle(msg));
    }

    spec(iface: string): InterfaceSpec {
        const spec = this.specs.get(iface);
        if (!spec)
            throw new Error(`interface ${iface} is not in the contract`);
        return spec;
    }

    has(path: string): boolean {
        return this.objects.has(path);
    }

    /* The published properties of every object with the interface, for readers inside the daemon (the metrics). */
    objectsWith(iface: string): Array<{ path: string; props: Record<string, unknown> }> {
        return [...this.objects].filter(([, o]) => o.iface === iface).map(([path, o]) => ({ path, props: o.props }));
    }

    /* Exports an object, or keeps it current: announced with InterfacesAdded
     * (its methods asked for once) the first time, afterwards PropertiesChanged
     * for exactly the properties whose value, marshalled with the contract's
     * type, differs from what was signalled last. Every object, singleton or
     * one of a collection, is published so: an area hands over all its values
     * whenever something may have changed and names no properties, and keeps
     * no bookkeeping of what it sent. Get and GetAll answer with what was
     * published. `news` says what of a value is news, without its incidental
     * parts (the time of the last read, when a member was last seen): a
     * change in those alone is not signalled, and goes along with the next
     * change that is. */
    publish(path: string, iface: string, props: Record<string, unknown>, methods: () => Record<string, unknown> = () => ({}),
        news?: News): void {
        const spec = this.spec(iface);
        const marshalled: Record<string, unknown> = {};
        const compared: Record<string, string> = {};
        const newsCompared: Record<string, string> = {};
        for (const p of spec.properties) {
            marshalled[p.name] = marshal(props[p.name], p.type, p.members, `${iface}.${p.name}`);
            compared[p.name] = comparable(marshalled[p.name]);
            newsCompared[p.name] = news ? comparable(news(p.name, props[p.name])) : compared[p.name];
        }
        const before = this.objects.get(path);
        if (!before || before.iface !== iface) {
            if (before)
                this.unexport(path);
            const object: Exported = { iface, methods: methods(), props, compared, news: newsCompared, latest: compared };
            for (const m of spec.methods) {
                if (!(m.name in object.methods))
                    throw new Error(`${iface}.${m.name} has no implementation`);
            }
            this.objects.set(path, object);
            this.signal(this.rootPath, OBJECT_MANAGER, "InterfacesAdded", "oa{sa{sv}}", [path, this.interfacesAndProperties(object)]);
            return;
        }
        const newsworthy = Object.keys(compared).some(name => newsCompared[name] !== before.news[name]);
        before.props = props;
        // the same values published again (an area's periodic refresh) keep the marshalled entry
        if (Object.keys(compared).some(name => compared[name] !== before.latest[name]))
            before.entry = undefined;
        before.latest = compared;
        before.news = newsCompared;
        if (!newsworthy)
            return;
        const changed = spec.properties.filter(p => compared[p.name] !== before.compared[p.name]);
        before.compared = compared;
        if (changed.length > 0)
            this.signal(path, PROPERTIES, "PropertiesChanged", "sa{sv}as",
                [iface, Object.fromEntries(changed.map(p => [p.name, new Variant(p.type, marshalled[p.name])])), []]);
    }

    /* Makes the published objects below `prefix` (paths starting with
     * "prefix/") exactly `wanted`: each is published, the others unexported. */
    sync(prefix: string, wanted: Map<string, Published>): void {
        const below = `${prefix}/`;
        for (const path of [...this.objects.keys()])
            if (path.startsWith(below) && !wanted.has(path))
                this.unexport(path);
        for (const [path, w] of wanted) {
            if (!path.startsWith(below))
                throw new Error(`${path} is not below ${prefix}`);
            this.publish(path, w.iface, w.props, w.methods);
        }
    }

    unexport(path: string): void {
        const object = this.objects.get(path);
        if (!object)
            return;
        this.objects.delete(path);
        this.signal(this.rootPath, OBJECT_MANAGER, "InterfacesRemoved", "oas", [path, [object.iface]]);
    }

    /* Sends a signal of the contract, marshalled by its XML signature. */
    emit(path: string, iface: string, member: string, args: unknown[]): void {
        const spec = this.spec(iface).signals.find(s => s.name === member);
        if (!spec)
            throw new Error(`${iface}.${member} is not a signal of the contract`);
        this.signal(path, iface, member, outSignature(spec), args.map((a, i) => marshal(a, spec.args[i].type, spec.args[i].members, `${iface}.${member}`)));
    }

    private signal(path: string, iface: string, member: string, signature: string, body: unknown[]): void {
        this.bus.send(Message.newSignal(path, iface, member, signature, body));
    }

    private marshalProperties(iface: string, values: Record<string, unknown>): Record<string, InstanceType<typeof Variant>> {
        const result: Record<string, InstanceType<typeof Variant>> = {};
        for (const p of this.spec(iface).properties)
            result[p.name] = new Variant(p.type, marshal(values[p.name], p.type, p.members, `${iface}.${p.name}`));
        return result;
    }

    private interfacesAndProperties(object: Exported) {
        return { [object.iface]: this.marshalProperties(object.iface, object.props) };
    }

    private introspect(path: string): string {
        const parts = ["<!DOCTYPE node PUBLIC \"-//freedesktop//DTD D-BUS Object Introspection 1.0//EN\"",
            " \"http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd\">", "<node>", STANDARD_XML];
        if (path === this.rootPath)
            parts.push(OBJECT_MANAGER_XML);
        const known = this.objects.get(path);
        if (known)
            parts.push(interfaceXml(this.contractXml, known.iface));
        const prefix = path === "/" ? "/" : path + "/";
        const children = new Set<string>();
        for (const p of this.objects.keys()) {
            if (p.startsWith(prefix))
                children.add(p.slice(prefix.length).split("/")[0]);
        }
        if (path !== this.rootPath && (this.rootPath + "/").startsWith(prefix))
            children.add(this.rootPath.slice(prefix.length).split("/")[0]);
        for (const c of [...children].sort())
            parts.push(`  <node name="${c}"/>`);
        parts.push("</node>\n");
        return parts.join("\n");
    }

    private reply(msg: DBusMessage, signature: string, body: unknown[]): void {
        this.bus.send(Message.newMethodReturn(msg, signature, body));
    }

    private error(msg: DBusMessage, name: string, text: string): void {
        // dbus-next's typings declare the first argument a string; it takes the call
        this.bus.send(Message.newError(msg as unknown as string, name, text));
    }

    private handle(msg: DBusMessage): boolean {
        const held = heldBody();
        if (held && (msg.interface === INTROSPECTABLE || msg.interface === PEER || msg.interface === PROPERTIES || msg.interface === OBJECT_MANAGER)) {
            this.error(msg, "org.freedesktop.DBus.Error.InvalidArgs", `${msg.member} takes no arguments of ${formatBytes(held.bytes)}; refused unread`);
            return true;
        }
        const path = this.canonicalPath(msg.path as string);
        const iface = msg.interface as string | undefined;
        const member = msg.member as string;
        const known = this.objects.get(path);
        const isRoot = path === this.rootPath;

        if (iface === INTROSPECTABLE && member === "Introspect") {
            this.reply(msg, "s", [this.introspect(path)]);
            return true;
        }
        if (iface === PEER)
            return false; // dbus-next answers Ping and GetMachineId
        if (isRoot && iface === OBJECT_MANAGER && member === "GetManagedObjects") {
            const entries = [...this.objects].map(([p, object]) => object.entry ??= managedObjectEntry(p, this.interfacesAndProperties(object)));
            if (!sendManagedObjectsReply(this.bus, msg, managedObjectsBody(entries))) {
                const all: Record<string, unknown> = {};
                for (const [p, object] of this.objects)
                    all[p] = this.interfacesAndProperties(object);
                this.reply(msg, "a{oa{sa{sv}}}", [all]);
            }
            return true;
        }
        if (!known) {
            this.error(msg, "org.freedesktop.DBus.Error.UnknownObject", `No object at ${path}`);
            return true;
        }
        if (iface === PROPERTIES) {
            this.handleProperties(msg, known);
            return true;
        }
        const method = !iface || iface === known.iface ? this.spec(known.iface).methods.find(m => m.name === member) : undefined;
        if (!method) {
            this.error(msg, "org.freedesktop.DBus.Error.UnknownMethod", `${path} has no method ${iface ? iface + "." : ""}${member}`);
            return true;
        }
        const expected = inSignature(method);
        const signature = held ? held.signature : msg.signature ?? "";
        if (signature !== expected) {
            this.error(msg, "org.freedesktop.DBus.Error.InvalidArgs",
                `${member} takes arguments of type "${expected}", not "${signature}"`);
            return true;
        }
        const limit = Number(method.annotations[MAX_BYTES_ANNOTATION] ?? DEFAULT_MAX_ARGUMENT_BYTES);
        if (held && held.bytes > limit) {
            this.fail(msg, invalidArgument(`the arguments of ${member} take ${formatBytes(held.bytes)}, more than the ${formatBytes(limit)} it accepts; refused unread`));
            return true;
        }
        const sender = msg.sender as string;
        const waiting = this.inFlight.get(sender) ?? { calls: 0, large: 0 };
        if (waiting.calls >= MAX_CALLS_IN_FLIGHT || (held && waiting.large >= MAX_LARGE_CALLS_IN_FLIGHT)) {
            this.fail(msg, busy(held
                ? `this connection already has ${waiting.large} calls with large arguments waiting for their answers (at most ${MAX_LARGE_CALLS_IN_FLIGHT}); send the next when one is answered`
                : `this connection already has ${waiting.calls} calls waiting for their answers (at most ${MAX_CALLS_IN_FLIGHT}); send more when some are answered`));
            return true;
        }
        waiting.calls++;
        if (held)
            waiting.large++;
        this.inFlight.set(sender, waiting);
        const call: IncomingCall = {
            sender, path, iface: known.iface, method, body: held ? null : msg.body as unknown[], readBody: held?.read,
            implementation: known.methods[member],
        };
        const outArgs = method.args.filter(a => a.direction === "out");
        this.dispatch(call).then(
            out => {
                try {
                    this.reply(msg, outSignature(method), out.map((v, i) => marshal(v, outArgs[i].type, outArgs[i].members, `${known.iface}.${member} ${outArgs[i].name}`)));
                } catch (e) {
                    // an answer that does not fit its signature must not take the daemon down with it
                    this.fail(msg, new Error(`the answer of ${member} could not be sent: ${(e as Error).message}`));
                }
            },
            (e: unknown) => this.fail(msg, e),
        ).finally(() => {
            waiting.calls--;
            if (held)
                waiting.large--;
            if (waiting.calls === 0)
                this.inFlight.delete(sender);
        });
        return true;
    }

    /* An old path (OLD_PATHS) as the object's path now; any other path as it is. */
    private canonicalPath(path: string): string {
        const below = path.startsWith(`${this.rootPath}/`) ? path.slice(this.rootPath.length + 1) : "";
        const now = Object.hasOwn(OLD_PATHS, below) ? OLD_PATHS[below] : undefined;
        return now ? `${this.rootPath}/${now}` : path;
    }

    private fail(msg: DBusMessage, e: unknown): void {
        if (e instanceof DebVisorError)
            this.error(msg, e.dbusName, e.message);
        else
            this.error(msg, "org.debvisor.DebVisor1.Error.Failed", `internal error: ${(e as Error)?.message ?? String(e)}`);
    }

    private handleProperties(msg: DBusMessage, known: Exported): void {
        const [ifaceName, propName] = msg.body as [string, string?];
        if (ifaceName !== known.iface) {
            this.error(msg, "org.freedesktop.DBus.Error.UnknownInterface", `No interface ${ifaceName} at ${msg.path}`);
            return;
        }
        const values = this.marshalProperties(ifaceName, known.props);
        switch (msg.member) {
        case "GetAll":
            this.reply(msg, "a{sv}", [values]);
            return;
        case "Get":
            if (!(propName as string in values)) {
                this.error(msg, "org.freedesktop.DBus.Error.UnknownProperty", `${ifaceName} has no property ${propName}`);
                return;
            }
            this.reply(msg, "v", [values[propName as string]]);
            return;
        case "Set":
            this.error(msg, "org.freedesktop.DBus.Error.PropertyReadOnly", `${ifaceName}.${propName} is read-only; use the methods to change things`);
            return;
        default:
            this.error(msg, "org.freedesktop.DBus.Error.UnknownMethod", `${PROPERTIES} has no method ${msg.member}`);
        }
    }
}
