// The machines as a sortable, filterable table with the actions their state
// allows. Destructive actions ask first (DeleteDialog, ForceOffDialog).
import { useMemo, useState } from "react";
import { Card, CardBody } from "@patternfly/react-core/dist/esm/components/Card/index.js";
import { EmptyState, EmptyStateBody } from "@patternfly/react-core/dist/esm/components/EmptyState/index.js";
import { Label } from "@patternfly/react-core/dist/esm/components/Label/index.js";
import { SearchInput } from "@patternfly/react-core/dist/esm/components/SearchInput/index.js";
import { Toolbar, ToolbarContent, ToolbarItem } from "@patternfly/react-core/dist/esm/components/Toolbar/index.js";
import { ActionsColumn } from "@patternfly/react-table/dist/esm/components/Table/ActionsColumn.js";
import type { IAction } from "@patternfly/react-table/dist/esm/components/Table/TableTypes.js";
import { Table, Tbody, Td, Th, Thead, Tr, type ThProps } from "@patternfly/react-table/dist/esm/components/Table/index.js";
import { machineCall, type MachineAction } from "../lib/api/machines";
import { showError } from "../lib/components/PageAlerts";
import type { MachineObject } from "../lib/dbus-store";
import { format, _ } from "../lib/gettext";
import { ConfirmDialog } from "./ConfirmDialog";

const STATE_LABEL: Record<string, () => { text: string; color: "green" | "orange" | "grey" | "red" | "blue" }> = {
    running: () => ({ text: _("Running"), color: "green" }),
    paused: () => ({ text: _("Paused"), color: "orange" }),
    shutoff: () => ({ text: _("Shut off"), color: "grey" }),
    "shutting-down": () => ({ text: _("Shutting down"), color: "blue" }),
    crashed: () => ({ text: _("Crashed"), color: "red" }),
};

type SortKey = "name" | "state";

function MachineActions({ machine, onConfirm }: { machine: MachineObject; onConfirm: (kind: "force-off" | "delete") => void }) {
    const run = (action: MachineAction) => () =>
        machineCall(machine.path, action).catch(e => showError(format(_("$0 failed for $1"), action, machine.props.Name), e));
    const state = machine.props.State;
    const items: IAction[] = state === "shutoff" || state === "crashed"
        ? [{ title: _("Start"), onClick: run("Start") }, { isSeparator: true }, { title: _("Delete…"), onClick: () => onConfirm("delete"), isDanger: true }]
        : state === "paused"
            ? [{ title: _("Resume"), onClick: run("Resume") }, { title: _("Force off…"), onClick: () => onConfirm("force-off"), isDanger: true }]
            : [
                { title: _("Shut down"), onClick: run("Shutdown") },
                { title: _("Reboot"), onClick: run("Reboot") },
                { title: _("Pause"), onClick: run("Pause") },
                { isSeparator: true },
                { title: _("Force off…"), onClick: () => onConfirm("force-off"), isDanger: true },
                { title: _("Delete…"), onClick: () => onConfirm("delete"), isDanger: true },
            ];
    return <ActionsColumn items={items} popperProps={{ position: "right" }} />;
}

export function MachinesTable({ machines }: { machines: MachineObject[] }) {
    const [filter, setFilter] = useState("");
    const [sort, setSort] = useState<{ key: SortKey; asc: boolean }>({ key: "name", asc: true });
    const [confirm, setConfirm] = useState<{ machine: MachineObject; kind: "force-off" | "delete" } | null>(null);

    const shown = useMemo(() => {
        const needle = filter.trim().toLowerCase();
        const list = machines.filter(m => !needle || m.props.Name.toLowerCase().includes(needle) || m.props.State.includes(needle));
        const key = (m: MachineObject) => sort.key === "name" ? m.props.Name : m.props.State + "\u0000" + m.props.Name;
        return [...list].sort((a, b) => (sort.asc ? 1 : -1) * key(a).localeCompare(key(b)));
    }, [machines, filter, sort]);

    const sortBy = (key: SortKey, index: number): ThProps["sort"] => ({
        sortBy: { index: sort.key === "name" ? 0 : 1, direction: sort.asc ? "asc" : "desc" },
        onSort: (_e, _i, direction) => setSort({ key, asc: direction === "asc" }),
        columnIndex: index,
    });

    return (
        <Card>
            <CardBody>
                <Toolbar>
                    <ToolbarContent>
                        <ToolbarItem>
                            <SearchInput aria-label={_("Filter machines by name or state")} placeholder={_("Filter by name or state")}
                                value={filter} onChange={(_e, v) => setFilter(v)} onClear={() => setFilter("")} />
                        </ToolbarItem>
                        <ToolbarItem align={{ default: "alignEnd" }}>
                            {format(_("$0 of $1 machines"), shown.length, machines.length)}
                        </ToolbarItem>
                    </ToolbarContent>
                </Toolbar>
                {machines.length === 0
                    ? (
                        <EmptyState headingLevel="h2" titleText={_("No virtual machines")}>
                            <EmptyStateBody>{_("Machines defined in libvirt (qemu:///system) appear here as soon as they exist.")}</EmptyStateBody>
                        </EmptyState>
                    )
                    : (
                        <Table aria-label={_("Virtual machines")} variant="compact">
                            <Thead>
                                <Tr>
                                    <Th sort={sortBy("name", 0)}>{_("Name")}</Th>
                                    <Th sort={sortBy("state", 1)}>{_("State")}</Th>
                                    <Th>{_("vCPUs")}</Th>
                                    <Th>{_("Memory")}</Th>
                                    <Th>{_("Disks")}</Th>
                                    <Th>{_("Autostart")}</Th>
                                    <Th screenReaderText={_("Actions")} />
                                </Tr>
                            </Thead>
                            <Tbody>
                                {shown.map(m => {
                                    const label = (STATE_LABEL[m.props.State] ?? (() => ({ text: m.props.State, color: "grey" as const })))();
                                    return (
                                        <Tr key={m.path} data-machine={m.props.Name}>
                                            <Td dataLabel={_("Name")}>{m.props.Name}</Td>
                                            <Td dataLabel={_("State")}><Label color={label.color}>{label.text}</Label></Td>
                                            <Td dataLabel={_("vCPUs")}>{m.props.Vcpus}</Td>
                                            <Td dataLabel={_("Memory")}>{format(_("$0 MiB"), m.props.MemoryMiB)}</Td>
                                            <Td dataLabel={_("Disks")}>{m.props.Disks.filter(d => d.Device?.v === "disk").length}</Td>
                                            <Td dataLabel={_("Autostart")}>{m.props.Autostart ? _("Yes") : _("No")}</Td>
                                            <Td isActionCell>
                                                <MachineActions machine={m} onConfirm={kind => setConfirm({ machine: m, kind })} />
                                            </Td>
                                        </Tr>
                                    );
                                })}
                            </Tbody>
                        </Table>
                    )}
            </CardBody>
            {confirm && <ConfirmDialog machine={confirm.machine} kind={confirm.kind} onClose={() => setConfirm(null)} />}
        </Card>
    );
}
