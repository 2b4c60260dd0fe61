// Adding or editing a backup schedule: a name (fixed once added), the
// repository, one machine or every machine with a tag, daily or weekly at a
// local time, how many of its own backups to keep, and the share of the data
// restic check reads after each run. Checked as typed; the daemon checks again.
import { useState } from "react";
import { FormGroup } from "@patternfly/react-core/dist/esm/components/Form/index.js";
import { FormSelect, FormSelectOption } from "@patternfly/react-core/dist/esm/components/FormSelect/index.js";
import { Radio } from "@patternfly/react-core/dist/esm/components/Radio/index.js";
import { TextInput } from "@patternfly/react-core/dist/esm/components/TextInput/index.js";
import { Grid, GridItem } from "@patternfly/react-core/dist/esm/layouts/Grid/index.js";
import { backupScheduleUpdate, backupsAddSchedule } from "../lib/api/backups";
import { KEEP_KINDS, scheduleForm, scheduleOptions, scheduleUpdateOptions, type ScheduleForm } from "../lib/api/backups-data";
import { FieldError } from "../lib/components/FieldError";
import { FormDialog } from "../lib/components/FormDialog";
import type { BackupRepositoryObject, BackupScheduleObject, MachineObject } from "../lib/dbus-store";
import { _, format } from "../lib/gettext";
import { useSubmit } from "../lib/use-submit";

export const WEEKDAYS: Array<() => string> = [
    () => _("Sunday"), () => _("Monday"), () => _("Tuesday"), () => _("Wednesday"), () => _("Thursday"), () => _("Friday"), () => _("Saturday"),
];

const KEEP_FIELD: Record<string, () => string> = {
    last: () => _("Keep last"), hourly: () => _("Keep hourly"), daily: () => _("Keep daily"),
    weekly: () => _("Keep weekly"), monthly: () => _("Keep monthly"), yearly: () => _("Keep yearly"),
};

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const TAG = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const count = (v: string, max: number) => v === "" || (/^\d+$/.test(v) && Number(v) <= max);

/* The first thing wrong with the form, or "". */
function formProblem(name: string, taken: string[], form: ScheduleForm): string {
    if (name !== "" && !NAME.test(name))
        return _("The name has letters, digits, \".\", \"_\" and \"-\", and starts with a letter or digit.");
    if (taken.includes(name))
        return format(_("A schedule named $0 exists already."), name);
    if (form.target === "tag" && form.tag !== "" && !TAG.test(form.tag))
        return _("A tag has letters, digits, \".\", \"_\" and \"-\", and starts with a letter or digit.");
    if (!/^([01][0-9]|2[0-3]):[0-5][0-9]$/.test(form.time))
        return _("The time is HH:MM, from 00:00 to 23:59.");
    if (KEEP_KINDS.some(k => !count(form.keep[k] ?? "", 10_000)))
        return _("Each keep count is a number from 0 to 10000.");
    if (!count(form.verifyPercent, 100))
        return _("Verify reads from 0 (no check) to 100 percent of the data.");
    return "";
}

