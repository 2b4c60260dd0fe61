// Create a pool from spare disks: only disks DebVisor calls "spare" (empty:
// no partitions, filesystem or signature, not the OS disk) can be chosen.
import { useEffect, useState } from "react";
import { Alert } from "@patternfly/react-core/dist/esm/components/Alert/index.js";
import { Button } from "@patternfly/react-core/dist/esm/components/Button/index.js";
import { Checkbox } from "@patternfly/react-core/dist/esm/components/Checkbox/index.js";
import { Form, FormGroup } from "@patternfly/react-core/dist/esm/components/Form/index.js";
import { FormSelect, FormSelectOption } from "@patternfly/react-core/dist/esm/components/FormSelect/index.js";
import { Modal, ModalBody, ModalFooter, ModalHeader } from "@patternfly/react-core/dist/esm/components/Modal/index.js";
import { TextInput } from "@patternfly/react-core/dist/esm/components/TextInput/index.js";
import { managerGetDisks, type Disk } from "../../lib/api/manager";
import { zfsCreatePool, zfsNameProblem, type ZfsLayout } from "../../lib/api/zfs";
import { formatBytes } from "../../lib/format";
import { _, format } from "../../lib/gettext";

const MINIMUM: Record<ZfsLayout, number> = { single: 1, mirror: 2, raidz1: 3, raidz2: 4 };

export function CreatePoolDialog({ onClose }: { features: string[]; onClose(): void }) {
    const [name, setName] = useState("");
    const [layout, setLayout] = useState<ZfsLayout>("mirror");
    const [disks, setDisks] = useState<Disk[] | null>(null);
    const [chosen, setChosen] = useState<string[]>([]);
    const [error, setError] = useState("");
    const [busy, setBusy] = useState(false);
    useEffect(() => {
        managerGetDisks().then(setDisks, (e: Error) => { setDisks([]); setError(e.message) });
    }, []);
    const spare = (disks ?? []).filter(d => d.Role === "spare");
    const nameProblem = name === "" ? null : zfsNameProblem(name, "pool");
    const ready = name !== "" && !nameProblem && chosen.length >= MINIMUM[layout];
    const create = () => {
        setBusy(true);
        setError("");
        zfsCreatePool(name, layout, chosen, "").then(onClose, (e: Error) => { setError(e.message); setBusy(false) });
    };
    return (
        <Modal isOpen variant="medium" onClose={onClose} aria-labelledby="create-pool-title">
            <ModalHeader labelId="create-pool-title" title={_("Create pool")} />
            <ModalBody>
                {error && <Alert isInline variant="danger" title={_("That did not work")} className="pf-v6-u-mb-md">{error}</Alert>}
                <Form id="create-pool-form" onSubmit={e => { e.preventDefault(); if (ready) create() }}>
                    <FormGroup label={_("Name")} fieldId="pool-name" isRequired>
                        <TextInput id="pool-name" value={name} onChange={(_e, v) => setName(v)} validated={nameProblem ? "error" : "default"} />
                        {nameProblem && <p className="debvisor-error-detail">{nameProblem}</p>}
                    </FormGroup>
                    <FormGroup label={_("Layout")} fieldId="pool-layout">
                        <FormSelect id="pool-layout" value={layout} onChange={(_e, v) => setLayout(v as ZfsLayout)}>
                            <FormSelectOption value="single" label={_("Single disk or stripe (no redundancy)")} />
                            <FormSelectOption value="mirror" label={_("Mirror (2 or more disks)")} />
                            <FormSelectOption value="raidz1" label={_("RAID-Z1 (3 or more disks, one may fail)")} />
                            <FormSelectOption value="raidz2" label={_("RAID-Z2 (4 or more disks, two may fail)")} />
                        </FormSelect>
                    </FormGroup>
                    <FormGroup label={_("Disks")} fieldId="pool-disks" role="group">
                        {disks === null && <span className="debvisor-muted">{_("Reading the disks…")}</span>}
                        {disks !== null && spare.length === 0 && <span className="debvisor-muted">{_("This host has no spare (empty) disk.")}</span>}
                        {spare.map(d => {
                            const id = d.ById || d.Path;
                            return (
                                <Checkbox key={id} id={`disk-${d.Name}`} isChecked={chosen.includes(id)}
                                    label={`${d.Path} — ${formatBytes(d.Size)} ${d.Model}`}
                                    onChange={(_e, on) => setChosen(c => on ? [...c, id] : c.filter(x => x !== id))} />
                            );
                        })}
                        {chosen.length < MINIMUM[layout] && <p className="debvisor-muted">{format(_("Choose at least $0."), MINIMUM[layout])}</p>}
                    </FormGroup>
                </Form>
            </ModalBody>
            <ModalFooter>
                <Button variant="primary" type="submit" form="create-pool-form" isDisabled={!ready || busy} isLoading={busy}>{_("Create")}</Button>
                <Button variant="link" onClick={onClose}>{_("Cancel")}</Button>
            </ModalFooter>
        </Modal>
    );
}
