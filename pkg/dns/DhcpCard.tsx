// The DHCP ranges the node's dnsmasq serves: each with its addresses and the
// leases in force inside it; added, edited and removed here (removing asks
// first). The page sends the whole list, which debvisord checks again and
// dnsmasq tests before it replaces the old one.
import { useState } from "react";
import { Button } from "@patternfly/react-core/dist/esm/components/Button/index.js";
import { Card, CardBody, CardHeader, CardTitle } from "@patternfly/react-core/dist/esm/components/Card/index.js";
import { FormGroup } from "@patternfly/react-core/dist/esm/components/Form/index.js";
import { TextInput } from "@patternfly/react-core/dist/esm/components/TextInput/index.js";
import { Table, Tbody, Td, Tr } from "@patternfly/react-table/dist/esm/components/Table/index.js";
import { checkRanges, rangeUsage, type DhcpRange } from "../../helpers/lib/dhcp-ranges";
import { isIPv4 } from "../../helpers/lib/ip-address";
import { dhcpRangesOf, dnsSetDhcpRanges, leasesOf } from "../lib/api/dns";
import { ActionDialog } from "../lib/components/ActionDialog";
import { FieldError } from "../lib/components/FieldError";
import { FormDialog } from "../lib/components/FormDialog";
import type { PageDnsProperties } from "../../generated/dbus-contract";
import { _, format } from "../lib/gettext";
import { TableHead } from "../lib/components/TableHead";
import { useSubmit } from "../lib/use-submit";

type Fields = Record<"Name" | "Interface" | "Start" | "End" | "Netmask" | "LeaseSeconds" | "DnsServer", string>;

const FIELDS: Array<[keyof Fields, string]> = [
    ["Name", _("Name")], ["Interface", _("Interface")], ["Start", _("First address")], ["End", _("Last address")],
    ["Netmask", _("Netmask")], ["LeaseSeconds", _("Lease time")], ["DnsServer", _("DNS server")],
];

/* What is wrong with each field on its own, in the user's language; the rules between fields come from checkRanges. */
function fieldProblems(f: Fields): Partial<Fields> {
    const p: Partial<Fields> = {};
    if (!/^[a-z0-9][a-z0-9-]{0,31}$/.test(f.Name))
        p.Name = _("1 to 32 lower-case letters, digits and \"-\".");
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$/.test(f.Interface))
        p.Interface = _("An interface name, e.g. br0.");
    for (const k of ["Start", "End", "Netmask"] as const)
        if (!isIPv4(f[k]))
            p[k] = _("An IPv4 address.");
    const lease = Number(f.LeaseSeconds);
    if (!/^\d+$/.test(f.LeaseSeconds) || (lease !== 0 && (lease < 120 || lease > 31_536_000)))
        p.LeaseSeconds = _("Seconds: 0 (infinite), or 120 to a year.");
    if (f.DnsServer && !isIPv4(f.DnsServer))
        p.DnsServer = _("An IPv4 address.");
    return p;
}

const toRange = (f: Fields): DhcpRange => ({ ...f, LeaseSeconds: Number(f.LeaseSeconds) });

