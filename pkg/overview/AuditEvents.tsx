// The newest audit records, re-read whenever the daemon announces a new
// record (the Manager's AuditRecordCount property changes: no timer).
import { useEffect, useRef, useState } from "react";
import { Label } from "@patternfly/react-core/dist/esm/components/Label/index.js";
import { Table, Tbody, Td, Tr } from "@patternfly/react-table/dist/esm/components/Table/index.js";
import { ROOT_PATH } from "../../generated/dbus-contract";
import type { CallError } from "../lib/api/call";
import { managerAuditTail, type AuditEvent } from "../lib/api/manager";
import { isNotAuthorized, NotAuthorizedState } from "../lib/components/ServiceEmptyState";
import { formatTime } from "../lib/format";
import { format, _ } from "../lib/gettext";
import { TableHead } from "../lib/components/TableHead";
import { TitledCard } from "../lib/components/TitledCard";

const SHOWN = 15;

function PhaseLabel({ event }: { event: AuditEvent }) {
    if (event.Phase === "denied")
        return <Label color="red" isCompact>{_("Refused")}</Label>;
    if (event.Phase === "invalid")
        return <Label color="orange" isCompact>{_("Invalid")}</Label>;
    if (event.Phase === "begin")
        return <Label color="blue" isCompact>{_("Started")}</Label>;
    if (event.Phase === "recovered")
        return <Label color="orange" isCompact>{_("Recovered")}</Label>;
    if (event.Phase === "sealed")
        return <Label color="grey" isCompact>{_("Segment sealed")}</Label>;
    if (event.Phase === "pruned")
        return <Label color="grey" isCompact>{_("Segment deleted")}</Label>;
    if (event.Result.startsWith("cancelled"))
        return <Label color="grey" isCompact>{_("Cancelled")}</Label>;
    return event.Result === "ok" || event.Result.startsWith("succeeded")
        ? <Label color="green" isCompact>{_("Done")}</Label>
        : <Label color="red" isCompact>{_("Failed")}</Label>;
}

/* The caller the bus vouches for; a different login user only as what the
 * calling process claimed: "root (claims login alice)". */
function who(event: AuditEvent): string {
    return event.LoginUserClaimed && event.LoginUserClaimed !== event.User
        ? format(_("$0 (claims login $1)"), event.User, event.LoginUserClaimed) : event.User;
}

/* Object paths below the service's root, as "jobs/7" or "machines/07be548a…"
 * (a UUID cut short; the whole path is the cell's tooltip). */
function shortObject(path: string): string {
    const relative = path.startsWith(ROOT_PATH + "/") ? path.slice(ROOT_PATH.length + 1) : path;
    return relative.split("/").map(part => part.length > 20 ? part.slice(0, 8) + "…" : part).join("/");
}

/* The call's arguments on one line, each as JSON: "/tmp/a.raw", "web01", {"format":"raw"}. */
function argumentsText(json: string): string {
    try {
        const args: unknown = JSON.parse(json);
        if (!Array.isArray(args))
            return "";
        // an empty options dictionary says nothing
        const shown = args.filter(a => !(a && typeof a === "object" && !Array.isArray(a) && Object.keys(a).length === 0));
        return shown.map(a => JSON.stringify(a)).join(", ");
    } catch {
        return json;
    }
}

function EventRow({ event }: { event: AuditEvent }) {
    const args = argumentsText(event.Arguments);
    const result = event.Result && event.Result !== "ok" ? event.Result : "";
    return (
        <Tr>
            <Td dataLabel={_("Time")}>{formatTime(event.Time)}</Td>
            <Td dataLabel={_("User")}>{who(event)}</Td>
            <Td dataLabel={_("Action")} modifier="breakWord">
                <div>
                    <div>{event.Method}</div>
                    {args && <div className="debvisor-mono debvisor-muted debvisor-clamp" title={event.Arguments}>{args}</div>}
                </div>
            </Td>
            <Td dataLabel={_("Object")} modifier="breakWord">
                <span className="debvisor-mono" title={event.Object}>{shortObject(event.Object)}</span>
            </Td>
            <Td dataLabel={_("Result")} modifier="breakWord">
                <div>
                    <PhaseLabel event={event} />
                    {result && <div className="debvisor-muted">{result}</div>}
                </div>
            </Td>
        </Tr>
    );
}

interface AuditTail { events: AuditEvent[] | null; error: CallError | null }

/* The newest records, newest first, read again whenever recordCount changes.
 * Reads never overlap: changes while one is under way cause one more read
 * after it, so a busy log costs one read at a time. A refusal stops the
 * reading: a refused call is itself audited, and reading again on every new
 * record would feed on itself. */
function useAuditTail(recordCount: number): AuditTail {
    const [tail, setTail] = useState<AuditTail>({ events: null, error: null });
    const reader = useRef({ busy: false, stale: false, refused: false, mounted: false });

    useEffect(() => {
        const r = reader.current;
        r.mounted = true;
        return () => { r.mounted = false };
    }, []);

    useEffect(() => {
        const r = reader.current;
        if (r.refused)
            return;
        if (r.busy) {
            r.stale = true;
            return;
        }
        const read = () => {
            r.busy = true;
            r.stale = false;
            managerAuditTail(SHOWN)
                .then(events => { if (r.mounted) setTail({ events: [...events].reverse(), error: null }) },
                    (error: CallError) => {
                        r.refused = isNotAuthorized(error);
                        if (r.mounted) setTail(prev => ({ events: prev.events, error }));
                    })
                .finally(() => {
                    r.busy = false;
                    if (r.stale && !r.refused && r.mounted)
                        read();
                });
        };
        read();
    }, [recordCount]);

    return tail;
}

/* Audit events as a table: the Overview's newest ones, the Compliance page's search results. */
export function AuditEventsTable({ label, events }: { label: string; events: AuditEvent[] }) {
    return (
        <Table aria-label={label} variant="compact">
            <TableHead columns={[
                { title: _("Time"), width: 15 }, { title: _("User"), width: 10 }, { title: _("Action"), width: 30 },
                { title: _("Object"), width: 20 }, { title: _("Result"), width: 25 },
            ]} />
            <Tbody>
                {events.map(e => <EventRow key={e.Seq} event={e} />)}
            </Tbody>
        </Table>
    );
}

export function AuditEvents({ recordCount }: { recordCount: number }) {
    const { events, error } = useAuditTail(recordCount);

    let body;
    if (error && isNotAuthorized(error))
        body = <NotAuthorizedState message={error.message} />;
    else if (error)
        body = <p className="debvisor-error-detail">{_("The audit log could not be read:")} {error.message}</p>;
    else if (events === null)
        body = <p className="debvisor-muted">{_("Reading the audit log…")}</p>;
    else if (events.length === 0)
        body = <p className="debvisor-muted">{_("Nothing has been recorded yet.")}</p>;
    else
        body = (
            <AuditEventsTable label={_("Recent audit events")} events={events} />
        );

    return <TitledCard title={_("Recent audit events")}>{body}</TitledCard>;
}
