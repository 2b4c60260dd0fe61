// The pools: health, space, scrub progress and the device tree with each
// device's error counters; create, import, scrub, export and destroy
// (destroying asks for the pool's name to be typed). In a cluster the other
// members' pools are listed too, with a node column and filter
// (pool-rows.ts); they are managed on their own node's page, which their row
// opens.
import { useState } from "react";
import { Button } from "@patternfly/react-core/dist/esm/components/Button/index.js";
import { FormSelect, FormSelectOption } from "@patternfly/react-core/dist/esm/components/FormSelect/index.js";
import { Card, CardBody, CardHeader, CardTitle } from "@patternfly/react-core/dist/esm/components/Card/index.js";
import { Progress } from "@patternfly/react-core/dist/esm/components/Progress/index.js";
import { Table, Tbody, Td, Tr } from "@patternfly/react-table/dist/esm/components/Table/index.js";
import { vdevsOf, zfsPoolCall, zfsPoolDestroy, type ZfsVdev } from "../../lib/api/zfs";
import { ActionDialog, typedName } from "../../lib/components/ActionDialog";
import { AlertsFor } from "../../lib/components/ActiveAlerts";
import { showError } from "../../lib/components/PageAlerts";
import type { ZfsPoolObject } from "../../lib/dbus-store";
import { formatBytes } from "../../lib/format";
import { rowNodes } from "../../lib/node-rows";
import { _, format } from "../../lib/gettext";
import { CreatePoolDialog } from "./CreatePoolDialog";
import { HealthLabel } from "./HealthLabel";
import { ImportPoolDialog } from "./ImportPoolDialog";
import type { PoolRow } from "./pool-rows";
import { TableHead } from "../../lib/components/TableHead";

function VdevRows({ nodes }: { nodes: ZfsVdev[] }) {
    return nodes.map((v, i) => (
        <Tr key={`${i}-${v.name}`} data-vdev={v.name}>
            <Td className="debvisor-mono" style={{ paddingInlineStart: `${1 + v.depth * 1.5}rem` }}>
                {v.section !== "data" && v.depth === 0 ? `${v.section}: ` : ""}{v.name}
            </Td>
            <Td>{v.type}</Td>
            <Td><HealthLabel state={v.state} /></Td>
            <Td>{v.read}</Td>
            <Td>{v.write}</Td>
            <Td className={v.checksum > 0 ? "debvisor-error-detail" : undefined}>{v.checksum}</Td>
            <Td>{v.note}</Td>
        </Tr>
    ));
}

function VdevTree({ vdevs }: { vdevs: ZfsVdev[] }) {
    return (
        <Table aria-label={_("Devices")} variant="compact">
            <TableHead columns={[_("Device"), _("Type"), _("State"), _("Read errors"), _("Write errors"), _("Checksum errors"), _("Note")]} />
            <Tbody><VdevRows nodes={vdevs} /></Tbody>
        </Table>
    );
}

function Scrub({ pool }: { pool: ZfsPoolObject }) {
    const p = pool.props;
    if (p.ScrubState === "scrubbing" || p.ScrubState === "resilvering")
        return <Progress value={p.ScrubProgress * 100} title={p.ScrubState === "scrubbing" ? _("Scrubbing") : _("Resilvering")} size="sm" />;
    return <span className="debvisor-muted">{p.LastScrub || _("Never scrubbed")}</span>;
}

/* Another member's pool: what it last told; its actions are on its node's page. */
function RemotePool({ row, onOpen }: { row: PoolRow; onOpen: () => void }) {
    return (
        <Tr>
            <Td className="debvisor-mono">{row.name}</Td>
            <Td>{row.stale ? format(_("$0 (not answering: as last known)"), row.node) : row.node}</Td>
            <Td><HealthLabel state={row.health} /></Td>
            <Td>{formatBytes(row.size)}</Td>
            <Td>{formatBytes(row.allocated)}</Td>
            <Td>{formatBytes(row.free)}</Td>
            <Td>—</Td>
            <Td>—</Td>
            <Td isActionCell><Button variant="link" onClick={onOpen}>{format(_("Open on $0"), row.node)}</Button></Td>
        </Tr>
    );
}

