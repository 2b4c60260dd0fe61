// Alerts firing now and the node's CPU, memory, disk and network over the
// last hour, day or week, both read through debvisord (never from Prometheus
// directly). Admins silence an alert for a while, or end its silence.
// Re-read every minute while the page is visible.
import { useCallback, useEffect, useState } from "react";
import { Alert } from "@patternfly/react-core/dist/esm/components/Alert/index.js";
import { Card, CardBody, CardHeader, CardTitle } from "@patternfly/react-core/dist/esm/components/Card/index.js";
import { Label } from "@patternfly/react-core/dist/esm/components/Label/index.js";
import { Spinner } from "@patternfly/react-core/dist/esm/components/Spinner/index.js";
import { Stack, StackItem } from "@patternfly/react-core/dist/esm/layouts/Stack/index.js";
import { Button } from "@patternfly/react-core/dist/esm/components/Button/index.js";
import { FormGroup } from "@patternfly/react-core/dist/esm/components/Form/index.js";
import { FormSelect, FormSelectOption } from "@patternfly/react-core/dist/esm/components/FormSelect/index.js";
import { alertsList, alertsSilence, alertsUnsilence, type ActiveAlert } from "../lib/api/alerts";
import { ActionDialog } from "../lib/components/ActionDialog";
import { showError } from "../lib/components/PageAlerts";
import { useRole } from "../lib/role";
import type { CallError } from "../lib/api/call";
import { HISTORY_RANGES, HistoryGraphs, RangeToggle, type GraphSpec } from "../lib/components/HistoryGraphs";
import { format, _ } from "../lib/gettext";

const REFRESH_MS = 60_000;
const SEVERITY_COLOR: Record<string, "red" | "orange" | "blue"> = { critical: "red", warning: "orange", info: "blue" };

const SILENCE_DURATIONS: Array<[number, () => string]> = [
    [3600, () => _("1 hour")], [4 * 3600, () => _("4 hours")], [86400, () => _("1 day")], [7 * 86400, () => _("1 week")],
];

/* Silences exactly this alert (all its labels) for a chosen while, with a comment for the next admin. */
function SilenceDialog({ alert, onClose, onDone }: { alert: ActiveAlert; onClose: () => void; onDone: () => void }) {
    const [seconds, setSeconds] = useState(String(SILENCE_DURATIONS[0][0]));
    return (
        <ActionDialog title={format(_("Silence \"$0\""), alert.Summary || alert.Name)} confirm={_("Silence")} onClose={onClose}
            field={{ label: _("Comment (why, for the next admin)"), initial: "", check: v => v.length > 1024 ? _("At most 1024 characters") : null }}
            run={comment => alertsSilence(alert.Labels, Number(seconds), comment).then(onDone)}>
            <p>{_("No notification is sent for this alert until the silence ends; it still shows here, marked silenced.")}</p>
            <FormGroup label={_("For")} fieldId="silence-duration">
                <FormSelect id="silence-duration" value={seconds} onChange={(_e, v) => setSeconds(v)}>
                    {SILENCE_DURATIONS.map(([s, label]) => <FormSelectOption key={s} value={String(s)} label={label()} />)}
                </FormSelect>
            </FormGroup>
        </ActionDialog>
    );
}

function AlertList({ alerts, canSilence, onSilence, onChanged }: {
    alerts: ActiveAlert[]; canSilence: boolean; onSilence: (a: ActiveAlert) => void; onChanged: () => void;
}) {
    if (alerts.length === 0)
        return <p className="debvisor-muted" data-testid="no-alerts">{_("No alerts.")}</p>;
    const unsilence = (a: ActiveAlert) =>
        Promise.all(a.SilencedBy.map(alertsUnsilence)).then(onChanged, (e: CallError) => showError(format(_("$0 could not be unsilenced"), a.Name), e));
    return (
        <ul className="debvisor-alert-list" aria-label={_("Active alerts")}>
            {alerts.map(a => (
                <li key={a.Fingerprint} data-alert={a.Name}>
                    <Label color={SEVERITY_COLOR[a.Severity] ?? "grey"} isCompact>{a.Severity || _("unknown")}</Label>{" "}
                    <strong>{a.Summary || a.Name}</strong>
                    {a.State === "suppressed" && <> <Label isCompact>{_("Silenced")}</Label></>}
                    {canSilence && (a.State === "suppressed" && a.SilencedBy.length > 0
                        ? <> <Button variant="link" isInline onClick={() => void unsilence(a)}>{_("Unsilence")}</Button></>
                        : a.State !== "suppressed" && <> <Button variant="link" isInline onClick={() => onSilence(a)}>{_("Silence…")}</Button></>)}
                    <div className="debvisor-muted">{a.Description}</div>
                </li>
            ))}
        </ul>
    );
}

/* The node's graphs: CPU and memory, disk and network. */
function nodeGraphs(): GraphSpec[] {
    return [
        { title: _("CPU"), unit: "ratio", lines: [{ series: "node-cpu" }] },
        { title: _("Memory"), unit: "ratio", lines: [{ series: "node-memory" }] },
        { title: _("Disk I/O"), unit: "rate", lines: [{ series: "node-disk-read", label: _("read") }, { series: "node-disk-write", label: _("written") }] },
        { title: _("Network"), unit: "rate", lines: [{ series: "node-network-receive", label: _("received") }, { series: "node-network-transmit", label: _("sent") }] },
    ];
}

export function AlertsCard() {
    const [range, setRange] = useState(HISTORY_RANGES[0]);
    const [alerts, setAlerts] = useState<ActiveAlert[] | null>(null);
    const [alertsError, setAlertsError] = useState<CallError | null>(null);
    const [silencing, setSilencing] = useState<ActiveAlert | null>(null);
    const role = useRole();

    const load = useCallback(() => {
        alertsList().then(a => { setAlerts(a); setAlertsError(null) }, (e: CallError) => setAlertsError(e));
    }, []);

    useEffect(() => {
        load();
        const timer = window.setInterval(() => { if (document.visibilityState === "visible") load() }, REFRESH_MS);
        return () => window.clearInterval(timer);
    }, [load]);

    return (
        <Card data-testid="alerts-card">
            <CardHeader actions={{
                actions: <RangeToggle range={range} onChange={setRange} />,
            }}>
                <CardTitle component="h2">{_("Alerts and history")}</CardTitle>
            </CardHeader>
            <CardBody>
                <Stack hasGutter>
                    <StackItem>
                        {alertsError
                            ? <Alert variant="warning" isInline isPlain title={_("Alerts cannot be read")}>{alertsError.message}</Alert>
                            : alerts === null ? <Spinner size="md" aria-label={_("Loading alerts")} /> : <AlertList alerts={alerts} canSilence={role === "admin"} onSilence={setSilencing} onChanged={load} />}
                    </StackItem>
                    <StackItem>
                        <HistoryGraphs specs={nodeGraphs()} range={range} label={_("The node's history")} />
                    </StackItem>
                </Stack>
            </CardBody>
            {silencing && <SilenceDialog alert={silencing} onClose={() => setSilencing(null)} onDone={load} />}
        </Card>
    );
}
