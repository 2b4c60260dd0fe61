// The machines as a sortable, filterable table with the actions their state
// allows, one at a time or for several selected machines. In a cluster it
// lists every member's machines with their node (machine-rows.ts); another
// member's machine is started or shut down there through Cluster.MachineCall,
// and opened (its details, Migrate…, the rest) on that node's own page. Only the rows in
// view are rendered (the rest are spacers of the same height), so a host
// with thousands of machines scrolls as smoothly as one with ten.
import { useLayoutEffect, useMemo, useRef, useState } from "react";
import { Button } from "@patternfly/react-core/dist/esm/components/Button/index.js";
import { Card, CardBody } from "@patternfly/react-core/dist/esm/components/Card/index.js";
import { EmptyState, EmptyStateBody } from "@patternfly/react-core/dist/esm/components/EmptyState/index.js";
import { FormSelect, FormSelectOption } from "@patternfly/react-core/dist/esm/components/FormSelect/index.js";
import { SearchInput } from "@patternfly/react-core/dist/esm/components/SearchInput/index.js";
import { Toolbar, ToolbarContent, ToolbarItem } from "@patternfly/react-core/dist/esm/components/Toolbar/index.js";
import { ActionsColumn } from "@patternfly/react-table/dist/esm/components/Table/ActionsColumn.js";
import type { IAction } from "@patternfly/react-table/dist/esm/components/Table/TableTypes.js";
import { Table, Tbody, Td, Th, Thead, Tr, type ThProps } from "@patternfly/react-table/dist/esm/components/Table/index.js";
import { clusterMachineCall } from "../lib/api/cluster";
import { machineCall, type MachineAction } from "../lib/api/machines";
import { showError } from "../lib/components/PageAlerts";
import { compareNames } from "../lib/collate";
import type { MachineObject } from "../lib/dbus-store";
import { rowNodes, type MachineRow } from "./machine-rows";
import { format, _ } from "../lib/gettext";
import { ConfirmDialog } from "./ConfirmDialog";
import { StateLabel } from "./StateLabel";

type SortKey = "name" | "node" | "state" | "vcpus" | "memory";
const FALLBACK_ROW_HEIGHT = 45;
const OVERSCAN_ROWS = 10;
const BULK_PARALLEL = 8;

/* The action on this node's machine, or on another member's by its node. */
const rowCall = (row: MachineRow, action: "Start" | "Shutdown") => row.local ? machineCall(row.local.path, action) : clusterMachineCall(row.node, row.name, action);

function RemoteActions({ row, onOpen }: { row: MachineRow; onOpen: () => void }) {
    const run = (action: "Start" | "Shutdown") => () => rowCall(row, action).catch(e => showError(format(_("$0 failed for $1"), action, row.name), e));
    const items: IAction[] = [
        ...row.state === "shutoff" || row.state === "crashed" ? [{ title: _("Start"), onClick: run("Start") }] : [],
        ...row.state === "running" ? [{ title: _("Shut down"), onClick: run("Shutdown") }] : [],
        { title: format(_("Open on $0"), row.node), onClick: onOpen },
    ];
    return <ActionsColumn items={items} isDisabled={row.stale} popperProps={{ position: "right" }} />;
}

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

/* Runs `action` on every machine, a few at a time; one alert names those that failed. */
async function bulk(machines: MachineRow[], action: "Start" | "Shutdown"): Promise<void> {
    const failed: string[] = [];
    let lastError: unknown = null;
    for (let i = 0; i < machines.length; i += BULK_PARALLEL) {
        await Promise.all(machines.slice(i, i + BULK_PARALLEL).map(m => rowCall(m, action).catch(e => {
            failed.push(m.name);
            lastError = e;
        })));
    }
    if (failed.length > 0)
        showError(format(_("$0 failed for $1"), action, failed.join(", ")), lastError);
}

/* The first and last index to render for the scroll position. */
function useWindow(count: number) {
    const scroller = useRef<HTMLDivElement>(null);
    const [scrollTop, setScrollTop] = useState(0);
    const [viewport, setViewport] = useState(800);
    const [rowHeight, setRowHeight] = useState(FALLBACK_ROW_HEIGHT);
    useLayoutEffect(() => {
        const el = scroller.current;
        if (!el)
            return;
        setViewport(el.clientHeight || 800);
        const row = el.querySelector<HTMLElement>("tbody tr[data-machine]");
        if (row && row.offsetHeight > 0 && row.offsetHeight !== rowHeight)
            setRowHeight(row.offsetHeight);
    }, [count, rowHeight]);
    const first = Math.max(0, Math.floor(scrollTop / rowHeight) - OVERSCAN_ROWS);
    const last = Math.min(count, Math.ceil((scrollTop + viewport) / rowHeight) + OVERSCAN_ROWS);
    return { scroller, first, last, rowHeight, onScroll: () => setScrollTop(scroller.current?.scrollTop ?? 0) };
}

