// What a page shows instead of its content when debvisord cannot be reached,
// or a section the user may not read: what is wrong and how to fix it.
import type { ComponentType } from "react";
import { Button } from "@patternfly/react-core/dist/esm/components/Button/index.js";
import { CodeBlock, CodeBlockCode } from "@patternfly/react-core/dist/esm/components/CodeBlock/index.js";
import { EmptyState, EmptyStateActions, EmptyStateBody, EmptyStateFooter } from "@patternfly/react-core/dist/esm/components/EmptyState/index.js";
import { Spinner } from "@patternfly/react-core/dist/esm/components/Spinner/index.js";
import ExclamationCircleIcon from "@patternfly/react-icons/dist/esm/icons/exclamation-circle-icon.js";
import LockIcon from "@patternfly/react-icons/dist/esm/icons/lock-icon.js";
import { NOT_AUTHORIZED, type CallError } from "../api/call";
import { reconnect, type ServiceState, type UnavailableReason } from "../dbus-store";
import { _ } from "../gettext";

interface Advice { title: string; body: string; fix: string; icon: ComponentType }

const GROUPS_HINT = () =>
    _("Access to DebVisor comes from the groups debvisor-viewer (read), debvisor-operator (run machines) and debvisor-admin (everything). Ask an administrator to add you to one of them, then log in again.");

const ADVICE: Record<UnavailableReason, () => Advice> = {
    "not-installed": () => ({
        title: _("The DebVisor service is not installed"),
        body: _("This host has no debvisord, the service that does the work behind these pages. Install it as root:"),
        fix: "apt install debvisord",
        icon: ExclamationCircleIcon,
    }),
    "not-running": () => ({
        title: _("The DebVisor service stopped"),
        body: _("debvisord left the system bus. This page reconnects when it is back; to start it, run as root:"),
        fix: "systemctl start debvisord",
        icon: ExclamationCircleIcon,
    }),
    failed: () => ({
        title: _("The DebVisor service could not be started"),
        body: _("debvisord is installed but did not answer. See why, as root:"),
        fix: "systemctl status debvisord\njournalctl -u debvisord -n 50",
        icon: ExclamationCircleIcon,
    }),
    "not-authorized": () => ({
        title: _("You are not in a DebVisor group"),
        body: GROUPS_HINT(),
        fix: "adduser USER debvisor-viewer",
        icon: LockIcon,
    }),
    disconnected: () => ({
        title: _("The connection to this host was lost"),
        body: _("Cockpit lost its connection to the host. Reload the page or log in again."),
        fix: "",
        icon: ExclamationCircleIcon,
    }),
};

export function ServiceEmptyState({ state }: { state: ServiceState }) {
    if (state.status === "connecting")
        return <EmptyState titleText={_("Connecting to DebVisor")} icon={Spinner} headingLevel="h2" />;
    if (state.status === "ready")
        return null;
    const advice = ADVICE[state.reason]();
    return (
        <EmptyState status="danger" icon={advice.icon} headingLevel="h2" titleText={advice.title}>
            <EmptyStateBody>
                {advice.body}
                {/* the bus's own refusal text names match rules, not the fix */}
                {state.message && state.reason !== "not-authorized" && <p className="debvisor-error-detail">{state.message}</p>}
            </EmptyStateBody>
            <EmptyStateFooter>
                {advice.fix && (
                    <CodeBlock>
                        <CodeBlockCode>{advice.fix}</CodeBlockCode>
                    </CodeBlock>
                )}
                <EmptyStateActions>
                    <Button variant="secondary" onClick={reconnect}>{_("Try again")}</Button>
                </EmptyStateActions>
            </EmptyStateFooter>
        </EmptyState>
    );
}

/** For a section the user may not read: which groups grant access. */
export function NotAuthorizedState({ message }: { message: string }) {
    return (
        <EmptyState icon={LockIcon} headingLevel="h3" titleText={_("You are not allowed to see this")}>
            <EmptyStateBody>
                {GROUPS_HINT()}
                <p className="debvisor-error-detail">{message}</p>
            </EmptyStateBody>
        </EmptyState>
    );
}

export const isNotAuthorized = (error: Pick<CallError, "name">) => error.name === NOT_AUTHORIZED;
