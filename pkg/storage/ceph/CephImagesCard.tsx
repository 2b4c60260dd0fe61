// RBD images, pool by pool (the pools enabled for rbd): size, space used,
// snapshots; create, resize, snapshot and delete (the image's name typed);
// each snapshot rolled back to or deleted (the snapshot's name typed).
import { Fragment, useState } from "react";
import { Button } from "@patternfly/react-core/dist/esm/components/Button/index.js";
import { Table, Tbody, Td, Tr } from "@patternfly/react-table/dist/esm/components/Table/index.js";
import { cephImageDelete, cephImageNameProblem, cephImageSnapshot, cephSnapshotAction, snapshotsOf, type CephSnapshot } from "../../lib/api/ceph";
import { cockpit } from "../../lib/cockpit";
import { ActionDialog, typedName } from "../../lib/components/ActionDialog";
import type { CephImageObject, CephPoolObject } from "../../lib/dbus-store";
import { formatBytes, formatTime } from "../../lib/format";
import { _, format } from "../../lib/gettext";
import { defaultSnapshotName } from "../../lib/snapshot-name";
import { CephCreateImageDialog, CephResizeImageDialog } from "./CephImageDialogs";
import { Guarded, GuardedActions } from "../Guarded";
import { TableHead } from "../../lib/components/TableHead";
import { TitledCard } from "../../lib/components/TitledCard";

type Dialog =
    | { kind: "create"; pool: CephPoolObject }
    | { kind: "resize" | "snapshot" | "delete"; image: CephImageObject }
    | { kind: "rollback" | "delete-snapshot"; image: CephImageObject; snapshot: CephSnapshot };

/* Roll back to a snapshot or delete it: both ask for the snapshot's name. */
function SnapshotDialog({ action, image, snapshot, onClose }: {
    action: "rollback" | "delete-snapshot"; image: CephImageObject; snapshot: CephSnapshot; onClose(): void;
}) {
    const spec = `${image.props.Pool}/${image.props.Name}@${snapshot.name}`;
    const rollback = action === "rollback";
    return (
        <ActionDialog title={format(rollback ? _("Roll $0 back?") : _("Delete snapshot $0?"), spec)} danger onClose={onClose}
            confirm={rollback ? _("Roll back") : _("Delete")} field={typedName(snapshot.name, _("Type the snapshot's name to confirm"))}
            run={v => cephSnapshotAction(image.path, rollback ? "rollback" : "delete", snapshot.name, v)}>
            <p>{rollback
                ? format(_("The image $0 returns to its state of $1. Everything written to it since is lost. A running machine that uses it must be shut down first."),
                    `${image.props.Pool}/${image.props.Name}`, formatTime(snapshot.created) || snapshot.name)
                : _("The snapshot is gone for good; the image itself is not changed.")}</p>
        </ActionDialog>
    );
}

