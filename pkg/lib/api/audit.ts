// Calls on the Audit object, as the logged-in user, returning plain data.
import { AUDIT_IFACE, ROOT_PATH, type PageAuditMethodResults, type PlainAuditQueryRecords, type PlainAuditSegments } from "../../../generated/dbus-contract";
import { cockpit } from "../cockpit";
import { callDaemon } from "./call";
import type { AuditEvent } from "./manager";
import { plainDicts } from "./variants";

const AUDIT_PATH = `${ROOT_PATH}/audit`;

export type AuditOutcome = "ok" | "failed" | "denied" | "invalid" | "started" | "cancelled" | "system";

export interface AuditFilter {
    user?: string;
    action?: string;
    object?: string;
    result?: AuditOutcome;
    /** milliseconds since the epoch */
    since?: number;
    until?: number;
}

export interface AuditPage { events: AuditEvent[]; total: number; nextBefore: number }

export type AuditSegment = PlainAuditSegments[number];

interface AuditSettings { "retention-days": number; "segment-max-bytes": number; "segment-max-hours": number; "forward-syslog": boolean }

const SETTING_TYPES: Record<keyof AuditSettings, string> = {
    "retention-days": "u", "segment-max-bytes": "t", "segment-max-hours": "u", "forward-syslog": "b",
};

export async function auditQuery(filter: AuditFilter, limit: number, before: number): Promise<AuditPage> {
    const dict: Record<string, { t: string; v: unknown }> = {};
    for (const key of ["user", "action", "object", "result"] as const) {
        if (filter[key])
            dict[key] = { t: "s", v: filter[key] };
    }
    if (filter.since !== undefined)
        dict.since = { t: "x", v: filter.since * 1000 };
    if (filter.until !== undefined)
        dict.until = { t: "x", v: filter.until * 1000 + 999 };
    const [records, total, nextBefore] = await callDaemon<PageAuditMethodResults["Query"]>(AUDIT_PATH, AUDIT_IFACE, "Query", [dict, limit, before, {}]);
    // Query's records are AuditTail's: AuditEvent must fit both, or this does not compile
    const events: AuditEvent[] = plainDicts<PlainAuditQueryRecords>(records);
    return { events, total, nextBefore };
}

export async function auditVerify(): Promise<string> {
    const [job] = await callDaemon<PageAuditMethodResults["Verify"]>(AUDIT_PATH, AUDIT_IFACE, "Verify", [{}]);
    return job;
}

/** Starts an export of [since, until] (milliseconds); returns the job and where the bundle will be. */
export async function auditExport(since: number, until: number): Promise<{ job: string; bundle: string }> {
    const [job, bundle] = await callDaemon<PageAuditMethodResults["Export"]>(AUDIT_PATH, AUDIT_IFACE, "Export", [since * 1000, until * 1000 + 999, {}]);
    return { job, bundle };
}

export async function auditConfigure(settings: Partial<AuditSettings>): Promise<void> {
    const dict = Object.fromEntries(Object.entries(settings).map(([k, v]) => [k, { t: SETTING_TYPES[k as keyof AuditSettings], v }]));
    await callDaemon<PageAuditMethodResults["Configure"]>(AUDIT_PATH, AUDIT_IFACE, "Configure", [dict, {}]);
}

/** Reads a bundle as the logged-in user (admins may: the files are group debvisor-admin) and saves it. */
export async function bundleDownload(path: string): Promise<void> {
    const file = cockpit.file(path, { binary: true, max_read_size: 1 << 30 });
    try {
        const data = await file.read();
        if (!data)
            throw new Error(path);
        const url = URL.createObjectURL(new Blob([data as Uint8Array<ArrayBuffer>], { type: "application/x-tar" }));
        const a = document.createElement("a");
        a.href = url;
        a.download = path.split("/").pop() ?? "audit-evidence.tar";
        document.body.appendChild(a);
        a.click();
        a.remove();
        setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } finally {
        file.close();
    }
}
