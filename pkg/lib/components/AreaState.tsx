// What a page shows while an area of debvisord (machines, DNS, ZFS, Ceph,
// firewall) is not ready: what is missing, in debvisord's words, and that it
// tries again by itself — never a spinner without a reason.
import { Alert } from "@patternfly/react-core/dist/esm/components/Alert/index.js";
import { EmptyState, EmptyStateBody } from "@patternfly/react-core/dist/esm/components/EmptyState/index.js";
import { Spinner } from "@patternfly/react-core/dist/esm/components/Spinner/index.js";
import ExclamationTriangleIcon from "@patternfly/react-icons/dist/esm/icons/exclamation-triangle-icon.js";
import type { AreaStatus } from "../dbus-store";
import { _, format } from "../gettext";

function title(area: AreaStatus, what: string): string {
    switch (area.state) {
    case "not-installed": return format(_("$0: not installed"), what);
    case "unavailable": return format(_("$0: not set up"), what);
    case "starting": return format(_("$0: starting"), what);
    default: return format(_("$0: not available"), what);
    }
}

/* "DebVisor tries again at 12:03:05", or that it looks again now and then. */
function retryText(area: AreaStatus): string {
    if (area.state === "starting")
        return _("DebVisor is connecting to it.");
    if (area.nextAttempt <= 0)
        return "";
    return format(_("DebVisor tries again by itself (next attempt at $0); this page follows."), new Date(area.nextAttempt).toLocaleTimeString());
}

/** A line saying that debvisord retries by itself, and when; nothing when the area is ready. */
export function AreaRetry({ area }: { area: AreaStatus | null }) {
    const text = area && area.state !== "ready" ? retryText(area) : "";
    return text ? <p data-area-state={area?.state}>{text}</p> : null;
}

/** Instead of a section's content while its area is not ready; null when it is. */
export function AreaEmptyState({ area, what }: { area: AreaStatus | null; what: string }) {
    if (area?.state === "ready")
        return null;
    if (!area || (area.state === "starting" && !area.reason))
        return <EmptyState titleText={format(_("Connecting to $0"), what)} icon={Spinner} headingLevel="h2" data-area-state={area?.state ?? "unknown"} />;
    return (
        <EmptyState status="warning" icon={ExclamationTriangleIcon} headingLevel="h2" titleText={title(area, what)} data-area-state={area.state}>
            <EmptyStateBody>
                {area.reason && <p className="debvisor-error-detail">{area.reason}</p>}
                <p>{retryText(area)}</p>
            </EmptyStateBody>
        </EmptyState>
    );
}

/** Above a section's (possibly stale) content while its area is not ready; null when it is or while it starts. */
export function AreaAlert({ area, what }: { area: AreaStatus | null; what: string }) {
    if (!area || area.state === "ready" || area.state === "starting")
        return null;
    return (
        <Alert isInline variant="warning" title={title(area, what)} data-area-state={area.state}>
            {area.reason && <p className="debvisor-error-detail">{area.reason}</p>}
            <p>{retryText(area)}</p>
        </Alert>
    );
}
