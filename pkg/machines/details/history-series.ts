// A machine's History tab: the series its graphs read (also what the page
// starts reading as soon as a machine's page opens), and the address itself.
import type { HistorySeries } from "../../lib/api/alerts";
import { prefetchHistory } from "../../lib/history-prefetch";
import type { HistoryRange } from "../../lib/history-ranges";

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
