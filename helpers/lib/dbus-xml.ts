// Reads D-Bus introspection XML into a typed description of its interfaces.
// The contract in dbus/*.xml drives the daemon's dispatch, the generated
// TypeScript types and the tests, so this parser is the one place that reads it.
// It reads introspection XML with sax: elements, attributes and the comments that document them.
import sax from "sax";

interface ArgSpec { name: string; type: string; direction: "in" | "out" }
export interface MethodSpec {
    name: string;
    args: ArgSpec[];
    annotations: Record<string, string>;
    doc: string;
}
interface PropertySpec { name: string; type: string; access: string; doc: string }
interface SignalSpec { name: string; args: ArgSpec[]; doc: string }
export interface InterfaceSpec {
    name: string;
    methods: MethodSpec[];
    properties: PropertySpec[];
    signals: SignalSpec[];
    doc: string;
}

function cleanDoc(comment: string): string {
    return comment.split("\n").map(l => l.trim()).join("\n").trim();
}

export function parseIntrospection(xml: string): InterfaceSpec[] {
    const interfaces: InterfaceSpec[] = [];
    let iface: InterfaceSpec | null = null;
    let member: MethodSpec | SignalSpec | null = null;
    let memberKind: "method" | "signal" | null = null;
    let pendingDoc = "";

    const parser = sax.parser(true);
    parser.oncomment = comment => {
        pendingDoc = cleanDoc(comment);
    };
    parser.onclosetag = tag => {
        if (tag === "interface")
            iface = null;
        else if (tag === "method" || tag === "signal")
            member = memberKind = null;
    };
    parser.onerror = e => {
        throw new Error(`introspection XML: ${e.message.split("\n")[0]}`);
    };
    parser.onopentag = ({ name: tag, attributes: attrs }) => {
        const doc = pendingDoc;
        pendingDoc = "";
        switch (tag) {
        case "interface":
            iface = { name: attrs.name, methods: [], properties: [], signals: [], doc };
            interfaces.push(iface);
            break;
        case "method":
        case "signal":
            if (!iface)
                throw new Error(`<${tag} name="${attrs.name}"> outside an interface`);
            if (tag === "method") {
                const method: MethodSpec = { name: attrs.name, args: [], annotations: {}, doc };
                iface.methods.push(method);
                member = method;
            } else {
                const signal: SignalSpec = { name: attrs.name, args: [], doc };
                iface.signals.push(signal);
                member = signal;
            }
            memberKind = tag;
            break;
        case "arg":
            if (!member)
                throw new Error(`<arg name="${attrs.name}"> outside a method or signal`);
            member.args.push({
                name: attrs.name ?? "",
                type: attrs.type,
                direction: memberKind === "signal" ? "out" : (attrs.direction === "out" ? "out" : "in"),
            });
            break;
        case "property":
            if (!iface)
                throw new Error(`<property name="${attrs.name}"> outside an interface`);
            iface.properties.push({ name: attrs.name, type: attrs.type, access: attrs.access ?? "read", doc });
            break;
        case "annotation":
            if (member && memberKind === "method")
                (member as MethodSpec).annotations[attrs.name] = attrs.value;
            break;
        }
    };
    parser.write(xml).close();
    return interfaces;
}

export function inSignature(method: MethodSpec): string {
    return method.args.filter(a => a.direction === "in").map(a => a.type).join("");
}

export function outSignature(method: MethodSpec | SignalSpec): string {
    return method.args.filter(a => a.direction === "out").map(a => a.type).join("");
}

/* Splits a signature into its complete types: "sa{sv}o" → ["s", "a{sv}", "o"]. */
export function splitSignature(signature: string): string[] {
    const types: string[] = [];
    let i = 0;
    const one = (): void => {
        const c = signature[i++];
        if (c === "a") {
            one();
        } else if (c === "(" || c === "{") {
            const close = c === "(" ? ")" : "}";
            while (signature[i] !== close) {
                if (i >= signature.length)
                    throw new Error(`unterminated container in signature "${signature}"`);
                one();
            }
            i++;
        }
    };
    while (i < signature.length) {
        const start = i;
        one();
        types.push(signature.slice(start, i));
    }
    return types;
}

/* The XML text of one interface as written in the contract, with the comment
 * that documents it, so that Introspect shows the documentation too. */
export function interfaceXml(xml: string, name: string): string {
    const open = xml.indexOf(`<interface name="${name}"`);
    if (open < 0)
        throw new Error(`interface ${name} is not in the contract`);
    const close = xml.indexOf("</interface>", open) + "</interface>".length;
    const commentEnd = xml.lastIndexOf("-->", open);
    const commentStart = xml.lastIndexOf("<!--", open);
    const between = commentEnd >= 0 ? xml.slice(commentEnd + 3, open) : "x";
    const start = commentStart >= 0 && between.trim() === "" ? commentStart : open;
    return "  " + xml.slice(start, close);
}
