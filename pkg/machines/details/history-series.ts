// A machine's History tab: the series its graphs read (also what the page
// starts reading as soon as a machine's page opens), and the address itself.
import type { HistorySeries } from "../../lib/api/alerts";
import { prefetchHistory } from "../../lib/history-prefetch";
import { HISTORY_RANGES, type HistoryRange } from "../../lib/history-ranges";
import { inTurn } from "../../lib/kept-reads";

export const MACHINE_HISTORY_SERIES = {
    cpu: "machine-cpu", memory: "machine-memory", diskRead: "machine-disk-read", diskWrite: "machine-disk-write",
    received: "machine-network-receive", sent: "machine-network-transmit",
} as const satisfies Record<string, HistorySeries>;

/** the address of a machine's tab: #/machine/NAME/TAB; the History tab's range as ?range=ID */
export const machineTabPath = (name: string, tab: string) => tab === "overview" ? ["machine", name] : ["machine", name, tab];

/* Asks for the machine's history over one range (the one its History tab shows) by its name, which needs none of the
 * bus's objects: the tab draws as soon as it is shown. Only that range: the other ranges are asked for once these
 * graphs are drawn (HistoryGraphs); all of them at once slowed the first (18 reads in debvisord beside the page's watch). */
export function prefetchMachineHistory(name: string, range: HistoryRange): Promise<void> {
    return prefetchHistory(Object.values(MACHINE_HISTORY_SERIES), range.seconds, { machineName: name });
}

/* A machine opened from the list: its History tab shows the hour first, and the day is one click further. Both are
 * asked for now, the hour first and the day once the hour is answered, so the two clicks draw from what was read
 * (kept 30 s) instead of waiting each for six reads; the week is asked for once the tab's graphs are drawn. */
export function prefetchOpenedMachineHistory(name: string): Promise<void> {
    return inTurn(HISTORY_RANGES.slice(0, 2), range => prefetchMachineHistory(name, range));
}
