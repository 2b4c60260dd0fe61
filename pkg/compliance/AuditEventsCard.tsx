// Every audit record, searched on the daemon through its index: filters for
// user, action, object, result and time, pages of 50 newest first. The first
// page follows new records (AuditRecordCount changes), one read at a time.
import { useEffect, useRef, useState } from "react";
import { Button } from "@patternfly/react-core/dist/esm/components/Button/index.js";
import { FormSelect, FormSelectOption } from "@patternfly/react-core/dist/esm/components/FormSelect/index.js";
import { TextInput } from "@patternfly/react-core/dist/esm/components/TextInput/index.js";
import { Toolbar, ToolbarContent, ToolbarItem } from "@patternfly/react-core/dist/esm/components/Toolbar/index.js";
import { auditQuery, type AuditFilter, type AuditOutcome, type AuditPage } from "../lib/api/audit";
import type { CallError } from "../lib/api/call";
import { isNotAuthorized, NotAuthorizedState } from "../lib/components/ServiceEmptyState";
import { _, format } from "../lib/gettext";
import { AuditEventsTable } from "../overview/AuditEvents";
import { TitledCard } from "../lib/components/TitledCard";

const PAGE_SIZE = 50;
const TYPING_MS = 300;

const RESULTS: Array<[AuditOutcome | "", () => string]> = [
    ["", () => _("Any result")], ["ok", () => _("Done")], ["failed", () => _("Failed")], ["denied", () => _("Refused")],
    ["invalid", () => _("Invalid")], ["started", () => _("Started")], ["cancelled", () => _("Cancelled")], ["system", () => _("Log events")],
];

interface Form { user: string; action: string; object: string; result: AuditOutcome | ""; since: string; until: string }
const EMPTY: Form = { user: "", action: "", object: "", result: "", since: "", until: "" };

/* datetime-local values are local time, as the person reads them. */
function toFilter(form: Form): AuditFilter {
    const time = (text: string) => text ? new Date(text).getTime() : undefined;
    return {
        user: form.user.trim() || undefined, action: form.action.trim() || undefined, object: form.object.trim() || undefined,
        result: form.result || undefined, since: time(form.since), until: time(form.until),
    };
}

export function AuditEventsCard({ recordCount }: { recordCount: number }) {
    const [form, setForm] = useState<Form>(EMPTY);
    const [filter, setFilter] = useState<AuditFilter>({});
    // the cursors of the pages before this one; [] is the newest page
    const [cursors, setCursors] = useState<number[]>([]);
    const [page, setPage] = useState<AuditPage | null>(null);
    const [error, setError] = useState<CallError | null>(null);
    // reads never overlap; a change while one runs causes one more read, of the newest filter
    const reader = useRef({ busy: false, stale: false, refused: false, latest: () => undefined as void });

    // typing settles before a query is sent
    useEffect(() => {
        const timer = setTimeout(() => {
            setFilter(toFilter(form));
            setCursors([]);
        }, TYPING_MS);
        return () => clearTimeout(timer);
    }, [form]);

    const before = cursors.length > 0 ? cursors[cursors.length - 1] : 0;
    // new records matter only on the newest page
    const follow = before === 0 ? recordCount : 0;

    useEffect(() => {
        const r = reader.current;
        if (r.refused)
            return;
        let current = true;
        const read = () => {
            if (r.busy) {
                r.stale = true;
                return;
            }
            r.busy = true;
            r.stale = false;
            auditQuery(filter, PAGE_SIZE, before)
                .then(result => { if (current) { setPage(result); setError(null) } },
                    (e: CallError) => { r.refused = isNotAuthorized(e); if (current) setError(e) })
                .finally(() => {
                    r.busy = false;
                    if (r.stale && !r.refused)
                        r.latest();
                });
        };
        r.latest = read;
        read();
        return () => { current = false };
    }, [filter, before, follow]);

    const set = (key: keyof Form) => (_event: unknown, value: string) => setForm(f => ({ ...f, [key]: value }));
    const first = cursors.length * PAGE_SIZE + 1;

    let body;
    if (error && isNotAuthorized(error))
        body = <NotAuthorizedState message={error.message} />;
    else if (error)
        body = <p className="debvisor-error-detail">{_("The audit log could not be searched:")} {error.message}</p>;
    else if (page === null)
        body = <p className="debvisor-muted">{_("Searching the audit log…")}</p>;
    else if (page.events.length === 0)
        body = <p className="debvisor-muted">{_("No audit events match.")}</p>;
    else
        body = (
            <>
                <AuditEventsTable label={_("Audit events")} events={page.events} />
                <Toolbar>
                    <ToolbarContent>
                        <ToolbarItem>
                            <span aria-label={_("Shown events")}>
                                {format(_("$0–$1 of $2"), first, first + page.events.length - 1, page.total)}
                            </span>
                        </ToolbarItem>
                        <ToolbarItem>
                            <Button variant="secondary" isDisabled={cursors.length === 0} onClick={() => setCursors(c => c.slice(0, -1))}>
                                {_("Newer")}
                            </Button>
                        </ToolbarItem>
                        <ToolbarItem>
                            <Button variant="secondary" isDisabled={page.nextBefore === 0} onClick={() => setCursors(c => [...c, page.nextBefore])}>
                                {_("Older")}
                            </Button>
                        </ToolbarItem>
                    </ToolbarContent>
                </Toolbar>
            </>
        );

    return (
        <TitledCard title={_("Audit events")}>
            <Toolbar>
                <ToolbarContent>
                    <ToolbarItem><TextInput aria-label={_("User")} placeholder={_("User")} value={form.user} onChange={set("user")} /></ToolbarItem>
                    <ToolbarItem><TextInput aria-label={_("Action")} placeholder={_("Action, e.g. Machine.")} value={form.action} onChange={set("action")} /></ToolbarItem>
                    <ToolbarItem><TextInput aria-label={_("Object")} placeholder={_("Object")} value={form.object} onChange={set("object")} /></ToolbarItem>
                    <ToolbarItem>
                        <FormSelect aria-label={_("Result")} value={form.result} onChange={set("result")}>
                            {RESULTS.map(([value, label]) => <FormSelectOption key={value} value={value} label={label()} />)}
                        </FormSelect>
                    </ToolbarItem>
                    <ToolbarItem><TextInput aria-label={_("From")} type="datetime-local" value={form.since} onChange={set("since")} /></ToolbarItem>
                    <ToolbarItem><TextInput aria-label={_("To")} type="datetime-local" value={form.until} onChange={set("until")} /></ToolbarItem>
                    <ToolbarItem>
                        <Button variant="link" onClick={() => setForm(EMPTY)} isDisabled={JSON.stringify(form) === JSON.stringify(EMPTY)}>
                            {_("Clear filters")}
                        </Button>
                    </ToolbarItem>
                </ToolbarContent>
            </Toolbar>
            {body}
        </TitledCard>
    );
}