export function MachinesTable({ machines, onOpen, onOpenRemote, onCreate }: {
    machines: MachineRow[]; onOpen: (name: string) => void; onOpenRemote: (row: MachineRow) => void; onCreate: () => void;
}) {
    const [filter, setFilter] = useState("");
    const [stateFilter, setStateFilter] = useState("");
    const [nodeFilter, setNodeFilter] = useState("");
    const nodes = useMemo(() => rowNodes(machines), [machines]);
    const columns: SortKey[] = nodes.length > 0 ? ["name", "node", "state", "vcpus", "memory"] : ["name", "state", "vcpus", "memory"];
    const [sort, setSort] = useState<{ key: SortKey; asc: boolean }>({ key: "name", asc: true });
    const [selected, setSelected] = useState<Set<string>>(new Set());
    const [confirm, setConfirm] = useState<{ machine: MachineObject; kind: "force-off" | "delete" } | null>(null);

    const shown = useMemo(() => {
        const needle = filter.trim().toLowerCase();
        const list = machines.filter(m => (!needle || m.name.toLowerCase().includes(needle)) && (!stateFilter || m.state === stateFilter)
            && (!nodeFilter || m.node === nodeFilter));
        const value = (m: MachineRow): string | number => ({
            name: m.name, node: m.node, state: m.state, vcpus: m.vcpus, memory: m.memoryMiB,
        })[sort.key];
        return list.sort((a, b) => {
            const [x, y] = [value(a), value(b)];
            const order = typeof x === "number" ? x - (y as number) : compareNames(x, y as string);
            return (sort.asc ? 1 : -1) * (order || compareNames(a.name, b.name) || compareNames(a.node, b.node));
        });
    }, [machines, filter, stateFilter, nodeFilter, sort]);

    const win = useWindow(shown.length);
    const chosen = shown.filter(m => selected.has(m.key) && !m.stale && !m.pending);
    const toggle = (path: string, on: boolean) => setSelected(s => {
        const next = new Set(s);
        if (on) next.add(path); else next.delete(path);
        return next;
    });

    const sortBy = (key: SortKey): ThProps["sort"] => ({
        sortBy: { index: columns.indexOf(sort.key) + 1, direction: sort.asc ? "asc" : "desc" },
        onSort: (_e, _i, direction) => setSort({ key, asc: direction === "asc" }),
        columnIndex: columns.indexOf(key) + 1,
    });

    return (
        <Card>
            <CardBody>
                <Toolbar>
                    <ToolbarContent>
                        <ToolbarItem>
                            <SearchInput aria-label={_("Filter machines by name")} placeholder={_("Filter by name")}
                                value={filter} onChange={(_e, v) => setFilter(v)} onClear={() => setFilter("")} />
                        </ToolbarItem>
                        <ToolbarItem>
                            <FormSelect aria-label={_("Filter machines by state")} value={stateFilter} onChange={(_e, v) => setStateFilter(v)}>
                                <FormSelectOption value="" label={_("All states")} />
                                <FormSelectOption value="running" label={_("Running")} />
                                <FormSelectOption value="shutoff" label={_("Shut off")} />
                                <FormSelectOption value="paused" label={_("Paused")} />
                                <FormSelectOption value="crashed" label={_("Crashed")} />
                            </FormSelect>
                        </ToolbarItem>
                        {nodes.length > 0 && (
                            <ToolbarItem>
                                <FormSelect id="machine-node-filter" aria-label={_("Filter machines by node")} value={nodeFilter} onChange={(_e, v) => setNodeFilter(v)}>
                                    <FormSelectOption value="" label={_("All nodes")} />
                                    {nodes.map(n => <FormSelectOption key={n} value={n} label={n} />)}
                                </FormSelect>
                            </ToolbarItem>
                        )}
                        <ToolbarItem>
                            <Button variant="secondary" isDisabled={chosen.length === 0} onClick={() => void bulk(chosen.filter(m => m.state === "shutoff"), "Start")}>
                                {format(_("Start selected ($0)"), chosen.length)}
                            </Button>
                        </ToolbarItem>
                        <ToolbarItem>
                            <Button variant="secondary" isDisabled={chosen.length === 0} onClick={() => void bulk(chosen.filter(m => m.state === "running"), "Shutdown")}>
                                {format(_("Shut down selected ($0)"), chosen.length)}
                            </Button>
                        </ToolbarItem>
                        <ToolbarItem><Button variant="primary" onClick={onCreate}>{_("Create machine")}</Button></ToolbarItem>
                        <ToolbarItem align={{ default: "alignEnd" }}>
                            <span id="machine-count">{format(_("$0 of $1 machines"), shown.length, machines.length)}</span>
                        </ToolbarItem>
                    </ToolbarContent>
                </Toolbar>
                {machines.length === 0
                    ? (
                        <EmptyState headingLevel="h2" titleText={_("No virtual machines")}>
                            <EmptyStateBody>{_("Create one, or define one in libvirt (qemu:///system): it appears here as soon as it exists.")}</EmptyStateBody>
                        </EmptyState>
                    )
                    : (
                        <div ref={win.scroller} onScroll={win.onScroll} className="debvisor-scroll-table">
                            <Table aria-label={_("Virtual machines")} variant="compact" isStickyHeader>
                                <Thead>
                                    <Tr>
                                        <Th select={{ onSelect: (_e, on) => setSelected(on ? new Set(shown.map(m => m.key)) : new Set()), isSelected: shown.length > 0 && chosen.length === shown.length }}
                                            aria-label={_("Select all")} />
                                        <Th sort={sortBy("name")}>{_("Name")}</Th>
                                        {nodes.length > 0 && <Th sort={sortBy("node")}>{_("Node")}</Th>}
                                        <Th sort={sortBy("state")}>{_("State")}</Th>
                                        <Th sort={sortBy("vcpus")}>{_("vCPUs")}</Th>
                                        <Th sort={sortBy("memory")}>{_("Memory")}</Th>
                                        <Th>{_("Disks")}</Th>
                                        <Th>{_("Autostart")}</Th>
                                        <Th screenReaderText={_("Actions")} />
                                    </Tr>
                                </Thead>
                                <Tbody>
                                    {win.first > 0 && <tr aria-hidden style={{ height: win.first * win.rowHeight }} />}
                                    {shown.slice(win.first, win.last).map((m, i) => (
                                        <Tr key={m.key} data-machine={m.name} data-node={m.node}>
                                            <Td select={{ rowIndex: win.first + i, onSelect: (_e, on) => toggle(m.key, on), isSelected: selected.has(m.key), isDisabled: m.stale || m.pending }} />
                                            <Td dataLabel={_("Name")}>
                                                <Button variant="link" isInline onClick={() => m.local || m.pending ? onOpen(m.name) : onOpenRemote(m)}>{m.name}</Button>
                                            </Td>
                                            {nodes.length > 0 && <Td dataLabel={_("Node")}>{m.stale ? format(_("$0 (not answering: as last known)"), m.node) : m.node}</Td>}
                                            <Td dataLabel={_("State")}><StateLabel state={m.state} /></Td>
                                            <Td dataLabel={_("vCPUs")}>{m.vcpus}</Td>
                                            <Td dataLabel={_("Memory")}>{format(_("$0 MiB"), m.memoryMiB)}</Td>
                                            <Td dataLabel={_("Disks")}>{m.disks}</Td>
                                            <Td dataLabel={_("Autostart")}>{m.autostart ? _("Yes") : _("No")}</Td>
                                            <Td isActionCell>
                                                {m.local
                                                    ? <MachineActions machine={m.local} onConfirm={kind => setConfirm({ machine: m.local!, kind })} />
                                                    : m.pending
                                                        ? <ActionsColumn items={[]} isDisabled popperProps={{ position: "right" }} />
                                                        : <RemoteActions row={m} onOpen={() => onOpenRemote(m)} />}
                                            </Td>
                                        </Tr>
                                    ))}
                                    {win.last < shown.length && <tr aria-hidden style={{ height: (shown.length - win.last) * win.rowHeight }} />}
                                </Tbody>
                            </Table>
                        </div>
                    )}
            </CardBody>
            {confirm && <ConfirmDialog machine={confirm.machine} kind={confirm.kind} onClose={() => setConfirm(null)} />}
        </Card>
    );
}

