// Running and recently finished jobs, live from the store: every page can
// show it. Finished jobs stay listed while debvisord keeps them (a minute).
import { useState } from "react";
import { Button } from "@patternfly/react-core/dist/esm/components/Button/index.js";
import { Card, CardBody, CardTitle } from "@patternfly/react-core/dist/esm/components/Card/index.js";
import { Label } from "@patternfly/react-core/dist/esm/components/Label/index.js";
import { Progress, ProgressMeasureLocation, ProgressVariant } from "@patternfly/react-core/dist/esm/components/Progress/index.js";
import { DataList, DataListCell, DataListItem, DataListItemCells, DataListItemRow } from "@patternfly/react-core/dist/esm/components/DataList/index.js";
import { jobCancel } from "../api/jobs";
import { useJobs, type JobObject } from "../dbus-store";
import { _ } from "../gettext";

const STATE_LABEL: Record<string, () => { text: string; color: "blue" | "green" | "red" | "grey" }> = {
    running: () => ({ text: _("Running"), color: "blue" }),
    succeeded: () => ({ text: _("Completed"), color: "green" }),
    failed: () => ({ text: _("Failed"), color: "red" }),
    cancelled: () => ({ text: _("Cancelled"), color: "grey" }),
};

function JobRow({ job }: { job: JobObject }) {
    const [error, setError] = useState("");
    const [cancelling, setCancelling] = useState(false);
    const { props } = job;
    const label = (STATE_LABEL[props.State] ?? STATE_LABEL.running)();
    const variant = props.State === "failed" ? ProgressVariant.danger : props.State === "succeeded" ? ProgressVariant.success : undefined;
    const cancel = () => {
        setCancelling(true);
        jobCancel(job.path).catch((e: Error) => setError(e.message)).finally(() => setCancelling(false));
    };
    return (
        <DataListItem aria-label={props.Description}>
            <DataListItemRow>
                <DataListItemCells dataListCells={[
                    <DataListCell key="what" width={2}>
                        <div className="debvisor-job-title">{props.Description}</div>
                        {props.Message && <div className="debvisor-job-message">{props.Message}</div>}
                        {error && <div className="debvisor-error-detail">{error}</div>}
                    </DataListCell>,
                    <DataListCell key="progress" width={3}>
                        {props.ProgressValid || props.State !== "running"
                            ? <Progress value={Math.round(props.Progress * 100)}
                                aria-label={props.Description} measureLocation={ProgressMeasureLocation.outside} variant={variant} />
                            : <span>{_("Starting…")}</span>}
                    </DataListCell>,
                    <DataListCell key="state" isFilled={false}>
                        <Label color={label.color}>{label.text}</Label>
                    </DataListCell>,
                    <DataListCell key="cancel" isFilled={false} alignRight>
                        {props.Cancelable && (
                            <Button variant="secondary" size="sm" isDisabled={cancelling} onClick={cancel}>{_("Cancel")}</Button>
                        )}
                    </DataListCell>,
                ]} />
            </DataListItemRow>
        </DataListItem>
    );
}

export function JobsPanel() {
    const jobs = useJobs();
    return (
        <Card>
            <CardTitle component="h2">{_("Jobs")}</CardTitle>
            <CardBody>
                {jobs.length === 0
                    ? <p className="debvisor-muted">{_("No jobs are running.")}</p>
                    : (
                        <DataList aria-label={_("Jobs")} isCompact>
                            {jobs.map(job => <JobRow key={job.path} job={job} />)}
                        </DataList>
                    )}
            </CardBody>
        </Card>
    );
}
