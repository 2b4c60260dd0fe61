// Snapshots: take one, revert to one, delete one. Reverting says exactly
// what is lost; a running machine's snapshot holds its memory too.
import { useState } from "react";
import { Button } from "@patternfly/react-core/dist/esm/components/Button/index.js";
import { Label } from "@patternfly/react-core/dist/esm/components/Label/index.js";
import { Table, Tbody, Td, Tr } from "@patternfly/react-table/dist/esm/components/Table/index.js";
import { machineSnapshots, snapshotCreate, snapshotDelete, snapshotRevert, type MachineSnapshot } from "../../lib/api/machines";
import { ActionDialog } from "../../lib/components/ActionDialog";
import type { MachineObject } from "../../lib/dbus-store";
import { format, _ } from "../../lib/gettext";
import { checkSnapshotName } from "../machine-rules";
import { formatTime } from "../../lib/format";
import { TableHead } from "../../lib/components/TableHead";

export function SnapshotsTab({ machine }: { machine: MachineObject }) {
    const snapshots = machineSnapshots(machine.props);
    const [create, setCreate] = useState(false);
    const [revert, setRevert] = useState<MachineSnapshot | null>(null);
    const [remove, setRemove] = useState<MachineSnapshot | null>(null);
    const when = (s: MachineSnapshot) => formatTime(s.CreationTime);
    return (
        <>
            <Button variant="secondary" className="pf-v6-u-my-md" onClick={() => setCreate(true)}>{_("Take snapshot")}</Button>
            {snapshots.length === 0
                ? <p className="debvisor-muted">{_("No snapshots yet.")}</p>
                : (
                    <Table aria-label={_("Snapshots")} variant="compact">
                        <TableHead columns={[_("Name"), _("Taken"), _("Machine was"), _("Description")]} actions />
                        <Tbody>
                            {snapshots.map(s => (
                                <Tr key={s.Name} data-snapshot={s.Name}>
                                    <Td>{s.Name} {s.Current && <Label isCompact color="blue">{_("current")}</Label>}</Td>
                                    <Td>{when(s)}</Td><Td>{s.State}</Td><Td>{s.Description}</Td>
                                    <Td isActionCell>
                                        <Button variant="link" onClick={() => setRevert(s)}>{_("Revert…")}</Button>
                                        <Button variant="link" isDanger onClick={() => setRemove(s)}>{_("Delete…")}</Button>
                                    </Td>
                                </Tr>
                            ))}
                        </Tbody>
                    </Table>
                )}
            {create && (
                <ActionDialog title={_("Take a snapshot")} confirm={_("Take snapshot")} onClose={() => setCreate(false)}
                    field={{ label: _("Name"), initial: `snap-${new Date().toISOString().slice(0, 16).replace(/[-:T]/g, "")}`, check: v => checkSnapshotName(v, snapshots.map(s => s.Name)) }}
                    run={v => snapshotCreate(machine.path, v, "")}>
                    <p>{machine.props.State === "running"
                        ? _("The disks and the memory of the running machine are saved: reverting returns to this very moment.")
                        : _("The disks are saved.")}</p>
                </ActionDialog>
            )}
            {revert && (
                <ActionDialog title={format(_("Revert $0 to $1?"), machine.props.Name, revert.Name)} confirm={_("Revert")} danger onClose={() => setRevert(null)}
                    run={() => snapshotRevert(machine.path, revert.Name)}>
                    <p>{format(_("Everything $0 wrote to its disks since $1, and its current memory, is lost."), machine.props.Name, when(revert))}</p>
                </ActionDialog>
            )}
            {remove && (
                <ActionDialog title={format(_("Delete snapshot $0?"), remove.Name)} confirm={_("Delete")} danger onClose={() => setRemove(null)}
                    run={() => snapshotDelete(machine.path, remove.Name)}>
                    <p>{_("The machine's current state is not touched; it can no longer return to this snapshot.")}</p>
                </ActionDialog>
            )}
        </>
    );
}
