// Backups: this machine's backups in every repository, newest first; back it
// up now, restore a backup as a new machine, or (admins) over this machine. The list is a call
// (ListBackups), not objects, so it is read again when a backup or restore
// job that touches this machine or a repository finishes.
import { useEffect, useMemo, useState } from "react";
import { Alert } from "@patternfly/react-core/dist/esm/components/Alert/index.js";
import { Button } from "@patternfly/react-core/dist/esm/components/Button/index.js";
import { FormGroup } from "@patternfly/react-core/dist/esm/components/Form/index.js";
import { FormSelect, FormSelectOption } from "@patternfly/react-core/dist/esm/components/FormSelect/index.js";
import { Spinner } from "@patternfly/react-core/dist/esm/components/Spinner/index.js";
import { Table, Tbody, Td, Tr } from "@patternfly/react-table/dist/esm/components/Table/index.js";
import { backupRepositoryListBackups, backupRepositoryRestore, machineBackup, type BackupEntry } from "../../lib/api/backups";
import { BrowseFilesDialog } from "./BrowseFilesDialog";
import { RestoreDiskDialog } from "./RestoreDiskDialog";
import { RestoreOverDialog } from "./RestoreOverDialog";
import { failedSchedulesOf, newBytesBySnapshot, newestFirst } from "../../lib/api/backups-data";
import type { CallError } from "../../lib/api/call";
import { ActionDialog } from "../../lib/components/ActionDialog";
import { BackupFailures } from "../../lib/components/BackupFailures";
import { FormDialog } from "../../lib/components/FormDialog";
import { useBackupRepositories, useBackupSchedules, useJobs, type BackupRepositoryObject, type MachineObject } from "../../lib/dbus-store";
import { formatBytes, formatTime } from "../../lib/format";
import { format, _ } from "../../lib/gettext";
import { useRole } from "../../lib/role";
import { checkMachineName } from "../machine-rules";
import { TableHead } from "../../lib/components/TableHead";
import { useSubmit } from "../../lib/use-submit";

interface Row extends BackupEntry { repository: { path: string; name: string } }

const CONSISTENCY: Record<string, () => string> = {
    "shut-off": () => _("Shut off"),
    frozen: () => _("Frozen (guest agent)"),
    "crash-consistent": () => _("Crash-consistent"),
};

/* The machine's backups in every repository, read again when the repositories or `generation` change.
 * The store hands out a new array of repositories whenever any object changes (a job's progress):
 * the effect depends on their paths and names only, or each change would list the backups again. */
function useBackups(uuid: string, repositories: BackupRepositoryObject[], generation: string) {
    const [rows, setRows] = useState<Row[] | null>(null);
    const [failures, setFailures] = useState<string[]>([]);
    const key = JSON.stringify(repositories.map(r => [r.path, r.props.Name]));
    useEffect(() => {
        let current = true;
        const list = (JSON.parse(key) as Array<[string, string]>).map(([path, name]) => ({ path, name }));
        void Promise.all(list.map(repository => backupRepositoryListBackups(repository.path, uuid).then(
            backups => ({ rows: backups.map(b => ({ ...b, repository })), failure: null }),
            (e: CallError) => ({ rows: [] as Row[], failure: format(_("$0: $1"), repository.name, e.message) }),
        ))).then(results => {
            if (!current)
                return;
            setRows(newestFirst(results.map(r => r.rows)));
            setFailures(results.flatMap(r => r.failure ? [r.failure] : []));
        });
        return () => { current = false };
    }, [uuid, key, generation]);
    return { rows, failures };
}

