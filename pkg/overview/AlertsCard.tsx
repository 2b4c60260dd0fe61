// Alerts firing now and the node's CPU, memory, disk and network over the
// last hour, day or week, both read through debvisord (never from Prometheus
// directly). Re-read every minute while the page is visible.
import { useCallback, useEffect, useState } from "react";
import { Alert } from "@patternfly/react-core/dist/esm/components/Alert/index.js";
import { Card, CardBody, CardHeader, CardTitle } from "@patternfly/react-core/dist/esm/components/Card/index.js";
import { Label } from "@patternfly/react-core/dist/esm/components/Label/index.js";
import { Spinner } from "@patternfly/react-core/dist/esm/components/Spinner/index.js";
import { Stack, StackItem } from "@patternfly/react-core/dist/esm/layouts/Stack/index.js";
import { alertsList, type ActiveAlert } from "../lib/api/alerts";
import type { CallError } from "../lib/api/call";
import { HISTORY_RANGES, HistoryGraphs, RangeToggle, type GraphSpec } from "../lib/components/HistoryGraphs";
import { _ } from "../lib/gettext";

const REFRESH_MS = 60_000;
const SEVERITY_COLOR: Record<string, "red" | "orange" | "blue"> = { critical: "red", warning: "orange", info: "blue" };

function AlertList({ alerts }: { alerts: ActiveAlert[] }) {
    if (alerts.length === 0)
        return <p className="debvisor-muted" data-testid="no-alerts">{_("No alerts.")}</p>;
    return (
        <ul className="debvisor-alert-list" aria-label={_("Active alerts")}>
            {alerts.map(a => (
                <li key={a.Fingerprint} data-alert={a.Name}>
                    <Label color={SEVERITY_COLOR[a.Severity] ?? "grey"} isCompact>{a.Severity || _("unknown")}</Label>{" "}
                    <strong>{a.Summary || a.Name}</strong>
                    {a.State === "suppressed" && <> <Label isCompact>{_("Silenced")}</Label></>}
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
                            : alerts === null ? <Spinner size="md" aria-label={_("Loading alerts")} /> : <AlertList alerts={alerts} />}
                    </StackItem>
                    <StackItem>
                        <HistoryGraphs specs={nodeGraphs()} range={range} label={_("The node's history")} />
                    </StackItem>
                </Stack>
            </CardBody>
        </Card>
    );
}
