// How the log is rotated, kept and forwarded (Configure), and its segments:
// which are sealed and exported, so what retention may delete.
import { useEffect, useState } from "react";
import { Button } from "@patternfly/react-core/dist/esm/components/Button/index.js";
import { Form, FormGroup } from "@patternfly/react-core/dist/esm/components/Form/index.js";
import { HelperText, HelperTextItem } from "@patternfly/react-core/dist/esm/components/HelperText/index.js";
import { Label } from "@patternfly/react-core/dist/esm/components/Label/index.js";
import { Switch } from "@patternfly/react-core/dist/esm/components/Switch/index.js";
import { TextInput } from "@patternfly/react-core/dist/esm/components/TextInput/index.js";
import { Table, Tbody, Td, Tr } from "@patternfly/react-table/dist/esm/components/Table/index.js";
import { auditConfigure, type AuditSegment } from "../lib/api/audit";
import type { CallError } from "../lib/api/call";
import { plainDicts } from "../lib/api/variants";
import type { AuditObject } from "../lib/dbus-store";
import { formatBytes, formatTime } from "../lib/format";
import { _, format } from "../lib/gettext";
import { TableHead } from "../lib/components/TableHead";
import { TitledCard } from "../lib/components/TitledCard";

const MIB = 1 << 20;

interface Draft { days: string; mib: string; hours: string; forward: boolean }

function draftOf(p: AuditObject["props"]): Draft {
    return { days: String(p.RetentionDays), mib: String(Math.round(p.SegmentMaxBytes / MIB * 100) / 100), hours: String(p.SegmentMaxHours), forward: p.ForwardSyslog };
}

function SegmentsTable({ segments }: { segments: AuditSegment[] }) {
    return (
        <Table aria-label={_("Segments")} variant="compact">
            <TableHead columns={[_("Segment"), _("Records"), _("From"), _("To"), _("Size"), _("State")]} />
            <Tbody>
                {segments.map(s => (
                    <Tr key={s.Name}>
                        <Td className="debvisor-mono">{s.Name}</Td>
                        <Td>{format("$0–$1", s.FirstSeq, s.LastSeq)}</Td>
                        <Td>{formatTime(s.FirstTime)}</Td>
                        <Td>{formatTime(s.LastTime)}</Td>
                        <Td>{formatBytes(s.Bytes)}</Td>
                        <Td>
                            {s.Sealed ? <Label color="blue" isCompact>{_("Sealed")}</Label> : <Label color="green" isCompact>{_("Live")}</Label>}
                            {" "}
                            {s.Exported && <Label color="purple" isCompact>{_("Exported")}</Label>}
                        </Td>
                    </Tr>
                ))}
            </Tbody>
        </Table>
    );
}

export function RetentionCard({ audit }: { audit: AuditObject }) {
    const p = audit.props;
    const [draft, setDraft] = useState<Draft>(() => draftOf(p));
    const [error, setError] = useState("");
    const [saving, setSaving] = useState(false);
    const [saved, setSaved] = useState(false);
    // a change made elsewhere (another admin, debvisorctl) shows here
    useEffect(() => setDraft(draftOf(p)), [p]);

    const days = Number(draft.days), mib = Number(draft.mib), hours = Number(draft.hours);
    const invalid = !Number.isInteger(days) || days < 0 || days > 36500 ? _("Keep: a whole number of days from 0 to 36500.")
        : !(mib >= 0.0625 && mib <= 1024) ? _("Segment size: from 0.0625 to 1024 MiB.")
            : !Number.isInteger(hours) || hours < 1 || hours > 8760 ? _("Segment age: a whole number of hours from 1 to 8760.") : "";

    const save = () => {
        setSaving(true);
        setError("");
        setSaved(false);
        auditConfigure({ "retention-days": days, "segment-max-bytes": Math.round(mib * MIB), "segment-max-hours": hours, "forward-syslog": draft.forward })
            .then(() => setSaved(true), (e: CallError) => setError(e.message))
            .finally(() => setSaving(false));
    };
    const segments = plainDicts<AuditSegment[]>(p.Segments);

    return (
        <TitledCard title={_("Retention and forwarding")} aria-label={_("Retention")}>
            <Form isHorizontal onSubmit={e => { e.preventDefault(); if (!invalid) save() }}>
                <FormGroup label={_("Keep sealed segments for (days)")} fieldId="retention-days">
                    <TextInput id="retention-days" type="number" value={draft.days} onChange={(_e, v) => setDraft(d => ({ ...d, days: v }))} />
                    <HelperText>
                        <HelperTextItem>{_("0 keeps everything. A segment is deleted only once it is sealed, exported and older than this.")}</HelperTextItem>
                    </HelperText>
                </FormGroup>
                <FormGroup label={_("Seal a segment at (MiB)")} fieldId="segment-mib">
                    <TextInput id="segment-mib" type="number" value={draft.mib} onChange={(_e, v) => setDraft(d => ({ ...d, mib: v }))} />
                </FormGroup>
                <FormGroup label={_("or after (hours)")} fieldId="segment-hours">
                    <TextInput id="segment-hours" type="number" value={draft.hours} onChange={(_e, v) => setDraft(d => ({ ...d, hours: v }))} />
                </FormGroup>
                <FormGroup label={_("Forward to syslog")} fieldId="forward-syslog">
                    <Switch id="forward-syslog" isChecked={draft.forward} onChange={(_e, on) => setDraft(d => ({ ...d, forward: on }))}
                        label={_("Every record goes to /dev/log (the journal or rsyslog) as well")} />
                </FormGroup>
                {invalid && <p className="debvisor-error-detail">{invalid}</p>}
                <div>
                    <Button type="submit" variant="primary" isDisabled={saving || invalid !== ""} isLoading={saving}>{_("Save")}</Button>
                    {saved && <span className="debvisor-muted"> {_("Saved.")}</span>}
                </div>
                {error && <p className="debvisor-error-detail">{error}</p>}
            </Form>
            <SegmentsTable segments={segments} />
        </TitledCard>
    );
}
