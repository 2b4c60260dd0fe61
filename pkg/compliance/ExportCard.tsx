// Evidence export: a time range → a signed bundle written by debvisord as a
// Job; once it is done, a download of the bundle (admins may read it) and the
// command that checks it offline.
import { useState } from "react";
import { Button } from "@patternfly/react-core/dist/esm/components/Button/index.js";
import { Form, FormGroup } from "@patternfly/react-core/dist/esm/components/Form/index.js";
import { TextInput } from "@patternfly/react-core/dist/esm/components/TextInput/index.js";
import { Flex, FlexItem } from "@patternfly/react-core/dist/esm/layouts/Flex/index.js";
import { auditExport, bundleDownload } from "../lib/api/audit";
import type { CallError } from "../lib/api/call";
import { useJobs } from "../lib/dbus-store";
import { _ } from "../lib/gettext";
import { TitledCard } from "../lib/components/TitledCard";

/* A Date as a datetime-local value, in local time. */
function localInput(ms: number): string {
    const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
    return d.toISOString().slice(0, 16);
}

export function ExportCard() {
    const [since, setSince] = useState(() => localInput(Date.now() - 7 * 86_400_000));
    const [until, setUntil] = useState(() => localInput(Date.now() + 60_000));
    const [started, setStarted] = useState<{ job: string; bundle: string } | null>(null);
    const [error, setError] = useState("");
    const [busy, setBusy] = useState(false);
    const jobs = useJobs();
    const job = started ? jobs.find(j => j.path === started.job) : undefined;
    const done = job?.props.State === "succeeded";

    const sinceMs = new Date(since).getTime(), untilMs = new Date(until).getTime();
    const invalid = !Number.isFinite(sinceMs) || !Number.isFinite(untilMs) ? _("Choose both times.")
        : untilMs < sinceMs ? _("The end is before the start.") : "";

    const start = () => {
        setBusy(true);
        setError("");
        setStarted(null);
        auditExport(sinceMs, untilMs + 59_999) // the whole last minute
            .then(setStarted, (e: CallError) => setError(e.message))
            .finally(() => setBusy(false));
    };
    const download = () => {
        if (started)
            bundleDownload(started.bundle).catch((e: CallError | Error) => setError(e.message));
    };

    return (
        <TitledCard title={_("Evidence export")} aria-label={_("Evidence export")}>
            <p className="debvisor-muted">
                {_("A tar bundle with the records of the range, the verification of the whole log, the chain head and a manifest signed with this host's key.")}
            </p>
            <Form isHorizontal onSubmit={e => { e.preventDefault(); if (!invalid) start() }}>
                <FormGroup label={_("From")} fieldId="export-since">
                    <TextInput id="export-since" type="datetime-local" value={since} onChange={(_e, v) => setSince(v)} />
                </FormGroup>
                <FormGroup label={_("To")} fieldId="export-until">
                    <TextInput id="export-until" type="datetime-local" value={until} onChange={(_e, v) => setUntil(v)} />
                </FormGroup>
                {invalid && <p className="debvisor-error-detail">{invalid}</p>}
                <Flex>
                    <FlexItem>
                        <Button type="submit" variant="primary" isDisabled={busy || invalid !== ""} isLoading={busy}>{_("Export")}</Button>
                    </FlexItem>
                    {done && (
                        <FlexItem>
                            <Button variant="secondary" onClick={download}>{_("Download bundle")}</Button>
                        </FlexItem>
                    )}
                </Flex>
            </Form>
            {error && <p className="debvisor-error-detail">{error}</p>}
            {started && (
                <div aria-label={_("Export result")}>
                    {job?.props.Message && <p className={job.props.State === "failed" ? "debvisor-error-detail" : ""}>{job.props.Message}</p>}
                    {!job?.props.Message && <p className="debvisor-muted">{_("Exporting…")}</p>}
                    {done && (
                        <p className="debvisor-muted">
                            {_("Check it anywhere with:")} <span className="debvisor-mono">debvisorctl audit verify-bundle {started.bundle.split("/").pop()}</span>
                        </p>
                    )}
                </div>
            )}
        </TitledCard>
    );
}
