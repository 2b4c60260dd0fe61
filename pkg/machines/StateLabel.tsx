// A machine's state as a coloured label.
import { Label } from "@patternfly/react-core/dist/esm/components/Label/index.js";
import { _ } from "../lib/gettext";

const STATES: Record<string, () => { text: string; color: "green" | "orange" | "grey" | "red" | "blue" }> = {
    running: () => ({ text: _("Running"), color: "green" }),
    paused: () => ({ text: _("Paused"), color: "orange" }),
    shutoff: () => ({ text: _("Shut off"), color: "grey" }),
    "shutting-down": () => ({ text: _("Shutting down"), color: "blue" }),
    crashed: () => ({ text: _("Crashed"), color: "red" }),
};

export function StateLabel({ state }: { state: string }) {
    const label = (STATES[state] ?? (() => ({ text: state, color: "grey" as const })))();
    return <Label color={label.color} data-state={state}>{label.text}</Label>;
}
