// DebVisor → Backups: the repositories backups go to, the schedules with
// their last and next run, and the recent history of runs and jobs. Admins
// add and remove repositories and schedules and run a schedule now; everyone
// with a role sees it all. Live from the store: a run's end changes its
// schedule's properties, and the page follows.
import { Stack, StackItem } from "@patternfly/react-core/dist/esm/layouts/Stack/index.js";
import { AreaAlert, AreaEmptyState } from "../lib/components/AreaState";
import { BackupFailures } from "../lib/components/BackupFailures";
import { JobsPanel } from "../lib/components/JobsPanel";
import { PageFrame } from "../lib/components/PageFrame";
import { ServiceEmptyState } from "../lib/components/ServiceEmptyState";
import { useArea, useBackupRepositories, useBackups, useBackupSchedules, useServiceState } from "../lib/dbus-store";
import { _ } from "../lib/gettext";
import { HistoryCard } from "./HistoryCard";
import { RepositoriesCard } from "./RepositoriesCard";
import { SchedulesCard } from "./SchedulesCard";

export function BackupsPage() {
    const service = useServiceState();
    const backups = useBackups();
    const area = useArea("backups");
    const repositories = useBackupRepositories();
    const schedules = useBackupSchedules();
    return (
        <PageFrame title={_("Backups")}>
            {service.status !== "ready"
                ? <ServiceEmptyState state={service} />
                : !backups
                ? <AreaEmptyState area={area?.state === "ready" ? null : area} what={_("Backups")} />
                : (
                    <Stack hasGutter>
                        <StackItem><AreaAlert area={area} what={_("Backups")} /></StackItem>
                        <StackItem><BackupFailures schedules={schedules} /></StackItem>
                        <StackItem><RepositoriesCard backupsPath={backups.path} repositories={repositories} schedules={schedules} /></StackItem>
                        <StackItem><SchedulesCard backupsPath={backups.path} repositories={repositories} schedules={schedules} /></StackItem>
                        <StackItem><HistoryCard /></StackItem>
                        <StackItem><JobsPanel /></StackItem>
                    </Stack>
                )}
        </PageFrame>
    );
}
