// A uid's user name from the name service (getent passwd), so users from
// LDAP or SSSD are named in audit records as local ones are, not "#uid".
// Names are kept for a minute: a busy bus asks for the same few uids.
import { runTool } from "./tool-run.js";

const KEEP_MS = 60_000;
const LOOKUP_TIMEOUT_MS = 5_000;
const known = new Map<number, { name: string; until: number }>();

/* The name of a uid, or "#uid" when the name service has none (or does not answer in time). */
export async function userName(uid: number, getent = "getent"): Promise<string> {
    const hit = known.get(uid);
    if (hit && hit.until > Date.now())
        return hit.name;
    const r = await runTool(getent, ["passwd", String(uid)], "looking up a user name", { timeout: LOOKUP_TIMEOUT_MS, allowFailure: true });
    const fields = r.exitCode === 0 ? r.stdout.split("\n")[0].split(":") : [];
    // getent answers a number with the entry of that uid, but also of a user whose name is that number
    const name = fields.length > 2 && Number(fields[2]) === uid && fields[0] !== "" ? fields[0] : `#${uid}`;
    known.set(uid, { name, until: Date.now() + KEEP_MS });
    return name;
}

/* Forgets the names kept (tests). */
export function forgetUserNames(): void {
    known.clear();
}