/* A new schedule (`editing` null) or the one being edited, its fields filled in from what it is now. */
export function ScheduleDialog({ backupsPath, repositories, machines, taken, editing, onClose }: {
    backupsPath: string; repositories: BackupRepositoryObject[]; machines: MachineObject[]; taken: string[];
    editing: BackupScheduleObject | null; onClose(): void;
}) {
    const [name, setName] = useState(editing?.props.Name ?? "");
    const [repository, setRepository] = useState(editing?.props.Repository ?? repositories[0]?.props.Name ?? "");
    const [form, setForm] = useState<ScheduleForm>(() => editing ? scheduleForm(editing.props) : {
        target: "machine", machine: machines[0]?.props.UUID ?? "", tag: "", frequency: "daily", weekday: 0, time: "02:00",
        keep: { daily: "7", weekly: "4" }, verifyPercent: "",
    });
    const { error, busy, run } = useSubmit();
    const set = (change: Partial<ScheduleForm>) => setForm(f => ({ ...f, ...change }));
    const problem = formProblem(name, editing ? [] : taken, form);
    const ready = name !== "" && repository !== "" && !problem && (form.target === "machine" ? form.machine !== "" : form.tag !== "");
    const submit = () => {
        run<unknown>(() => editing
            ? backupScheduleUpdate(editing.path, { ...scheduleUpdateOptions(form), repository: { t: "s", v: repository } })
            : backupsAddSchedule(backupsPath, name, repository, scheduleOptions(form)), onClose);
    };
    return (
        <FormDialog id="schedule-form" title={editing ? format(_("Edit schedule $0"), editing.props.Name) : _("Add a backup schedule")}
            error={error} ready={ready} busy={busy} confirm={editing ? _("Save") : _("Add")} variant="medium" onSubmit={submit} onClose={onClose}>
            <FormGroup label={_("Name")} fieldId="schedule-name" isRequired>
                <TextInput id="schedule-name" value={name} onChange={(_e, v) => setName(v)} readOnlyVariant={editing ? "default" : undefined} />
            </FormGroup>
            <FormGroup label={_("Repository")} fieldId="schedule-repository">
                <FormSelect id="schedule-repository" value={repository} onChange={(_e, v) => setRepository(v)}>
                    {repositories.map(r => <FormSelectOption key={r.path} value={r.props.Name} label={`${r.props.Name} (${r.props.Location})`} />)}
                </FormSelect>
            </FormGroup>
            <FormGroup role="radiogroup" isInline fieldId="schedule-target" label={_("Back up")}>
                <Radio id="schedule-target-machine" name="schedule-target" label={_("One machine")} isChecked={form.target === "machine"} onChange={() => set({ target: "machine" })} />
                <Radio id="schedule-target-tag" name="schedule-target" label={_("Every machine with a tag")} isChecked={form.target === "tag"} onChange={() => set({ target: "tag" })} />
            </FormGroup>
            {form.target === "machine"
                ? (
                    <FormGroup label={_("Machine")} fieldId="schedule-machine">
                        <FormSelect id="schedule-machine" value={form.machine} onChange={(_e, v) => set({ machine: v })}>
                            {machines.map(m => <FormSelectOption key={m.path} value={m.props.UUID} label={m.props.Name} />)}
                        </FormSelect>
                    </FormGroup>
                )
                : (
                    <FormGroup label={_("Tag")} fieldId="schedule-tag">
                        <TextInput id="schedule-tag" value={form.tag} onChange={(_e, v) => set({ tag: v })} />
                    </FormGroup>
                )}
            <Grid hasGutter md={4}>
                <GridItem>
                    <FormGroup label={_("How often")} fieldId="schedule-frequency">
                        <FormSelect id="schedule-frequency" value={form.frequency} onChange={(_e, v) => set({ frequency: v as ScheduleForm["frequency"] })}>
                            <FormSelectOption value="daily" label={_("Daily")} />
                            <FormSelectOption value="weekly" label={_("Weekly")} />
                        </FormSelect>
                    </FormGroup>
                </GridItem>
                {form.frequency === "weekly" && (
                    <GridItem>
                        <FormGroup label={_("On")} fieldId="schedule-weekday">
                            <FormSelect id="schedule-weekday" value={String(form.weekday)} onChange={(_e, v) => set({ weekday: Number(v) })}>
                                {WEEKDAYS.map((day, i) => <FormSelectOption key={i} value={String(i)} label={day()} />)}
                            </FormSelect>
                        </FormGroup>
                    </GridItem>
                )}
                <GridItem>
                    <FormGroup label={_("At (host's local time)")} fieldId="schedule-time">
                        <TextInput id="schedule-time" value={form.time} onChange={(_e, v) => set({ time: v })} placeholder="HH:MM" />
                    </FormGroup>
                </GridItem>
            </Grid>
            <Grid hasGutter sm={6} md={4}>
                {KEEP_KINDS.map(kind => (
                    <GridItem key={kind}>
                        <FormGroup label={KEEP_FIELD[kind]()} fieldId={`schedule-keep-${kind}`}>
                            <TextInput id={`schedule-keep-${kind}`} inputMode="numeric" value={form.keep[kind] ?? ""}
                                onChange={(_e, v) => set({ keep: { ...form.keep, [kind]: v } })} />
                        </FormGroup>
                    </GridItem>
                ))}
            </Grid>
            <p className="debvisor-muted">{_("Only this schedule's own backups are pruned beyond these counts; with none set, nothing is pruned. Backups made by hand are never touched.")}</p>
            <FormGroup label={_("Verify after each run (percent of the data read)")} fieldId="schedule-verify">
                <TextInput id="schedule-verify" inputMode="numeric" value={form.verifyPercent} onChange={(_e, v) => set({ verifyPercent: v })} placeholder="0" />
            </FormGroup>
            {problem && <FieldError text={problem} />}
        </FormDialog>
    );
}