export function PoolsCard({ rows, features, onOpenRemote }: { rows: PoolRow[]; features: string[]; onOpenRemote: (row: PoolRow) => void }) {
    const [nodeFilter, setNodeFilter] = useState("");
    const nodes = rowNodes(rows);
    const shown = rows.filter(r => !nodeFilter || r.node === nodeFilter);
    const [creating, setCreating] = useState(false);
    const [importing, setImporting] = useState(false);
    const [destroying, setDestroying] = useState<ZfsPoolObject | null>(null);
    const [open, setOpen] = useState<string | null>(null);
    const call = (pool: ZfsPoolObject, method: "Scrub" | "StopScrub" | "Export") =>
        zfsPoolCall(pool.path, method).catch((e: unknown) => showError(format(_("$0 of $1 failed"), method, pool.props.Name), e));
    return (
        <Card aria-label={_("Pools")}>
            <CardHeader actions={{
                actions: <>
                    {nodes.length > 0 && (
                        <FormSelect id="zfs-pool-node-filter" aria-label={_("Filter pools by node")} value={nodeFilter} onChange={(_e, v) => setNodeFilter(v)}>
                            <FormSelectOption value="" label={_("All nodes")} />
                            {nodes.map(n => <FormSelectOption key={n} value={n} label={n} />)}
                        </FormSelect>
                    )}
                    <Button variant="secondary" onClick={() => setImporting(true)}>{_("Import pool")}</Button>
                    <Button variant="secondary" onClick={() => setCreating(true)}>{_("Create pool")}</Button>
                </>,
            }}>
                <CardTitle component="h2">{_("Pools")}</CardTitle>
            </CardHeader>
            <CardBody>
                {shown.length === 0 && <p className="debvisor-muted">{_("No pools yet.")}</p>}
                {shown.map(row => {
                    const pool = row.local;
                    const head = (
                        <TableHead columns={[_("Pool"), nodes.length > 0 && _("Node"), _("Health"), _("Size"), _("Used"), _("Free"), _("Fragmentation"), _("Scrub")]} actions />
                    );
                    if (!pool)
                        return (
                            <div key={row.key} data-pool={row.name} data-node={row.node} className="pf-v6-u-mb-lg">
                                <Table aria-label={row.name} variant="compact">{head}<Tbody><RemotePool row={row} onOpen={() => onOpenRemote(row)} /></Tbody></Table>
                            </div>
                        );
                    const p = pool.props;
                    const scrubbing = p.ScrubState === "scrubbing";
                    return (
                        <div key={pool.path} data-pool={p.Name} data-node={row.node} className="pf-v6-u-mb-lg">
                            <Table aria-label={p.Name} variant="compact">
                                {head}
                                <Tbody>
                                    <Tr>
                                        <Td className="debvisor-mono">{p.Name}</Td>
                                        {nodes.length > 0 && <Td>{row.node}</Td>}
                                        <Td><HealthLabel state={p.Health} /></Td>
                                        <Td>{p.SizesExact ? "" : "≈ "}{formatBytes(p.Size)}</Td>
                                        <Td>{formatBytes(p.Allocated)}</Td>
                                        <Td>{formatBytes(p.Free)}</Td>
                                        <Td>{p.Fragmentation < 0 ? "—" : `${p.Fragmentation} %`}</Td>
                                        <Td><Scrub pool={pool} /></Td>
                                        <Td isActionCell style={{ whiteSpace: "nowrap" }}>
                                            <Button variant="link" onClick={() => setOpen(open === pool.path ? null : pool.path)}>
                                                {open === pool.path ? _("Hide devices") : _("Devices")}
                                            </Button>
                                            <Button variant="link" onClick={() => void call(pool, scrubbing ? "StopScrub" : "Scrub")}>
                                                {scrubbing ? _("Stop scrub") : _("Scrub")}
                                            </Button>
                                            <Button variant="link" onClick={() => void call(pool, "Export")}>{_("Export")}</Button>
                                            <Button variant="link" isDanger onClick={() => setDestroying(pool)}>{_("Destroy")}</Button>
                                        </Td>
                                    </Tr>
                                </Tbody>
                            </Table>
                            {p.Status && <p className="debvisor-error-detail">{p.Status}</p>}
                            <AlertsFor what={p.Name} matchers={[{ alertname: /^Zfs/, pool: p.Name }]} />
                            {(open === pool.path || p.Health !== "ONLINE") && <VdevTree vdevs={vdevsOf(p.Vdevs)} />}
                        </div>
                    );
                })}
            </CardBody>
            {creating && <CreatePoolDialog features={features} onClose={() => setCreating(false)} />}
            {importing && <ImportPoolDialog onClose={() => setImporting(false)} />}
            {destroying && (
                <ActionDialog title={format(_("Destroy pool $0?"), destroying.props.Name)} confirm={_("Destroy")} danger
                    field={typedName(destroying.props.Name, _("Type the pool's name to confirm"))}
                    run={v => zfsPoolDestroy(destroying.path, v)} onClose={() => setDestroying(null)}>
                    <p>{_("Every dataset, volume and snapshot in the pool is lost. This cannot be undone.")}</p>
                </ActionDialog>
            )}
        </Card>
    );
}
