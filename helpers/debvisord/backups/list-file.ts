// The backups area's lists (repositories.json, schedules.json): one JSON
// object holding one array of records by name, replaced whole (atomically,
// root-only) on every change. A missing file is an empty list; a file that
// cannot be read is an error that names it, never an empty list, so that the
// next change does not overwrite what it held.
import path from "node:path";
import { ensureDirectory, writeJsonAtomically } from "../../lib/atomic-file.js";
import { failed } from "../../lib/errors.js";
import { readSavedFile } from "../../lib/saved-file.js";

export function readListFile<T>(file: string, key: string): T[] {
    const text = readSavedFile(file);
    if (text === null)
        return [];
    let parsed: Record<string, unknown>;
    try {
        parsed = JSON.parse(text) as Record<string, unknown>;
    } catch (e) {
        throw failed(`${file} cannot be read (${(e as Error).message}); fix or remove the file`);
    }
    return Array.isArray(parsed?.[key]) ? parsed[key] as T[] : [];
}

/* The list `key` in DIR/KEY.json. */
export class NamedList<T extends { name: string }> {
    constructor(readonly dir: string, private readonly key: string) {}

    private get file(): string {
        return path.join(this.dir, `${this.key}.json`);
    }

    list(): T[] {
        return readListFile<T>(this.file, this.key);
    }

    get(name: string): T | undefined {
        return this.list().find(r => r.name === name);
    }

    /* Adds the record, or replaces the one of its name where it stands. */
    put(record: T): void {
        const list = this.list();
        const at = list.findIndex(r => r.name === record.name);
        if (at >= 0)
            list[at] = record;
        else
            list.push(record);
        this.write(list);
    }

    remove(name: string): void {
        this.write(this.list().filter(r => r.name !== name));
    }

    private write(list: T[]): void {
        ensureDirectory(this.dir, 0o700);
        writeJsonAtomically(this.file, { [this.key]: list }, 0o600);
    }
}
