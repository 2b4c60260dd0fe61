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
import { DebVisorError } from "../../lib/errors.js";
import { marshal } from "../../lib/variants.js";

const { Message, Variant } = dbus;
type DBusMessage = InstanceType<typeof Message>;
type MessageBus = dbus.MessageBus;

const PROPERTIES = "org.freedesktop.DBus.Properties";
const INTROSPECTABLE = "org.freedesktop.DBus.Introspectable";
const OBJECT_MANAGER = "org.freedesktop.DBus.ObjectManager";
const PEER = "org.freedesktop.DBus.Peer";

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
    body: unknown[];
    implementation: unknown;
}

/** One interface of an exported object. */
export interface ExportedInterface {
    name: string;
    /** current property values, plain JavaScript (marshalled by the XML types) */
    properties(): Record<string, unknown>;
    /** method implementations, keyed by method name, handed to the dispatcher */
    methods: Record<string, unknown>;
}

export type Dispatcher = (call: IncomingCall) => Promise<unknown[]>;

export class ObjectServer {
    private readonly objects = new Map<string, Map<string, ExportedInterface>>();
    private readonly specs: Map<string, InterfaceSpec>;

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

    /* Exports an object and announces it with InterfacesAdded. */
    export(path: string, interfaces: ExportedInterface[]): void {
        for (const i of interfaces) {
            const spec = this.spec(i.name);
            for (const m of spec.methods) {
                if (!(m.name in i.methods))
                    throw new Error(`${i.name}.${m.name} has no implementation`);
            }
        }
        const map = new Map(interfaces.map(i => [i.name, i]));
        this.objects.set(path, map);
        this.signal(this.rootPath, OBJECT_MANAGER, "InterfacesAdded", "oa{sa{sv}}", [path, this.interfacesAndProperties(map)]);
    }

    unexport(path: string): void {
        const map = this.objects.get(path);
        if (!map)
            return;
        this.objects.delete(path);
        this.signal(this.rootPath, OBJECT_MANAGER, "InterfacesRemoved", "oas", [path, [...map.keys()]]);
    }

    /* Sends PropertiesChanged for the named properties of one interface. */
    propertiesChanged(path: string, iface: string, names: string[]): void {
        const exported = this.objects.get(path)?.get(iface);
        if (!exported || names.length === 0)
            return;
        const all = this.marshalProperties(iface, exported.properties());
        const changed = Object.fromEntries(names.map(n => [n, all[n]]));
        this.signal(path, PROPERTIES, "PropertiesChanged", "sa{sv}as", [iface, changed, []]);
    }

    /* Sends a signal of the contract, marshalled by its XML signature. */
    emit(path: string, iface: string, member: string, args: unknown[]): void {
        const spec = this.spec(iface).signals.find(s => s.name === member);
        if (!spec)
            throw new Error(`${iface}.${member} is not a signal of the contract`);
        const types = spec.args.map(a => a.type);
        this.signal(path, iface, member, outSignature(spec), args.map((a, i) => marshal(a, types[i])));
    }

    private signal(path: string, iface: string, member: string, signature: string, body: unknown[]): void {
        this.bus.send(Message.newSignal(path, iface, member, signature, body));
    }

    private marshalProperties(iface: string, values: Record<string, unknown>): Record<string, InstanceType<typeof Variant>> {
        const result: Record<string, InstanceType<typeof Variant>> = {};
        for (const p of this.spec(iface).properties)
            result[p.name] = new Variant(p.type, marshal(values[p.name], p.type));
        return result;
    }

    private interfacesAndProperties(map: Map<string, ExportedInterface>) {
        const result: Record<string, Record<string, InstanceType<typeof Variant>>> = {};
        for (const [name, exported] of map)
            result[name] = this.marshalProperties(name, exported.properties());
        return result;
    }

    private introspect(path: string): string {
        const parts = ["<!DOCTYPE node PUBLIC \"-//freedesktop//DTD D-BUS Object Introspection 1.0//EN\"",
            " \"http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd\">", "<node>", STANDARD_XML];
        if (path === this.rootPath)
            parts.push(OBJECT_MANAGER_XML);
        for (const iface of this.objects.get(path)?.keys() ?? [])
            parts.push(interfaceXml(this.contractXml, iface));
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
        const path = msg.path as string;
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
            const all: Record<string, unknown> = {};
            for (const [p, map] of this.objects)
                all[p] = this.interfacesAndProperties(map);
            this.reply(msg, "a{oa{sa{sv}}}", [all]);
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
        const target = iface ? known.get(iface) : [...known.values()].find(i => this.spec(i.name).methods.some(m => m.name === member));
        const method = target && this.spec(target.name).methods.find(m => m.name === member);
        if (!target || !method) {
            this.error(msg, "org.freedesktop.DBus.Error.UnknownMethod", `${path} has no method ${iface ? iface + "." : ""}${member}`);
            return true;
        }
        const expected = inSignature(method);
        if ((msg.signature ?? "") !== expected) {
            this.error(msg, "org.freedesktop.DBus.Error.InvalidArgs",
                `${member} takes arguments of type "${expected}", not "${msg.signature ?? ""}"`);
            return true;
        }
        const call: IncomingCall = {
            sender: msg.sender as string, path, iface: target.name, method, body: msg.body as unknown[],
            implementation: target.methods[member],
        };
        const outTypes = method.args.filter(a => a.direction === "out").map(a => a.type);
        this.dispatch(call).then(
            out => this.reply(msg, outSignature(method), out.map((v, i) => marshal(v, outTypes[i]))),
            (e: unknown) => {
                if (e instanceof DebVisorError)
                    this.error(msg, e.dbusName, e.message);
                else
                    this.error(msg, "org.debvisor.DebVisor1.Error.Failed", `internal error: ${(e as Error)?.message ?? String(e)}`);
            });
        return true;
    }

    private handleProperties(msg: DBusMessage, known: Map<string, ExportedInterface>): void {
        const [ifaceName, propName] = msg.body as [string, string?];
        const exported = known.get(ifaceName);
        if (!exported) {
            this.error(msg, "org.freedesktop.DBus.Error.UnknownInterface", `No interface ${ifaceName} at ${msg.path}`);
            return;
        }
        const values = this.marshalProperties(ifaceName, exported.properties());
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
