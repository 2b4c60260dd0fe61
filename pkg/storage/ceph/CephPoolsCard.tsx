// The pools: replication, placement groups, autoscaling, applications and
// space; create, change the replication, and delete (the pool's name typed;
// debvisord refuses a pool the CephFS uses, and the dialog says so).
import { useState } from "react";
import { Button } from "@patternfly/react-core/dist/esm/components/Button/index.js";
import { Card, CardBody, CardHeader, CardTitle } from "@patternfly/react-core/dist/esm/components/Card/index.js";
import { Label } from "@patternfly/react-core/dist/esm/components/Label/index.js";
import { Table, Tbody, Td, Tr } from "@patternfly/react-table/dist/esm/components/Table/index.js";
import { cephFsOf, cephPoolDelete } from "../../lib/api/ceph";
import { ActionDialog, typedName } from "../../lib/components/ActionDialog";
import type { CephImageObject, CephOsdObject, CephPoolObject } from "../../lib/dbus-store";
import { formatBytes } from "../../lib/format";
import { _, format } from "../../lib/gettext";
import { CephCreatePoolDialog, CephSetSizeDialog } from "./CephPoolDialogs";
import { Guarded } from "../Guarded";
import { TableHead } from "../../lib/components/TableHead";

export function CephPoolsCard({ pools, images, osds, cephfs, locked, reachable }: {
    pools: CephPoolObject[]; images: CephImageObject[]; osds: CephOsdObject[]; cephfs: Record<string, unknown>; locked: string; reachable: boolean;
}) {
    const [creating, setCreating] = useState(false);
    const [sizing, setSizing] = useState<CephPoolObject | null>(null);
    const [deleting, setDeleting] = useState<CephPoolObject | null>(null);
    const fs = cephFsOf(cephfs);
    const osdsIn = osds.filter(o => o.props.In).length;
    const disabled = Boolean(locked) || !reachable;
    const fsUses = (name: string) => fs !== null && (fs.data_pool === name || fs.metadata_pool === name);
    return (
        <Card aria-label={_("Pools")}>
            <CardHeader actions={{
                actions: <Guarded locked={locked}><Button variant="secondary" isDisabled={disabled} onClick={() => setCreating(true)}>{_("Create pool")}</Button></Guarded>,
            }}>
                <CardTitle component="h2">{_("Pools")}</CardTitle>
            </CardHeader>
            <CardBody>
                {pools.length === 0 ? <p className="debvisor-muted">{_("No pools yet.")}</p> : (
                    <Table aria-label={_("Pools")} variant="compact">
                        <TableHead actions columns={[_("Name"), ...[_("Replicas"), _("PGs"), _("Autoscale"), _("Applications"), _("Stored"), _("Used (raw)"), _("Max available")]
                            .map(title => ({ title, modifier: "wrap" as const }))]} />
                        <Tbody>
                            {pools.map(pool => {
                                const p = pool.props;
                                return (
                                    <Tr key={pool.path} data-ceph-pool={p.Name}>
                                        <Td dataLabel={_("Name")} className="debvisor-mono">{p.Name}</Td>
                                        <Td dataLabel={_("Replicas")} style={{ whiteSpace: "nowrap" }}>{format(_("$0 (min $1)"), p.Size, p.MinSize)}</Td>
                                        <Td dataLabel={_("PGs")}>{p.PgNum}</Td>
                                        <Td dataLabel={_("Autoscale")}>{p.PgAutoscale}</Td>
                                        <Td dataLabel={_("Applications")}>
                                            <span>
                                                {p.Applications.map(a => <Label key={a} isCompact className="pf-v6-u-mr-xs">{a}</Label>)}
                                                {fsUses(p.Name) && <span className="debvisor-muted">{format(_("($0)"), fs?.name)}</span>}
                                            </span>
                                        </Td>
                                        <Td dataLabel={_("Stored")}>{formatBytes(p.StoredBytes)}</Td>
                                        <Td dataLabel={_("Used (raw)")}>{formatBytes(p.UsedBytes)}</Td>
                                        <Td dataLabel={_("Max available")}>{formatBytes(p.MaxAvailableBytes)}</Td>
                                        <Td isActionCell style={{ whiteSpace: "nowrap" }}>
                                            <Guarded locked={locked}>
                                                <span>
                                                    <Button variant="link" isDisabled={disabled} onClick={() => setSizing(pool)}>{_("Set size")}</Button>
                                                    <Button variant="link" isDanger isDisabled={disabled} onClick={() => setDeleting(pool)}>{_("Delete")}</Button>
                                                </span>
                                            </Guarded>
                                        </Td>
                                    </Tr>
                                );
                            })}
                        </Tbody>
                    </Table>
                )}
            </CardBody>
            {creating && <CephCreatePoolDialog osds={osdsIn} onClose={() => setCreating(false)} />}
            {sizing && <CephSetSizeDialog pool={sizing} osds={osdsIn} onClose={() => setSizing(null)} />}
            {deleting && (() => {
                const name = deleting.props.Name;
                const inside = images.filter(i => i.props.Pool === name).length;
                return (
                    <ActionDialog title={format(_("Delete pool $0?"), name)} confirm={_("Delete")} danger
                        field={typedName(name, _("Type the pool's name to confirm"))}
                        run={v => cephPoolDelete(deleting.path, v)} onClose={() => setDeleting(null)}>
                        <p>{format(_("Every object in the pool is lost ($0 stored). This cannot be undone."), formatBytes(deleting.props.StoredBytes))}</p>
                        {inside > 0 && <p>{format(_("So are its $0 RBD images."), inside)}</p>}
                        {fsUses(name) && <p className="debvisor-error-detail">{format(_("The CephFS $0 uses this pool."), fs?.name)}</p>}
                    </ActionDialog>
                );
            })()}
        </Card>
    );
}
