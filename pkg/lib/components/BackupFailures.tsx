// A danger alert for each backup schedule whose last run failed: its name,
// when it ended and why. The machine's Backups tab shows those that back the
// machine up, the Overview and the Backups page all of them; an alert goes
// when the schedule's next run succeeds.
import { Alert } from "@patternfly/react-core/dist/esm/components/Alert/index.js";
import type { BackupScheduleObject } from "../dbus-store";
import { _, format } from "../gettext";
import { formatTime } from "../format";

export function BackupFailures({ schedules }: { schedules: BackupScheduleObject[] }) {
    return (
        <>
            {schedules.filter(s => s.props.LastResult === "failed").map(({ props: s }) => (
                <Alert key={s.Name} isInline variant="danger" className="pf-v6-u-mb-md" data-failed-schedule={s.Name}
                    title={format(_("Backup schedule $0 failed at $1"), s.Name, formatTime(s.LastRun))}>
                    <div className="debvisor-run-message">{s.LastMessage}</div>
                </Alert>
            ))}
        </>
    );
}
