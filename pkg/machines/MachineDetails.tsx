// One machine: its actions, and tabs for overview, history graphs, disks,
// network interfaces, snapshots, backups and the console. Everything here is live: it is
// rendered from the machine's object, which libvirt's events keep current.
import { lazy, Suspense, useState } from "react";
import type { HistoryRange } from "../lib/history-ranges";
import { Breadcrumb, BreadcrumbItem } from "@patternfly/react-core/dist/esm/components/Breadcrumb/index.js";
import { Button } from "@patternfly/react-core/dist/esm/components/Button/index.js";
import { Card, CardBody } from "@patternfly/react-core/dist/esm/components/Card/index.js";
import { EmptyState, EmptyStateBody } from "@patternfly/react-core/dist/esm/components/EmptyState/index.js";
import { Tab, Tabs, TabTitleText } from "@patternfly/react-core/dist/esm/components/Tabs/index.js";
import { Title } from "@patternfly/react-core/dist/esm/components/Title/index.js";
import { Flex, FlexItem } from "@patternfly/react-core/dist/esm/layouts/Flex/index.js";
import { Stack, StackItem } from "@patternfly/react-core/dist/esm/layouts/Stack/index.js";
import { schedulesOf } from "../lib/api/backups-data";
import { machineCall, machineClone, machineRename, type MachineAction } from "../lib/api/machines";
import { ActionDialog } from "../lib/components/ActionDialog";
import { AlertsFor } from "../lib/components/ActiveAlerts";
import { showError } from "../lib/components/PageAlerts";
import { useBackupSchedules, type MachineObject } from "../lib/dbus-store";
import { format, _ } from "../lib/gettext";
import { ConfirmDialog } from "./ConfirmDialog";
import { BackupsTab } from "./details/BackupsTab";
import { DisksTab } from "./details/DisksTab";
import { HistoryTab } from "./details/HistoryTab";
import { NicsTab } from "./details/NicsTab";
import { OverviewTab } from "./details/OverviewTab";
import { SnapshotsTab } from "./details/SnapshotsTab";
import { checkMachineName } from "./machine-rules";
import { MigrateDialog } from "./MigrateDialog";
import { StateLabel } from "./StateLabel";

// the consoles (noVNC, xterm) are a third of the page's script: loaded when the tab is first opened
const ConsoleTab = lazy(() => import("./details/ConsoleTab").then(m => ({ default: m.ConsoleTab })));

type Dialog = "force-off" | "delete" | "rename" | "clone" | "migrate" | null;
const TABS = ["overview", "history", "disks", "network", "snapshots", "backups", "console"];

