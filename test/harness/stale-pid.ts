// A pid file left behind by a daemon that is gone (the machine image was
// taken while it ran, or it was killed) makes that daemon refuse to start
// again. Remove it only when the pid it names is not that program.
import fs from "node:fs";

function commandOf(pid: number): string | null {
    try {
        return fs.readFileSync(`/proc/${pid}/comm`, "utf8").trim();
    } catch {
        return null;
    }
}

/* True when the file was stale and is now gone. */
export function removeStalePidFile(file: string, program: string): boolean {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch {
        return false;
    }
    const pid = Number(text.trim());
    if (Number.isInteger(pid) && pid > 0 && commandOf(pid) === program)
        return false;
    fs.rmSync(file, { force: true });
    return true;
}
