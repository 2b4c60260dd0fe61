// DebVisor → Overview: the host, alerts and history, where notifications go and how they went, its disks, jobs, who holds which role and the latest audit events
// (and, on a node installed from the ISO, how its first boot went).
import { Gallery } from "@patternfly/react-core/dist/esm/layouts/Gallery/index.js";
import { Stack, StackItem } from "@patternfly/react-core/dist/esm/layouts/Stack/index.js";
import { AuditProblemAlert } from "../lib/components/AuditProblemAlert";
import { BackupFailures } from "../lib/components/BackupFailures";
import { JobsPanel } from "../lib/components/JobsPanel";
import { PageFrame } from "../lib/components/PageFrame";
import { ServiceEmptyState } from "../lib/components/ServiceEmptyState";
import { useBackupSchedules, useManager, useServiceState } from "../lib/dbus-store";
import { _ } from "../lib/gettext";
import { AlertsCard } from "./AlertsCard";
import { AuditEvents } from "./AuditEvents";
import { DisksTable } from "./DisksTable";
import { FirstBootCard, firstBootOf } from "./FirstBootCard";
import { HostFacts } from "./HostFacts";
import { NotificationsCard } from "./NotificationsCard";
import { RolesCard } from "./RolesCard";

export function OverviewPage() {
    const service = useServiceState();
    const manager = useManager();
    // a failed backup run stays in view here until the schedule's next run succeeds
    const failedBackups = useBackupSchedules().filter(s => s.props.LastResult === "failed");
    const firstBoot = manager ? firstBootOf(manager.FirstBoot) : null;
    return (
        <PageFrame title={_("DebVisor overview")}>
            {service.status !== "ready" || !manager
                ? <ServiceEmptyState state={service.status === "ready" ? { status: "connecting" } : service} />
                : (
                    <Stack hasGutter>
                        {manager.AuditProblem && <StackItem><AuditProblemAlert problem={manager.AuditProblem} /></StackItem>}
                        {failedBackups.length > 0 && <StackItem><BackupFailures schedules={failedBackups} /></StackItem>}
                        <StackItem>
                            <Gallery hasGutter minWidths={{ default: "100%", lg: "calc(50% - var(--pf-t--global--spacer--gutter--default))" }}>
                                <HostFacts manager={manager} />
                                <JobsPanel />
                            </Gallery>
                        </StackItem>
                        <StackItem><AlertsCard /></StackItem>
                        <StackItem><NotificationsCard /></StackItem>
                        {firstBoot && firstBoot.state !== "not-run" && <StackItem><FirstBootCard firstBoot={firstBoot} /></StackItem>}
                        <StackItem><DisksTable /></StackItem>
                        <StackItem><RolesCard manager={manager} /></StackItem>
                        <StackItem><AuditEvents recordCount={manager.AuditRecordCount} /></StackItem>
                    </Stack>
                )}
        </PageFrame>
    );
}
