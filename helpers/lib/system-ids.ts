// Numeric ids of system users and groups by name, read from /etc/passwd and
// /etc/group (the service users other packages make: bind, prometheus, …).
import fs from "node:fs";

function idOf(file: string, name: string): number | undefined {
    try {
        const line = fs.readFileSync(file, "utf8").split("\n").find(l => l.startsWith(`${name}:`));
        return line ? Number(line.split(":")[2]) : undefined;
    } catch {
        return undefined;
    }
}

export const groupId = (name: string): number | undefined => idOf("/etc/group", name);
export const userId = (name: string): number | undefined => idOf("/etc/passwd", name);