function RangeDialog({ ranges, editing, onClose }: { ranges: DhcpRange[]; editing: DhcpRange | null; onClose(): void }) {
    const [fields, setFields] = useState<Fields>(editing
        ? { ...editing, LeaseSeconds: String(editing.LeaseSeconds) }
        : { Name: "", Interface: "br0", Start: "", End: "", Netmask: "255.255.255.0", LeaseSeconds: "43200", DnsServer: "" });
    const [touched, setTouched] = useState<Set<string>>(new Set());
    const { error, busy, run } = useSubmit();
    const problems = fieldProblems(fields);
    const others = ranges.filter(r => r.Name !== editing?.Name);
    const next = [...others, toRange(fields)];
    const together = Object.keys(problems).length === 0 ? checkRanges(next) : null;
    const submit = () => {
        run(() => dnsSetDhcpRanges(editing ? ranges.map(r => r.Name === editing.Name ? toRange(fields) : r) : next), onClose);
    };
    return (
        <FormDialog id="dhcp-range" title={editing ? format(_("$0: $1"), _("Edit"), editing.Name) : _("Add DHCP range")}
            error={error || (together ?? "")} ready={Object.keys(problems).length === 0 && !together} busy={busy}
            confirm={editing ? _("Save") : _("Add")} onSubmit={submit} onClose={onClose}>
            {FIELDS.map(([key, label]) => (
                <FormGroup key={key} label={label} fieldId={`dhcp-${key}`}>
                    <TextInput id={`dhcp-${key}`} value={fields[key]} placeholder={key === "DnsServer" ? _("this node") : undefined} isDisabled={key === "Name" && editing !== null}
                        validated={touched.has(key) && problems[key] ? "error" : "default"}
                        onChange={(_e, v) => { setFields({ ...fields, [key]: v.trim() }); setTouched(new Set(touched).add(key)) }} />
                    {touched.has(key) && problems[key] && <FieldError text={problems[key]} />}
                </FormGroup>
            ))}
        </FormDialog>
    );
}

export function DhcpCard({ dns }: { dns: PageDnsProperties }) {
    const [editing, setEditing] = useState<DhcpRange | "new" | null>(null);
    const [removing, setRemoving] = useState<string | null>(null);
    const ranges = dhcpRangesOf(dns.DhcpRanges);
    // Expiry is in µs on the bus
    const usage = rangeUsage(ranges, leasesOf(dns.Leases), Date.now() * 1000);
    return (
        <Card>
            <CardHeader actions={{ actions: <Button variant="secondary" onClick={() => setEditing("new")}>{_("Add DHCP range")}</Button> }}>
                <CardTitle>{_("DHCP ranges")}</CardTitle>
            </CardHeader>
            <CardBody>
                {ranges.length > 0 && (
                    <Table aria-label={_("DHCP ranges")} variant="compact">
                        <TableHead columns={[_("Name"), _("Interface"), _("Addresses"), _("Lease time"), _("DNS server"), _("DHCP leases")]} actions />
                        <Tbody>
                            {ranges.map((r, i) => (
                                <Tr key={r.Name} data-range={r.Name}>
                                    <Td dataLabel={_("Name")}>{r.Name}</Td>
                                    <Td dataLabel={_("Interface")}>{r.Interface}</Td>
                                    <Td dataLabel={_("Addresses")}>{`${r.Start}–${r.End}`} <span className="debvisor-mono">({r.Netmask})</span></Td>
                                    <Td dataLabel={_("Lease time")}>{r.LeaseSeconds === 0 ? _("never") : format(_("$0 s"), r.LeaseSeconds)}</Td>
                                    <Td dataLabel={_("DNS server")}>{r.DnsServer || _("this node")}</Td>
                                    <Td dataLabel={_("DHCP leases")}>{format(_("$0 of $1"), usage[i].leased, usage[i].addresses)}</Td>
                                    <Td isActionCell>
                                        <Button variant="link" onClick={() => setEditing(r)}>{_("Edit")}</Button>
                                        <Button variant="link" isDanger onClick={() => setRemoving(r.Name)}>{_("Remove")}</Button>
                                    </Td>
                                </Tr>
                            ))}
                        </Tbody>
                    </Table>
                )}
            </CardBody>
            {editing && <RangeDialog ranges={ranges} editing={editing === "new" ? null : editing} onClose={() => setEditing(null)} />}
            {removing && (
                <ActionDialog title={format(_("Remove $0?"), removing)} confirm={_("Remove")} danger onClose={() => setRemoving(null)}
                    run={() => dnsSetDhcpRanges(ranges.filter(r => r.Name !== removing))} />
            )}
        </Card>
    );
}
