// Restore over this machine (everything, or one disk's contents): the
// daemon's plan (a dry run) says what is lost, and the admin types the
// machine's name before the disks are replaced.
import { useEffect, useState } from "react";
import { Alert } from "@patternfly/react-core/dist/esm/components/Alert/index.js";
import { FormGroup } from "@patternfly/react-core/dist/esm/components/Form/index.js";
import { FormSelect, FormSelectOption } from "@patternfly/react-core/dist/esm/components/FormSelect/index.js";
import { List, ListItem } from "@patternfly/react-core/dist/esm/components/List/index.js";
import { Spinner } from "@patternfly/react-core/dist/esm/components/Spinner/index.js";
import { backupRepositoryRestoreOverOriginal, type BackupEntry } from "../../lib/api/backups";
import type { CallError } from "../../lib/api/call";
import { ActionDialog, typedName } from "../../lib/components/ActionDialog";
import type { MachineObject } from "../../lib/dbus-store";
import { format, _ } from "../../lib/gettext";
import { diskTargets } from "./RestoreDiskDialog";

export function RestoreOverDialog({ machine, repositoryPath, backup, when, onClose }: {
    machine: MachineObject;
    repositoryPath: string;
    backup: BackupEntry;
    when: string;
    onClose(): void;
}) {
    // "": the whole machine; else only that disk's contents
    const [only, setOnly] = useState("");
    const [lost, setLost] = useState<string[] | null>(null);
    const [planError, setPlanError] = useState("");
    const disks = only ? [only] : undefined;
    useEffect(() => {
        let current = true;
        setLost(null);
        setPlanError("");
        backupRepositoryRestoreOverOriginal(repositoryPath, backup.FullId, true, only ? [only] : undefined).then(
            plan => { if (current) setLost(plan.lost) },
            (e: CallError) => { if (current) setPlanError(e.message) });
        return () => { current = false };
    }, [repositoryPath, backup.FullId, only]);
    const name = machine.props.Name;

    return (
        <ActionDialog title={format(_("Restore $0 from its backup of $1"), name, when)} confirm={_("Restore over this machine")} danger
            field={typedName(name, format(_("Type \"$0\" to confirm"), name))}
            run={() => lost === null ? Promise.reject(new Error(planError || _("The plan is not read yet"))) : backupRepositoryRestoreOverOriginal(repositoryPath, backup.FullId, false, disks)}
            onClose={onClose}>
            <p>{format(_("The backup is put back over $0: its disks are restored beside the current ones and swapped in only when all are complete, so a failure or cancel leaves the machine as it is. Progress shows in Jobs."), name)}</p>
            <FormGroup label={_("What to restore")} fieldId="restore-over-scope" className="pf-v6-u-mb-md">
                <FormSelect id="restore-over-scope" value={only} onChange={(_e, v) => setOnly(v)}>
                    <FormSelectOption value="" label={_("Every disk and the settings")} />
                    {diskTargets(machine).map(t => <FormSelectOption key={t} value={t} label={format(_("Only disk $0"), t)} />)}
                </FormSelect>
            </FormGroup>
            {planError && <Alert isInline variant="danger" title={_("This backup cannot be restored over the machine")}>{planError}</Alert>}
            {!planError && lost === null && <Spinner size="md" aria-label={_("Reading what would be lost")} />}
            {lost !== null && (
                <>
                    <p><strong>{_("What is lost:")}</strong></p>
                    <List id="restore-over-lost">{lost.map(l => <ListItem key={l}>{l}</ListItem>)}</List>
                </>
            )}
        </ActionDialog>
    );
}
