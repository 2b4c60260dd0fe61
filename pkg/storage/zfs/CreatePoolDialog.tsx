// Create a pool from spare disks: only disks DebVisor calls "spare" (empty:
// no partitions, filesystem or signature, not the OS disk) can be chosen.
import { useEffect, useState } from "react";
import { Checkbox } from "@patternfly/react-core/dist/esm/components/Checkbox/index.js";
import { FormGroup } from "@patternfly/react-core/dist/esm/components/Form/index.js";
import { FormSelect, FormSelectOption } from "@patternfly/react-core/dist/esm/components/FormSelect/index.js";
import { TextInput } from "@patternfly/react-core/dist/esm/components/TextInput/index.js";
import { managerGetDisks, type Disk } from "../../lib/api/manager";
import { zfsCreatePool, zfsNameProblem, type ZfsLayout } from "../../lib/api/zfs";
import { FormDialog } from "../../lib/components/FormDialog";
import { formatBytes } from "../../lib/format";
import { _, format } from "../../lib/gettext";
import { useSubmit } from "../../lib/use-submit";

const MINIMUM: Record<ZfsLayout, number> = { single: 1, mirror: 2, raidz1: 3, raidz2: 4 };

export function CreatePoolDialog({ onClose }: { features: string[]; onClose(): void }) {
    const [name, setName] = useState("");
    const [layout, setLayout] = useState<ZfsLayout>("mirror");
    const [disks, setDisks] = useState<Disk[] | null>(null);
    const [chosen, setChosen] = useState<string[]>([]);
    const { error, setError, busy, run } = useSubmit();
    useEffect(() => {
        managerGetDisks().then(setDisks, (e: Error) => { setDisks([]); setError(e.message) });
    }, [setError]); // a state setter: the disks are read once
    const spare = (disks ?? []).filter(d => d.Role === "spare");
    const nameProblem = name === "" ? null : zfsNameProblem(name, "pool");
    const ready = name !== "" && !nameProblem && chosen.length >= MINIMUM[layout];
    const create = () => {
        run(() => zfsCreatePool(name, layout, chosen, ""), onClose);
    };
    return (
        <FormDialog id="create-pool-form" title={_("Create pool")} error={error} ready={ready} busy={busy} confirm={_("Create")}
            variant="medium" onSubmit={create} onClose={onClose}>
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
        </FormDialog>
    );
}
