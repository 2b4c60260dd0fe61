// A ZFS pool's or vdev's health as a coloured label, for the pool table and the import dialog.
import { Label } from "@patternfly/react-core/dist/esm/components/Label/index.js";

const HEALTH_COLOR: Record<string, "green" | "orange" | "red" | "grey"> = {
    ONLINE: "green", DEGRADED: "orange", FAULTED: "red", UNAVAIL: "red", REMOVED: "red", OFFLINE: "grey", AVAIL: "green",
};

export function HealthLabel({ state }: { state: string }) {
    return <Label isCompact color={HEALTH_COLOR[state] ?? "grey"} data-health={state}>{state}</Label>;
}
