// A machine's History tab: the series its graphs read (also what the page
// starts reading as soon as a machine's page opens), and the address itself.
import type { HistorySeries } from "../../lib/api/alerts";
import { prefetchHistory } from "../../lib/history-prefetch";
import { HISTORY_RANGES, type HistoryRange } from "../../lib/history-ranges";

export const MACHINE_HISTORY_SERIES = {
    cpu: "machine-cpu", memory: "machine-memory", diskRead: "machine-disk-read", diskWrite: "machine-disk-write",
    received: "machine-network-receive", sent: "machine-network-transmit",
} as const satisfies Record<string, HistorySeries>;

/** the address of a machine's tab: #/machine/NAME/TAB; the History tab's range as ?range=ID */
export const machineTabPath = (name: string, tab: string) => tab === "overview" ? ["machine", name] : ["machine", name, tab];

/* Asks for the machine's history over every range, `first` first, by its name (it needs none of the bus's objects):
 * the History tab, and the range chosen next in it, draw as soon as they are shown. */
export function prefetchMachineHistory(name: string, first: HistoryRange = HISTORY_RANGES[0]): void {
    for (const range of [first, ...HISTORY_RANGES.filter(r => r.id !== first.id)])
        prefetchHistory(Object.values(MACHINE_HISTORY_SERIES), range.seconds, { machineName: name });
}
