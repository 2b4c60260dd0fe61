// The datasets as a tree (children under their parent), each with its
// snapshots and snapshot schedule: create, snapshot, roll back, clone and
// destroy; destroying a dataset asks for its name to be typed and says
// what goes with it.
import { Fragment, useState } from "react";
import { Button } from "@patternfly/react-core/dist/esm/components/Button/index.js";
import { Table, Tbody, Td, Tr } from "@patternfly/react-table/dist/esm/components/Table/index.js";
import {
    zfsClone, zfsCreateDataset, zfsDatasetDestroy, zfsDestroySnapshot, zfsNameProblem, zfsRollback, zfsSnapshot, zfsSnapshots,
    type ZfsPolicy, type ZfsSchedule, type ZfsSnapshot,
} from "../../lib/api/zfs";
import { ActionDialog, typedName } from "../../lib/components/ActionDialog";
import type { ZfsDatasetObject } from "../../lib/dbus-store";
import { formatBytes, formatTime } from "../../lib/format";
import { _, format } from "../../lib/gettext";
import { defaultSnapshotName } from "../../lib/snapshot-name";
import { ScheduleDialog } from "./ScheduleDialog";
import { TableHead } from "../../lib/components/TableHead";
import { TitledCard } from "../../lib/components/TitledCard";

type Dialog =
    | { kind: "create" | "snapshot" | "destroy" | "schedule"; dataset: ZfsDatasetObject }
    | { kind: "rollback" | "clone" | "destroy-snapshot"; dataset: ZfsDatasetObject; snapshot: ZfsSnapshot };

function policyText(p: ZfsPolicy | undefined): string {
    if (!p)
        return "";
    const parts = (["hourly", "daily", "weekly", "monthly"] as const).filter(k => (p[k] ?? 0) > 0).map(k => `${p[k]} ${k}`);
    return parts.join(", ");
}

