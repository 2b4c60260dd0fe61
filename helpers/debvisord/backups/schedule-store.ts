// The backup schedules and how their last runs went, in
// /etc/debvisor/backup/schedules.json (root-only, like the repositories),
// written atomically: a crash leaves the old list or the new one.
import { NamedList } from "./list-file.js";
import { BACKUP_DIR } from "./repositories.js";
import type { ScheduleRecord } from "./schedules.js";

export class ScheduleStore extends NamedList<ScheduleRecord> {
    constructor(dir = BACKUP_DIR) {
        super(dir, "schedules");
    }
}
