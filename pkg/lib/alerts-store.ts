// The alerts firing now, read through debvisord's Alerts object (ListAlerts:
// viewers and up) and shared by every component of the page that shows them,
// so the Overview's card and a pool's alerts cost one call. Read when the
// first component subscribes, every 15 s while the page is shown (an alert
// that fires or ends shows soon, for the price of one small call), and
// again when Cockpit shows the page again (a page left open in the
// background must not show an alert that ended meanwhile).
import { useSyncExternalStore } from "react";
import { alertsList, type ActiveAlert } from "./api/alerts";
import { cockpit } from "./cockpit";
import type { CallError } from "./api/call";

interface AlertsState {
    /** null until the first answer */
    alerts: ActiveAlert[] | null;
    /** why the last reading failed, or null */
    error: CallError | null;
}

const REFRESH_MS = 15_000;

let current: AlertsState = { alerts: null, error: null };
const listeners = new Set<() => void>();
let timer: number | undefined;

function set(next: AlertsState): void {
    current = next;
    for (const l of listeners) l();
}

/* Reads the alerts again now (after a silence was added or ended). */
export function reloadAlerts(): void {
    alertsList().then(alerts => set({ alerts, error: null }), (error: CallError) => set({ ...current, error }));
}

/* Cockpit's hidden: the page's frame is not the one shown (document.visibilityState stays "visible" there). */
function shownAgain(): void {
    if (!cockpit.hidden)
        reloadAlerts();
}

function subscribe(listener: () => void): () => void {
    listeners.add(listener);
    if (listeners.size === 1) {
        reloadAlerts();
        timer = window.setInterval(() => { if (!cockpit.hidden) reloadAlerts() }, REFRESH_MS);
        cockpit.addEventListener("visibilitychange", shownAgain);
    }
    return () => {
        listeners.delete(listener);
        if (listeners.size === 0) {
            window.clearInterval(timer);
            cockpit.removeEventListener("visibilitychange", shownAgain);
        }
    };
}

export function useActiveAlerts(): AlertsState {
    return useSyncExternalStore(subscribe, () => current);
}
