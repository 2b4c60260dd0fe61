// The backup schedules: which machines, when, the retention and verify
// share, how the last run ended and when the next one is due. Admins add,
// edit and remove schedules and run one now; the run's job shows in Jobs and its end
// on the schedule (live, through its properties).
import { useState } from "react";
import { Alert } from "@patternfly/react-core/dist/esm/components/Alert/index.js";
import { Button } from "@patternfly/react-core/dist/esm/components/Button/index.js";
import { Card, CardBody, CardHeader, CardTitle } from "@patternfly/react-core/dist/esm/components/Card/index.js";
import { Label } from "@patternfly/react-core/dist/esm/components/Label/index.js";
import { Table, Tbody, Td, Tr } from "@patternfly/react-table/dist/esm/components/Table/index.js";
import { backupScheduleRemove, backupScheduleRunNow } from "../lib/api/backups";
import { KEEP_KINDS } from "../lib/api/backups-data";
import type { CallError } from "../lib/api/call";
import { ActionDialog } from "../lib/components/ActionDialog";
import { useMachines, type BackupRepositoryObject, type BackupScheduleObject, type MachineObject } from "../lib/dbus-store";
import { _, format } from "../lib/gettext";
import { adminOnly, useRole } from "../lib/role";
import { ScheduleDialog, WEEKDAYS } from "./ScheduleDialog";
import { formatTime } from "../lib/format";
import { TableHead } from "../lib/components/TableHead";

const KEEP_LABEL: Record<string, () => string> = {
    last: () => _("last $0"), hourly: () => _("hourly $0"), daily: () => _("daily $0"),
    weekly: () => _("weekly $0"), monthly: () => _("monthly $0"), yearly: () => _("yearly $0"),
};

type Schedule = BackupScheduleObject["props"];

function target(s: Schedule, machines: MachineObject[]): string {
    if (s.Tag)
        return format(_("Machines tagged $0"), s.Tag);
    return machines.find(m => m.props.UUID === s.Machine)?.props.Name ?? s.Machine;
}

function when(s: Schedule): string {
    return s.Frequency === "weekly"
        ? format(_("Weekly on $0 at $1"), WEEKDAYS[s.Weekday]?.() ?? String(s.Weekday), s.Time)
        : format(_("Daily at $0"), s.Time);
}

function retention(s: Schedule): string {
    const parts = KEEP_KINDS.filter(k => (s.Keep[k] ?? 0) > 0).map(k => format(KEEP_LABEL[k](), s.Keep[k]));
    return parts.length ? parts.join(", ") : _("keep all");
}

function LastRun({ s }: { s: Schedule }) {
    if (s.Running)
        return <Label color="blue" isCompact>{_("Running")}</Label>;
    if (!s.LastRun)
        return <span className="debvisor-muted">{_("Never")}</span>;
    return (
        <>
            <Label color={s.LastResult === "failed" ? "red" : "green"} isCompact>{s.LastResult === "failed" ? _("Failed") : _("Succeeded")}</Label>{" "}
            {formatTime(s.LastRun)}
            {/* in full in the history and, after a failure, in the alert above */}
            <div className="debvisor-muted debvisor-run-message debvisor-clamp" title={s.LastMessage}>{s.LastMessage}</div>
        </>
    );
}

export function SchedulesCard({ backupsPath, repositories, schedules }: {
    backupsPath: string; repositories: BackupRepositoryObject[]; schedules: BackupScheduleObject[];
}) {
    const locked = adminOnly(useRole());
    const machines = useMachines();
    const [adding, setAdding] = useState(false);
    const [editing, setEditing] = useState<BackupScheduleObject | null>(null);
    const [removing, setRemoving] = useState<BackupScheduleObject | null>(null);
    const [error, setError] = useState("");
    const runNow = (s: BackupScheduleObject) => {
        setError("");
        backupScheduleRunNow(s.path).catch((e: CallError) => setError(format(_("$0: $1"), s.props.Name, e.message)));
    };
    return (
        <Card>
            <CardHeader actions={{
                actions: <Button variant="secondary" id="add-schedule" isAriaDisabled={Boolean(locked) || repositories.length === 0}
                    onClick={() => setAdding(true)}>{_("Add schedule…")}</Button>,
                hasNoOffset: true,
            }}>
                <CardTitle>{_("Schedules")}</CardTitle>
            </CardHeader>
            <CardBody>
                {error && <Alert isInline variant="danger" title={_("The schedule could not be run")} className="pf-v6-u-mb-md">{error}</Alert>}
                {schedules.length === 0
                    ? <p className="debvisor-muted">{repositories.length ? _("No schedule yet.") : _("Schedules back up to a repository: add one first.")}</p>
                    : (
                        <Table aria-label={_("Schedules")} variant="compact">
                            <TableHead columns={[_("Name"), _("Backs up"), _("Repository"), _("When"), _("Retention"), _("Verify"), _("Last run"), _("Next run")]} actions />
                            <Tbody>
                                {schedules.map(o => {
                                    const s = o.props;
                                    return (
                                        <Tr key={o.path} data-schedule={s.Name} data-last-result={s.Running ? "running" : s.LastResult}>
                                            <Td dataLabel={_("Name")}>{s.Name}</Td>
                                            <Td dataLabel={_("Backs up")}>{target(s, machines)}</Td>
                                            <Td dataLabel={_("Repository")}>{s.Repository}</Td>
                                            <Td dataLabel={_("When")}>{when(s)}</Td>
                                            <Td dataLabel={_("Retention")}>{retention(s)}</Td>
                                            <Td dataLabel={_("Verify")}>{s.VerifyPercent ? format(_("$0 % of the data"), s.VerifyPercent) : "—"}</Td>
                                            <Td dataLabel={_("Last run")}><LastRun s={s} /></Td>
                                            <Td dataLabel={_("Next run")}>{formatTime(s.NextRun)}</Td>
                                            <Td isActionCell>
                                                <Button variant="secondary" size="sm" isAriaDisabled={Boolean(locked) || s.Running} onClick={() => runNow(o)}>{_("Run now")}</Button>{" "}
                                                <Button variant="link" isAriaDisabled={Boolean(locked)} onClick={() => setEditing(o)}>{_("Edit…")}</Button>{" "}
                                                <Button variant="link" isDanger isAriaDisabled={Boolean(locked) || s.Running} onClick={() => setRemoving(o)}>{_("Remove…")}</Button>
                                            </Td>
                                        </Tr>
                                    );
                                })}
                            </Tbody>
                        </Table>
                    )}
                {locked && <p className="debvisor-muted pf-v6-u-mt-sm">{locked}</p>}
            </CardBody>
            {(adding || editing) && <ScheduleDialog backupsPath={backupsPath} repositories={repositories} machines={machines}
                taken={schedules.map(s => s.props.Name)} editing={editing} onClose={() => { setAdding(false); setEditing(null) }} />}
            {removing && (
                <ActionDialog title={format(_("Remove schedule $0?"), removing.props.Name)} confirm={_("Remove")} danger onClose={() => setRemoving(null)}
                    run={() => backupScheduleRemove(removing.path)}>
                    <p>{format(_("$0 stops backing up $1. The backups it made stay in $2."), removing.props.Name, target(removing.props, machines), removing.props.Repository)}</p>
                </ActionDialog>
            )}
        </Card>
    );
}
