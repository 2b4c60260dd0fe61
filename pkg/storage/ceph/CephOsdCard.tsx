// The OSDs under their hosts (as the CRUSH tree has them), each with up/in,
// device class, device, usage and placement groups; mark out (data moves to
// the other OSDs: asks first) and in; the maintenance switch ("noout"); and
// Add OSD, which wipes a spare disk and makes it an OSD.
import { Fragment, useState } from "react";
import { Button } from "@patternfly/react-core/dist/esm/components/Button/index.js";
import { Card, CardBody, CardHeader, CardTitle } from "@patternfly/react-core/dist/esm/components/Card/index.js";
import { Label } from "@patternfly/react-core/dist/esm/components/Label/index.js";
import { Progress, ProgressMeasureLocation } from "@patternfly/react-core/dist/esm/components/Progress/index.js";
import { Switch } from "@patternfly/react-core/dist/esm/components/Switch/index.js";
import { Table, Tbody, Td, Tr } from "@patternfly/react-table/dist/esm/components/Table/index.js";
import type { PageCephManagerProperties } from "../../../generated/dbus-contract";
import { cephOsdMark, cephSetMaintenance, crushHosts, osdTreeOf } from "../../lib/api/ceph";
import { ActionDialog } from "../../lib/components/ActionDialog";
import { showError } from "../../lib/components/PageAlerts";
import type { CephOsdObject } from "../../lib/dbus-store";
import { formatBytes } from "../../lib/format";
import { _, format } from "../../lib/gettext";
import { CephAddOsdDialog } from "./CephAddOsdDialog";
import { Guarded, GuardedActions } from "../Guarded";
import { TableHead } from "../../lib/components/TableHead";

/* Hosts in the CRUSH tree's order, each with its OSDs; OSDs the tree does not
 * place (yet) go under the host they report. */
function byHost(osds: CephOsdObject[], tree: Array<Record<string, unknown>>): Array<{ host: string; osds: CephOsdObject[] }> {
    const hosts = crushHosts(osdTreeOf(tree));
    const placed = new Set<number>();
    const groups = hosts.map(h => {
        const list = h.osds.map(id => osds.find(o => o.props.Id === id)).filter((o): o is CephOsdObject => o !== undefined);
        list.forEach(o => placed.add(o.props.Id));
        return { host: h.name, osds: list };
    });
    for (const o of osds.filter(x => !placed.has(x.props.Id))) {
        const group = groups.find(g => g.host === o.props.Host);
        if (group)
            group.osds.push(o);
        else
            groups.push({ host: o.props.Host || _("(no host)"), osds: [o] });
    }
    return groups;
}

