// The records of one zone, read by zone transfer through debvisord: filter
// by name and type, pages of 100, add/edit in a dialog, bulk delete. The
// list is read again whenever the zone's serial changes.
import { useEffect, useState } from "react";
import { Button } from "@patternfly/react-core/dist/esm/components/Button/index.js";
import { Card, CardBody, CardHeader, CardTitle } from "@patternfly/react-core/dist/esm/components/Card/index.js";
import { FormSelect, FormSelectOption } from "@patternfly/react-core/dist/esm/components/FormSelect/index.js";
import { Pagination } from "@patternfly/react-core/dist/esm/components/Pagination/index.js";
import { SearchInput } from "@patternfly/react-core/dist/esm/components/SearchInput/index.js";
import { Toolbar, ToolbarContent, ToolbarItem } from "@patternfly/react-core/dist/esm/components/Toolbar/index.js";
import { Table, Tbody, Td, Th, Thead, Tr } from "@patternfly/react-table/dist/esm/components/Table/index.js";
import { RECORD_TYPES, reverseName } from "../../helpers/lib/dns-grammar";
import type { CallError } from "../lib/api/call";
import { dnsDeleteRecords, dnsListRecords, type DnsRecordTuple } from "../lib/api/dns";
import { ActionDialog } from "../lib/components/ActionDialog";
import type { DnsZoneObject } from "../lib/dbus-store";
import { _, format } from "../lib/gettext";
import { asInput, RecordDialog } from "./RecordDialog";

const PAGE = 100;
const key = (r: DnsRecordTuple) => r.join("\u0000");

export function RecordsCard({ zone, zones }: { zone: DnsZoneObject["props"]; zones: DnsZoneObject[] }) {
    const [filter, setFilter] = useState("");
    const [type, setType] = useState("");
    const [page, setPage] = useState(1);
    const [listing, setListing] = useState<{ records: DnsRecordTuple[]; total: number } | null>(null);
    const [error, setError] = useState("");
    const [selected, setSelected] = useState<Set<string>>(new Set());
    const [editing, setEditing] = useState<DnsRecordTuple | null | "new">(null);
    const [deleting, setDeleting] = useState(false);
    const canPtr = zones.some(z => z.props.Name.endsWith(".arpa"));

    useEffect(() => {
        let current = true;
        dnsListRecords(zone.Name, (page - 1) * PAGE, PAGE, { name: filter, type })
            .then(l => { if (current) { setListing(l); setError("") } }, (e: CallError) => { if (current) setError(e.message) });
        return () => { current = false };
    }, [zone.Name, zone.Serial, filter, type, page]);

    const records = listing?.records ?? [];
    const chosen = records.filter(r => selected.has(key(r)));
    const editableType = (t: string) => (RECORD_TYPES as readonly string[]).includes(t);
    const isAddress = (r: DnsRecordTuple) => r[1] === "A" || r[1] === "AAAA";
    const ptrZoneFor = (r: DnsRecordTuple) => isAddress(r) && zones.some(z => reverseName(r[3]).endsWith(`.${z.props.Name}`));
    // PTR records go along only when every address deleted has its reverse zone here
    const withPtr = chosen.some(ptrZoneFor) && chosen.filter(isAddress).every(ptrZoneFor);

    return (
        <Card>
            <CardHeader actions={{ actions: <>
                <Button variant="secondary" onClick={() => setEditing("new")}>{_("Add record")}</Button>{" "}
                <Button variant="secondary" isDanger isDisabled={chosen.length === 0} onClick={() => setDeleting(true)}>
                    {chosen.length > 0 ? format(_("Delete $0"), chosen.length) : _("Delete")}
                </Button>
            </> }}>
                <CardTitle>{format(_("Records of $0"), zone.Name)}</CardTitle>
            </CardHeader>
            <CardBody>
                <Toolbar>
                    <ToolbarContent>
                        <ToolbarItem>
                            <SearchInput aria-label={_("Filter by name")} placeholder={_("Filter by name")} value={filter}
                                onChange={(_e, v) => { setFilter(v); setPage(1) }} onClear={() => { setFilter(""); setPage(1) }} />
                        </ToolbarItem>
                        <ToolbarItem>
                            <FormSelect aria-label={_("Type")} value={type} onChange={(_e, v) => { setType(v); setPage(1) }}>
                                <FormSelectOption value="" label={_("All types")} />
                                {["SOA", "NS", ...RECORD_TYPES].map(t => <FormSelectOption key={t} value={t} label={t} />)}
                            </FormSelect>
                        </ToolbarItem>
                        <ToolbarItem variant="pagination">
                            <Pagination itemCount={listing?.total ?? 0} perPage={PAGE} page={page} onSetPage={(_e, p) => setPage(p)} isCompact perPageOptions={[]} />
                        </ToolbarItem>
                    </ToolbarContent>
                </Toolbar>
                {error
                    ? <p className="pf-v6-u-danger-color-100">{error}</p>
                    : (
                        <Table aria-label={_("Records")} variant="compact">
                            <Thead><Tr><Th screenReaderText={_("Select")} /><Th>{_("Name")}</Th><Th>{_("Type")}</Th><Th>{_("TTL")}</Th><Th>{_("Data")}</Th><Th screenReaderText={_("Actions")} /></Tr></Thead>
                            <Tbody>
                                {records.map((r, i) => (
                                    <Tr key={key(r)} data-record={`${r[0]} ${r[1]}`}>
                                        <Td select={editableType(r[1]) ? {
                                            rowIndex: i, isSelected: selected.has(key(r)),
                                            onSelect: (_e, on) => setSelected(s => { const n = new Set(s); if (on) n.add(key(r)); else n.delete(key(r)); return n }),
                                        } : undefined} />
                                        <Td dataLabel={_("Name")}>{r[0]}</Td>
                                        <Td dataLabel={_("Type")}>{r[1]}</Td>
                                        <Td dataLabel={_("TTL")}>{r[2]}</Td>
                                        <Td dataLabel={_("Data")} className="debvisor-mono">{r[3]}</Td>
                                        <Td isActionCell>{editableType(r[1]) && <Button variant="link" onClick={() => setEditing(r)}>{_("Edit")}</Button>}</Td>
                                    </Tr>
                                ))}
                            </Tbody>
                        </Table>
                    )}
            </CardBody>
            {editing && <RecordDialog zone={zone.Name} existing={editing === "new" ? null : editing} canPtr={canPtr} onClose={() => setEditing(null)} />}
            {deleting && (
                <ActionDialog title={format(_("Delete $0 records?"), chosen.length)} confirm={_("Delete")} danger onClose={() => setDeleting(false)}
                    run={async () => {
                        await dnsDeleteRecords(zone.Name, chosen.map(asInput), withPtr);
                        setSelected(new Set());
                    }}>
                    <ul>{chosen.slice(0, 10).map(r => <li key={key(r)}>{`${r[0]} ${r[1]} ${r[3]}`}</li>)}</ul>
                    {chosen.length > 10 && <p>{format(_("and $0 more"), chosen.length - 10)}</p>}
                    {withPtr && <p>{_("Their PTR records go too.")}</p>}
                </ActionDialog>
            )}
        </Card>
    );
}
