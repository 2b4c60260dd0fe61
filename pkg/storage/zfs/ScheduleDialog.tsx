// How many hourly, daily, weekly and monthly snapshots of one dataset to
// keep; debvisord takes them and removes the oldest of its own.
import { useState } from "react";
import { FormGroup } from "@patternfly/react-core/dist/esm/components/Form/index.js";
import { TextInput } from "@patternfly/react-core/dist/esm/components/TextInput/index.js";
import { zfsSetSchedule, type ZfsSchedule } from "../../lib/api/zfs";
import { FormDialog } from "../../lib/components/FormDialog";
import { _, format } from "../../lib/gettext";
import { useSubmit } from "../../lib/use-submit";

const PERIODS = ["hourly", "daily", "weekly", "monthly"] as const;
const LABELS: Record<typeof PERIODS[number], () => string> = {
    hourly: () => _("Hourly snapshots to keep"), daily: () => _("Daily snapshots to keep"),
    weekly: () => _("Weekly snapshots to keep"), monthly: () => _("Monthly snapshots to keep"),
};

export function ScheduleDialog({ dataset, schedule, onClose }: { dataset: string; schedule: ZfsSchedule; onClose(): void }) {
    const current = schedule.snapshots?.[dataset] ?? {};
    const [counts, setCounts] = useState<Record<string, string>>(() => Object.fromEntries(PERIODS.map(p => [p, String(current[p] ?? 0)])));
    const { error, busy, run } = useSubmit();
    const invalid = PERIODS.some(p => !/^\d{1,4}$/.test(counts[p]) || Number(counts[p]) > 1000);
    const save = () => {
        const policy = Object.fromEntries(PERIODS.map(p => [p, Number(counts[p])]).filter(([, n]) => Number(n) > 0));
        const snapshots = { ...(schedule.snapshots ?? {}) };
        if (Object.keys(policy).length > 0)
            snapshots[dataset] = policy;
        else
            delete snapshots[dataset];
        run(() => zfsSetSchedule({ ...schedule, snapshots }), onClose);
    };
    return (
        <FormDialog id="schedule-form" title={format(_("Snapshot schedule of $0"), dataset)} error={error} ready={!invalid} busy={busy} confirm={_("Save")}
            onSubmit={save} onClose={onClose}>
            {PERIODS.map(p => (
                <FormGroup key={p} label={LABELS[p]()} fieldId={`keep-${p}`}>
                    <TextInput id={`keep-${p}`} type="number" value={counts[p]} onChange={(_e, v) => setCounts(c => ({ ...c, [p]: v }))} />
                </FormGroup>
            ))}
            {invalid && <p className="debvisor-error-detail">{_("Each count is a whole number from 0 to 1000.")}</p>}
            <p className="debvisor-muted">{_("0 takes none. Snapshots named autosnap-… beyond the count are destroyed; others are never touched.")}</p>
        </FormDialog>
    );
}
