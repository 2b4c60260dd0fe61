// The dialogs that make a cluster's membership: creating a cluster on this
// node, joining it to a member's cluster with that member's token, and making
// a token on a member. Creating and joining are Jobs (progress in the jobs
// panel; a failed one undoes its steps); the token is shown once, with when
// it expires, as the secret it is.
import { useState } from "react";
import { Alert } from "@patternfly/react-core/dist/esm/components/Alert/index.js";
import { Button } from "@patternfly/react-core/dist/esm/components/Button/index.js";
import { ClipboardCopy } from "@patternfly/react-core/dist/esm/components/ClipboardCopy/index.js";
import { FormGroup, FormHelperText } from "@patternfly/react-core/dist/esm/components/Form/index.js";
import { FormSelect, FormSelectOption } from "@patternfly/react-core/dist/esm/components/FormSelect/index.js";
import { HelperText, HelperTextItem } from "@patternfly/react-core/dist/esm/components/HelperText/index.js";
import { Modal, ModalBody, ModalFooter, ModalHeader } from "@patternfly/react-core/dist/esm/components/Modal/index.js";
import { TextInput } from "@patternfly/react-core/dist/esm/components/TextInput/index.js";
import { clusterCreate, clusterJoin, clusterMakeJoinToken } from "../lib/api/cluster";
import { FormDialog } from "../lib/components/FormDialog";
import { formatTime } from "../lib/format";
import { _, format } from "../lib/gettext";

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const TOKEN_PREFIX = "dvjoin2.";

function Field({ id, label, value, problem, help, onChange }: {
    id: string; label: string; value: string; problem: string | null; help: string; onChange(v: string): void;
}) {
    const shown = value !== "" && problem;
    return (
        <FormGroup label={label} fieldId={id} isRequired>
            <TextInput id={id} value={value} autoComplete="off" spellCheck={false} validated={shown ? "error" : "default"} onChange={(_e, v) => onChange(v)} />
            <FormHelperText><HelperText><HelperTextItem variant={shown ? "error" : "default"}>{shown ? problem : help}</HelperTextItem></HelperText></FormHelperText>
        </FormGroup>
    );
}

/* "create": this node becomes a cluster's first member; "join": it joins the cluster of the member that made a token. */
export function CreateOrJoinDialog({ mode, onClose }: { mode: "create" | "join"; onClose(): void }) {
    const [address, setAddress] = useState("");
    const [token, setToken] = useState("");
    const [error, setError] = useState("");
    const [busy, setBusy] = useState(false);
    const addressProblem = IPV4.test(address.trim()) ? null : _("An IPv4 address, like 192.0.2.10");
    const tokenProblem = mode === "create" || token.trim().startsWith(TOKEN_PREFIX) ? null : format(_("A join token begins with $0"), TOKEN_PREFIX);
    const submit = () => {
        setBusy(true);
        setError("");
        (mode === "create" ? clusterCreate(address.trim()) : clusterJoin(address.trim(), token))
            .then(onClose, (e: Error) => { setError(e.message); setBusy(false) });
    };
    return (
        <FormDialog id={`cluster-${mode}`} title={mode === "create" ? _("Create a cluster") : _("Join a cluster")} error={error}
            ready={!addressProblem && !tokenProblem} busy={busy} confirm={mode === "create" ? _("Create") : _("Join")}
            onSubmit={submit} onClose={onClose}>
            <p>{mode === "create"
                ? _("This node becomes the cluster's first member: a Ceph monitor and manager on the address below. Other nodes join it with a token made here.")
                : _("This node joins the cluster of the member at the address below: a Ceph monitor (on the first three nodes) and a standby manager start here. A join that fails undoes what it did.")}</p>
            <Field id={`cluster-${mode}-address`} label={mode === "create" ? _("This node's address") : _("The member's address")}
                value={address} problem={addressProblem} onChange={setAddress}
                help={mode === "create" ? _("The address the other nodes reach this node at") : _("The address of the member that made the token")} />
            {mode === "join" && (
                <Field id="cluster-join-token" label={_("Join token")} value={token} problem={tokenProblem} onChange={setToken}
                    help={_("Made on that member: Cluster → Make a join token, or debvisorctl cluster token")} />
            )}
        </FormDialog>
    );
}

const LIFETIMES = [5 * 60, 15 * 60, 60 * 60, 24 * 3600];
const LIFETIME_NAMES: Record<number, string> = { 300: _("5 minutes"), 900: _("15 minutes"), 3600: _("1 hour"), 86400: _("1 day") };

/* On a member: a token for one new node, shown until the dialog closes. */
export function JoinTokenDialog({ address, onClose }: { address: string; onClose(): void }) {
    const [lifetime, setLifetime] = useState(900);
    const [made, setMade] = useState<{ token: string; expires: number } | null>(null);
    const [error, setError] = useState("");
    const [busy, setBusy] = useState(false);
    const make = () => {
        setBusy(true);
        setError("");
        clusterMakeJoinToken(lifetime).then(setMade, (e: Error) => setError(e.message)).finally(() => setBusy(false));
    };
    if (!made) {
        return (
            <FormDialog id="join-token" title={_("Make a join token")} error={error} ready busy={busy} confirm={_("Make the token")}
                onSubmit={make} onClose={onClose}>
                <p>{_("A join token lets one new node join this cluster through this node. Whoever holds it can join a node, so pass it on only to the new node's admin.")}</p>
                <FormGroup label={_("Good for")} fieldId="join-token-lifetime">
                    <FormSelect id="join-token-lifetime" value={String(lifetime)} onChange={(_e, v) => setLifetime(Number(v))}>
                        {LIFETIMES.map(s => <FormSelectOption key={s} value={String(s)} label={LIFETIME_NAMES[s]} />)}
                    </FormSelect>
                </FormGroup>
            </FormDialog>
        );
    }
    return (
        <Modal isOpen variant="medium" onClose={onClose} aria-labelledby="join-token-made-title">
            <ModalHeader labelId="join-token-made-title" title={_("Join token")} />
            <ModalBody>
                <Alert isInline variant="info" className="pf-v6-u-mb-md"
                    title={format(_("Good for one node until $0"), formatTime(made.expires))}>
                    {format(_("On the new node: Cluster → Join a cluster with the address $0 and this token, or debvisorctl cluster join $0 TOKEN. It is not shown again."), address)}
                </Alert>
                <ClipboardCopy isReadOnly hoverTip={_("Copy")} clickTip={_("Copied")} aria-label={_("Join token")}>{made.token}</ClipboardCopy>
            </ModalBody>
            <ModalFooter>
                <Button variant="primary" onClick={onClose}>{_("Close")}</Button>
            </ModalFooter>
        </Modal>
    );
}
