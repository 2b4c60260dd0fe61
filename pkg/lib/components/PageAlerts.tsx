// Page-level failures as toast alerts; dialogs show their own errors.
import { useSyncExternalStore } from "react";
import { Alert, AlertActionCloseButton, AlertGroup } from "@patternfly/react-core/dist/esm/components/Alert/index.js";

interface PageAlert { id: number; title: string; detail: string }

let alerts: PageAlert[] = [];
let nextId = 1;
const listeners = new Set<() => void>();
const changed = () => listeners.forEach(l => l());

export function showError(title: string, error: unknown): void {
    const detail = (error as { message?: string })?.message ?? String(error);
    alerts = [...alerts, { id: nextId++, title, detail }];
    changed();
}

function dismiss(id: number): void {
    alerts = alerts.filter(a => a.id !== id);
    changed();
}

export function PageAlerts() {
    const current = useSyncExternalStore(l => { listeners.add(l); return () => listeners.delete(l) }, () => alerts);
    return (
        <AlertGroup isToast isLiveRegion>
            {current.map(a => (
                <Alert key={a.id} variant="danger" title={a.title} timeout={15000} onTimeout={() => dismiss(a.id)}
                    actionClose={<AlertActionCloseButton onClose={() => dismiss(a.id)} />}>
                    {a.detail}
                </Alert>
            ))}
        </AlertGroup>
    );
}