export function DatasetsCard({ datasets, schedule: plan }: { datasets: ZfsDatasetObject[]; schedule: ZfsSchedule; features: string[] }) {
    const [dialog, setDialog] = useState<Dialog | null>(null);
    const [open, setOpen] = useState<string | null>(null);
    const close = () => setDialog(null);

    const renderDialog = (d: Dialog) => {
        const ds = d.dataset;
        const name = ds.props.Name;
        switch (d.kind) {
        case "create":
            return (
                <ActionDialog title={format(_("New dataset in $0"), name)} confirm={_("Create")} onClose={close}
                    field={{ label: _("Name"), initial: `${name}/`, check: v => zfsNameProblem(v, "dataset") }}
                    run={v => zfsCreateDataset(v, {})} />
            );
        case "snapshot":
            return (
                <ActionDialog title={format(_("Snapshot of $0"), name)} confirm={_("Take snapshot")} onClose={close}
                    field={{ label: _("Snapshot name"), initial: defaultSnapshotName(), check: v => zfsNameProblem(v, "snapshot") }}
                    run={v => zfsSnapshot(ds.path, v, false)} />
            );
        case "destroy": {
            const dependents = datasets.filter(x => x.props.Name.startsWith(`${name}/`)).map(x => x.props.Name);
            const snapshots = zfsSnapshots(ds.props).length;
            return (
                <ActionDialog title={format(_("Destroy $0?"), name)} confirm={_("Destroy")} danger onClose={close}
                    field={typedName(name, _("Type the dataset's name to confirm"))}
                    run={() => zfsDatasetDestroy(ds.path, dependents.length + snapshots > 0)}>
                    <p>{_("Its data is lost. This cannot be undone.")}</p>
                    {snapshots > 0 && <p>{format(_("Its $0 snapshots are destroyed with it."), snapshots)}</p>}
                    {dependents.length > 0 && <p>{format(_("So are the datasets in it: $0"), dependents.join(", "))}</p>}
                </ActionDialog>
            );
        }
        case "schedule":
            return <ScheduleDialog dataset={name} schedule={plan} onClose={close} />;
        case "rollback": {
            const all = zfsSnapshots(ds.props);
            const newer = all.slice(all.findIndex(s => s.Name === d.snapshot.Name) + 1).map(s => s.Name);
            return (
                <ActionDialog title={format(_("Roll $0 back to $1?"), name, d.snapshot.Name)} confirm={_("Roll back")} danger onClose={close}
                    run={() => zfsRollback(ds.path, d.snapshot.Name, newer.length > 0)}>
                    <p>{_("Everything written since the snapshot was taken is lost.")}</p>
                    {newer.length > 0 && <p>{format(_("The newer snapshots are destroyed: $0"), newer.join(", "))}</p>}
                </ActionDialog>
            );
        }
        case "clone":
            return (
                <ActionDialog title={format(_("Clone $0@$1"), name, d.snapshot.Name)} confirm={_("Clone")} onClose={close}
                    field={{ label: _("New dataset"), initial: `${name}-${d.snapshot.Name}`, check: v => zfsNameProblem(v, "dataset") }}
                    run={v => zfsClone(ds.path, d.snapshot.Name, v)} />
            );
        case "destroy-snapshot":
            return (
                <ActionDialog title={format(_("Destroy snapshot $0@$1?"), name, d.snapshot.Name)} confirm={_("Destroy")} danger onClose={close}
                    run={() => zfsDestroySnapshot(ds.path, d.snapshot.Name)}>
                    <p>{_("The dataset itself stays as it is.")}</p>
                </ActionDialog>
            );
        }
    };

    return (
        <TitledCard title={_("Datasets and snapshots")} aria-label={_("Datasets")}>
            <Table aria-label={_("Datasets")} variant="compact">
                <TableHead columns={[_("Name"), _("Used"), _("Available"), _("Compression"), _("Quota"), _("Mountpoint"), _("Snapshots")]} actions />
                <Tbody>
                    {datasets.map(ds => {
                        const p = ds.props;
                        const depth = p.Name.split("/").length - 1;
                        const snapshots = zfsSnapshots(p);
                        const policy = policyText(plan.snapshots?.[p.Name]);
                        return (
                            <Fragment key={ds.path}>
                                <Tr data-dataset={p.Name}>
                                    <Td className="debvisor-mono" style={{ paddingInlineStart: `${1 + depth * 1.5}rem` }}>
                                        {depth === 0 ? p.Name : p.Name.slice(p.Name.lastIndexOf("/") + 1)}
                                        {p.Origin && <span className="debvisor-muted"> {format(_("(clone of $0)"), p.Origin)}</span>}
                                    </Td>
                                    <Td>{formatBytes(p.Used)}</Td>
                                    <Td>{formatBytes(p.Available)}</Td>
                                    <Td>{p.Compression}</Td>
                                    <Td>{p.Quota === 0 ? "—" : formatBytes(p.Quota)}</Td>
                                    <Td className="debvisor-mono">{p.Mountpoint}</Td>
                                    <Td>
                                        <Button variant="link" isInline onClick={() => setOpen(open === ds.path ? null : ds.path)}>{String(snapshots.length)}</Button>
                                        {policy && <span className="debvisor-muted"> {format(_("(keeps $0)"), policy)}</span>}
                                    </Td>
                                    <Td isActionCell style={{ whiteSpace: "nowrap" }}>
                                        <Button variant="link" onClick={() => setDialog({ kind: "create", dataset: ds })}>{_("New dataset")}</Button>
                                        <Button variant="link" onClick={() => setDialog({ kind: "snapshot", dataset: ds })}>{_("Snapshot")}</Button>
                                        <Button variant="link" onClick={() => setDialog({ kind: "schedule", dataset: ds })}>{_("Schedule")}</Button>
                                        {depth > 0 && <Button variant="link" isDanger onClick={() => setDialog({ kind: "destroy", dataset: ds })}>{_("Destroy")}</Button>}
                                    </Td>
                                </Tr>
                                {open === ds.path && snapshots.map(s => (
                                    <Tr key={`${ds.path}@${s.Name}`} data-snapshot={`${p.Name}@${s.Name}`}>
                                        <Td className="debvisor-mono" style={{ paddingInlineStart: `${2.5 + depth * 1.5}rem` }}>@{s.Name}</Td>
                                        <Td>{formatBytes(s.Used)}</Td>
                                        <Td />
                                        <Td colSpan={3}>{formatTime(s.CreationTime)}</Td>
                                        <Td />
                                        <Td isActionCell style={{ whiteSpace: "nowrap" }}>
                                            <Button variant="link" onClick={() => setDialog({ kind: "rollback", dataset: ds, snapshot: s })}>{_("Roll back")}</Button>
                                            <Button variant="link" onClick={() => setDialog({ kind: "clone", dataset: ds, snapshot: s })}>{_("Clone")}</Button>
                                            <Button variant="link" isDanger onClick={() => setDialog({ kind: "destroy-snapshot", dataset: ds, snapshot: s })}>{_("Destroy")}</Button>
                                        </Td>
                                    </Tr>
                                ))}
                            </Fragment>
                        );
                    })}
                </Tbody>
            </Table>
            {dialog && renderDialog(dialog)}
        </TitledCard>
    );
}
