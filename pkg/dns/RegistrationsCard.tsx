// The names this node wrote for itself and its machines (a stale one, whose
// records could not be written or removed, says why; a machine that moved to
// another member, where it runs now), and the DHCP leases.
import { Card, CardBody, CardTitle } from "@patternfly/react-core/dist/esm/components/Card/index.js";
import { Label } from "@patternfly/react-core/dist/esm/components/Label/index.js";
import { Table, Tbody, Td, Tr } from "@patternfly/react-table/dist/esm/components/Table/index.js";
import { leasesOf, registrationsOf } from "../lib/api/dns";
import { useMachines } from "../lib/dbus-store";
import type { PageDnsProperties } from "../../generated/dbus-contract";
import { _, format } from "../lib/gettext";
import { formatTime } from "../lib/format";
import { TableHead } from "../lib/components/TableHead";

export function RegistrationsCard({ dns }: { dns: PageDnsProperties }) {
    const registrations = registrationsOf(dns.Registrations);
    return (
        <Card>
            <CardTitle>{_("Registered names")}</CardTitle>
            <CardBody>
                {registrations.length === 0 ? <p>{_("No host or machine is registered yet.")}</p> : (
                    <Table aria-label={_("Registered names")} variant="compact">
                        <TableHead columns={[_("Name"), _("Kind"), _("Addresses"), _("Status")]} />
                        <Tbody>
                            {registrations.map(r => (
                                <Tr key={r.Id}>
                                    <Td dataLabel={_("Name")}>{r.Name}</Td>
                                    <Td dataLabel={_("Kind")}>{r.Kind === "host" ? _("host") : _("machine")}</Td>
                                    <Td dataLabel={_("Addresses")}>{r.Addresses.join(", ")}{r.Ptr && " (PTR)"}</Td>
                                    <Td dataLabel={_("Status")}>{r.Error ? <Label color="red" isCompact>{r.Error}</Label> : <Label color="green" isCompact>{_("written")}</Label>}
                                        {r.Node && <> <Label isCompact>{format(_("$0: $1"), _("Node"), r.Node)}</Label></>}</Td>
                                </Tr>
                            ))}
                        </Tbody>
                    </Table>
                )}
            </CardBody>
        </Card>
    );
}

export function LeasesCard({ dns }: { dns: PageDnsProperties }) {
    const machines = useMachines();
    const leases = leasesOf(dns.Leases);
    // which machine has which address: by the MAC address of its NICs
    const machineOf = (mac: string) => machines.find(m => JSON.stringify(m.props.Nics).toLowerCase().includes(mac.toLowerCase()))?.props.Name ?? "";
    return (
        <Card>
            <CardTitle>{_("DHCP leases")}</CardTitle>
            <CardBody>
                {leases.length === 0 ? <p>{_("No DHCP leases on this host.")}</p> : (
                    <Table aria-label={_("DHCP leases")} variant="compact">
                        <TableHead columns={[_("Address"), _("MAC"), _("Host name"), _("Machine"), _("Expires"), _("Network")]} />
                        <Tbody>
                            {leases.map(l => (
                                <Tr key={`${l.Source} ${l.Address}`}>
                                    <Td>{l.Address}</Td><Td className="debvisor-mono">{l.Mac}</Td><Td>{l.Hostname || "—"}</Td><Td>{machineOf(l.Mac) || "—"}</Td>
                                    <Td>{formatTime(l.Expiry) || _("never")}</Td><Td>{l.Source}</Td>
                                </Tr>
                            ))}
                        </Tbody>
                    </Table>
                )}
            </CardBody>
        </Card>
    );
}
