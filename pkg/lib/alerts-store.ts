// The alerts firing now, read through debvisord's Alerts object (ListAlerts:
// viewers and up) and shared by every component of the page that shows them,
// so the Overview's card and a pool's alerts cost one call. Read when the
// first component subscribes, then every minute while the page is visible.
import { useSyncExternalStore } from "react";
import { alertsList, type ActiveAlert } from "./api/alerts";
import type { CallError } from "./api/call";

interface AlertsState {
    /** null until the first answer */
    alerts: ActiveAlert[] | null;
    /** why the last reading failed, or null */
    error: CallError | null;
}

const REFRESH_MS = 60_000;

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

function subscribe(listener: () => void): () => void {
    listeners.add(listener);
    if (listeners.size === 1) {
        reloadAlerts();
        timer = window.setInterval(() => { if (document.visibilityState === "visible") reloadAlerts() }, REFRESH_MS);
    }
    return () => {
        listeners.delete(listener);
        if (listeners.size === 0)
            window.clearInterval(timer);
    };
}

export function useActiveAlerts(): AlertsState {
    return useSyncExternalStore(subscribe, () => current);
}
