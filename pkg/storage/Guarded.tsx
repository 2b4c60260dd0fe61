// A control the user's role may not use: disabled by its owner, with the
// reason as its tooltip (a disabled button gets no pointer events, so the
// tooltip sits on a wrapper).
import type { ReactElement, ReactNode } from "react";
import { Tooltip } from "@patternfly/react-core/dist/esm/components/Tooltip/index.js";
import { Td } from "@patternfly/react-table/dist/esm/components/Table/index.js";

export function Guarded({ locked, children }: { locked: string; children: ReactElement }) {
    return locked ? <Tooltip content={locked}><span>{children}</span></Tooltip> : children;
}

/* The action cell of a table row: its buttons on one line, all guarded by the same reason. */
export function GuardedActions({ locked, children }: { locked: string; children: ReactNode }) {
    return (
        <Td isActionCell style={{ whiteSpace: "nowrap" }}>
            <Guarded locked={locked}><span>{children}</span></Guarded>
        </Td>
    );
}
