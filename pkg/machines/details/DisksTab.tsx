// The machine's disks; attach a new one, detach one (asking first).
import { useState } from "react";
import { Button } from "@patternfly/react-core/dist/esm/components/Button/index.js";
import { Checkbox } from "@patternfly/react-core/dist/esm/components/Checkbox/index.js";
import { Table, Tbody, Td, Tr } from "@patternfly/react-table/dist/esm/components/Table/index.js";
import { machineAttachDisk, machineDetachDisk, machineDisks, type MachineDisk } from "../../lib/api/machines";
import { ActionDialog } from "../../lib/components/ActionDialog";
import type { MachineObject } from "../../lib/dbus-store";
import { format, _ } from "../../lib/gettext";
import { TableHead } from "../../lib/components/TableHead";

const MIB = 1024 ** 2;

export function DisksTab({ machine }: { machine: MachineObject }) {
    const disks = machineDisks(machine.props);
    const [attach, setAttach] = useState(false);
    const [detach, setDetach] = useState<MachineDisk | null>(null);
    const [deleteVolume, setDeleteVolume] = useState(false);
    const [zvol, setZvol] = useState(false);
    return (
        <>
            <Button variant="secondary" className="pf-v6-u-my-md" onClick={() => { setZvol(false); setAttach(true) }}>{_("Add disk")}</Button>
            <Table aria-label={_("Disks")} variant="compact">
                <TableHead columns={[_("Disk"), _("Device"), _("Bus"), _("Format"), _("Source")]} actions />
                <Tbody>
                    {disks.map(d => (
                        <Tr key={d.Target} data-disk={d.Target}>
                            <Td>{d.Target}</Td><Td>{d.Device}</Td><Td>{d.Bus}</Td><Td>{d.Format}</Td>
                            <Td className="debvisor-mono">{d.Source || "—"}</Td>
                            <Td isActionCell>{d.Device === "disk" && <Button variant="link" isDanger onClick={() => { setDeleteVolume(false); setDetach(d) }}>{_("Detach…")}</Button>}</Td>
                        </Tr>
                    ))}
                </Tbody>
            </Table>
            {attach && (
                <ActionDialog title={_("Add a disk")} confirm={_("Add")} onClose={() => setAttach(false)}
                    field={{ label: _("Size (GiB)"), initial: "10", check: v => Number(v) > 0 ? null : _("A size in GiB, more than 0") }}
                    run={v => machineAttachDisk(machine.path, Math.round(Number(v) * 1024) * MIB, zvol)}>
                    <p>{_("A new thin qcow2 volume in the VM storage pool; a running machine sees it at once.")}</p>
                    <Checkbox id="attach-zvol" isChecked={zvol} onChange={(_e, v) => setZvol(v)}
                        label={_("A ZFS volume (zvol) instead: needs OpenZFS and the storage profile zfs")} />
                </ActionDialog>
            )}
            {detach && (
                <ActionDialog title={format(_("Detach $0?"), detach.Target)} confirm={_("Detach")} danger onClose={() => setDetach(null)}
                    run={() => machineDetachDisk(machine.path, detach.Target, deleteVolume)}>
                    <p>{format(_("$0 ($1) is removed from the machine."), detach.Target, detach.Source)}</p>
                    {(!detach.Source.startsWith("/") || (detach.Type === "block" && detach.Source.startsWith("/dev/zvol/"))) && (
                        <Checkbox id="delete-volume" isChecked={deleteVolume} onChange={(_e, v) => setDeleteVolume(v)}
                            label={_("Also delete the volume and everything on it")} />
                    )}
                </ActionDialog>
            )}
        </>
    );
}
