// Removing a network from the management set: debvisord refuses to empty
// the set or to drop the network of an open Cockpit or SSH session; the
// refusal is shown with its reason, and the entry typed again removes it.
import { useState } from "react";
import { Alert } from "@patternfly/react-core/dist/esm/components/Alert/index.js";
import { Button } from "@patternfly/react-core/dist/esm/components/Button/index.js";
import { Modal, ModalBody, ModalFooter, ModalHeader } from "@patternfly/react-core/dist/esm/components/Modal/index.js";
import type { CallError } from "../lib/api/call";
import { firewallRemove, refusalsOf } from "../lib/api/firewall";
import { _, format } from "../lib/gettext";
import { confirmedForce, ForcePrompt } from "./ForcePrompt";

export function RemoveManagementDialog({ cidr, onClose }: { cidr: string; onClose(): void }) {
    const [refusals, setRefusals] = useState<Map<string, string[]>>(new Map());
    const [typed, setTyped] = useState<Record<string, string>>({});
    const [error, setError] = useState("");
    const [busy, setBusy] = useState(false);
    const force = confirmedForce(refusals, typed);

    const submit = () => {
        setBusy(true);
        setError("");
        firewallRemove("management", [cidr], force ?? []).then(onClose, (e: CallError) => {
            const refused = refusalsOf(e.message);
            if (refused.size > 0 && refusals.size === 0)
                setRefusals(refused);
            else
                setError(e.message);
            setBusy(false);
        });
    };

    return (
        <Modal isOpen variant="small" onClose={onClose} aria-labelledby="fw-mgmt-remove-title">
            <ModalHeader labelId="fw-mgmt-remove-title" title={format(_("Remove $0 from the management set?"), cidr)} titleIconVariant="warning" />
            <ModalBody>
                {error && <Alert isInline variant="danger" title={_("That did not work")} className="pf-v6-u-mb-md">{error}</Alert>}
                {refusals.size > 0 && (
                    <ForcePrompt title={_("Refused: this could cut the admins off")} refusals={refusals} typed={typed} onChange={setTyped} />
                )}
                <p>{_("It will no longer be let in before the block list, nor during a quarantine.")}</p>
            </ModalBody>
            <ModalFooter>
                <Button variant="danger" onClick={submit} isLoading={busy} isDisabled={busy || force === null}>
                    {refusals.size > 0 ? _("Remove anyway") : _("Remove")}
                </Button>
                <Button variant="link" onClick={onClose}>{_("Cancel")}</Button>
            </ModalFooter>
        </Modal>
    );
}