export function CephOsdCard({ manager, osds, locked }: { manager: PageCephManagerProperties; osds: CephOsdObject[]; locked: string }) {
    const [markingOut, setMarkingOut] = useState<CephOsdObject | null>(null);
    const [maintenance, setMaintenance] = useState<boolean | null>(null);
    const [adding, setAdding] = useState(false);
    const reachable = manager.State === "reachable";
    const disabled = Boolean(locked) || !reachable;
    const markIn = (osd: CephOsdObject) =>
        cephOsdMark(osd.path, "in").catch((e: unknown) => showError(format(_("Marking osd.$0 in failed"), osd.props.Id), e));
    const groups = byHost(osds, manager.OsdTree);
    const maintenanceSwitch = (
        <Switch id="ceph-maintenance" label={_("Maintenance (noout)")} isChecked={manager.Maintenance} isDisabled={disabled}
            onChange={(_e, on) => setMaintenance(on)} />
    );
    return (
        <Card aria-label={_("OSDs")}>
            <CardHeader actions={{
                actions: (
                    <>
                        <Guarded locked={locked}>{maintenanceSwitch}</Guarded>
                        <Guarded locked={locked}>
                            <Button variant="secondary" isDisabled={disabled} onClick={() => setAdding(true)}>{_("Add OSD")}</Button>
                        </Guarded>
                    </>
                ),
            }}>
                <CardTitle component="h2">{_("OSDs")}</CardTitle>
            </CardHeader>
            <CardBody>
                {manager.Flags.length > 0 && (
                    <p className="pf-v6-u-mb-sm" data-ceph-flags>
                        {_("Cluster flags:")} {manager.Flags.map(f => <Label key={f} isCompact color="orange" className="pf-v6-u-mr-xs">{f}</Label>)}
                    </p>
                )}
                {osds.length === 0 ? <p className="debvisor-muted">{_("No OSDs yet.")}</p> : (
                    <Table aria-label={_("OSDs")} variant="compact">
                        <TableHead columns={[_("Name"), _("Status"), _("Class"), _("Device"), { title: _("Usage"), width: 20 }, _("PGs")]} actions />
                        <Tbody>
                            {groups.map(g => (
                                <Fragment key={g.host}>
                                    <Tr data-host={g.host}>
                                        <Td colSpan={7}><strong className="debvisor-mono">{g.host}</strong></Td>
                                    </Tr>
                                    {g.osds.map(osd => {
                                        const o = osd.props;
                                        const used = o.TotalBytes > 0 ? (o.UsedBytes / o.TotalBytes) * 100 : 0;
                                        return (
                                            <Tr key={osd.path} data-osd={o.Id}>
                                                <Td dataLabel={_("Name")} className="debvisor-mono" style={{ paddingInlineStart: "2.5rem" }}>osd.{o.Id}</Td>
                                                <Td dataLabel={_("Status")}>
                                                    <span>
                                                        <Label isCompact color={o.Up ? "green" : "red"} data-up={o.Up}>{o.Up ? _("up") : _("down")}</Label>{" "}
                                                        <Label isCompact color={o.In ? "green" : "orange"} data-in={o.In}>{o.In ? _("in") : _("out")}</Label>
                                                    </span>
                                                </Td>
                                                <Td dataLabel={_("Class")}>{o.DeviceClass || "—"}</Td>
                                                <Td dataLabel={_("Device")} className="debvisor-mono">{o.Device || "—"}</Td>
                                                <Td dataLabel={_("Usage")}>
                                                    <Progress value={used} size="sm" measureLocation={ProgressMeasureLocation.none} aria-label={format(_("osd.$0 usage"), o.Id)} />
                                                    <span className="debvisor-muted">{format(_("$0 of $1"), formatBytes(o.UsedBytes), formatBytes(o.TotalBytes))}</span>
                                                </Td>
                                                <Td dataLabel={_("PGs")}>{o.PlacementGroups}</Td>
                                                <GuardedActions locked={locked}>
                                                    {o.In
                                                        ? <Button variant="link" isDanger isDisabled={disabled} onClick={() => setMarkingOut(osd)}>{_("Mark out")}</Button>
                                                        : <Button variant="link" isDisabled={disabled} onClick={() => void markIn(osd)}>{_("Mark in")}</Button>}
                                                </GuardedActions>
                                            </Tr>
                                        );
                                    })}
                                </Fragment>
                            ))}
                        </Tbody>
                    </Table>
                )}
            </CardBody>
            {markingOut && (
                <ActionDialog title={format(_("Mark osd.$0 out?"), markingOut.props.Id)} confirm={_("Mark out")} danger
                    run={() => cephOsdMark(markingOut.path, "out")} onClose={() => setMarkingOut(null)}>
                    <p>{_("The OSD stops holding data: its placement groups, and the data in them, move to the other OSDs. That takes time and load, and needs the room on them.")}</p>
                    {osds.filter(o => o.props.In).length <= 1 && (
                        <p className="debvisor-error-detail">{_("This is the last OSD that is in: the pools cannot be read or written while it is out.")}</p>
                    )}
                    <p>{_("Mark it in again to move the data back.")}</p>
                </ActionDialog>
            )}
            {adding && <CephAddOsdDialog onClose={() => setAdding(false)} />}
            {maintenance !== null && (
                <ActionDialog title={maintenance ? _("Turn maintenance on?") : _("Turn maintenance off?")}
                    confirm={maintenance ? _("Turn on") : _("Turn off")} run={() => cephSetMaintenance(maintenance)} onClose={() => setMaintenance(null)}>
                    {maintenance
                        ? <p>{_("Sets the cluster flag noout: OSDs that go down (the host is rebooted or serviced) stay in, so Ceph does not start moving their data to other OSDs. The cluster reports HEALTH_WARN while the flag is set.")}</p>
                        : <p>{_("Clears the cluster flag noout: an OSD that stays down is marked out again after the usual delay, and its data is rebuilt on the other OSDs.")}</p>}
                </ActionDialog>
            )}
        </Card>
    );
}
