// The recent history: how each schedule run and each backup or restore job
// ended, newest first, from the audit log (where the daemon records every
// run; finished jobs leave the bus after a minute). Read again whenever the
// log grows, which the Manager's AuditRecordCount tells live.
import { useEffect, useState } from "react";
import { Alert } from "@patternfly/react-core/dist/esm/components/Alert/index.js";
import { Card, CardBody, CardTitle } from "@patternfly/react-core/dist/esm/components/Card/index.js";
import { Label } from "@patternfly/react-core/dist/esm/components/Label/index.js";
import { Spinner } from "@patternfly/react-core/dist/esm/components/Spinner/index.js";
import { Table, Tbody, Td, Tr } from "@patternfly/react-table/dist/esm/components/Table/index.js";
import { backupHistory } from "../lib/api/backups";
import type { HistoryEntry } from "../lib/api/backups-data";
import type { CallError } from "../lib/api/call";
import { useManager } from "../lib/dbus-store";
import { _, format } from "../lib/gettext";
import { TableHead } from "../lib/components/TableHead";

// the newest of each kind are read, the newest of all shown
const PER_KIND = 20;
const SHOWN = 20;

const RESULT: Record<string, () => { text: string; color: "green" | "red" | "grey" }> = {
    succeeded: () => ({ text: _("Succeeded"), color: "green" }),
    failed: () => ({ text: _("Failed"), color: "red" }),
    cancelled: () => ({ text: _("Cancelled"), color: "grey" }),
};

function what(e: HistoryEntry): string {
    switch (e.kind) {
    case "schedule": return format(_("Schedule $0"), e.who);
    case "backup": return format(_("Backup by $0"), e.who);
    default: return format(_("Restore by $0"), e.who);
    }
}

export function HistoryCard() {
    const records = useManager()?.AuditRecordCount ?? 0;
    const [entries, setEntries] = useState<HistoryEntry[] | null>(null);
    const [error, setError] = useState("");
    useEffect(() => {
        let current = true;
        backupHistory(PER_KIND).then(
            list => { if (current) { setEntries(list.slice(0, SHOWN)); setError("") } },
            (e: CallError) => { if (current) setError(e.message) },
        );
        return () => { current = false };
    }, [records]);
    return (
        <Card>
            <CardTitle>{_("Recent history")}</CardTitle>
            <CardBody>
                {error && <Alert isInline variant="danger" title={_("The history could not be read")} className="pf-v6-u-mb-md">{error}</Alert>}
                {entries === null
                    ? !error && <Spinner size="lg" aria-label={_("Reading the history")} />
                    : entries.length === 0
                    ? <p className="debvisor-muted">{_("No backup has run yet.")}</p>
                    : (
                        <Table aria-label={_("Recent history")} variant="compact">
                            <TableHead columns={[_("Ended"), _("What"), _("Result"), _("Message")]} />
                            <Tbody>
                                {entries.map(e => {
                                    const result = (RESULT[e.result] ?? (() => ({ text: e.result, color: "grey" as const })))();
                                    return (
                                        <Tr key={e.seq} data-history-kind={e.kind} data-history-result={e.result}>
                                            <Td dataLabel={_("Ended")}>{new Date(e.time).toLocaleString()}</Td>
                                            <Td dataLabel={_("What")}>{what(e)}</Td>
                                            <Td dataLabel={_("Result")}><Label color={result.color} isCompact>{result.text}</Label></Td>
                                            <Td dataLabel={_("Message")} className="debvisor-run-message">{e.message}</Td>
                                        </Tr>
                                    );
                                })}
                            </Tbody>
                        </Table>
                    )}
            </CardBody>
        </Card>
    );
}
