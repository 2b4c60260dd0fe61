// One machine: its actions, and tabs for overview, history graphs, disks,
// network interfaces, snapshots, backups and the console. Everything here is live: it is
// rendered from the machine's object, which libvirt's events keep current.
import { lazy, Suspense, useState, type ReactNode } from "react";
import type { HistoryRange } from "../lib/history-ranges";
import { Breadcrumb, BreadcrumbItem } from "@patternfly/react-core/dist/esm/components/Breadcrumb/index.js";
import { Button } from "@patternfly/react-core/dist/esm/components/Button/index.js";
import { Card, CardBody } from "@patternfly/react-core/dist/esm/components/Card/index.js";
import { Spinner } from "@patternfly/react-core/dist/esm/components/Spinner/index.js";
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

export function MachineDetails({ name, machine, loading = false, allNames, onBack, elsewhere, tab, onTab, range, onRange }: {
    name: string; machine: MachineObject | undefined; allNames: string[]; onBack: () => void;
    /** the bus's objects are still being read: the page and its History tab show already (the graphs need only the name) */
    loading?: boolean;
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
    if (!machine && !loading) {
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
    const buttons = machine ? actionButtons(machine, setDialog) : [];
    // a tab that needs the machine's object waits for it; the History tab needs only its name
    const withMachine = (content: (m: MachineObject) => ReactNode) => machine ? content(machine) : <Spinner size="lg" aria-label={_("Loading the machine")} />;

    return (
        <Stack hasGutter>
            <StackItem>{crumbs}</StackItem>
            <StackItem>
                <Flex alignItems={{ default: "alignItemsCenter" }}>
                    <FlexItem><Title headingLevel="h2" id="machine-title">{name}</Title></FlexItem>
                    <FlexItem>{machine && <StateLabel state={machine.props.State} />}</FlexItem>
                    <FlexItem align={{ default: "alignRight" }}>
                        <Flex id="machine-actions">{buttons.map(([label, onClick, variant]) => <FlexItem key={label}><Button variant={variant} onClick={onClick}>{label}</Button></FlexItem>)}</Flex>
                    </FlexItem>
                </Flex>
            </StackItem>
            {/* its own alerts (MachineCrashed) and the failed runs of the backup schedules that cover it */}
            {machine && <AlertsFor inStack what={name} matchers={[
                { uuid: machine.props.UUID },
                { alertname: "BackupScheduleFailed", schedule: schedulesOf(schedules, machine.props).map(s => s.props.Name) },
            ]} />}
            <StackItem>
                <Card>
                    <CardBody>
                        <Tabs activeKey={TABS.includes(tab) ? tab : "overview"} onSelect={(_e, key) => onTab(String(key))} aria-label={_("Machine details")} mountOnEnter unmountOnExit>
                            <Tab eventKey="overview" title={<TabTitleText>{_("Overview")}</TabTitleText>}>{withMachine(m => <OverviewTab machine={m} />)}</Tab>
                            <Tab eventKey="history" title={<TabTitleText>{_("History")}</TabTitleText>}><HistoryTab name={name} range={range} onRange={onRange} /></Tab>
                            <Tab eventKey="disks" title={<TabTitleText>{_("Disks")}</TabTitleText>}>{withMachine(m => <DisksTab machine={m} />)}</Tab>
                            <Tab eventKey="network" title={<TabTitleText>{_("Network interfaces")}</TabTitleText>}>{withMachine(m => <NicsTab machine={m} />)}</Tab>
                            <Tab eventKey="snapshots" title={<TabTitleText>{_("Snapshots")}</TabTitleText>}>{withMachine(m => <SnapshotsTab machine={m} />)}</Tab>
                            <Tab eventKey="backups" title={<TabTitleText>{_("Backups")}</TabTitleText>}>{withMachine(m => <BackupsTab machine={m} allNames={allNames} />)}</Tab>
                            <Tab eventKey="console" title={<TabTitleText>{_("Console")}</TabTitleText>}>{withMachine(m => <Suspense><ConsoleTab machine={m} /></Suspense>)}</Tab>
                        </Tabs>
                    </CardBody>
                </Card>
            </StackItem>
            {machine && dialog && <MachineDialog machine={machine} dialog={dialog} allNames={allNames} onClose={() => setDialog(null)} onBack={onBack} />}
        </Stack>
    );
}

/* The actions the machine's state allows, as buttons: those that ask first open a dialog. */
function actionButtons(machine: MachineObject, setDialog: (d: Dialog) => void): Array<[string, () => void, "primary" | "secondary" | "danger"]> {
    const p = machine.props;
    const run = (action: MachineAction) => () =>
        machineCall(machine.path, action).catch(e => showError(format(_("$0 failed for $1"), action, p.Name), e));
    const buttons: Array<[string, () => void, "primary" | "secondary" | "danger"]> = p.State === "shutoff" || p.State === "crashed"
        ? [[_("Start"), run("Start"), "primary"], [_("Rename…"), () => setDialog("rename"), "secondary"], [_("Clone…"), () => setDialog("clone"), "secondary"]]
        : p.State === "paused"
            ? [[_("Resume"), run("Resume"), "primary"], [_("Force off…"), () => setDialog("force-off"), "danger"]]
            : [[_("Shut down"), run("Shutdown"), "secondary"], [_("Reboot"), run("Reboot"), "secondary"], [_("Pause"), run("Pause"), "secondary"],
                [_("Migrate…"), () => setDialog("migrate"), "secondary"], [_("Force off…"), () => setDialog("force-off"), "danger"]];
    buttons.push([_("Delete…"), () => setDialog("delete"), "danger"]);
    return buttons;
}

function MachineDialog({ machine, dialog, allNames, onClose, onBack }: {
    machine: MachineObject; dialog: NonNullable<Dialog>; allNames: string[]; onClose: () => void; onBack: () => void;
}) {
    const p = machine.props;
    switch (dialog) {
    case "force-off":
    case "delete":
        return <ConfirmDialog machine={machine} kind={dialog} onClose={onClose} onDone={dialog === "delete" ? onBack : undefined} />;
    case "rename":
        return (
            <ActionDialog title={format(_("Rename $0"), p.Name)} confirm={_("Rename")} onClose={onClose}
                field={{ label: _("New name"), initial: p.Name, check: v => checkMachineName(v, allNames) }}
                run={v => machineRename(machine.path, v)}>
                <p>{_("The machine's disks keep their names.")}</p>
            </ActionDialog>
        );
    case "migrate":
        return <MigrateDialog machine={machine} onClose={onClose} />;
    case "clone":
        return (
            <ActionDialog title={format(_("Clone $0"), p.Name)} confirm={_("Clone")} onClose={onClose}
                field={{ label: _("Name of the copy"), initial: `${p.Name}-copy`, check: v => checkMachineName(v, allNames) }}
                run={v => machineClone(machine.path, v)}>
                <p>{_("Every disk is copied; the copy's network interfaces get new MAC addresses. Progress shows in Jobs.")}</p>
            </ActionDialog>
        );
    }
}
