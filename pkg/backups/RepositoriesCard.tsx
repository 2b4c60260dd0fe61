// The repositories backups go to. An admin adds one with its location and
// password, given once and never shown again (a lost password cannot be
// recovered), and removes one after a confirmation naming it; its backups
// stay where they are.
import { useState } from "react";
import { Alert, AlertActionCloseButton } from "@patternfly/react-core/dist/esm/components/Alert/index.js";
import { Button } from "@patternfly/react-core/dist/esm/components/Button/index.js";
import { Card, CardBody, CardHeader, CardTitle } from "@patternfly/react-core/dist/esm/components/Card/index.js";
import { FormGroup } from "@patternfly/react-core/dist/esm/components/Form/index.js";
import { TextInput } from "@patternfly/react-core/dist/esm/components/TextInput/index.js";
import { Table, Tbody, Td, Th, Thead, Tr } from "@patternfly/react-table/dist/esm/components/Table/index.js";
import { backupRepositoryRemove, backupsAddRepository } from "../lib/api/backups";
import type { CallError } from "../lib/api/call";
import { ActionDialog } from "../lib/components/ActionDialog";
import { FieldError } from "../lib/components/FieldError";
import { FormDialog } from "../lib/components/FormDialog";
import type { BackupRepositoryObject, BackupScheduleObject } from "../lib/dbus-store";
import { _, format } from "../lib/gettext";
import { adminOnly, useRole } from "../lib/role";

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function RepositoriesCard({ backupsPath, repositories, schedules }: {
    backupsPath: string; repositories: BackupRepositoryObject[]; schedules: BackupScheduleObject[];
}) {
    const locked = adminOnly(useRole());
    const [adding, setAdding] = useState(false);
    const [removing, setRemoving] = useState<BackupRepositoryObject | null>(null);
    const [notice, setNotice] = useState("");
    return (
        <Card>
            <CardHeader actions={{
                actions: <Button variant="secondary" id="add-repository" isAriaDisabled={Boolean(locked)} onClick={() => setAdding(true)}>{_("Add repository…")}</Button>,
                hasNoOffset: true,
            }}>
                <CardTitle>{_("Repositories")}</CardTitle>
            </CardHeader>
            <CardBody>
                {locked && <p className="debvisor-muted pf-v6-u-mb-sm">{locked}</p>}
                {notice && (
                    <Alert isInline variant="success" title={_("Repository added")} className="pf-v6-u-mb-md" id="repository-notice"
                        actionClose={<AlertActionCloseButton onClose={() => setNotice("")} />}>{notice}</Alert>
                )}
                {repositories.length === 0
                    ? <p className="debvisor-muted">{_("No repository yet: backups need one.")}</p>
                    : (
                        <Table aria-label={_("Repositories")} variant="compact">
                            <Thead><Tr><Th>{_("Name")}</Th><Th>{_("Location")}</Th><Th>{_("Added")}</Th><Th>{_("Schedules")}</Th><Th screenReaderText={_("Actions")} /></Tr></Thead>
                            <Tbody>
                                {repositories.map(r => (
                                    <Tr key={r.path} data-repository={r.props.Name}>
                                        <Td dataLabel={_("Name")}>{r.props.Name}</Td>
                                        <Td dataLabel={_("Location")} className="debvisor-mono">{r.props.Location}</Td>
                                        <Td dataLabel={_("Added")}>{new Date(r.props.AddedTime / 1000).toLocaleString()}</Td>
                                        <Td dataLabel={_("Schedules")}>{schedules.filter(s => s.props.Repository === r.props.Name).map(s => s.props.Name).join(", ") || "—"}</Td>
                                        <Td isActionCell>
                                            <Button variant="link" isDanger isAriaDisabled={Boolean(locked)} onClick={() => setRemoving(r)}>{_("Remove…")}</Button>
                                        </Td>
                                    </Tr>
                                ))}
                            </Tbody>
                        </Table>
                    )}
            </CardBody>
            {adding && <AddRepositoryDialog backupsPath={backupsPath} taken={repositories.map(r => r.props.Name)}
                onAdded={text => { setNotice(text); setAdding(false) }} onClose={() => setAdding(false)} />}
            {removing && (
                <ActionDialog title={format(_("Remove repository $0?"), removing.props.Name)} confirm={_("Remove")} danger onClose={() => setRemoving(null)}
                    run={() => backupRepositoryRemove(removing.path)}>
                    <p>{format(_("DebVisor forgets $0 and its password. The backups stay at $1; to use them again, add the repository with its password."),
                        removing.props.Name, removing.props.Location)}</p>
                </ActionDialog>
            )}
        </Card>
    );
}

function AddRepositoryDialog({ backupsPath, taken, onAdded, onClose }: { backupsPath: string; taken: string[]; onAdded(notice: string): void; onClose(): void }) {
    const [name, setName] = useState("");
    const [location, setLocation] = useState("");
    const [password, setPassword] = useState("");
    const [again, setAgain] = useState("");
    const [error, setError] = useState("");
    const [busy, setBusy] = useState(false);
    const problem = name === "" ? "" : !NAME.test(name) ? _("Letters, digits, \".\", \"_\" and \"-\", starting with a letter or digit.")
        : taken.includes(name) ? format(_("A repository named $0 exists already."), name) : "";
    const passwordProblem = password !== "" && password.length < 8 ? _("At least 8 characters.") : again !== "" && again !== password ? _("The passwords differ.") : "";
    const ready = name !== "" && !problem && location !== "" && password.length >= 8 && again === password;
    const submit = () => {
        setBusy(true);
        setError("");
        backupsAddRepository(backupsPath, name, location, password).then(onAdded, (e: CallError) => { setError(e.message); setBusy(false) });
    };
    return (
        <FormDialog id="add-repository-form" title={_("Add a backup repository")} error={error} ready={ready} busy={busy} confirm={_("Add")}
            variant="medium" onSubmit={submit} onClose={onClose}>
            <FormGroup label={_("Name")} fieldId="repository-name" isRequired>
                <TextInput id="repository-name" value={name} onChange={(_e, v) => setName(v)} validated={problem ? "error" : "default"} />
                {problem && <FieldError text={problem} />}
            </FormGroup>
            <FormGroup label={_("Location")} fieldId="repository-location" isRequired>
                <TextInput id="repository-location" value={location} onChange={(_e, v) => setLocation(v)} placeholder="/srv/backup/restic" />
                <p className="debvisor-muted">{_("A directory of this host (its parent must exist), or sftp:USER@HOST:PATH. A restic repository there is opened; where there is none, one is made.")}</p>
            </FormGroup>
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
