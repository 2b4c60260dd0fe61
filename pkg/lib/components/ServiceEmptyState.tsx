// What a page shows instead of its content when debvisord cannot be reached,
// or when the user may not read: what is wrong and how to fix it.
import { EmptyState, EmptyStateBody, EmptyStateFooter } from "@patternfly/react-core/dist/esm/components/EmptyState/index.js";
import { Spinner } from "@patternfly/react-core/dist/esm/components/Spinner/index.js";
import { CodeBlock, CodeBlockCode } from "@patternfly/react-core/dist/esm/components/CodeBlock/index.js";
import ExclamationCircleIcon from "@patternfly/react-icons/dist/esm/icons/exclamation-circle-icon.js";
import LockIcon from "@patternfly/react-icons/dist/esm/icons/lock-icon.js";
import type { ServiceState } from "../dbus-store";
import { _ } from "../gettext";

export function ServiceEmptyState({ state }: { state: ServiceState }) {
    if (state.status === "connecting")
        return <EmptyState titleText={_("Connecting to DebVisor")} icon={Spinner} headingLevel="h2" />;
    if (state.status === "ready")
        return null;
    const notInstalled = state.reason === "not-installed";
    return (
        <EmptyState
            status="danger"
            icon={ExclamationCircleIcon}
            headingLevel="h2"
            titleText={notInstalled ? _("The DebVisor service is not installed") : _("The DebVisor service is not running")}
        >
            <EmptyStateBody>
                {notInstalled
                    ? _("This host has no debvisord, the service that does the work behind these pages. Install it as root:")
                    : _("debvisord could not be reached on the system bus. Start it as root:")}
                {state.message && <p className="debvisor-error-detail">{state.message}</p>}
            </EmptyStateBody>
            <EmptyStateFooter>
                <CodeBlock>
                    <CodeBlockCode>{notInstalled ? "apt install debvisord" : "systemctl start debvisord"}</CodeBlockCode>
                </CodeBlock>
            </EmptyStateFooter>
        </EmptyState>
    );
}

/** For a section the user may not read: which groups grant access. */
export function NotAuthorizedState({ message }: { message: string }) {
    return (
        <EmptyState icon={LockIcon} headingLevel="h3" titleText={_("You are not allowed to see this")}>
            <EmptyStateBody>
                {_("Ask an administrator to add you to the group debvisor-viewer (read), debvisor-operator or debvisor-admin.")}
                <p className="debvisor-error-detail">{message}</p>
            </EmptyStateBody>
        </EmptyState>
    );
}

export const isNotAuthorized = (error: { name?: string }) => error.name === "org.debvisor.DebVisor1.Error.NotAuthorized";
