// Shown while debvisord cannot write its audit log (a full disk, an I/O
// error): every change is refused until it can, so say so where people look.
import { Alert } from "@patternfly/react-core/dist/esm/components/Alert/index.js";
import { _ } from "../gettext";

export function AuditProblemAlert({ problem }: { problem: string }) {
    if (!problem)
        return null;
    return (
        <Alert variant="danger" isInline title={_("The audit log cannot be written: changes are refused")} aria-label={_("Audit log problem")}>
            {problem}
        </Alert>
    );
}
