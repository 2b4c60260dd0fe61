// How the audit log is rotated, kept and forwarded (/etc/debvisor/audit.json),
// and which record ranges were exported (state, next to the evidence).
import fs from "node:fs";

export interface AuditSettings {
    retentionDays: number;
    segmentMaxBytes: number;
    segmentMaxHours: number;
    forwardSyslog: boolean;
}

const DEFAULT_SETTINGS: AuditSettings = { retentionDays: 0, segmentMaxBytes: 64 << 20, segmentMaxHours: 24, forwardSyslog: false };

/* The saved settings; defaults for what is missing or unreadable. */
export function readSettings(file: string): AuditSettings {
    try {
        const saved = JSON.parse(fs.readFileSync(file, "utf8")) as Partial<AuditSettings>;
        const pick = <K extends keyof AuditSettings>(key: K, ok: (v: unknown) => boolean): AuditSettings[K] =>
            ok(saved[key]) ? saved[key] as AuditSettings[K] : DEFAULT_SETTINGS[key];
        const whole = (v: unknown) => Number.isInteger(v) && (v as number) >= 0;
        return {
            retentionDays: pick("retentionDays", whole),
            segmentMaxBytes: pick("segmentMaxBytes", v => whole(v) && (v as number) >= 64 << 10),
            segmentMaxHours: pick("segmentMaxHours", v => whole(v) && (v as number) >= 1),
            forwardSyslog: pick("forwardSyslog", v => typeof v === "boolean"),
        };
    } catch {
        return { ...DEFAULT_SETTINGS };
    }
}

/* Written to a temporary file and renamed: a crash leaves the old or the new settings. */
/** Record ranges [first, last] that went into an evidence bundle. */
export type ExportedRanges = Array<[number, number]>;

export function readExported(file: string): ExportedRanges {
    try {
        const ranges = JSON.parse(fs.readFileSync(file, "utf8")) as unknown;
        return Array.isArray(ranges) ? ranges.filter((r): r is [number, number] =>
            Array.isArray(r) && r.length === 2 && r.every(n => Number.isInteger(n))) : [];
    } catch {
        return [];
    }
}

/* Whether records first..last all lie in exported ranges. */
export function isExported(ranges: ExportedRanges, first: number, last: number): boolean {
    let next = first;
    for (const [a, b] of [...ranges].sort((x, y) => x[0] - y[0])) {
        if (a > next)
            break;
        if (b >= next)
            next = b + 1;
        if (next > last)
            return true;
    }
    return next > last;
}
