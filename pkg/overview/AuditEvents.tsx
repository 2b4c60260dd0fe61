// The newest audit records, re-read whenever the daemon announces a new
// record count (a property change, not a timer).
import { useEffect, useState } from "react";
import { Card, CardBody, CardTitle } from "@patternfly/react-core/dist/esm/components/Card/index.js";
import { Label } from "@patternfly/react-core/dist/esm/components/Label/index.js";
import { Table, Tbody, Td, Th, Thead, Tr } from "@patternfly/react-table/dist/esm/components/Table/index.js";
import { managerAuditTail, type AuditEvent } from "../lib/api/manager";
import { isNotAuthorized, NotAuthorizedState } from "../lib/components/ServiceEmptyState";
import { formatTime } from "../lib/format";
import { _ } from "../lib/gettext";

const SHOWN = 15;

function PhaseLabel({ event }: { event: AuditEvent }) {
    if (event.Phase === "denied")
        return <Label color="red">{_("Refused")}</Label>;
    if (event.Phase === "invalid")
        return <Label color="orange">{_("Invalid")}</Label>;
    if (event.Phase === "begin")
        return <Label color="blue">{_("Started")}</Label>;
    if (event.Phase === "recovered")
        return <Label color="orange">{_("Recovered")}</Label>;
    return event.Result === "ok" || event.Result.startsWith("succeeded")
        ? <Label color="green">{_("Done")}</Label>
        : <Label color="red">{_("Failed")}</Label>;
}

export function AuditEvents({ recordCount }: { recordCount: number }) {
    const [events, setEvents] = useState<AuditEvent[]>([]);
    const [error, setError] = useState<{ name?: string; message: string } | null>(null);

    useEffect(() => {
        let current = true;
        managerAuditTail(SHOWN)
            .then(e => { if (current) { setEvents([...e].reverse()); setError(null) } })
            .catch((e: { name?: string; message: string }) => { if (current) setError(e) });
        return () => { current = false };
    }, [recordCount]);

    return (
        <Card>
            <CardTitle component="h2">{_("Recent audit events")}</CardTitle>
            <CardBody>
                {error && isNotAuthorized(error) && <NotAuthorizedState message={error.message} />}
                {error && !isNotAuthorized(error) && <p className="debvisor-error-detail">{error.message}</p>}
                {!error && (
                    <Table aria-label={_("Recent audit events")} variant="compact">
                        <Thead>
                            <Tr>
                                <Th>{_("Time")}</Th>
                                <Th>{_("User")}</Th>
                                <Th>{_("Action")}</Th>
                                <Th>{_("Object")}</Th>
                                <Th>{_("Result")}</Th>
                            </Tr>
                        </Thead>
                        <Tbody>
                            {events.map(e => (
                                <Tr key={e.Seq}>
                                    <Td dataLabel={_("Time")}>{formatTime(e.Time)}</Td>
                                    <Td dataLabel={_("User")}>{e.LoginUser && e.LoginUser !== e.User ? `${e.LoginUser} (${e.User})` : e.User}</Td>
                                    <Td dataLabel={_("Action")}>{e.Method}</Td>
                                    <Td dataLabel={_("Object")} className="debvisor-mono">{e.Object}</Td>
                                    <Td dataLabel={_("Result")}>
                                        <PhaseLabel event={e} />
                                        {e.Result && e.Result !== "ok" && <div className="debvisor-muted">{e.Result}</div>}
                                    </Td>
                                </Tr>
                            ))}
                        </Tbody>
                    </Table>
                )}
            </CardBody>
        </Card>
    );
}
