// Alerts firing now and the node's CPU, memory, disk and network over the
// last hour, day or week, both read through debvisord (never from Prometheus
// directly), and how long history is kept. Admins silence an alert for a
// while, or end its silence, and change how long history is kept.
import { useState } from "react";
import { Alert } from "@patternfly/react-core/dist/esm/components/Alert/index.js";
import { Card, CardBody, CardHeader, CardTitle } from "@patternfly/react-core/dist/esm/components/Card/index.js";
import { Spinner } from "@patternfly/react-core/dist/esm/components/Spinner/index.js";
import { Stack, StackItem } from "@patternfly/react-core/dist/esm/layouts/Stack/index.js";
import { Button } from "@patternfly/react-core/dist/esm/components/Button/index.js";
import { useActiveAlerts } from "../lib/alerts-store";
import { metricsSetRetention } from "../lib/api/alerts";
import { ActionDialog } from "../lib/components/ActionDialog";
import { useMetrics } from "../lib/dbus-store";
import { adminOnly, useRole } from "../lib/role";
import { AlertList } from "../lib/components/ActiveAlerts";
import { HISTORY_RANGES, HistoryGraphs, RangeToggle, type GraphSpec } from "../lib/components/HistoryGraphs";
import { _, format } from "../lib/gettext";

const MAX_RETENTION_DAYS = 3650;

function retentionProblem(value: string): string | null {
    const days = /^\d{1,4}$/.test(value.trim()) ? Number(value) : 0;
    return days >= 1 && days <= MAX_RETENTION_DAYS ? null : format(_("A whole number of days from 1 to $0"), MAX_RETENTION_DAYS);
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
    const { alerts, error: alertsError } = useActiveAlerts();
    const retention = useMetrics()?.HistoryRetentionDays;
    const locked = adminOnly(useRole());
    const [changing, setChanging] = useState(false);

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
                    {retention !== undefined && (
                        <StackItem data-testid="history-retention">
                            {format(_("History is kept for $0 days."), retention)}{" "}
                            <Button variant="link" isInline isAriaDisabled={Boolean(locked)} title={locked || undefined}
                                onClick={() => setChanging(true)}>{_("Change…")}</Button>
                        </StackItem>
                    )}
                </Stack>
            </CardBody>
            {changing && retention !== undefined && (
                <ActionDialog title={_("How long history is kept")} confirm={_("Keep")} onClose={() => setChanging(false)}
                    field={{ label: _("Days"), initial: String(retention), check: retentionProblem }}
                    run={value => metricsSetRetention(Number(value.trim()))}>
                    <p className="pf-v6-u-mb-md">{_("Prometheus restarts with it; history older than that is deleted.")}</p>
                </ActionDialog>
            )}
        </Card>
    );
}
