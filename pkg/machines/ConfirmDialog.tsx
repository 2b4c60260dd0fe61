// Asks before what cannot be undone, naming exactly what will be lost; a
// failure is shown in the dialog itself.
import { useState } from "react";
import { Checkbox } from "@patternfly/react-core/dist/esm/components/Checkbox/index.js";
import { List, ListItem } from "@patternfly/react-core/dist/esm/components/List/index.js";
import { machineCall, machineDelete, machineDisks } from "../lib/api/machines";
import { ActionDialog } from "../lib/components/ActionDialog";
import type { MachineObject } from "../lib/dbus-store";
import { format, _ } from "../lib/gettext";

export function ConfirmDialog({ machine, kind, onClose, onDone }: {
    machine: MachineObject; kind: "force-off" | "delete"; onClose: () => void; onDone?: () => void;
}) {
    const [deleteDisks, setDeleteDisks] = useState(false);
    const name = machine.props.Name;
    const disks = machineDisks(machine.props).filter(d => d.Device === "disk").map(d => d.Source).filter(Boolean);
    const running = machine.props.State !== "shutoff" && machine.props.State !== "crashed";
    const work = () => kind === "delete" ? machineDelete(machine.path, { deleteDisks, force: running }) : machineCall(machine.path, "ForceOff");

    return (
        <ActionDialog title={kind === "delete" ? format(_("Delete $0?"), name) : format(_("Force off $0?"), name)} danger
            confirm={kind === "delete" ? _("Delete") : _("Force off")} run={() => work().then(() => onDone?.())} onClose={onClose}>
            {kind === "force-off"
                ? <p>{_("The machine stops at once, like pulling the plug. Whatever the guest had not written to its disks is lost.")}</p>
                : (
                    <>
                        <p>{running
                            ? _("The machine is running: it will be forced off, then removed from libvirt with its snapshots.")
                            : _("The machine will be removed from libvirt with its snapshots.")}</p>
                        {disks.length > 0 && (
                            <>
                                <Checkbox id="delete-disks" isChecked={deleteDisks} onChange={(_e, v) => setDeleteDisks(v)}
                                    label={_("Also delete its disks (volumes of the storage pools, images in /var/lib/libvirt/images):")} />
                                <List>{disks.map(d => <ListItem key={d} className="debvisor-mono">{d}</ListItem>)}</List>
                            </>
                        )}
                    </>
                )}
        </ActionDialog>
    );
}
