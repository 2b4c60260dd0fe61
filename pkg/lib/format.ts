// Numbers and times as people read them.

export { formatBytes } from "../../helpers/lib/bytes";

/* A time in the contract's form (µs since the epoch) in the reader's locale; "" for 0 (none). */
export function formatTime(microseconds: number): string {
    return microseconds > 0 ? new Date(microseconds / 1000).toLocaleString() : "";
}
