// The CephFS: its state, metadata servers and pools, and whether it is
// mounted at /srv/cephfs on this host; mount and unmount.
import { useState } from "react";
import { Button } from "@patternfly/react-core/dist/esm/components/Button/index.js";
import { Card, CardBody, CardHeader, CardTitle } from "@patternfly/react-core/dist/esm/components/Card/index.js";
import { DescriptionList, DescriptionListDescription, DescriptionListGroup, DescriptionListTerm } from "@patternfly/react-core/dist/esm/components/DescriptionList/index.js";
import { Label } from "@patternfly/react-core/dist/esm/components/Label/index.js";
import { CEPHFS_MOUNTPOINT, cephMountFs, cephFsOf } from "../../lib/api/ceph";
import { ActionDialog } from "../../lib/components/ActionDialog";
import { showError } from "../../lib/components/PageAlerts";
import { _, format } from "../../lib/gettext";
import { Guarded } from "../Guarded";

const MDS_COLOR = (state: string) => state.startsWith("up:active") || state === "active" ? "green" : state.includes("standby") ? "blue" : "orange";

export function CephFsCard({ cephfs, locked, reachable }: { cephfs: Record<string, unknown>; locked: string; reachable: boolean }) {
    const [unmounting, setUnmounting] = useState(false);
    const [busy, setBusy] = useState(false);
    const fs = cephFsOf(cephfs);
    const disabled = Boolean(locked) || !reachable || busy;
    const mount = () => {
        setBusy(true);
        cephMountFs(true).catch((e: unknown) => showError(format(_("Mounting the CephFS at $0 failed"), CEPHFS_MOUNTPOINT), e)).finally(() => setBusy(false));
    };
    const action = fs && (fs.mounted
        ? <Button variant="secondary" isDisabled={disabled} onClick={() => setUnmounting(true)}>{_("Unmount")}</Button>
        : <Button variant="secondary" isDisabled={disabled} isLoading={busy} onClick={mount}>{_("Mount")}</Button>);
    return (
        <Card aria-label={_("CephFS")}>
            <CardHeader actions={action ? { actions: <Guarded locked={locked}>{action}</Guarded> } : undefined}>
                <CardTitle component="h2">{_("CephFS")}</CardTitle>
            </CardHeader>
            <CardBody>
                {!fs ? <p className="debvisor-muted">{_("The cluster has no CephFS.")}</p> : (
                    <DescriptionList isHorizontal isCompact data-cephfs={fs.name} data-mounted={fs.mounted}>
                        <DescriptionListGroup>
                            <DescriptionListTerm>{_("Name")}</DescriptionListTerm>
                            <DescriptionListDescription className="debvisor-mono">{fs.name}</DescriptionListDescription>
                        </DescriptionListGroup>
                        <DescriptionListGroup>
                            <DescriptionListTerm>{_("State")}</DescriptionListTerm>
                            <DescriptionListDescription>
                                <Label isCompact color={fs.state === "active" ? "green" : fs.state === "none" ? "grey" : "orange"}>{fs.state || _("unknown")}</Label>
                            </DescriptionListDescription>
                        </DescriptionListGroup>
                        <DescriptionListGroup>
                            <DescriptionListTerm>{_("Metadata servers")}</DescriptionListTerm>
                            <DescriptionListDescription>
                                {fs.mds.length === 0 && <span className="debvisor-muted">{_("None: the file system cannot be used")}</span>}
                                {fs.mds.map(m => (
                                    <span key={m.name} className="pf-v6-u-mr-sm" data-mds={m.name}>
                                        <span className="debvisor-mono">{m.name}</span> <Label isCompact color={MDS_COLOR(m.state)}>{m.state}</Label>
                                    </span>
                                ))}
                            </DescriptionListDescription>
                        </DescriptionListGroup>
                        <DescriptionListGroup>
                            <DescriptionListTerm>{_("Pools")}</DescriptionListTerm>
                            <DescriptionListDescription>
                                {format(_("data $0, metadata $1"), fs.data_pool || "—", fs.metadata_pool || "—")}
                            </DescriptionListDescription>
                        </DescriptionListGroup>
                        <DescriptionListGroup>
                            <DescriptionListTerm>{_("On this host")}</DescriptionListTerm>
                            <DescriptionListDescription>
                                {fs.mounted
                                    ? <>{_("mounted at")} <span className="debvisor-mono">{fs.mountpoint}</span></>
                                    : <>{_("not mounted")} <span className="debvisor-muted">{format(_("(Mount puts it at $0 and in /etc/fstab)"), CEPHFS_MOUNTPOINT)}</span></>}
                            </DescriptionListDescription>
                        </DescriptionListGroup>
                    </DescriptionList>
                )}
            </CardBody>
            {unmounting && fs && (
                <ActionDialog title={format(_("Unmount $0?"), fs.mountpoint)} confirm={_("Unmount")} run={() => cephMountFs(false)} onClose={() => setUnmounting(false)}>
                    <p>{_("Programs and machines using files under it lose them; it is removed from /etc/fstab, so it stays unmounted after a reboot. The data stays in the cluster.")}</p>
                </ActionDialog>
            )}
        </Card>
    );
}