export function CephImagesCard({ pools, images, locked, reachable }: {
    pools: CephPoolObject[]; images: CephImageObject[]; locked: string; reachable: boolean;
}) {
    const [dialog, setDialog] = useState<Dialog | null>(null);
    const [open, setOpen] = useState<string | null>(null);
    const disabled = Boolean(locked) || !reachable;
    const rbdPools = pools.filter(p => p.props.Applications.includes("rbd") || images.some(i => i.props.Pool === p.props.Name));
    const close = () => setDialog(null);

    const renderDialog = (d: Dialog) => {
        if (d.kind === "create")
            return <CephCreateImageDialog pool={d.pool} onClose={close} />;
        const image = d.image;
        const name = image.props.Name;
        if (d.kind === "resize")
            return <CephResizeImageDialog image={image} onClose={close} />;
        if (d.kind === "rollback" || d.kind === "delete-snapshot")
            return <SnapshotDialog action={d.kind} image={image} snapshot={d.snapshot} onClose={close} />;
        if (d.kind === "snapshot")
            return (
                <ActionDialog title={format(_("Snapshot of $0/$1"), image.props.Pool, name)} confirm={_("Take snapshot")} onClose={close}
                    field={{ label: _("Snapshot name"), initial: defaultSnapshotName(), check: cephImageNameProblem }}
                    run={v => cephImageSnapshot(image.path, v)} />
            );
        const snapshots = snapshotsOf(image.props.Snapshots).length;
        return (
            <ActionDialog title={format(_("Delete image $0/$1?"), image.props.Pool, name)} confirm={_("Delete")} danger onClose={close}
                field={typedName(name, _("Type the image's name to confirm"))}
                run={v => cephImageDelete(image.path, v)}>
                <p>{_("Its data is lost. This cannot be undone.")}</p>
                {snapshots > 0 && <p>{format(_("Its $0 snapshots are deleted with it."), snapshots)}</p>}
            </ActionDialog>
        );
    };

    return (
        <TitledCard title={_("RBD images")} aria-label={_("RBD images")}>
            {rbdPools.length === 0 ? <p className="debvisor-muted">{_("No pool is enabled for rbd.")}</p> : (
                <Table aria-label={_("RBD images")} variant="compact">
                    <TableHead columns={[_("Name"), _("Size"), _("Used"), _("Snapshots")]} actions />
                    {rbdPools.map(pool => {
                        const inPool = images.filter(i => i.props.Pool === pool.props.Name);
                        return (
                            <Tbody key={pool.path} data-image-pool={pool.props.Name}>
                                <Tr>
                                    <Td colSpan={4}>
                                        <strong className="debvisor-mono">{pool.props.Name}</strong>
                                        <span className="debvisor-muted">
                                            {" "}{inPool.length === 0 ? _("no images") : format(cockpit.ngettext("$0 image", "$0 images", inPool.length), inPool.length)}
                                        </span>
                                    </Td>
                                    <Td isActionCell>
                                        <Guarded locked={locked}>
                                            <Button variant="link" isDisabled={disabled} onClick={() => setDialog({ kind: "create", pool })}>{_("Create image")}</Button>
                                        </Guarded>
                                    </Td>
                                </Tr>
                                {inPool.map(image => {
                                    const p = image.props;
                                    const snapshots = snapshotsOf(p.Snapshots);
                                    return (
                                        <Fragment key={image.path}>
                                            <Tr data-image={`${p.Pool}/${p.Name}`}>
                                                <Td dataLabel={_("Name")} className="debvisor-mono" style={{ paddingInlineStart: "2.5rem" }}>{p.Name}</Td>
                                                <Td dataLabel={_("Size")} data-size={p.Size}>{formatBytes(p.Size)}</Td>
                                                <Td dataLabel={_("Used")}>{formatBytes(p.UsedBytes)}</Td>
                                                <Td dataLabel={_("Snapshots")}>
                                                    <Button variant="link" isInline isDisabled={snapshots.length === 0}
                                                        onClick={() => setOpen(open === image.path ? null : image.path)}>{String(snapshots.length)}</Button>
                                                </Td>
                                                <GuardedActions locked={locked}>
                                                    <Button variant="link" isDisabled={disabled} onClick={() => setDialog({ kind: "resize", image })}>{_("Resize")}</Button>
                                                    <Button variant="link" isDisabled={disabled} onClick={() => setDialog({ kind: "snapshot", image })}>{_("Snapshot")}</Button>
                                                    <Button variant="link" isDanger isDisabled={disabled} onClick={() => setDialog({ kind: "delete", image })}>{_("Delete")}</Button>
                                                </GuardedActions>
                                            </Tr>
                                            {open === image.path && snapshots.map(s => (
                                                <Tr key={`${image.path}@${s.name}`} data-image-snapshot={`${p.Pool}/${p.Name}@${s.name}`}>
                                                    <Td className="debvisor-mono" style={{ paddingInlineStart: "4rem" }}>@{s.name}</Td>
                                                    <Td>{formatBytes(s.size)}</Td>
                                                    <Td colSpan={2}>
                                                        {formatTime(s.created)}
                                                        {s.protected && <span className="debvisor-muted"> {_("(protected)")}</span>}
                                                    </Td>
                                                    <GuardedActions locked={locked}>
                                                        <Button variant="link" isDisabled={disabled}
                                                            onClick={() => setDialog({ kind: "rollback", image, snapshot: s })}>{_("Roll back")}</Button>
                                                        <Guarded locked={s.protected && !locked ? _("A protected snapshot (clones may be made from it) is not deleted: unprotect it first.") : ""}>
                                                            <Button variant="link" isDanger isDisabled={disabled || s.protected}
                                                                onClick={() => setDialog({ kind: "delete-snapshot", image, snapshot: s })}>{_("Delete")}</Button>
                                                        </Guarded>
                                                    </GuardedActions>
                                                </Tr>
                                            ))}
                                        </Fragment>
                                    );
                                })}
                            </Tbody>
                        );
                    })}
                </Table>
            )}
            {dialog && renderDialog(dialog)}
        </TitledCard>
    );
}
