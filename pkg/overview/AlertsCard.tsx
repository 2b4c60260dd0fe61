// Alerts firing now and the node's CPU, memory, disk and network over the
// last hour, day or week, both read through debvisord (never from Prometheus
// directly). Admins silence an alert for a while, or end its silence.
import { useState } from "react";
import { Alert } from "@patternfly/react-core/dist/esm/components/Alert/index.js";
import { Card, CardBody, CardHeader, CardTitle } from "@patternfly/react-core/dist/esm/components/Card/index.js";
import { Spinner } from "@patternfly/react-core/dist/esm/components/Spinner/index.js";
import { Stack, StackItem } from "@patternfly/react-core/dist/esm/layouts/Stack/index.js";
import { useActiveAlerts } from "../lib/alerts-store";
import { AlertList } from "../lib/components/ActiveAlerts";
import { HISTORY_RANGES, HistoryGraphs, RangeToggle, type GraphSpec } from "../lib/components/HistoryGraphs";
import { _ } from "../lib/gettext";

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
