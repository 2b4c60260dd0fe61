// Add OSD: the spare disks (as GetDisks calls them, and the test files that
// AddOsd takes in their place), one chosen; the dialog says plainly that it
// is wiped and asks for its name typed, then follows the AddOsd job.
import { useEffect, useState } from "react";
import { Alert } from "@patternfly/react-core/dist/esm/components/Alert/index.js";
import { Button } from "@patternfly/react-core/dist/esm/components/Button/index.js";
import { DataList } from "@patternfly/react-core/dist/esm/components/DataList/index.js";
import { FormGroup } from "@patternfly/react-core/dist/esm/components/Form/index.js";
import { Modal, ModalBody, ModalFooter, ModalHeader } from "@patternfly/react-core/dist/esm/components/Modal/index.js";
import { Radio } from "@patternfly/react-core/dist/esm/components/Radio/index.js";
import { TextInput } from "@patternfly/react-core/dist/esm/components/TextInput/index.js";
import { cephAddOsd } from "../../lib/api/ceph";
import { managerGetDisks, type Disk } from "../../lib/api/manager";
import { FormDialog } from "../../lib/components/FormDialog";
import { JobRow } from "../../lib/components/JobsPanel";
import { useJobs } from "../../lib/dbus-store";
import { formatBytes } from "../../lib/format";
import { _, format } from "../../lib/gettext";
import { useSubmit } from "../../lib/use-submit";
import { FieldError } from "../../lib/components/FieldError";

/* The path AddOsd is given: the stable by-id path where udev made one. */
const devicePath = (d: Disk) => d.ById || d.Path;

function describe(d: Disk): string {
    return [formatBytes(d.Size), d.Model, d.Serial, d.Transport].filter(Boolean).join(", ");
}

/* After the call: the job as the Jobs panel shows it, until the dialog is closed. */
function AddOsdProgress({ job, name, onClose }: { job: string; name: string; onClose(): void }) {
    const found = useJobs().find(j => j.path === job);
    const state = found?.props.State ?? "running";
    return (
        <Modal isOpen variant="small" onClose={onClose} aria-labelledby="ceph-add-osd-title">
            <ModalHeader labelId="ceph-add-osd-title" title={format(_("Adding $0 as an OSD"), name)} />
            <ModalBody data-add-osd-state={state}>
                {found
                    ? <DataList aria-label={_("Jobs")} isCompact><JobRow job={found} /></DataList>
                    : <p className="debvisor-muted">{_("Starting…")}</p>}
                {state === "running" && <p className="debvisor-muted pf-v6-u-mt-sm">{_("You may close this dialog: the job goes on, and shows in the jobs panel.")}</p>}
            </ModalBody>
            <ModalFooter>
                <Button variant={state === "running" ? "link" : "primary"} onClick={onClose}>{_("Close")}</Button>
            </ModalFooter>
        </Modal>
    );
}

export function CephAddOsdDialog({ onClose }: { onClose(): void }) {
    const [disks, setDisks] = useState<Disk[] | null>(null);
    const [chosen, setChosen] = useState<Disk | null>(null);
    const [typed, setTyped] = useState("");
    const { error, setError, busy, run } = useSubmit();
    const [job, setJob] = useState<string | null>(null);
    useEffect(() => {
        managerGetDisks("ceph").then(setDisks, (e: Error) => { setDisks([]); setError(e.message) });
    }, [setError]); // a state setter: the disks are read once

    if (job && chosen)
        return <AddOsdProgress job={job} name={chosen.Name} onClose={onClose} />;
    const spare = (disks ?? []).filter(d => d.Role === "spare");
    const add = () => {
        if (!chosen)
            return;
        run(() => cephAddOsd(devicePath(chosen)), setJob);
    };
    const mismatch = typed !== "" && chosen !== null && typed !== chosen.Name;
    return (
        <FormDialog id="ceph-add-osd" title={_("Add OSD")} error={error} busy={busy} confirm={_("Wipe and add")} danger variant="medium"
            ready={chosen !== null && typed === chosen.Name} onSubmit={add} onClose={onClose}>
            <FormGroup label={_("Spare disk")} role="radiogroup" fieldId="ceph-add-osd-disk" isStack>
                {disks === null && <span className="debvisor-muted">{_("Reading the disks…")}</span>}
                {disks !== null && spare.length === 0 && <span className="debvisor-muted">{_("This host has no spare (empty) disk.")}</span>}
                {spare.map(d => (
                    <Radio key={d.Path} id={`ceph-add-osd-${d.Name}`} name="ceph-add-osd-disk" data-disk={devicePath(d)}
                        label={<span className="debvisor-mono">{devicePath(d)}</span>} description={describe(d)}
                        isChecked={chosen?.Path === d.Path} onChange={() => { setChosen(d); setTyped("") }} />
                ))}
            </FormGroup>
            {chosen && (
                <>
                    <Alert isInline variant="danger" title={format(_("Everything on $0 is wiped"), devicePath(chosen))}>
                        {format(_("The disk ($0) becomes a BlueStore OSD of this cluster: whatever is on it now is lost for good. Ceph then moves placement groups onto it."),
                            describe(chosen))}
                    </Alert>
                    <FormGroup label={format(_("Type the disk's name, $0, to confirm"), chosen.Name)} fieldId="ceph-add-osd-confirm">
                        <TextInput id="ceph-add-osd-confirm" value={typed} onChange={(_e, v) => setTyped(v)} validated={mismatch ? "error" : "default"} />
                        {mismatch && <FieldError text={_("The name does not match")} />}
                    </FormGroup>
                </>
            )}
        </FormDialog>
    );
}
