// The pool dialogs: create a replicated pool (its name checked as it is
// typed, with the daemon's rules) and change a pool's replication. The
// daemon's refusal shows at the top of the dialog.
import { useState } from "react";
import { FormGroup, FormHelperText } from "@patternfly/react-core/dist/esm/components/Form/index.js";
import { FormSelect, FormSelectOption } from "@patternfly/react-core/dist/esm/components/FormSelect/index.js";
import { HelperText, HelperTextItem } from "@patternfly/react-core/dist/esm/components/HelperText/index.js";
import { TextInput } from "@patternfly/react-core/dist/esm/components/TextInput/index.js";
import { cephCreatePool, cephPoolNameProblem, cephPoolSetSize, type CephApplication, type CephAutoscale } from "../../lib/api/ceph";
import { FormDialog } from "../../lib/components/FormDialog";
import type { CephPoolObject } from "../../lib/dbus-store";
import { _, format } from "../../lib/gettext";
import { useSubmit } from "../../lib/use-submit";

const REPLICAS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

function Replication({ size, minSize, onSize, onMinSize, allowDefault, osds }: {
    size: number; minSize: number; onSize(n: number): void; onMinSize(n: number): void; allowDefault: boolean; osds: number;
}) {
    return (
        <>
            <FormGroup label={_("Replicas (size)")} fieldId="ceph-pool-size">
                <FormSelect id="ceph-pool-size" value={String(size)} onChange={(_e, v) => { const n = Number(v); onSize(n); onMinSize(allowDefault ? 0 : Math.max(1, Math.min(minSize, n))) }}>
                    {allowDefault && <FormSelectOption value="0" label={_("Cluster default (1 with a single OSD)")} />}
                    {REPLICAS.map(n => <FormSelectOption key={n} value={String(n)} label={String(n)} />)}
                </FormSelect>
                {size > osds && (
                    <FormHelperText><HelperText><HelperTextItem variant="warning">
                        {format(_("The cluster has $0 OSDs that are in: with more replicas than that the pool stays degraded."), osds)}
                    </HelperTextItem></HelperText></FormHelperText>
                )}
            </FormGroup>
            {size > 0 && (
                <FormGroup label={_("Replicas needed for writes (min_size)")} fieldId="ceph-pool-min-size">
                    <FormSelect id="ceph-pool-min-size" value={String(minSize)} onChange={(_e, v) => onMinSize(Number(v))}>
                        {allowDefault && <FormSelectOption value="0" label={_("Cluster default")} />}
                        {REPLICAS.filter(n => n <= size).map(n => <FormSelectOption key={n} value={String(n)} label={String(n)} />)}
                    </FormSelect>
                    {minSize === 1 && size > 1 && (
                        <FormHelperText><HelperText><HelperTextItem variant="warning">
                            {_("With 1, writes are accepted while a single copy is left: a second failure then loses them.")}
                        </HelperTextItem></HelperText></FormHelperText>
                    )}
                </FormGroup>
            )}
        </>
    );
}

/* The name of a new pool or image, with the rule it must follow or what is wrong with it. */
export function CephNameField({ id, name, problem, onName }: { id: string; name: string; problem: string | null; onName(v: string): void }) {
    return (
        <FormGroup label={_("Name")} fieldId={id} isRequired>
            <TextInput id={id} value={name} autoFocus onChange={(_e, v) => onName(v)} validated={problem ? "error" : "default"} />
            <FormHelperText><HelperText><HelperTextItem variant={problem ? "error" : "default"}>
                {problem ?? _("Letters, digits, \"_\", \"-\" and \".\", starting with a letter or digit, at most 100 characters.")}
            </HelperTextItem></HelperText></FormHelperText>
        </FormGroup>
    );
}

export function CephCreatePoolDialog({ osds, onClose }: { osds: number; onClose(): void }) {
    const [name, setName] = useState("");
    const [size, setSize] = useState(0);
    const [minSize, setMinSize] = useState(0);
    const [application, setApplication] = useState<CephApplication>("rbd");
    const [autoscale, setAutoscale] = useState<CephAutoscale>("on");
    const { error, busy, run } = useSubmit();
    const problem = name === "" ? null : cephPoolNameProblem(name);
    const create = () => {
        run(() => cephCreatePool(name, { size: size || undefined, minSize: minSize || undefined, application, autoscale }), onClose);
    };
    return (
        <FormDialog id="ceph-create-pool" title={_("Create pool")} error={error} ready={name !== "" && !problem} busy={busy}
            confirm={_("Create")} onSubmit={create} onClose={onClose}>
            <CephNameField id="ceph-pool-name" name={name} problem={problem} onName={setName} />
            <Replication size={size} minSize={minSize} onSize={setSize} onMinSize={setMinSize} allowDefault osds={osds} />
            <FormGroup label={_("Application")} fieldId="ceph-pool-application">
                <FormSelect id="ceph-pool-application" value={application} onChange={(_e, v) => setApplication(v as CephApplication)}>
                    <FormSelectOption value="rbd" label={_("rbd: block devices (disk images)")} />
                    <FormSelectOption value="cephfs" label={_("cephfs: a file system's data")} />
                    <FormSelectOption value="rgw" label={_("rgw: object storage")} />
                </FormSelect>
            </FormGroup>
            <FormGroup label={_("Placement group autoscaling")} fieldId="ceph-pool-autoscale">
                <FormSelect id="ceph-pool-autoscale" value={autoscale} onChange={(_e, v) => setAutoscale(v as CephAutoscale)}>
                    <FormSelectOption value="on" label={_("on: Ceph adjusts the number of PGs")} />
                    <FormSelectOption value="warn" label={_("warn: a health warning when the number is off")} />
                    <FormSelectOption value="off" label={_("off")} />
                </FormSelect>
            </FormGroup>
        </FormDialog>
    );
}

export function CephSetSizeDialog({ pool, osds, onClose }: { pool: CephPoolObject; osds: number; onClose(): void }) {
    const [size, setSize] = useState(pool.props.Size);
    const [minSize, setMinSize] = useState(pool.props.MinSize);
    const { error, busy, run } = useSubmit();
    const ready = size >= 1 && minSize >= 1 && minSize <= size && (size !== pool.props.Size || minSize !== pool.props.MinSize);
    const save = () => {
        run(() => cephPoolSetSize(pool.path, size, minSize), onClose);
    };
    return (
        <FormDialog id="ceph-set-size" title={format(_("Replication of $0"), pool.props.Name)} error={error} ready={ready} busy={busy}
            confirm={_("Save")} onSubmit={save} onClose={onClose}>
            <p>{_("More replicas are copied in the background; fewer free space at once.")}</p>
            <Replication size={size} minSize={minSize} onSize={setSize} onMinSize={setMinSize}
                allowDefault={false} osds={osds} />
        </FormDialog>
    );
}
