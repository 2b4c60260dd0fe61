// The alerts firing now, as a list with their severity, summary and
// description: the Overview shows all of them, a machine's, a pool's, the
// Ceph and the DNS page those with their labels. Admins silence an alert
// (all its labels) for a while, or end its silence.
import { useState } from "react";
import { Alert } from "@patternfly/react-core/dist/esm/components/Alert/index.js";
import { Button } from "@patternfly/react-core/dist/esm/components/Button/index.js";
import { FormGroup } from "@patternfly/react-core/dist/esm/components/Form/index.js";
import { FormSelect, FormSelectOption } from "@patternfly/react-core/dist/esm/components/FormSelect/index.js";
import { Label } from "@patternfly/react-core/dist/esm/components/Label/index.js";
import { StackItem } from "@patternfly/react-core/dist/esm/layouts/Stack/index.js";
import { alertsSilence, alertsUnsilence, type ActiveAlert } from "../api/alerts";
import type { CallError } from "../api/call";
import { labelsMatch, type LabelMatcher } from "../alert-match";
import { reloadAlerts, useActiveAlerts } from "../alerts-store";
import { format, ngettext, _ } from "../gettext";
import { useRole } from "../role";
import { ActionDialog } from "./ActionDialog";
import { showError } from "./PageAlerts";

const SEVERITY_COLOR: Record<string, "red" | "orange" | "blue"> = { critical: "red", warning: "orange", info: "blue" };

const SILENCE_DURATIONS: Array<[number, () => string]> = [
    [3600, () => _("1 hour")], [4 * 3600, () => _("4 hours")], [86400, () => _("1 day")], [7 * 86400, () => _("1 week")],
];

/* Silences exactly this alert (all its labels) for a chosen while, with a comment for the next admin. */
function SilenceDialog({ alert, onClose }: { alert: ActiveAlert; onClose: () => void }) {
    const [seconds, setSeconds] = useState(String(SILENCE_DURATIONS[0][0]));
    return (
        <ActionDialog title={format(_("Silence \"$0\""), alert.Summary || alert.Name)} confirm={_("Silence")} onClose={onClose}
            field={{ label: _("Comment (why, for the next admin)"), initial: "", check: v => v.length > 1024 ? _("At most 1024 characters") : null }}
            run={comment => alertsSilence(alert.Labels, Number(seconds), comment).then(reloadAlerts)}>
            <p>{_("No notification is sent for this alert until the silence ends; it still shows here, marked silenced.")}</p>
            <FormGroup label={_("For")} fieldId="silence-duration">
                <FormSelect id="silence-duration" value={seconds} onChange={(_e, v) => setSeconds(v)}>
                    {SILENCE_DURATIONS.map(([s, label]) => <FormSelectOption key={s} value={String(s)} label={label()} />)}
                </FormSelect>
            </FormGroup>
        </ActionDialog>
    );
}

export function AlertList({ alerts }: { alerts: ActiveAlert[] }) {
    const [silencing, setSilencing] = useState<ActiveAlert | null>(null);
    const canSilence = useRole() === "admin";
    if (alerts.length === 0)
        return <p className="debvisor-muted" data-testid="no-alerts">{_("No alerts.")}</p>;
    const unsilence = (a: ActiveAlert) =>
        Promise.all(a.SilencedBy.map(alertsUnsilence)).then(reloadAlerts, (e: CallError) => showError(format(_("$0 could not be unsilenced"), a.Name), e));
    return (
        <>
            <ul className="debvisor-alert-list" aria-label={_("Active alerts")}>
                {alerts.map(a => (
                    <li key={a.Fingerprint} data-alert={a.Name}>
                        <Label color={SEVERITY_COLOR[a.Severity] ?? "grey"} isCompact>{a.Severity || _("unknown")}</Label>{" "}
                        <strong>{a.Summary || a.Name}</strong>
                        {a.State === "suppressed" && <> <Label isCompact>{_("Silenced")}</Label></>}
                        {canSilence && (a.State === "suppressed" && a.SilencedBy.length > 0
                            ? <> <Button variant="link" isInline onClick={() => void unsilence(a)}>{_("Unsilence")}</Button></>
                            : a.State !== "suppressed" && <> <Button variant="link" isInline onClick={() => setSilencing(a)}>{_("Silence…")}</Button></>)}
                        <div className="debvisor-muted">{a.Description}</div>
                    </li>
                ))}
            </ul>
            {silencing && <SilenceDialog alert={silencing} onClose={() => setSilencing(null)} />}
        </>
    );
}

/**
 * The alerts firing now about one thing, named by their labels (see
 * labelsMatch), shown on the thing's own page; nothing while there are none
 * (the Overview says when alerts cannot be read at all). In a Stack, inStack
 * makes it its own item, so no empty item leaves a gap.
 */
export function AlertsFor({ matchers, what, inStack = false }: { matchers: readonly LabelMatcher[]; what: string; inStack?: boolean }) {
    const { alerts } = useActiveAlerts();
    const mine = (alerts ?? []).filter(a => labelsMatch(a.Labels, matchers));
    if (mine.length === 0)
        return null;
    const active = mine.filter(a => a.State !== "suppressed");
    const variant = active.some(a => a.Severity === "critical") ? "danger" : active.length > 0 ? "warning" : "info";
    const shown = (
        <Alert isInline variant={variant} data-testid="thing-alerts" data-alerts-of={what}
            title={format(ngettext("$0 alert about $1", "$0 alerts about $1", mine.length), mine.length, what)}>
            <AlertList alerts={mine} />
        </Alert>
    );
    return inStack ? <StackItem>{shown}</StackItem> : shown;
}