export function MachineDetails({ name, machine, allNames, onBack, elsewhere, tab, onTab, range, onRange }: {
    name: string; machine: MachineObject | undefined; allNames: string[]; onBack: () => void;
    /** the tab and the History tab's range, from the page's address */
    tab: string; onTab: (tab: string) => void; range: HistoryRange; onRange: (range: HistoryRange) => void;
    /** the member of the cluster that has a machine of this name when this node has none (after a migration) */
    elsewhere?: string;
}) {
    const [dialog, setDialog] = useState<Dialog>(null);
    const schedules = useBackupSchedules();
    const crumbs = (
        <Breadcrumb>
            <BreadcrumbItem to="#" onClick={e => { e.preventDefault(); onBack() }}>{_("Virtual machines")}</BreadcrumbItem>
            <BreadcrumbItem isActive>{name}</BreadcrumbItem>
        </Breadcrumb>
    );
    if (!machine) {
        return (
            <Stack hasGutter>
                <StackItem>{crumbs}</StackItem>
                <StackItem>
                    <EmptyState headingLevel="h2" titleText={format(_("There is no machine named $0"), name)}>
                        <EmptyStateBody>{elsewhere ? format(_("A machine of this name is on $0."), elsewhere) : _("It was deleted or renamed.")}</EmptyStateBody>
                    </EmptyState>
                </StackItem>
            </Stack>
        );
    }
    const p = machine.props;
    const off = p.State === "shutoff" || p.State === "crashed";
    const run = (action: MachineAction) => () =>
        machineCall(machine.path, action).catch(e => showError(format(_("$0 failed for $1"), action, p.Name), e));
    const buttons: Array<[string, () => void, "primary" | "secondary" | "danger"]> = off
        ? [[_("Start"), run("Start"), "primary"], [_("Rename…"), () => setDialog("rename"), "secondary"], [_("Clone…"), () => setDialog("clone"), "secondary"]]
        : p.State === "paused"
            ? [[_("Resume"), run("Resume"), "primary"], [_("Force off…"), () => setDialog("force-off"), "danger"]]
            : [[_("Shut down"), run("Shutdown"), "secondary"], [_("Reboot"), run("Reboot"), "secondary"], [_("Pause"), run("Pause"), "secondary"],
                [_("Migrate…"), () => setDialog("migrate"), "secondary"], [_("Force off…"), () => setDialog("force-off"), "danger"]];
    buttons.push([_("Delete…"), () => setDialog("delete"), "danger"]);

    return (
        <Stack hasGutter>
            <StackItem>{crumbs}</StackItem>
            <StackItem>
                <Flex alignItems={{ default: "alignItemsCenter" }}>
                    <FlexItem><Title headingLevel="h2" id="machine-title">{p.Name}</Title></FlexItem>
                    <FlexItem><StateLabel state={p.State} /></FlexItem>
                    <FlexItem align={{ default: "alignRight" }}>
                        <Flex id="machine-actions">{buttons.map(([label, onClick, variant]) => <FlexItem key={label}><Button variant={variant} onClick={onClick}>{label}</Button></FlexItem>)}</Flex>
                    </FlexItem>
                </Flex>
            </StackItem>
            {/* its own alerts (MachineCrashed) and the failed runs of the backup schedules that cover it */}
            <AlertsFor inStack what={p.Name} matchers={[
                { uuid: p.UUID },
                { alertname: "BackupScheduleFailed", schedule: schedulesOf(schedules, p).map(s => s.props.Name) },
            ]} />
            <StackItem>
                <Card>
                    <CardBody>
                        <Tabs activeKey={TABS.includes(tab) ? tab : "overview"} onSelect={(_e, key) => onTab(String(key))} aria-label={_("Machine details")} mountOnEnter unmountOnExit>
                            <Tab eventKey="overview" title={<TabTitleText>{_("Overview")}</TabTitleText>}><OverviewTab machine={machine} /></Tab>
                            <Tab eventKey="history" title={<TabTitleText>{_("History")}</TabTitleText>}><HistoryTab machine={machine} range={range} onRange={onRange} /></Tab>
                            <Tab eventKey="disks" title={<TabTitleText>{_("Disks")}</TabTitleText>}><DisksTab machine={machine} /></Tab>
                            <Tab eventKey="network" title={<TabTitleText>{_("Network interfaces")}</TabTitleText>}><NicsTab machine={machine} /></Tab>
                            <Tab eventKey="snapshots" title={<TabTitleText>{_("Snapshots")}</TabTitleText>}><SnapshotsTab machine={machine} /></Tab>
                            <Tab eventKey="backups" title={<TabTitleText>{_("Backups")}</TabTitleText>}><BackupsTab machine={machine} allNames={allNames} /></Tab>
                            <Tab eventKey="console" title={<TabTitleText>{_("Console")}</TabTitleText>}><Suspense><ConsoleTab machine={machine} /></Suspense></Tab>
                        </Tabs>
                    </CardBody>
                </Card>
            </StackItem>
            {(dialog === "force-off" || dialog === "delete") && (
                <ConfirmDialog machine={machine} kind={dialog} onClose={() => { setDialog(null) }} onDone={dialog === "delete" ? onBack : undefined} />
            )}
            {dialog === "rename" && (
                <ActionDialog title={format(_("Rename $0"), p.Name)} confirm={_("Rename")} onClose={() => setDialog(null)}
                    field={{ label: _("New name"), initial: p.Name, check: v => checkMachineName(v, allNames) }}
                    run={v => machineRename(machine.path, v)}>
                    <p>{_("The machine's disks keep their names.")}</p>
                </ActionDialog>
            )}
            {dialog === "migrate" && <MigrateDialog machine={machine} onClose={() => setDialog(null)} />}
            {dialog === "clone" && (
                <ActionDialog title={format(_("Clone $0"), p.Name)} confirm={_("Clone")} onClose={() => setDialog(null)}
                    field={{ label: _("Name of the copy"), initial: `${p.Name}-copy`, check: v => checkMachineName(v, allNames) }}
                    run={v => machineClone(machine.path, v)}>
                    <p>{_("Every disk is copied; the copy's network interfaces get new MAC addresses. Progress shows in Jobs.")}</p>
                </ActionDialog>
            )}
        </Stack>
    );
}
