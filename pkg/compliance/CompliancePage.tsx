// DebVisor → Compliance: the audit log as evidence — chain status, every
// event searchable, signed export, retention and forwarding.
import { Gallery } from "@patternfly/react-core/dist/esm/layouts/Gallery/index.js";
import { Stack, StackItem } from "@patternfly/react-core/dist/esm/layouts/Stack/index.js";
import { AuditProblemAlert } from "../lib/components/AuditProblemAlert";
import { JobsPanel } from "../lib/components/JobsPanel";
import { PageFrame } from "../lib/components/PageFrame";
import { ServiceEmptyState } from "../lib/components/ServiceEmptyState";
import { useAudit, useManager, useServiceState } from "../lib/dbus-store";
import { _ } from "../lib/gettext";
import { AuditEventsCard } from "./AuditEventsCard";
import { ChainStatusCard } from "./ChainStatusCard";
import { ExportCard } from "./ExportCard";
import { RetentionCard } from "./RetentionCard";

export function CompliancePage() {
    const service = useServiceState();
    const manager = useManager();
    const audit = useAudit();
    return (
        <PageFrame title={_("Compliance")}>
            {service.status !== "ready" || !manager || !audit
                ? <ServiceEmptyState state={service.status === "ready" ? { status: "connecting" } : service} />
                : (
                    <Stack hasGutter>
                        {manager.AuditProblem && <StackItem><AuditProblemAlert problem={manager.AuditProblem} /></StackItem>}
                        <StackItem>
                            <Gallery hasGutter minWidths={{ default: "100%", lg: "calc(50% - var(--pf-t--global--spacer--gutter--default))" }}>
                                <ChainStatusCard audit={audit} recordCount={manager.AuditRecordCount} />
                                <ExportCard />
                            </Gallery>
                        </StackItem>
                        <StackItem><AuditEventsCard recordCount={manager.AuditRecordCount} /></StackItem>
                        <StackItem><RetentionCard audit={audit} /></StackItem>
                        <StackItem><JobsPanel /></StackItem>
                    </Stack>
                )}
        </PageFrame>
    );
}
