// The backups area's lists (repositories.json, schedules.json): one JSON
// object holding one array. A missing file is an empty list; a file that
// cannot be read is an error that names it, never an empty list, so that the
// next change does not overwrite what it held.
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
