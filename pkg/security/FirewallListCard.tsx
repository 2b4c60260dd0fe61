// One list of the firewall (block, allow or the management set) as a table
// with counters and expiry, with buttons to add entries, import a list, and
// remove an entry.
import { useState } from "react";
import { Button } from "@patternfly/react-core/dist/esm/components/Button/index.js";
import { Card, CardBody, CardHeader, CardTitle } from "@patternfly/react-core/dist/esm/components/Card/index.js";
import { Flex, FlexItem } from "@patternfly/react-core/dist/esm/layouts/Flex/index.js";
import { Table, Tbody, Td, Tr } from "@patternfly/react-table/dist/esm/components/Table/index.js";
import { firewallRemove, type FirewallEntry, type ListName } from "../lib/api/firewall";
import { ActionDialog } from "../lib/components/ActionDialog";
import { formatBytes } from "../lib/format";
import { _, format } from "../lib/gettext";
import { AddEntriesDialog } from "./AddEntriesDialog";
import { ImportDialog } from "./ImportDialog";
import { RemoveManagementDialog } from "./RemoveManagementDialog";
import { TableHead } from "../lib/components/TableHead";

const TITLE: Record<ListName, () => string> = { block: () => _("Blocked"), allow: () => _("Allowed"), management: () => _("Management") };
const ADD: Record<ListName, () => string> = { block: () => _("Block"), allow: () => _("Allow"), management: () => _("Add") };
const ABOUT: Record<ListName, () => string> = {
    block: () => _("Packets from these addresses are dropped, on the host and on their way to the machines. Loopback and the management set are never blocked."),
    allow: () => _("These addresses always get in: they win over the block list and over a quarantine."),
    management: () => _("The admins' networks: let in before any block and during a quarantine, and a block that covers them is refused unless typed again."),
};
const EMPTY: Record<ListName, () => string> = {
    block: () => _("Nothing is blocked."), allow: () => _("Nothing is allowed specially."),
    management: () => _("The management set is empty: nothing is let in before the block list."),
};

function when(ms: number): string {
    return new Date(ms).toLocaleString();
}

export function FirewallListCard({ list, entries, blocked, allowed, management }: {
    list: ListName; entries: FirewallEntry[]; blocked: FirewallEntry[]; allowed: FirewallEntry[]; management: FirewallEntry[];
}) {
    const [dialog, setDialog] = useState<"add" | "import" | null>(null);
    const [removing, setRemoving] = useState<FirewallEntry | null>(null);
    const title = TITLE[list]();
    return (
        <Card aria-label={title}>
            <CardHeader actions={{
                actions: (
                    <Flex>
                        {list !== "management" && (
                            <FlexItem><Button variant="secondary" onClick={() => setDialog("import")}>{_("Import list")}</Button></FlexItem>
                        )}
                        <FlexItem><Button variant="primary" onClick={() => setDialog("add")}>{ADD[list]()}</Button></FlexItem>
                    </Flex>
                ),
            }}>
                <CardTitle component="h2">{format("$0 ($1)", title, entries.length)}</CardTitle>
            </CardHeader>
            <CardBody>
                <p className="debvisor-muted">{ABOUT[list]()}</p>
                {entries.length === 0
                    ? <p>{EMPTY[list]()}</p>
                    : (
                        <div className="debvisor-scroll-table">
                            <Table aria-label={title} variant="compact">
                                <TableHead columns={[_("Address"), _("Packets"), _("Bytes"), _("Expires"), _("Added"), _("Comment")]} actions />
                                <Tbody>
                                    {entries.slice(0, 2000).map(e => (
                                        <Tr key={e.cidr} data-cidr={e.cidr}>
                                            <Td className="debvisor-mono">{e.cidr}</Td>
                                            <Td>{e.packets}</Td>
                                            <Td>{formatBytes(e.bytes)}</Td>
                                            <Td>{e.expires ? when(e.expires) : _("never")}</Td>
                                            <Td>{format("$0, $1", e.addedBy, when(e.addedAt))}</Td>
                                            <Td>{e.comment}</Td>
                                            <Td isActionCell>
                                                <Button variant="link" isDanger onClick={() => setRemoving(e)}
                                                    aria-label={format(_("Remove $0"), e.cidr)}>{_("Remove")}</Button>
                                            </Td>
                                        </Tr>
                                    ))}
                                </Tbody>
                            </Table>
                            {entries.length > 2000 && <p className="debvisor-muted">{format(_("The first 2000 of $0 entries are shown; debvisorctl fw list shows all."), entries.length)}</p>}
                        </div>
                    )}
            </CardBody>
            {dialog === "add" && <AddEntriesDialog list={list} blocked={blocked} allowed={allowed} management={management} onClose={() => setDialog(null)} />}
            {dialog === "import" && <ImportDialog list={list} onClose={() => setDialog(null)} />}
            {removing && list === "management" && <RemoveManagementDialog cidr={removing.cidr} onClose={() => setRemoving(null)} />}
            {removing && list !== "management" && (
                <ActionDialog title={format(list === "block" ? _("Unblock $0?") : _("Stop allowing $0?"), removing.cidr)}
                    confirm={_("Remove")} danger={list === "allow"}
                    run={() => firewallRemove(list, [removing.cidr])} onClose={() => setRemoving(null)}>
                    <p>{list === "block"
                        ? _("Packets from it will be let through again.")
                        : _("It will be subject to the block list again, and kept out during a quarantine.")}</p>
                </ActionDialog>
            )}
        </Card>
    );
}
