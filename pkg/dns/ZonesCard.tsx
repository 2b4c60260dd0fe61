// The zones with their live status: primary, serial, records, failures. A
// zone is chosen to show its records; zones are added and removed here.
import { useState } from "react";
import { Button } from "@patternfly/react-core/dist/esm/components/Button/index.js";
import { Card, CardBody, CardHeader, CardTitle } from "@patternfly/react-core/dist/esm/components/Card/index.js";
import { Checkbox } from "@patternfly/react-core/dist/esm/components/Checkbox/index.js";
import { EmptyState, EmptyStateBody } from "@patternfly/react-core/dist/esm/components/EmptyState/index.js";
import { Form, FormGroup } from "@patternfly/react-core/dist/esm/components/Form/index.js";
import { Label } from "@patternfly/react-core/dist/esm/components/Label/index.js";
import { TextInput } from "@patternfly/react-core/dist/esm/components/TextInput/index.js";
import { Table, Tbody, Td, Tr } from "@patternfly/react-table/dist/esm/components/Table/index.js";
import { domainNameProblem, normalizeName } from "../../helpers/lib/dns-grammar";
import { isIP } from "../../helpers/lib/ip-address";
import { dnsAddZone, dnsRemoveZone } from "../lib/api/dns";
import { ActionDialog } from "../lib/components/ActionDialog";
import type { DnsKeyObject, DnsZoneObject } from "../lib/dbus-store";
import { _, format } from "../lib/gettext";
import { TableHead } from "../lib/components/TableHead";

function AddZoneDialog({ onClose }: { onClose(): void }) {
    const [server, setServer] = useState("127.0.0.1");
    const [port, setPort] = useState("53");
    const [local, setLocal] = useState(true);
    const [machines, setMachines] = useState(false);
    const [zoneKey, setZoneKey] = useState("");
    const serverProblem = isIP(server) ? null : _("The primary's IP address.");
    const portProblem = /^\d{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65535 ? null : _("A port from 1 to 65535.");
    const keyProblem = !local && !zoneKey ? _("A zone on another server needs the key that may update it.") : null;
    return (
        <ActionDialog title={_("Add a zone")} confirm={_("Add")} onClose={onClose}
            field={{ label: _("Zone name"), check: v => domainNameProblem(normalizeName(v), _("The zone name")) ?? serverProblem ?? portProblem ?? keyProblem }}
            run={name => dnsAddZone(normalizeName(name), server, Number(port), local, machines, zoneKey)}>
            <Form onSubmit={e => e.preventDefault()} className="pf-v6-u-mb-md">
                <FormGroup label={_("Primary server")} fieldId="zone-server">
                    <TextInput id="zone-server" value={server} onChange={(_e, v) => setServer(v)} validated={serverProblem ? "error" : "default"} />
                </FormGroup>
                <FormGroup label={_("Port")} fieldId="zone-port">
                    <TextInput id="zone-port" value={port} onChange={(_e, v) => setPort(v)} validated={portProblem ? "error" : "default"} />
                </FormGroup>
                <Checkbox id="zone-local" isChecked={local} onChange={(_e, v) => setLocal(v)}
                    label={_("This node's BIND is the primary (create the zone and its keys)")} />
                {!local && (
                    <FormGroup label={_("Update key")} fieldId="zone-key">
                        <TextInput id="zone-key" value={zoneKey} onChange={(_e, v) => setZoneKey(v)} />
                    </FormGroup>
                )}
                <Checkbox id="zone-machines" isChecked={machines} onChange={(_e, v) => setMachines(v)}
                    label={_("Register virtual machines in this zone")} />
            </Form>
        </ActionDialog>
    );
}

export function ZonesCard({ zones, keys, chosen, onChoose }: {
    zones: DnsZoneObject[]; keys: DnsKeyObject[]; chosen: string | null; onChoose(zone: string): void;
}) {
    const [adding, setAdding] = useState(false);
    const [removing, setRemoving] = useState<string | null>(null);
    const overdue = new Set(keys.filter(k => k.props.Overdue).map(k => k.props.Name));
    return (
        <Card>
            <CardHeader actions={{ actions: <Button variant="secondary" onClick={() => setAdding(true)}>{_("Add zone")}</Button> }}>
                <CardTitle>{_("Zones")}</CardTitle>
            </CardHeader>
            <CardBody>
                {zones.length === 0
                    ? <EmptyState variant="sm" titleText={_("No zones yet")} headingLevel="h3"><EmptyStateBody>{_("Add a zone this node's BIND serves, or one on another primary.")}</EmptyStateBody></EmptyState>
                    : (
                        <Table aria-label={_("Zones")} variant="compact">
                            <TableHead columns={[_("Zone"), _("Primary"), _("Serial"), _("Records"), _("Status")]} actions />
                            <Tbody>
                                {zones.map(({ props: z }) => (
                                    <Tr key={z.Name} isClickable isRowSelected={z.Name === chosen} onRowClick={() => onChoose(z.Name)} data-zone={z.Name}>
                                        <Td dataLabel={_("Zone")}>{z.Name} {z.Local && <Label isCompact color="blue">{_("local")}</Label>}</Td>
                                        <Td dataLabel={_("Primary")}>{`${z.Server}:${z.Port}`}</Td>
                                        <Td dataLabel={_("Serial")}>{z.Serial || "—"}</Td>
                                        <Td dataLabel={_("Records")}>{z.RecordCount < 0 ? "—" : z.RecordCount}</Td>
                                        <Td dataLabel={_("Status")}>
                                            {z.LastError
                                                ? <Label color="red" isCompact>{z.LastError}</Label>
                                                : <Label color="green" isCompact>{_("OK")}</Label>}
                                            {z.FailedUpdates > 0 && <> <Label color="orange" isCompact>{format(_("$0 failed updates"), z.FailedUpdates)}</Label></>}
                                            {Object.values(z.Keys).some(k => overdue.has(k)) && <> <Label color="orange" isCompact>{_("key rotation overdue")}</Label></>}
                                        </Td>
                                        <Td isActionCell><Button variant="link" isDanger onClick={e => { e.stopPropagation(); setRemoving(z.Name) }}>{_("Remove")}</Button></Td>
                                    </Tr>
                                ))}
                            </Tbody>
                        </Table>
                    )}
            </CardBody>
            {adding && <AddZoneDialog onClose={() => setAdding(false)} />}
            {removing && (
                <ActionDialog title={format(_("Stop managing $0?"), removing)} confirm={_("Remove")} danger onClose={() => setRemoving(null)}
                    field={{ label: format(_("Type $0 to confirm"), removing), check: v => v === removing ? null : _("Type the zone's name.") }}
                    run={() => dnsRemoveZone(removing)}>
                    <p>{_("DebVisor stops managing the zone and forgets its registrations; a local zone is no longer served. Its keys and records are kept.")}</p>
                </ActionDialog>
            )}
        </Card>
    );
}
