// Alerts firing now and the node's CPU and memory over the last hour, day or
// week, both read through debvisord (never from Prometheus directly). Re-read
// every minute while the page is visible.
import { useCallback, useEffect, useState } from "react";
import { Alert } from "@patternfly/react-core/dist/esm/components/Alert/index.js";
import { Card, CardBody, CardHeader, CardTitle } from "@patternfly/react-core/dist/esm/components/Card/index.js";
import { Label } from "@patternfly/react-core/dist/esm/components/Label/index.js";
import { Spinner } from "@patternfly/react-core/dist/esm/components/Spinner/index.js";
import { ToggleGroup, ToggleGroupItem } from "@patternfly/react-core/dist/esm/components/ToggleGroup/index.js";
import { Gallery } from "@patternfly/react-core/dist/esm/layouts/Gallery/index.js";
import { Stack, StackItem } from "@patternfly/react-core/dist/esm/layouts/Stack/index.js";
import { alertsList, metricsHistory, type ActiveAlert, type History, type HistorySeries } from "../lib/api/alerts";
import type { CallError } from "../lib/api/call";
import { _ } from "../lib/gettext";
import { graphPath, percent } from "./history-graph";

const REFRESH_MS = 60_000;
const RANGES: Array<{ id: string; seconds: number; label: () => string }> = [
    { id: "hour", seconds: 3600, label: () => _("Hour") },
    { id: "day", seconds: 86400, label: () => _("Day") },
    { id: "week", seconds: 7 * 86400, label: () => _("Week") },
];
const BOX = { width: 400, height: 80 };
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

function Graph({ title, history, rangeSeconds }: { title: string; history: History; rangeSeconds: number }) {
    const end = Date.now();
    const path = graphPath(history.points, end - rangeSeconds * 1000, end, history.step * 1000, BOX);
    const latest = history.points.at(-1)?.[1];
    return (
        <figure className="debvisor-graph" aria-label={title}>
            <figcaption><strong>{title}</strong> <span className="debvisor-muted">{percent(latest)}</span></figcaption>
            <svg viewBox={`0 0 ${BOX.width} ${BOX.height}`} preserveAspectRatio="none" role="img" aria-label={`${title}: ${percent(latest)}`}
                 data-points={history.points.length}>
                <line x1="0" y1={BOX.height / 2} x2={BOX.width} y2={BOX.height / 2} className="debvisor-graph-grid" />
                <path d={path} className="debvisor-graph-line" vectorEffect="non-scaling-stroke" />
            </svg>
        </figure>
    );
}

export function AlertsCard() {
    const [range, setRange] = useState(RANGES[0]);
    const [alerts, setAlerts] = useState<ActiveAlert[] | null>(null);
    const [alertsError, setAlertsError] = useState<CallError | null>(null);
    const [graphs, setGraphs] = useState<Partial<Record<HistorySeries, History>>>({});
    const [historyError, setHistoryError] = useState<CallError | null>(null);

    const load = useCallback(() => {
        alertsList().then(a => { setAlerts(a); setAlertsError(null) }, (e: CallError) => setAlertsError(e));
        Promise.all((["node-cpu", "node-memory"] as const).map(s => metricsHistory(s, range.seconds).then(h => [s, h] as const)))
            .then(list => { setGraphs(Object.fromEntries(list)); setHistoryError(null) }, (e: CallError) => setHistoryError(e));
    }, [range]);

    useEffect(() => {
        load();
        const timer = window.setInterval(() => { if (document.visibilityState === "visible") load() }, REFRESH_MS);
        return () => window.clearInterval(timer);
    }, [load]);

    return (
        <Card data-testid="alerts-card">
            <CardHeader actions={{
                actions: (
                    <ToggleGroup isCompact aria-label={_("History range")}>
                        {RANGES.map(r => <ToggleGroupItem key={r.id} text={r.label()} buttonId={`history-${r.id}`}
                                                          isSelected={r.id === range.id} onChange={() => setRange(r)} />)}
                    </ToggleGroup>
                ),
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
                        {historyError
                            ? <Alert variant="info" isInline isPlain title={_("History is not available")}>{historyError.message}</Alert>
                            : (
                                <Gallery hasGutter minWidths={{ default: "100%", md: "calc(50% - var(--pf-t--global--spacer--gutter--default))" }}>
                                    {graphs["node-cpu"] && <Graph title={_("CPU")} history={graphs["node-cpu"]} rangeSeconds={range.seconds} />}
                                    {graphs["node-memory"] && <Graph title={_("Memory")} history={graphs["node-memory"]} rangeSeconds={range.seconds} />}
                                </Gallery>
                            )}
                    </StackItem>
                </Stack>
            </CardBody>
        </Card>
    );
}
