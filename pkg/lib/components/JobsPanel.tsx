// Running and recently finished jobs, live from the store: every page can
// show it. Finished jobs stay listed while debvisord keeps them (a minute).
import { useState } from "react";
import { Button } from "@patternfly/react-core/dist/esm/components/Button/index.js";
import { DataList, DataListCell, DataListItem, DataListItemCells, DataListItemRow } from "@patternfly/react-core/dist/esm/components/DataList/index.js";
import { Label } from "@patternfly/react-core/dist/esm/components/Label/index.js";
import { Progress, ProgressMeasureLocation, ProgressSize, ProgressVariant } from "@patternfly/react-core/dist/esm/components/Progress/index.js";
import { Flex, FlexItem } from "@patternfly/react-core/dist/esm/layouts/Flex/index.js";
import { jobCancel } from "../api/jobs";
import type { CallError } from "../api/call";
import { useJobs, type JobObject } from "../dbus-store";
import { _, format } from "../gettext";
import { TitledCard } from "./TitledCard";

type LabelColor = "blue" | "green" | "red" | "grey";

const STATE_LABEL: Record<string, () => { text: string; color: LabelColor }> = {
    running: () => ({ text: _("Running"), color: "blue" }),
    succeeded: () => ({ text: _("Completed"), color: "green" }),
    failed: () => ({ text: _("Failed"), color: "red" }),
    cancelled: () => ({ text: _("Cancelled"), color: "grey" }),
};

const PROGRESS_VARIANT: Record<string, ProgressVariant | undefined> = {
    succeeded: ProgressVariant.success,
    failed: ProgressVariant.danger,
    cancelled: ProgressVariant.warning,
};

/* One job: its description, state, progress and message; a Cancel button while it may be cancelled. */
export function JobRow({ job }: { job: JobObject }) {
    const [error, setError] = useState("");
    const [cancelling, setCancelling] = useState(false);
    const { props } = job;
    const label = (STATE_LABEL[props.State] ?? STATE_LABEL.running)();
    const running = props.State === "running";
    // a finished job keeps the progress it reached; without one, only success is "all of it"
    const progress = props.ProgressValid ? props.Progress : props.State === "succeeded" ? 1 : null;
    const cancel = () => {
        setCancelling(true);
        setError("");
        jobCancel(job.path)
            .catch((e: CallError) => setError(e.message))
            .finally(() => setCancelling(false));
    };
    return (
        <DataListItem aria-label={props.Description}>
            <DataListItemRow>
                <DataListItemCells dataListCells={[
                    <DataListCell key="job">
                        <Flex alignItems={{ default: "alignItemsCenter" }} flexWrap={{ default: "nowrap" }}>
                            <FlexItem grow={{ default: "grow" }} className="debvisor-job-title">{props.Description}</FlexItem>
                            <FlexItem><Label color={label.color} isCompact>{label.text}</Label></FlexItem>
                            {props.Cancelable && running && (
                                <FlexItem>
                                    <Button variant="secondary" size="sm" isDisabled={cancelling} onClick={cancel}
                                        aria-label={format(_("Cancel $0"), props.Description)}>{_("Cancel")}</Button>
                                </FlexItem>
                            )}
                        </Flex>
                        {progress !== null && (
                            <Progress value={Math.round(progress * 100)} aria-label={props.Description}
                                size={ProgressSize.sm} measureLocation={ProgressMeasureLocation.outside}
                                variant={PROGRESS_VARIANT[props.State]} />
                        )}
                        {progress === null && running && <div className="debvisor-job-message">{_("Starting…")}</div>}
                        {props.Message && <div className="debvisor-job-message">{props.Message}</div>}
                        {error && <div className="debvisor-error-detail" role="alert">{error}</div>}
                    </DataListCell>,
                ]} />
            </DataListItemRow>
        </DataListItem>
    );
}

export function JobsPanel() {
    const jobs = useJobs();
    return (
        <TitledCard title={_("Jobs")}>
            {jobs.length === 0
                ? <p className="debvisor-muted">{_("No jobs are running.")}</p>
                : (
                    <DataList aria-label={_("Jobs")} isCompact>
                        {jobs.map(job => <JobRow key={job.path} job={job} />)}
                    </DataList>
                )}
        </TitledCard>
    );
}
