// A property's value as debvisord sends it: marshalled by the contract's type
// and its dictionaries' declared members, as the object server does; or read
// from the system bus with busctl, which shows every type.
import { execFileSync } from "node:child_process";
import dbus from "dbus-next";
import { CONTRACT_XML } from "../../generated/dbus-contract.js";
import { parseIntrospection } from "../../helpers/lib/dbus-xml.js";
import { marshal } from "../../helpers/lib/variants.js";

export type Sent = InstanceType<typeof dbus.Variant>;
const contract = parseIntrospection(CONTRACT_XML);

export function asSent(iface: string, property: string, value: unknown): Sent {
    const p = contract.find(i => i.name === iface)?.properties.find(x => x.name === property);
    if (!p)
        throw new Error(`${iface}.${property} is not in the contract`);
    return new dbus.Variant(p.type, marshal(value, p.type, p.members, `${iface}.${property}`));
}

/** A value as busctl shows it: its D-Bus type and its data (a variant's data is again one of these). */
export interface Typed { type: string; data: unknown }

/* A property as the installed debvisord sends it on the system bus, with every member's type. */
export function onTheBus(path: string, iface: string, property: string): Typed {
    const out = execFileSync("busctl", ["--system", "--json=short", "get-property", "org.debvisor.DebVisor1", path, iface, property], { encoding: "utf8" });
    return JSON.parse(out) as Typed;
}
