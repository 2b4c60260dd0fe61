// The cluster at a glance, as the Ceph Dashboard's landing page shows it:
// health (with every health check: its summary, the details and what it
// means in words), raw usage, placement-group states, monitors and managers.
import type { ReactNode } from "react";
import { Alert } from "@patternfly/react-core/dist/esm/components/Alert/index.js";
import { DescriptionList, DescriptionListDescription, DescriptionListGroup, DescriptionListTerm } from "@patternfly/react-core/dist/esm/components/DescriptionList/index.js";
import { Label } from "@patternfly/react-core/dist/esm/components/Label/index.js";
import { Progress, ProgressMeasureLocation, ProgressVariant } from "@patternfly/react-core/dist/esm/components/Progress/index.js";
import { Grid, GridItem } from "@patternfly/react-core/dist/esm/layouts/Grid/index.js";
import { Stack, StackItem } from "@patternfly/react-core/dist/esm/layouts/Stack/index.js";
import type { PageCephManagerProperties } from "../../../generated/dbus-contract";
import { healthChecksOf, managersOf, monitorsOf, placementGroupsOf, type CephHealthCheck } from "../../lib/api/ceph";
import { formatBytes } from "../../lib/format";
import { _, format } from "../../lib/gettext";
import { TitledCard } from "../../lib/components/TitledCard";

const HEALTH: Record<string, { color: "green" | "orange" | "red"; text: () => string }> = {
    HEALTH_OK: { color: "green", text: () => _("Healthy") },
    HEALTH_WARN: { color: "orange", text: () => _("Warning") },
    HEALTH_ERR: { color: "red", text: () => _("Error") },
};

function CephHealthLabel({ health }: { health: string }) {
    const h = HEALTH[health];
    return (
        <Label color={h?.color ?? "grey"} data-ceph-health={health || "unknown"}>
            {h ? `${health} — ${h.text()}` : _("Unknown")}
        </Label>
    );
}

function HealthCheck({ check }: { check: CephHealthCheck }) {
    const variant = check.severity === "HEALTH_ERR" ? "danger" : "warning";
    return (
        <Alert isInline isPlain={check.muted} variant={check.muted ? "info" : variant} data-check={check.code}
            title={<><span className="debvisor-mono">{check.code}</span>{" — "}{check.summary}{check.muted ? ` ${_("(muted)")}` : ""}</>}>
            {check.explanation && <p data-explanation>{check.explanation}</p>}
            {check.detail.length > 0 && (
                <ul className="debvisor-mono pf-v6-u-mt-sm">
                    {check.detail.map((d, i) => <li key={i}>{d}</li>)}
                </ul>
            )}
        </Alert>
    );
}

/* The PG states, "active+clean" first, then by how many PGs are in them. */
function PlacementGroups({ states: byState }: { states: Record<string, number> }) {
    const pg = placementGroupsOf(byState);
    const states = Object.entries(pg.states).sort(([a, x], [b, y]) => Number(b === "active+clean") - Number(a === "active+clean") || y - x);
    if (pg.total === 0)
        return <span className="debvisor-muted">{_("No placement groups yet.")}</span>;
    return (
        <Stack>
            <StackItem>{format(_("$0 placement groups"), pg.total)}</StackItem>
            {states.map(([state, n]) => (
                <StackItem key={state} data-pg-state={state}>
                    <Label isCompact color={state === "active+clean" ? "green" : state.includes("active") ? "orange" : "red"}>{state}</Label>
                    {" "}{n}
                </StackItem>
            ))}
        </Stack>
    );
}

/* One cell of the grid: a term and what it says. */
function Fact({ term, children, ...data }: { term: string; children: ReactNode; "data-ceph-usage"?: boolean }) {
    return (
        <GridItem>
            <DescriptionList>
                <DescriptionListGroup>
                    <DescriptionListTerm>{term}</DescriptionListTerm>
                    <DescriptionListDescription {...data}>{children}</DescriptionListDescription>
                </DescriptionListGroup>
            </DescriptionList>
        </GridItem>
    );
}

/* Monitors or managers: each name with its state (green when it is as it should be), the address below. */
function Daemons({ kind, list }: { kind: "monitor" | "manager"; list: Array<{ name: string; state: string; good: boolean; address?: string }> }) {
    if (list.length === 0)
        return <span className="debvisor-muted">{_("None")}</span>;
    return list.map(d => (
        <div key={d.name} {...{ [`data-${kind}`]: d.name }}>
            <span className="debvisor-mono">{d.name}</span>{" "}
            <Label isCompact color={d.good ? "green" : kind === "monitor" ? "red" : "grey"}>{d.state}</Label>
            {d.address && <div className="debvisor-muted debvisor-mono">{d.address}</div>}
        </div>
    ));
}

export function CephHealthCard({ manager: m }: { manager: PageCephManagerProperties }) {
    const checks = healthChecksOf(m.HealthChecks);
    const monitors = monitorsOf(m.Monitors);
    const managers = managersOf(m.Managers);
    const used = m.TotalBytes > 0 ? (m.UsedBytes / m.TotalBytes) * 100 : 0;
    return (
        <TitledCard title={_("Cluster")} aria-label={_("Cluster")}>
            <Stack hasGutter>
                <StackItem>
                    <span className="pf-v6-u-mr-sm">{_("Health")}</span>
                    <CephHealthLabel health={m.Health} />
                    {checks.length === 0 && m.Health === "HEALTH_OK" && <span className="debvisor-muted pf-v6-u-ml-sm">{_("No health check reports a problem.")}</span>}
                </StackItem>
                {checks.map(c => <StackItem key={c.code}><HealthCheck check={c} /></StackItem>)}
                <StackItem>
                    <Grid hasGutter md={6} xl={3}>
                        <Fact term={_("Raw capacity")} data-ceph-usage>
                            <Progress value={used} size="sm" aria-label={_("Raw capacity used")}
                                measureLocation={ProgressMeasureLocation.none}
                                variant={used >= 85 ? ProgressVariant.danger : used >= 70 ? ProgressVariant.warning : undefined} />
                            {format(_("$0 used of $1, $2 available"), formatBytes(m.UsedBytes), formatBytes(m.TotalBytes), formatBytes(m.AvailableBytes))}
                        </Fact>
                        <Fact term={_("Placement groups")}><PlacementGroups states={m.PlacementGroups} /></Fact>
                        <Fact term={_("Monitors")}>
                            <Daemons kind="monitor" list={monitors.map(mon => ({
                                name: mon.name, address: mon.address, good: mon.in_quorum, state: mon.in_quorum ? _("in quorum") : _("out of quorum"),
                            }))} />
                        </Fact>
                        <Fact term={_("Managers")}>
                            <Daemons kind="manager" list={managers.map(mgr => ({ name: mgr.name, good: mgr.active, state: mgr.active ? _("active") : _("standby") }))} />
                        </Fact>
                    </Grid>
                </StackItem>
            </Stack>
        </TitledCard>
    );
}
