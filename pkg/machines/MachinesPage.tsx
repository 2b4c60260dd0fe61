// DebVisor → Virtual machines: every libvirt domain, live.
import { Alert } from "@patternfly/react-core/dist/esm/components/Alert/index.js";
import { Page, PageSection } from "@patternfly/react-core/dist/esm/components/Page/index.js";
import { Title } from "@patternfly/react-core/dist/esm/components/Title/index.js";
import { Stack, StackItem } from "@patternfly/react-core/dist/esm/layouts/Stack/index.js";
import { JobsPanel } from "../lib/components/JobsPanel";
import { PageAlerts } from "../lib/components/PageAlerts";
import { ServiceEmptyState } from "../lib/components/ServiceEmptyState";
import { useMachines, useServiceState } from "../lib/dbus-store";
import { _ } from "../lib/gettext";
import { MachinesTable } from "./MachinesTable";

export function MachinesPage() {
    const service = useServiceState();
    const machines = useMachines();
    const emulated = machines.some(m => m.props.Emulated);
    return (
        <Page>
            <PageAlerts />
            <PageSection>
                <Title headingLevel="h1">{_("Virtual machines")}</Title>
            </PageSection>
            <PageSection isFilled>
                {service.status !== "ready"
                    ? <ServiceEmptyState state={service} />
                    : (
                        <Stack hasGutter>
                            {emulated && (
                                <StackItem>
                                    <Alert isInline variant="info" title={_("Some machines run under emulation")}>
                                        {_("Without hardware virtualization (KVM) on this host, QEMU emulates the processor. The machines work, but much slower than with KVM.")}
                                    </Alert>
                                </StackItem>
                            )}
                            <StackItem><MachinesTable machines={machines} /></StackItem>
                            <StackItem><JobsPanel /></StackItem>
                        </Stack>
                    )}
            </PageSection>
        </Page>
    );
}
