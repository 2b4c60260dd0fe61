// Asks before what cannot be undone, naming exactly what will be lost; a
// failure is shown in the dialog itself.
import { useState } from "react";
import { Alert } from "@patternfly/react-core/dist/esm/components/Alert/index.js";
import { Button } from "@patternfly/react-core/dist/esm/components/Button/index.js";
import { Checkbox } from "@patternfly/react-core/dist/esm/components/Checkbox/index.js";
import { List, ListItem } from "@patternfly/react-core/dist/esm/components/List/index.js";
import { Modal, ModalBody, ModalFooter, ModalHeader } from "@patternfly/react-core/dist/esm/components/Modal/index.js";
import { machineCall, machineDelete, machineDisks } from "../lib/api/machines";
import type { MachineObject } from "../lib/dbus-store";
import { format, _ } from "../lib/gettext";

export function ConfirmDialog({ machine, kind, onClose, onDone }: {
    machine: MachineObject; kind: "force-off" | "delete"; onClose: () => void; onDone?: () => void;
}) {
    const [deleteDisks, setDeleteDisks] = useState(false);
    const [error, setError] = useState<string | null>(null);
    const [busy, setBusy] = useState(false);
    const name = machine.props.Name;
    const disks = machineDisks(machine.props).filter(d => d.Device === "disk").map(d => d.Source).filter(Boolean);
    const running = machine.props.State !== "shutoff" && machine.props.State !== "crashed";

    const confirm = () => {
        setBusy(true);
        setError(null);
        const work = kind === "delete" ? machineDelete(machine.path, { deleteDisks, force: running }) : machineCall(machine.path, "ForceOff");
        work.then(() => { onClose(); onDone?.() }, (e: Error) => { setError(e.message); setBusy(false) });
    };

    return (
        <Modal isOpen variant="small" onClose={onClose} aria-labelledby="confirm-title">
            <ModalHeader labelId="confirm-title" titleIconVariant="warning"
                title={kind === "delete" ? format(_("Delete $0?"), name) : format(_("Force off $0?"), name)} />
            <ModalBody>
                {error && <Alert isInline variant="danger" title={_("That did not work")}>{error}</Alert>}
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
            </ModalBody>
            <ModalFooter>
                <Button variant="danger" onClick={confirm} isLoading={busy} isDisabled={busy}>
                    {kind === "delete" ? _("Delete") : _("Force off")}
                </Button>
                <Button variant="link" onClick={onClose}>{_("Cancel")}</Button>
            </ModalFooter>
        </Modal>
    );
}
