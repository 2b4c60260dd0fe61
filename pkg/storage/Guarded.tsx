// A control the user's role may not use: disabled by its owner, with the
// reason as its tooltip (a disabled button gets no pointer events, so the
// tooltip sits on a wrapper).
import type { ReactElement } from "react";
import { Tooltip } from "@patternfly/react-core/dist/esm/components/Tooltip/index.js";

export function Guarded({ locked, children }: { locked: string; children: ReactElement }) {
    return locked ? <Tooltip content={locked}><span>{children}</span></Tooltip> : children;
}
