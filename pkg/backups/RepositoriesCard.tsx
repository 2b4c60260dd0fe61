// The repositories backups go to, with their kind and location. An admin adds
// one (AddRepositoryDialog) and removes one after a confirmation naming it;
// its backups stay where they are.
import { useState } from "react";
import { Alert, AlertActionCloseButton } from "@patternfly/react-core/dist/esm/components/Alert/index.js";
import { Button } from "@patternfly/react-core/dist/esm/components/Button/index.js";
import { Card, CardBody, CardHeader, CardTitle } from "@patternfly/react-core/dist/esm/components/Card/index.js";
import { Table, Tbody, Td, Tr } from "@patternfly/react-table/dist/esm/components/Table/index.js";
import { backupRepositoryRemove } from "../lib/api/backups";
import { ActionDialog } from "../lib/components/ActionDialog";
import type { BackupRepositoryObject, BackupScheduleObject } from "../lib/dbus-store";
import { _, format } from "../lib/gettext";
import { adminOnly, useRole } from "../lib/role";
import { AddRepositoryDialog, KIND_NAMES } from "./AddRepositoryDialog";
import { formatTime } from "../lib/format";
import { TableHead } from "../lib/components/TableHead";

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
                            <TableHead columns={[_("Name"), _("Kind"), _("Location"), _("Added"), _("Schedules")]} actions />
                            <Tbody>
                                {repositories.map(r => (
                                    <Tr key={r.path} data-repository={r.props.Name}>
                                        <Td dataLabel={_("Name")}>{r.props.Name}</Td>
                                        <Td dataLabel={_("Kind")}>{KIND_NAMES[r.props.Kind] ?? r.props.Kind}</Td>
                                        <Td dataLabel={_("Location")} className="debvisor-mono">{r.props.Location}</Td>
                                        <Td dataLabel={_("Added")}>{formatTime(r.props.AddedTime)}</Td>
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