export function BackupsTab({ machine, allNames }: { machine: MachineObject; allNames: string[] }) {
    const repositories = useBackupRepositories();
    const jobs = useJobs();
    const schedules = useBackupSchedules();
    const role = useRole();
    const [backingUp, setBackingUp] = useState(false);
    const [restoring, setRestoring] = useState<Row | null>(null);
    const [restoringOver, setRestoringOver] = useState<Row | null>(null);
    const [restoringDisk, setRestoringDisk] = useState<Row | null>(null);
    const [browsing, setBrowsing] = useState<Row | null>(null);
    // the backup and restore jobs that finished, as a key: one more finishing reads the list again
    const finished = useMemo(() => jobs
        .filter(j => (j.props.Operation === "machine-backup" || j.props.Operation === "machine-restore") && j.props.State !== "running")
        .map(j => j.path).join(" "), [jobs]);
    const newBytes = useMemo(() => newBytesBySnapshot(jobs.map(j => j.props)), [jobs]);
    const { rows, failures } = useBackups(machine.props.UUID, repositories, finished);
    // viewers read; operators and admins back up and restore as new machines (the daemon decides again)
    const locked = role === "viewer" || role === "none" ? _("Only operators and admins may back up and restore.") : "";
    const when = (b: BackupEntry) => formatTime(b.Time);
    const overLocked = role !== "admin" && role !== null ? _("Only admins may restore over a machine.")
        : machine.props.State !== "shutoff" ? _("Shut the machine down to restore over it.") : "";

    return (
        <>
            <div className="pf-v6-u-mt-md"><BackupFailures schedules={failedSchedulesOf(schedules, machine.props)} /></div>
            <Button variant="secondary" className="pf-v6-u-my-md" id="backup-now" isAriaDisabled={Boolean(locked)}
                onClick={() => setBackingUp(true)}>{_("Back up now…")}</Button>
            {locked && <p className="debvisor-muted">{locked}</p>}
            {failures.map(f => <Alert key={f} isInline variant="danger" title={_("Backups could not be listed")} className="pf-v6-u-mb-md">{f}</Alert>)}
            {rows === null
                ? <Spinner size="lg" aria-label={_("Reading the backups")} />
                : rows.length === 0
                    ? repositories.length === 0 ? <NoRepository /> : <p className="debvisor-muted">{_("No backups of this machine yet.")}</p>
                    : (
                        <Table aria-label={_("Backups")} variant="compact">
                            <TableHead columns={[_("Time"), _("Repository"), _("Consistency"), _("Size"), _("New data"), _("Snapshot")]} actions />
                            <Tbody>
                                {rows.map(b => (
                                    <Tr key={`${b.repository.path} ${b.FullId}`} data-backup={b.Id} data-repository={b.repository.name}>
                                        <Td>{when(b)}</Td>
                                        <Td>{b.repository.name}</Td>
                                        <Td>{(CONSISTENCY[b.Consistency] ?? (() => b.Consistency))()}</Td>
                                        <Td>{b.Size === undefined ? "—" : formatBytes(Number(b.Size))}</Td>
                                        <Td>{b.Added !== undefined ? formatBytes(Number(b.Added)) : newBytes.has(b.Id) ? formatBytes(newBytes.get(b.Id) ?? 0) : "—"}</Td>
                                        <Td><code>{b.Id}</code></Td>
                                        <Td isActionCell>
                                            <Button variant="link" isAriaDisabled={Boolean(locked)} onClick={() => setRestoring(b)}>{_("Restore as a new machine…")}</Button>
                                            <Button variant="link" className="backup-browse-files" isAriaDisabled={Boolean(locked)}
                                                onClick={() => setBrowsing(b)}>{_("Browse files…")}</Button>
                                            <Button variant="link" className="backup-restore-disk" isAriaDisabled={Boolean(locked)}
                                                onClick={() => setRestoringDisk(b)}>{_("Restore a disk…")}</Button>
                                            <Button variant="link" isDanger className="backup-restore-over" isAriaDisabled={Boolean(overLocked)}
                                                title={overLocked || undefined} onClick={() => setRestoringOver(b)}>{_("Restore over this machine…")}</Button>
                                        </Td>
                                    </Tr>
                                ))}
                            </Tbody>
                        </Table>
                    )}
            {backingUp && <BackupDialog machine={machine} repositories={repositories} onClose={() => setBackingUp(false)} />}
            {browsing && (
                <BrowseFilesDialog machine={machine} repositoryPath={browsing.repository.path} backup={browsing}
                    when={when(browsing)} onClose={() => setBrowsing(null)} />
            )}
            {restoringDisk && (
                <RestoreDiskDialog machine={machine} repositoryPath={restoringDisk.repository.path} backup={restoringDisk}
                    when={when(restoringDisk)} mayAttach={role === "admin" || role === null} onClose={() => setRestoringDisk(null)} />
            )}
            {restoringOver && (
                <RestoreOverDialog machine={machine} repositoryPath={restoringOver.repository.path} backup={restoringOver}
                    when={when(restoringOver)} onClose={() => setRestoringOver(null)} />
            )}
            {restoring && (
                <ActionDialog title={format(_("Restore $0 as a new machine"), machine.props.Name)} confirm={_("Restore")} onClose={() => setRestoring(null)}
                    field={{ label: _("New machine's name"), initial: `${machine.props.Name}-restored`, check: v => checkMachineName(v, allNames) }}
                    run={v => backupRepositoryRestore(restoring.repository.path, restoring.FullId, v)}>
                    <p>{format(_("The backup of $0 from $1 becomes a new machine with a new UUID and new MAC addresses; its disks go to the storage pool for new disks. $2 is not touched. Progress shows in Jobs."),
                        machine.props.Name, when(restoring), machine.props.Name)}</p>
                </ActionDialog>
            )}
        </>
    );
}

/* Where backups would go is an admin's choice, made once, with a password that must be kept. */
function NoRepository() {
    return (
        <Alert isInline variant="info" title={_("There is no backup repository yet")}>
            {_("An admin adds one, for example with \"debvisorctl backup repo-add NAME /srv/backup/restic --password-file FILE\" (a local directory, or sftp:USER@HOST:PATH for another host).")}
        </Alert>
    );
}

function BackupDialog({ machine, repositories, onClose }: { machine: MachineObject; repositories: BackupRepositoryObject[]; onClose(): void }) {
    const [repository, setRepository] = useState(repositories[0]?.props.Name ?? "");
    const { error, busy, run } = useSubmit();
    const running = machine.props.State !== "shutoff" && machine.props.State !== "crashed";
    const submit = () => {
        run(() => machineBackup(machine.path, repository), onClose);
    };
    return (
        <FormDialog id="backup-now-form" title={format(_("Back up $0"), machine.props.Name)} error={error} ready={repository !== ""} busy={busy}
            confirm={_("Back up")} onSubmit={submit} onClose={onClose}>
            {repositories.length === 0
                ? (
                    <NoRepository />
                )
                : (
                    <>
                        <FormGroup label={_("Repository")} fieldId="backup-repository">
                            <FormSelect id="backup-repository" value={repository} onChange={(_e, v) => setRepository(v)}>
                                {repositories.map(r => <FormSelectOption key={r.path} value={r.props.Name} label={`${r.props.Name} (${r.props.Location})`} />)}
                            </FormSelect>
                        </FormGroup>
                        <p>{running
                            ? _("The machine keeps running: its file systems are frozen for a moment through the guest agent when it answers, else the backup is crash-consistent. Progress shows in Jobs.")
                            : _("The machine's definition and every disk are backed up. Progress shows in Jobs.")}</p>
                    </>
                )}
        </FormDialog>
    );
}
