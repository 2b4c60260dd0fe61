// The backup schedules and how their last runs went, in
// /etc/debvisor/backup/schedules.json (root-only, like the repositories),
// written atomically: a crash leaves the old list or the new one.
import fs from "node:fs";
import path from "node:path";
import { writeJsonAtomically } from "../../lib/atomic-file.js";
import { readListFile } from "./list-file.js";
import { BACKUP_DIR } from "./repositories.js";
import type { ScheduleRecord } from "./schedules.js";

export class ScheduleStore {
    constructor(readonly dir = BACKUP_DIR) {}

    private get file(): string {
        return path.join(this.dir, "schedules.json");
    }

    list(): ScheduleRecord[] {
        return readListFile<ScheduleRecord>(this.file, "schedules");
    }

    get(name: string): ScheduleRecord | undefined {
        return this.list().find(s => s.name === name);
    }

    /* Adds or replaces the schedule of that name. */
    put(record: ScheduleRecord): void {
        const list = this.list();
        const at = list.findIndex(s => s.name === record.name);
        if (at >= 0)
            list[at] = record;
        else
            list.push(record);
        this.write(list);
    }

    remove(name: string): void {
        this.write(this.list().filter(s => s.name !== name));
    }

    private write(list: ScheduleRecord[]): void {
        fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
        writeJsonAtomically(this.file, { schedules: list }, 0o600);
    }
}
