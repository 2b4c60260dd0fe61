// One machine's CPU, memory, disk I/O and network over the last hour, day or
// week: libvirt's statistics as debvisord collected them, read through it.
// Only running time has points; a machine that is off draws gaps.
import { useState } from "react";
import { Flex, FlexItem } from "@patternfly/react-core/dist/esm/layouts/Flex/index.js";
import { Stack, StackItem } from "@patternfly/react-core/dist/esm/layouts/Stack/index.js";
import { HISTORY_RANGES, HistoryGraphs, RangeToggle, type GraphSpec } from "../../lib/components/HistoryGraphs";
import type { MachineObject } from "../../lib/dbus-store";
import { _ } from "../../lib/gettext";

function machineGraphs(): GraphSpec[] {
    return [
        { title: _("CPU"), unit: "ratio", lines: [{ series: "machine-cpu" }] },
        { title: _("Memory"), unit: "ratio", lines: [{ series: "machine-memory" }] },
        { title: _("Disk I/O"), unit: "rate", lines: [{ series: "machine-disk-read", label: _("read") }, { series: "machine-disk-write", label: _("written") }] },
        { title: _("Network"), unit: "rate", lines: [{ series: "machine-network-receive", label: _("received") }, { series: "machine-network-transmit", label: _("sent") }] },
    ];
}

export function HistoryTab({ machine }: { machine: MachineObject }) {
    const [range, setRange] = useState(HISTORY_RANGES[0]);
    return (
        <Stack hasGutter className="pf-v6-u-pt-md" data-testid="machine-history">
            <StackItem>
                <Flex justifyContent={{ default: "justifyContentFlexEnd" }}>
                    <FlexItem><RangeToggle range={range} onChange={setRange} /></FlexItem>
                </Flex>
            </StackItem>
            <StackItem>
                <HistoryGraphs specs={machineGraphs()} range={range} subject={{ machine: machine.props.UUID }}
                               label={_("The machine's history")} />
            </StackItem>
        </Stack>
    );
}
