// Import a list from a file or pasted text: debvisord checks it first (a dry
// run) and the dialog shows the report — what would be added, skipped, the
// warnings and the errors — before anything is applied.
import { useState } from "react";
import { Alert } from "@patternfly/react-core/dist/esm/components/Alert/index.js";
import { Button } from "@patternfly/react-core/dist/esm/components/Button/index.js";
import { Checkbox } from "@patternfly/react-core/dist/esm/components/Checkbox/index.js";
import { ExpandableSection } from "@patternfly/react-core/dist/esm/components/ExpandableSection/index.js";
import { Form, FormGroup } from "@patternfly/react-core/dist/esm/components/Form/index.js";
import { FormSelect, FormSelectOption } from "@patternfly/react-core/dist/esm/components/FormSelect/index.js";
import { Modal, ModalBody, ModalFooter, ModalHeader } from "@patternfly/react-core/dist/esm/components/Modal/index.js";
import { TextArea } from "@patternfly/react-core/dist/esm/components/TextArea/index.js";
import { TextInput } from "@patternfly/react-core/dist/esm/components/TextInput/index.js";
import type { CallError } from "../lib/api/call";
import { firewallImport, refusalsOf, type FirewallReport, type ListName } from "../lib/api/firewall";
import { _, format } from "../lib/gettext";
import { EXPIRIES } from "./AddEntriesDialog";
import { confirmedForce, ForcePrompt } from "./ForcePrompt";

function Findings({ title, items, total, variant }: { title: string; items: string[]; total: number; variant: "danger" | "warning" | "info" }) {
    const [open, setOpen] = useState(variant === "danger");
    if (total === 0)
        return null;
    return (
        <ExpandableSection toggleText={format("$0: $1", title, total)} isExpanded={open} onToggle={(_e, v) => setOpen(v)}>
            <ul className={variant === "danger" ? "debvisor-error-detail" : "debvisor-muted"} aria-label={title}>
                {items.slice(0, 200).map(i => <li key={i}>{i}</li>)}
                {total > Math.min(items.length, 200) && <li>{format(_("… and $0 more"), total - Math.min(items.length, 200))}</li>}
            </ul>
        </ExpandableSection>
    );
}

export function ImportDialog({ list: initialList, onClose }: { list: ListName; onClose(): void }) {
    const [text, setText] = useState("");
    const [list, setList] = useState<ListName>(initialList);
    const [comment, setComment] = useState("");
    const [expiry, setExpiry] = useState(0);
    const [skipInvalid, setSkipInvalid] = useState(false);
    const [report, setReport] = useState<FirewallReport | null>(null);
    const [typed, setTyped] = useState<Record<string, string>>({});
    const [error, setError] = useState("");
    const [busy, setBusy] = useState(false);

    const change = (update: () => void) => { update(); setReport(null); setTyped({}) };
    const readFile = (file: File | undefined) => {
        if (file)
            file.text().then(t => change(() => setText(t)), (e: Error) => setError(e.message));
    };
    const run = (dryRun: boolean) => {
        setBusy(true);
        setError("");
        firewallImport(text, { list, comment, expiry, dryRun, skipInvalid, force: force ?? [] })
            .then(r => { if (dryRun) setReport(r); else onClose() }, (e: CallError) => setError(e.message))
            .finally(() => setBusy(false));
    };
    // entries refused as cutting the host off stop the whole import unless each is typed again; skip-invalid does not leave them out
    const refusals = report ? refusalsOf(report.Errors) : new Map<string, string[]>();
    const force = confirmedForce(refusals, typed);
    const otherErrors = report ? report.ErrorCount - [...refusals.values()].reduce((n, r) => n + r.length, 0) : 0;
    const applicable = report !== null && force !== null && (report.AcceptedCount + refusals.size) > 0 && (otherErrors === 0 || skipInvalid);

    return (
        <Modal isOpen variant="medium" onClose={onClose} aria-labelledby="fw-import-title">
            <ModalHeader labelId="fw-import-title" title={_("Import a list")} />
            <ModalBody>
                {error && <Alert isInline variant="danger" title={_("That did not work")} className="pf-v6-u-mb-md">{error}</Alert>}
                <Form onSubmit={e => { e.preventDefault(); run(true) }}>
                    <FormGroup label={_("File")} fieldId="fw-import-file">
                        <input id="fw-import-file" type="file" accept=".txt,.list,.netset,text/plain" onChange={e => readFile(e.target.files?.[0])} />
                    </FormGroup>
                    <FormGroup label={_("Entries")} fieldId="fw-import-text">
                        <TextArea id="fw-import-text" value={text} rows={6} resizeOrientation="vertical"
                            placeholder={_("One or more entries per line; \"#\" starts a comment")}
                            onChange={(_e, v) => change(() => setText(v))} />
                    </FormGroup>
                    <FormGroup label={_("Into")} fieldId="fw-import-list">
                        <FormSelect id="fw-import-list" value={list} onChange={(_e, v) => change(() => setList(v as ListName))}>
                            <FormSelectOption value="block" label={_("the block list")} />
                            <FormSelectOption value="allow" label={_("the allow list")} />
                        </FormSelect>
                    </FormGroup>
                    <FormGroup label={_("Why")} fieldId="fw-import-comment">
                        <TextInput id="fw-import-comment" value={comment} onChange={(_e, v) => change(() => setComment(v))} />
                    </FormGroup>
                    <FormGroup label={_("Remove")} fieldId="fw-import-expiry">
                        <FormSelect id="fw-import-expiry" value={String(expiry)} onChange={(_e, v) => change(() => setExpiry(Number(v)))}>
                            {EXPIRIES.map(([s, label]) => <FormSelectOption key={s} value={String(s)} label={label()} />)}
                        </FormSelect>
                    </FormGroup>
                </Form>
                {report && (
                    <div aria-label={_("Validation report")} className="pf-v6-u-mt-md">
                        <p><strong>{format(_("$0 entries would be added."), report.AcceptedCount)}</strong></p>
                        <Findings title={_("Errors")} items={report.Errors} total={report.ErrorCount} variant="danger" />
                        <Findings title={_("Warnings")} items={report.Warnings} total={report.WarningCount} variant="warning" />
                        <Findings title={_("Already listed")} items={report.Skipped} total={report.SkippedCount} variant="info" />
                        {refusals.size > 0 && (
                            <ForcePrompt title={_("These entries could cut the host off or lock an admin out: nothing is imported unless each is typed again")}
                                refusals={refusals} typed={typed} onChange={setTyped} />
                        )}
                        {otherErrors > 0 && (
                            <Checkbox id="fw-import-skip" isChecked={skipInvalid} onChange={(_e, v) => setSkipInvalid(v)}
                                label={_("Leave out the entries with errors and add the others")} />
                        )}
                    </div>
                )}
            </ModalBody>
            <ModalFooter>
                {report === null
                    ? <Button variant="primary" onClick={() => run(true)} isLoading={busy} isDisabled={busy || text.trim() === ""}>{_("Check")}</Button>
                    : (
                        <Button variant="primary" onClick={() => run(false)} isLoading={busy} isDisabled={busy || !applicable}>
                            {format(_("Add $0 entries"), report.AcceptedCount + (force ?? []).length)}
                        </Button>
                    )}
                <Button variant="link" onClick={onClose}>{_("Cancel")}</Button>
            </ModalFooter>
        </Modal>
    );
}
