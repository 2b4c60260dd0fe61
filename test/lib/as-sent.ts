// A property's value as debvisord sends it: marshalled by the contract's type
// and its dictionaries' declared members, as the object server does.
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
