// How many hourly, daily, weekly and monthly snapshots of one dataset to
// keep; debvisord takes them and removes the oldest of its own.
import { useState } from "react";
import { Alert } from "@patternfly/react-core/dist/esm/components/Alert/index.js";
import { Button } from "@patternfly/react-core/dist/esm/components/Button/index.js";
import { Form, FormGroup } from "@patternfly/react-core/dist/esm/components/Form/index.js";
import { Modal, ModalBody, ModalFooter, ModalHeader } from "@patternfly/react-core/dist/esm/components/Modal/index.js";
import { TextInput } from "@patternfly/react-core/dist/esm/components/TextInput/index.js";
import { zfsSetSchedule, type ZfsSchedule } from "../../lib/api/zfs";
import { _, format } from "../../lib/gettext";

const PERIODS = ["hourly", "daily", "weekly", "monthly"] as const;
const LABELS: Record<typeof PERIODS[number], () => string> = {
    hourly: () => _("Hourly snapshots to keep"), daily: () => _("Daily snapshots to keep"),
    weekly: () => _("Weekly snapshots to keep"), monthly: () => _("Monthly snapshots to keep"),
};

export function ScheduleDialog({ dataset, schedule, onClose }: { dataset: string; schedule: ZfsSchedule; onClose(): void }) {
    const current = schedule.snapshots?.[dataset] ?? {};
    const [counts, setCounts] = useState<Record<string, string>>(() => Object.fromEntries(PERIODS.map(p => [p, String(current[p] ?? 0)])));
    const [error, setError] = useState("");
    const [busy, setBusy] = useState(false);
    const invalid = PERIODS.some(p => !/^\d{1,4}$/.test(counts[p]) || Number(counts[p]) > 1000);
    const save = () => {
        const policy = Object.fromEntries(PERIODS.map(p => [p, Number(counts[p])]).filter(([, n]) => Number(n) > 0));
        const snapshots = { ...(schedule.snapshots ?? {}) };
        if (Object.keys(policy).length > 0)
            snapshots[dataset] = policy;
        else
            delete snapshots[dataset];
        setBusy(true);
        zfsSetSchedule({ ...schedule, snapshots }).then(onClose, (e: Error) => { setError(e.message); setBusy(false) });
    };
    return (
        <Modal isOpen variant="small" onClose={onClose} aria-labelledby="schedule-title">
            <ModalHeader labelId="schedule-title" title={format(_("Snapshot schedule of $0"), dataset)} />
            <ModalBody>
                {error && <Alert isInline variant="danger" title={_("That did not work")} className="pf-v6-u-mb-md">{error}</Alert>}
                <Form id="schedule-form" onSubmit={e => { e.preventDefault(); if (!invalid) save() }}>
                    {PERIODS.map(p => (
                        <FormGroup key={p} label={LABELS[p]()} fieldId={`keep-${p}`}>
                            <TextInput id={`keep-${p}`} type="number" value={counts[p]} onChange={(_e, v) => setCounts(c => ({ ...c, [p]: v }))} />
                        </FormGroup>
                    ))}
                    {invalid && <p className="debvisor-error-detail">{_("Each count is a whole number from 0 to 1000.")}</p>}
                    <p className="debvisor-muted">{_("0 takes none. Snapshots named autosnap-… beyond the count are destroyed; others are never touched.")}</p>
                </Form>
            </ModalBody>
            <ModalFooter>
                <Button variant="primary" type="submit" form="schedule-form" isDisabled={invalid || busy} isLoading={busy}>{_("Save")}</Button>
                <Button variant="link" onClick={onClose}>{_("Cancel")}</Button>
            </ModalFooter>
        </Modal>
    );
}
