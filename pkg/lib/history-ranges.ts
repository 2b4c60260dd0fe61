// The ranges history graphs show, by the id a page's address carries (a
// module of its own, so a page can read its address's range without the graphs).
import { _ } from "./gettext";
import { nearestInLength } from "./history-graph";

export interface HistoryRange { id: string; seconds: number; label: () => string }

export const HISTORY_RANGES: HistoryRange[] = [
    { id: "hour", seconds: 3600, label: () => _("Hour") },
    { id: "day", seconds: 86400, label: () => _("Day") },
    { id: "week", seconds: 7 * 86400, label: () => _("Week") },
];

/* The range an address names; the hour for none or one not known. */
export const rangeById = (id: unknown): HistoryRange => HISTORY_RANGES.find(r => r.id === id) ?? HISTORY_RANGES[0];

/* The ranges other than this one, the nearest in length first (the one a click is likelier to choose). */
export const otherRanges = (range: HistoryRange): HistoryRange[] => nearestInLength(HISTORY_RANGES.filter(r => r.id !== range.id), range.seconds);
