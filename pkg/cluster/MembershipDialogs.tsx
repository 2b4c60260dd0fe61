// The dialogs that make a cluster's membership: creating a cluster on this
// node, joining it to a member's cluster with that member's token, and making
// a token on a member. Creating and joining are Jobs (progress in the jobs
// panel; a failed one undoes its steps); the token is shown once, with when
// it expires, as the secret it is.
import { useEffect, useState } from "react";
import { Alert } from "@patternfly/react-core/dist/esm/components/Alert/index.js";
import { Button } from "@patternfly/react-core/dist/esm/components/Button/index.js";
import { Checkbox } from "@patternfly/react-core/dist/esm/components/Checkbox/index.js";
import { ClipboardCopy } from "@patternfly/react-core/dist/esm/components/ClipboardCopy/index.js";
import { FormGroup, FormHelperText } from "@patternfly/react-core/dist/esm/components/Form/index.js";
import { FormSelect, FormSelectOption } from "@patternfly/react-core/dist/esm/components/FormSelect/index.js";
import { HelperText, HelperTextItem } from "@patternfly/react-core/dist/esm/components/HelperText/index.js";
import { List, ListItem } from "@patternfly/react-core/dist/esm/components/List/index.js";
import { Spinner } from "@patternfly/react-core/dist/esm/components/Spinner/index.js";
import { Modal, ModalBody, ModalFooter, ModalHeader } from "@patternfly/react-core/dist/esm/components/Modal/index.js";
import { TextInput } from "@patternfly/react-core/dist/esm/components/TextInput/index.js";
import { isIPv4 } from "../../helpers/lib/ip-address";
import { JOIN_TOKEN_PREFIX } from "../../helpers/lib/join-token";
import { clusterCreate, clusterJoin, clusterMakeJoinToken, type JoinProfile } from "../lib/api/cluster";
import { managerPlanProfile, type ProfilePlan } from "../lib/api/manager";
import { useManager } from "../lib/dbus-store";
import { FormDialog } from "../lib/components/FormDialog";
import { formatBytes, formatTime } from "../lib/format";
import { _, format } from "../lib/gettext";
import { useSubmit } from "../lib/use-submit";

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

/* A join's choice to give this node's spare disks to Ceph: the profile's plan, the disks it wipes shown before anything is done. */
function JoinStorageChoice({ onChange }: { onChange(choice: JoinProfile | null | "planning"): void }) {
    const current = useManager()?.Profile;
    const [wanted, setWanted] = useState(false);
    const [profile, setProfile] = useState<"ceph" | "mixed">(current === "mixed" ? "mixed" : "ceph");
    const [plan, setPlan] = useState<ProfilePlan | null>(null);
    const [error, setError] = useState("");
    useEffect(() => {
        let live = true;
        setPlan(null);
        setError("");
        if (!wanted) {
            onChange(null);
            return;
        }
        onChange("planning");
        managerPlanProfile(profile).then(p => {
            if (!live)
                return;
            setPlan(p);
            onChange(p.Wipes.length > 0 ? { profile, wipes: p.WipesToken } : "planning");
        }, (e: Error) => { if (live) setError(e.message) });
        return () => { live = false };
    }, [wanted, profile]); // eslint-disable-line react-hooks/exhaustive-deps
    return (
        <FormGroup fieldId="cluster-join-storage">
            <Checkbox id="cluster-join-storage" isChecked={wanted} onChange={(_e, v) => setWanted(v)}
                label={_("Give this node's spare disks to Ceph within the join")} />
            {wanted && (
                <div className="pf-v6-u-ml-lg pf-v6-u-mt-sm" data-plan={plan ? "ready" : error ? "failed" : "reading"}>
                    <FormSelect id="cluster-join-profile" value={profile} aria-label={_("Storage profile")}
                        onChange={(_e, v) => setProfile(v as "ceph" | "mixed")}>
                        <FormSelectOption value="ceph" label={_("ceph: every spare disk an OSD")} />
                        <FormSelectOption value="mixed" label={_("mixed: half the spare disks to ZFS, the rest OSDs")} />
                    </FormSelect>
                    {error && <Alert isInline variant="danger" className="pf-v6-u-mt-sm" title={_("The plan could not be made")}>{error}</Alert>}
                    {!plan && !error && <Spinner size="md" aria-label={_("Reading the plan")} />}
                    {plan && plan.Wipes.length === 0 && <p className="pf-v6-u-mt-sm">{_("This node has no spare disk for it.")}</p>}
                    {plan && plan.Wipes.length > 0 && (
                        <>
                            <p className="pf-v6-u-mt-sm">{_("Once a member, this node applies the profile. These disks are wiped; everything on them is lost:")}</p>
                            <List aria-label={_("Disks to be wiped")}>
                                {plan.Wipes.map(w => <ListItem key={w.Id} data-wipe={w.Path}>{`${w.Id} (${formatBytes(w.Size)}): ${w.Reason}`}</ListItem>)}
                            </List>
                        </>
                    )}
                </div>
            )}
        </FormGroup>
    );
}

/* "create": this node becomes a cluster's first member; "join": it joins the cluster of the member that made a token. */
export function CreateOrJoinDialog({ mode, onClose }: { mode: "create" | "join"; onClose(): void }) {
    const [address, setAddress] = useState("");
    const [token, setToken] = useState("");
    const [storage, setStorage] = useState<JoinProfile | null | "planning">(null);
    const { error, busy, run } = useSubmit();
    const addressProblem = isIPv4(address.trim()) ? null : _("An IPv4 address, like 192.0.2.10");
    const tokenProblem = mode === "create" || token.trim().startsWith(JOIN_TOKEN_PREFIX) ? null : format(_("A join token begins with $0"), JOIN_TOKEN_PREFIX);
    const submit = () => {
        run<unknown>(() => mode === "create" ? clusterCreate(address.trim()) : clusterJoin(address.trim(), token, storage === "planning" ? null : storage), onClose);
    };
    return (
        <FormDialog id={`cluster-${mode}`} title={mode === "create" ? _("Create a cluster") : _("Join a cluster")} error={error}
            ready={!addressProblem && !tokenProblem && storage !== "planning"} busy={busy} variant={mode === "join" ? "medium" : "small"} confirm={mode === "create" ? _("Create") : _("Join")}
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
            {mode === "join" && <JoinStorageChoice onChange={setStorage} />}
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
