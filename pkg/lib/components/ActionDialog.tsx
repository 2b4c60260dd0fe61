// One dialog for the many small actions: an explanation (what will happen,
// what will be lost), optionally one field checked as it is typed, and the
// failure of the action shown at the top of the dialog that caused it.
import { useState, type ReactNode } from "react";
import { Alert } from "@patternfly/react-core/dist/esm/components/Alert/index.js";
import { Button } from "@patternfly/react-core/dist/esm/components/Button/index.js";
import { Form, FormGroup } from "@patternfly/react-core/dist/esm/components/Form/index.js";
import { Modal, ModalBody, ModalFooter, ModalHeader } from "@patternfly/react-core/dist/esm/components/Modal/index.js";
import { TextInput } from "@patternfly/react-core/dist/esm/components/TextInput/index.js";
import { _ } from "../gettext";
import { useSubmit } from "../use-submit";
import { FieldError } from "./FieldError";

interface ActionField {
    label: string;
    initial?: string;
    check(value: string): string | null;
}

/* The field of a dialog whose action cannot be undone: the thing's name typed again. */
export function typedName(name: string, label: string): ActionField {
    return { label, check: v => v === name ? null : _("The name does not match") };
}

export function ActionDialog({ title, children, field, confirm, danger, run, onClose }: {
    title: string;
    children?: ReactNode;
    field?: ActionField;
    confirm: string;
    danger?: boolean;
    run(value: string): Promise<unknown>;
    onClose(): void;
}) {
    const [value, setValue] = useState(field?.initial ?? "");
    const [touched, setTouched] = useState(false);
    const { error, busy, run: start } = useSubmit();
    const problem = field ? field.check(value) : null;

    const submit = () => {
        setTouched(true);
        if (problem)
            return;
        start(() => run(value), onClose);
    };

    return (
        <Modal isOpen variant="small" onClose={onClose} aria-labelledby="action-title">
            <ModalHeader labelId="action-title" title={title} titleIconVariant={danger ? "warning" : undefined} />
            <ModalBody>
                {error && <Alert isInline variant="danger" title={_("That did not work")} className="pf-v6-u-mb-md">{error}</Alert>}
                {children}
                {field && (
                    <Form id="action-form" onSubmit={e => { e.preventDefault(); submit() }}>
                        <FormGroup label={field.label} fieldId="action-field">
                            <TextInput id="action-field" value={value} autoFocus validated={touched && problem ? "error" : "default"}
                                onChange={(_e, v) => { setValue(v); setTouched(true) }} />
                            {touched && problem && <FieldError text={problem} />}
                        </FormGroup>
                    </Form>
                )}
            </ModalBody>
            <ModalFooter>
                <Button variant={danger ? "danger" : "primary"} onClick={submit} isLoading={busy} isDisabled={busy || (touched && Boolean(problem))}>{confirm}</Button>
                <Button variant="link" onClick={onClose}>{_("Cancel")}</Button>
            </ModalFooter>
        </Modal>
    );
}
