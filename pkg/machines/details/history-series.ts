// A machine's History tab: the series its graphs read (also what the page
// starts reading when opened at the tab's address), and the address itself.
import type { HistorySeries } from "../../lib/api/alerts";

export const MACHINE_HISTORY_SERIES = {
    cpu: "machine-cpu", memory: "machine-memory", diskRead: "machine-disk-read", diskWrite: "machine-disk-write",
    received: "machine-network-receive", sent: "machine-network-transmit",
} as const satisfies Record<string, HistorySeries>;

/** the address of a machine's tab: #/machine/NAME/TAB; the History tab's range as ?range=ID */
export const machineTabPath = (name: string, tab: string) => tab === "overview" ? ["machine", name] : ["machine", name, tab];
