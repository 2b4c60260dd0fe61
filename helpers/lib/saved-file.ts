// Reading a file the daemon saved earlier (its state, settings, lists): a
// missing file means nothing was saved yet, and the caller picks the default;
// any other failure is an error naming the file, never a default, so that the
// next write does not replace what the file held.
import fs from "node:fs";

/** the file's text, or null when there is no such file */
export function readSavedFile(file: string): string | null {
    try {
        return fs.readFileSync(file, "utf8");
    } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT")
            return null;
        throw new Error(`cannot read ${file}: ${(e as Error).message}`);
    }
}
