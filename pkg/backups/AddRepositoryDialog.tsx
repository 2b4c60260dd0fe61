// Adding a repository: its kind (a directory of this host, SFTP, a restic
// REST server, an S3 bucket), its location and what that kind needs to log
// in, and the restic password, given once and never shown again (a lost
// password cannot be recovered). Secrets are password fields or key text,
// sent this once; the location never holds them.
import { useState } from "react";
import { Alert } from "@patternfly/react-core/dist/esm/components/Alert/index.js";
import { FormGroup } from "@patternfly/react-core/dist/esm/components/Form/index.js";
import { FormSelect, FormSelectOption } from "@patternfly/react-core/dist/esm/components/FormSelect/index.js";
import { TextArea } from "@patternfly/react-core/dist/esm/components/TextArea/index.js";
import { TextInput } from "@patternfly/react-core/dist/esm/components/TextInput/index.js";
import { backupsAddRepository } from "../lib/api/backups";
import { locationFitsKind, repositoryFormReady, repositoryOptions, REPOSITORY_KINDS, type RepositoryForm, type RepositoryKind } from "../lib/api/backups-data";
import { FieldError } from "../lib/components/FieldError";
import { FormDialog } from "../lib/components/FormDialog";
import { _, format } from "../lib/gettext";
import { useSubmit } from "../lib/use-submit";

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Each kind's name, as the repositories' list shows it too, and how its location is written. */
export const KIND_NAMES: Record<string, string> = { local: _("Directory"), sftp: "SFTP", rest: _("REST server"), s3: "S3" };
const PLACEHOLDER: Record<RepositoryKind, string> = {
    local: "/srv/backup/restic", sftp: "sftp:backup@nas.example.org:/srv/restic",
    rest: "rest:https://backup.example.org:8000/node1", s3: "s3:https://s3.example.org/bucket/node1",
};

export function AddRepositoryDialog({ backupsPath, taken, onAdded, onClose }: { backupsPath: string; taken: string[]; onAdded(notice: string): void; onClose(): void }) {
    const [name, setName] = useState("");
    const [form, setForm] = useState<RepositoryForm>({ kind: "local", location: "", sshKey: "", user: "", secret: "", caCertificate: "" });
    const [password, setPassword] = useState("");
    const [again, setAgain] = useState("");
    const { error, busy, run } = useSubmit();
    const set = (change: Partial<RepositoryForm>) => setForm(f => ({ ...f, ...change }));
    const problem = name === "" ? "" : !NAME.test(name) ? _("Letters, digits, \".\", \"_\" and \"-\", starting with a letter or digit.")
        : taken.includes(name) ? format(_("A repository named $0 exists already."), name) : "";
    const locationProblem = form.location !== "" && !locationFitsKind(form.kind, form.location) ? format(_("Written as $0."), PLACEHOLDER[form.kind]) : "";
    const loginProblem = form.kind === "rest" && (form.user === "") !== (form.secret === "") ? _("A user and a password, or neither.") : "";
    const passwordProblem = password !== "" && password.length < 8 ? _("At least 8 characters.") : again !== "" && again !== password ? _("The passwords differ.") : "";
    const ready = name !== "" && !problem && repositoryFormReady(form) && password.length >= 8 && again === password;
    const https = /^\w+:https:/.test(form.location);
    const submit = () => {
        run(() => backupsAddRepository(backupsPath, name, form.location, password, repositoryOptions(form)), onAdded);
    };
    return (
        <FormDialog id="add-repository-form" title={_("Add a backup repository")} error={error} ready={ready} busy={busy} confirm={_("Add")}
            variant="medium" onSubmit={submit} onClose={onClose}>
            <FormGroup label={_("Name")} fieldId="repository-name" isRequired>
                <TextInput id="repository-name" value={name} onChange={(_e, v) => setName(v)} validated={problem ? "error" : "default"} />
                {problem && <FieldError text={problem} />}
            </FormGroup>
            <FormGroup label={_("Kind")} fieldId="repository-kind">
                <FormSelect id="repository-kind" value={form.kind} onChange={(_e, v) => set({ kind: v as RepositoryKind, user: "", secret: "" })}>
                    {REPOSITORY_KINDS.map(k => <FormSelectOption key={k} value={k} label={KIND_NAMES[k]} />)}
                </FormSelect>
            </FormGroup>
            <FormGroup label={_("Location")} fieldId="repository-location" isRequired>
                <TextInput id="repository-location" value={form.location} onChange={(_e, v) => set({ location: v })} placeholder={PLACEHOLDER[form.kind]}
                    validated={locationProblem ? "error" : "default"} />
                {locationProblem && <FieldError text={locationProblem} />}
            </FormGroup>
            {form.kind === "sftp" && (
                <FormGroup label={_("SSH private key")} fieldId="repository-ssh-key">
                    <TextArea id="repository-ssh-key" value={form.sshKey} onChange={(_e, v) => set({ sshKey: v })} rows={3} autoComplete="off"
                        placeholder="-----BEGIN OPENSSH PRIVATE KEY-----" />
                </FormGroup>
            )}
            {(form.kind === "rest" || form.kind === "s3") && (<>
                <FormGroup label={form.kind === "rest" ? _("User") : _("Access key ID")} fieldId="repository-user" isRequired={form.kind === "s3"}>
                    <TextInput id="repository-user" value={form.user} onChange={(_e, v) => set({ user: v })} autoComplete="off" />
                </FormGroup>
                <FormGroup label={form.kind === "rest" ? _("User's password") : _("Secret access key")} fieldId="repository-secret" isRequired={form.kind === "s3"}>
                    <TextInput id="repository-secret" type="password" autoComplete="new-password" value={form.secret} onChange={(_e, v) => set({ secret: v })}
                        validated={loginProblem ? "error" : "default"} />
                    {loginProblem && <FieldError text={loginProblem} />}
                </FormGroup>
                {https && (
                    <FormGroup label={_("CA certificate")} fieldId="repository-ca">
                        <TextArea id="repository-ca" value={form.caCertificate} onChange={(_e, v) => set({ caCertificate: v })} rows={3}
                            placeholder="-----BEGIN CERTIFICATE-----" />
                    </FormGroup>
                )}
            </>)}
            <Alert isInline variant="warning" title={_("A lost password cannot be recovered")}>
                {_("The password is asked for this once and never shown again. Without it the backups in this repository cannot be read by anyone: keep a copy somewhere else.")}
            </Alert>
            <FormGroup label={_("Password")} fieldId="repository-password" isRequired>
                <TextInput id="repository-password" type="password" autoComplete="new-password" value={password} onChange={(_e, v) => setPassword(v)} />
            </FormGroup>
            <FormGroup label={_("Password again")} fieldId="repository-password-again" isRequired>
                <TextInput id="repository-password-again" type="password" autoComplete="new-password" value={again} onChange={(_e, v) => setAgain(v)}
                    validated={passwordProblem ? "error" : "default"} />
                {passwordProblem && <FieldError text={passwordProblem} />}
            </FormGroup>
        </FormDialog>
    );
}
