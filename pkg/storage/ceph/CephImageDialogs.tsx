// Create and resize an RBD image: a size with its unit; shrinking an image
// needs its own checkbox, as data past the new end is lost.
import { useState } from "react";
import { Checkbox } from "@patternfly/react-core/dist/esm/components/Checkbox/index.js";
import { FormGroup } from "@patternfly/react-core/dist/esm/components/Form/index.js";
import { FormSelect, FormSelectOption } from "@patternfly/react-core/dist/esm/components/FormSelect/index.js";
import { TextInput } from "@patternfly/react-core/dist/esm/components/TextInput/index.js";
import { Flex, FlexItem } from "@patternfly/react-core/dist/esm/layouts/Flex/index.js";
import {
    cephCreateImage, cephImageNameProblem, cephImageResize, imageSize, SIZE_UNITS, sizeInUnit, type SizeUnit,
} from "../../lib/api/ceph";
import { FormDialog } from "../../lib/components/FormDialog";
import type { CephImageObject, CephPoolObject } from "../../lib/dbus-store";
import { formatBytes } from "../../lib/format";
import { CephNameField } from "./CephPoolDialogs";
import { _, format } from "../../lib/gettext";
import { useSubmit } from "../../lib/use-submit";
import { FieldError } from "../../lib/components/FieldError";

function SizeField({ amount, unit, onAmount, onUnit, problem }: {
    amount: string; unit: SizeUnit; onAmount(v: string): void; onUnit(u: SizeUnit): void; problem: string | null;
}) {
    return (
        <FormGroup label={_("Size")} fieldId="ceph-image-size" isRequired>
            <Flex spaceItems={{ default: "spaceItemsSm" }} flexWrap={{ default: "nowrap" }}>
                <FlexItem grow={{ default: "grow" }}>
                    <TextInput id="ceph-image-size" type="text" inputMode="decimal" value={amount} onChange={(_e, v) => onAmount(v)}
                        validated={problem ? "error" : "default"} />
                </FlexItem>
                <FlexItem>
                    <FormSelect id="ceph-image-unit" aria-label={_("Unit")} value={unit} onChange={(_e, v) => onUnit(v as SizeUnit)}>
                        {Object.keys(SIZE_UNITS).map(u => <FormSelectOption key={u} value={u} label={u} />)}
                    </FormSelect>
                </FlexItem>
            </Flex>
            {problem && <FieldError text={problem} />}
        </FormGroup>
    );
}

export function CephCreateImageDialog({ pool, onClose }: { pool: CephPoolObject; onClose(): void }) {
    const [name, setName] = useState("");
    const [amount, setAmount] = useState("10");
    const [unit, setUnit] = useState<SizeUnit>("GiB");
    const { error, busy, run } = useSubmit();
    const nameProblem = name === "" ? null : cephImageNameProblem(name);
    const size = imageSize(amount, unit);
    const sizeProblem = "problem" in size ? size.problem : null;
    const create = () => {
        if (!("bytes" in size))
            return;
        run(() => cephCreateImage(pool.path, name, size.bytes), onClose);
    };
    return (
        <FormDialog id="ceph-create-image" title={format(_("New image in $0"), pool.props.Name)} error={error} busy={busy} confirm={_("Create")}
            ready={name !== "" && !nameProblem && !sizeProblem} onSubmit={create} onClose={onClose}>
            <CephNameField id="ceph-image-name" name={name} problem={nameProblem} onName={setName} />
            <SizeField amount={amount} unit={unit} onAmount={setAmount} onUnit={setUnit} problem={sizeProblem} />
            <p className="debvisor-muted">{_("The image is thin: it takes space only as data is written.")}</p>
        </FormDialog>
    );
}

export function CephResizeImageDialog({ image, onClose }: { image: CephImageObject; onClose(): void }) {
    const initial = sizeInUnit(image.props.Size);
    const [amount, setAmount] = useState(initial.amount);
    const [unit, setUnit] = useState<SizeUnit>(initial.unit);
    const [shrink, setShrink] = useState(false);
    const { error, busy, run } = useSubmit();
    const size = imageSize(amount, unit);
    const bytes = "bytes" in size ? size.bytes : 0;
    const shrinking = bytes > 0 && bytes < image.props.Size;
    const ready = bytes > 0 && bytes !== image.props.Size && (!shrinking || shrink);
    const resize = () => {
        run(() => cephImageResize(image.path, bytes, shrinking), onClose);
    };
    return (
        <FormDialog id="ceph-resize-image" title={format(_("Resize $0/$1"), image.props.Pool, image.props.Name)} error={error} busy={busy}
            confirm={_("Resize")} danger={shrinking} ready={ready} onSubmit={resize} onClose={onClose}>
            <p>{format(_("Now $0."), formatBytes(image.props.Size))}</p>
            <SizeField amount={amount} unit={unit} onAmount={setAmount} onUnit={setUnit} problem={"problem" in size ? size.problem : null} />
            {shrinking && (
                <Checkbox id="ceph-image-shrink" isChecked={shrink} onChange={(_e, on) => setShrink(on)}
                    label={format(_("Shrink by $0: the data past the new end is lost, and a file system on the image that is larger than the new size breaks"),
                        formatBytes(image.props.Size - bytes))} />
            )}
        </FormDialog>
    );
}
