// Reads D-Bus introspection XML into a typed description of its interfaces.
// The contract in dbus/*.xml drives the daemon's dispatch, the generated
// TypeScript types and the tests, so this parser is the one place that reads it.
// It reads introspection XML with sax: elements, attributes and the comments that document them.
import sax from "sax";

/** The members of a dictionary (a{sv}, aa{sv}) as the contract declares them in MEMBERS_ANNOTATION:
 * each member's type, and the members of a member that is itself a dictionary. */
export interface Members { [name: string]: { type: string; members?: Members } }
export const MEMBERS_ANNOTATION = "org.debvisor.DebVisor1.Members";

interface ArgSpec { name: string; type: string; direction: "in" | "out"; members?: Members }
export interface MethodSpec {
    name: string;
    args: ArgSpec[];
    annotations: Record<string, string>;
    doc: string;
}
interface PropertySpec { name: string; type: string; access: string; doc: string; members?: Members }
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
    // the property or argument whose element is open: its annotations are its own
    let typed: ArgSpec | PropertySpec | null = null;

    const parser = sax.parser(true);
    parser.oncomment = comment => {
        pendingDoc = cleanDoc(comment);
    };
    parser.onclosetag = tag => {
        if (tag === "interface")
            iface = null;
        else if (tag === "method" || tag === "signal")
            member = memberKind = null;
        else if (tag === "arg" || tag === "property")
            typed = null;
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
            typed = {
                name: attrs.name ?? "",
                type: attrs.type,
                direction: memberKind === "signal" ? "out" : (attrs.direction === "out" ? "out" : "in"),
            };
            member.args.push(typed);
            break;
        case "property":
            if (!iface)
                throw new Error(`<property name="${attrs.name}"> outside an interface`);
            typed = { name: attrs.name, type: attrs.type, access: attrs.access ?? "read", doc };
            iface.properties.push(typed);
            break;
        case "annotation":
            if (typed) {
                if (attrs.name === MEMBERS_ANNOTATION)
                    typed.members = parseMembers(attrs.value, typed.type, `${iface?.name}: ${typed.name}`);
            } else if (member && memberKind === "method")
                (member as MethodSpec).annotations[attrs.name] = attrs.value;
            break;
        }
    };
    parser.write(xml).close();
    return interfaces;
}

const DICTIONARY = /^a?a\{sv\}$/;

/* A Members annotation ("Name:s Size:t Disks:aa{sv} Disks.Path:s"; a dotted name is a member of a
 * dictionary member) as a tree; refuses a type that is not one complete D-Bus type, a member
 * declared twice, and members of what is not a dictionary. */
export function parseMembers(text: string, type: string, where: string): Members {
    if (!DICTIONARY.test(type))
        throw new Error(`${where}: ${MEMBERS_ANNOTATION} on type "${type}"; only a{sv} and aa{sv} have members`);
    const root: Members = {};
    for (const word of text.trim().split(/\s+/).filter(Boolean)) {
        const colon = word.indexOf(":");
        const names = word.slice(0, colon).split(".");
        const memberType = word.slice(colon + 1);
        if (colon <= 0 || names.some(n => !/^[A-Za-z][\w-]*$/.test(n)))
            throw new Error(`${where}: "${word}" is not NAME:TYPE`);
        if (!isCompleteType(memberType))
            throw new Error(`${where}: "${memberType}" of ${names.join(".")} is not a D-Bus type`);
        let into = root;
        for (const outer of names.slice(0, -1)) {
            const container = into[outer];
            if (!container || !DICTIONARY.test(container.type))
                throw new Error(`${where}: ${names.join(".")} is declared before ${outer} is declared a{sv} or aa{sv}`);
            into = container.members ??= {};
        }
        const name = names[names.length - 1];
        if (into[name])
            throw new Error(`${where}: ${names.join(".")} is declared twice`);
        into[name] = { type: memberType };
    }
    return root;
}

/* Whether `signature` is exactly one complete D-Bus type (the specification's grammar). */
export function isCompleteType(signature: string): boolean {
    const end = (i: number): number => {
        const c = signature[i];
        if (c !== undefined && "ybnqiuxtdsoghv".includes(c))
            return i + 1;
        if (c === "a" && signature[i + 1] === "{") {
            const key = signature[i + 2];
            const after = key !== undefined && "ybnqiuxtdsogh".includes(key) ? end(i + 3) : -1;
            return after > 0 && signature[after] === "}" ? after + 1 : -1;
        }
        if (c === "a")
            return end(i + 1);
        if (c === "(") {
            let j = i + 1;
            while (j > 0 && j < signature.length && signature[j] !== ")")
                j = end(j);
            return j > i + 1 && signature[j] === ")" ? j + 1 : -1;
        }
        return -1;
    };
    return signature.length > 0 && end(0) === signature.length;
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
