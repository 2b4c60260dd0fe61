// The frame of a dialog that is one form: title, the failure of the last try
// at the top of its body, the fields, and a submit button that stays disabled
// until the form is ready.
import type { ReactNode } from "react";
import { Alert } from "@patternfly/react-core/dist/esm/components/Alert/index.js";
import { Button } from "@patternfly/react-core/dist/esm/components/Button/index.js";
import { Form } from "@patternfly/react-core/dist/esm/components/Form/index.js";
import { Modal, ModalBody, ModalFooter, ModalHeader } from "@patternfly/react-core/dist/esm/components/Modal/index.js";
import { _ } from "../gettext";

export function FormDialog({ id, title, error, ready, busy, confirm, danger, variant, onSubmit, onClose, children }: {
    id: string; title: string; error: string; ready: boolean; busy: boolean; confirm: string; danger?: boolean;
    variant?: "small" | "medium"; onSubmit(): void; onClose(): void; children: ReactNode;
}) {
    return (
        <Modal isOpen variant={variant ?? "small"} onClose={onClose} aria-labelledby={`${id}-title`} id={`${id}-dialog`}>
            <ModalHeader labelId={`${id}-title`} title={title} titleIconVariant={danger ? "warning" : undefined} />
            <ModalBody>
                {error && <Alert isInline variant="danger" title={_("That did not work")} className="pf-v6-u-mb-md">{error}</Alert>}
                <Form id={id} onSubmit={e => { e.preventDefault(); if (ready && !busy) onSubmit() }}>{children}</Form>
            </ModalBody>
            <ModalFooter>
                <Button variant={danger ? "danger" : "primary"} type="submit" form={id} isDisabled={!ready || busy} isLoading={busy}>{confirm}</Button>
                <Button variant="link" onClick={onClose}>{_("Cancel")}</Button>
            </ModalFooter>
        </Modal>
    );
}
