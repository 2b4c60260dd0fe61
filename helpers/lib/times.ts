// The contract's one form for a time: microseconds since the epoch (t), 0 for
// none. Log files and libvirt's metadata keep ISO 8601 text; it is converted
// here on its way to the bus, and back for people (debvisorctl prints ISO 8601).

const US_PER_MS = 1000;

/* Milliseconds (Date.now(), Date.parse()) as the bus's microseconds; 0 for none or before the epoch. */
export function microseconds(ms: number): bigint {
    return Number.isFinite(ms) && ms > 0 ? BigInt(Math.round(ms)) * BigInt(US_PER_MS) : 0n;
}

/* An ISO 8601 time as µs since the epoch; 0 for "" (not yet), no time at all, or one before
 * the epoch (the contract's times are unsigned). */
export function isoToMicroseconds(iso: string): number {
    const ms = iso ? Date.parse(iso) : NaN;
    return Number.isFinite(ms) && ms > 0 ? ms * US_PER_MS : 0;
}

/* µs since the epoch as ISO 8601 UTC; "" for 0 (none) or anything that is not a time. */
export function microsecondsToIso(us: unknown): string {
    const n = Number(us);
    return Number.isFinite(n) && n > 0 && n < 8.64e18 ? new Date(n / US_PER_MS).toISOString() : "";
}
