// Restore one disk of a backup as a new volume in the pool for new disks,
// optionally attached to this machine (admins: attaching changes the machine).
import { useState } from "react";
import { Checkbox } from "@patternfly/react-core/dist/esm/components/Checkbox/index.js";
import { FormGroup } from "@patternfly/react-core/dist/esm/components/Form/index.js";
import { FormSelect, FormSelectOption } from "@patternfly/react-core/dist/esm/components/FormSelect/index.js";
import { backupRepositoryRestoreDisk, type BackupEntry } from "../../lib/api/backups";
import { machineDisks } from "../../lib/api/machines";
import { FormDialog } from "../../lib/components/FormDialog";
import type { MachineObject } from "../../lib/dbus-store";
import { format, _ } from "../../lib/gettext";
import { useSubmit } from "../../lib/use-submit";

/** The machine's disk targets (vda, vdb …): the backup's are the same unless disks were added or removed since. */
export function diskTargets(machine: MachineObject): string[] {
    return machineDisks(machine.props).filter(d => d.Device === "disk").map(d => d.Target ?? "").filter(Boolean);
}

export function RestoreDiskDialog({ machine, repositoryPath, backup, when, mayAttach, onClose }: {
    machine: MachineObject;
    repositoryPath: string;
    backup: BackupEntry;
    when: string;
    mayAttach: boolean;
    onClose(): void;
}) {
    const targets = diskTargets(machine);
    const [disk, setDisk] = useState(targets[0] ?? "vda");
    const [attach, setAttach] = useState(false);
    const { error, busy, run } = useSubmit();
    const submit = () => {
        run(() => backupRepositoryRestoreDisk(repositoryPath, backup.FullId, disk, { attach }), onClose);
    };
    return (
        <FormDialog id="restore-disk-form" title={format(_("Restore a disk of $0 from $1"), machine.props.Name, when)} error={error} ready={disk !== ""}
            busy={busy} confirm={_("Restore disk")} onSubmit={submit} onClose={onClose}>
            <FormGroup label={_("Disk")} fieldId="restore-disk-target">
                <FormSelect id="restore-disk-target" value={disk} onChange={(_e, v) => setDisk(v)}>
                    {targets.map(t => <FormSelectOption key={t} value={t} label={t} />)}
                </FormSelect>
            </FormGroup>
            <Checkbox id="restore-disk-attach" isChecked={attach} isDisabled={!mayAttach} onChange={(_e, v) => setAttach(v)}
                label={format(_("Attach it to $0"), machine.props.Name)}
                description={mayAttach ? undefined : _("Only admins may attach disks.")} />
            <p>{_("The disk becomes a new volume in the storage pool for new disks; nothing of the machine's own disks changes. Progress shows in Jobs.")}</p>
        </FormDialog>
    );
}
