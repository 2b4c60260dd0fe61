// One machine's CPU, memory, disk I/O and network over the last hour, day or
// week: libvirt's statistics as debvisord collected them, read through it.
// Only running time has points; a machine that is off draws gaps.
import { Flex, FlexItem } from "@patternfly/react-core/dist/esm/layouts/Flex/index.js";
import { Stack, StackItem } from "@patternfly/react-core/dist/esm/layouts/Stack/index.js";
import { HistoryGraphs, RangeToggle, type GraphSpec, type HistoryRange } from "../../lib/components/HistoryGraphs";
import { _ } from "../../lib/gettext";
import { MACHINE_HISTORY_SERIES as S } from "./history-series";

function machineGraphs(): GraphSpec[] {
    return [
        { title: _("CPU"), unit: "ratio", lines: [{ series: S.cpu }] },
        { title: _("Memory"), unit: "ratio", lines: [{ series: S.memory }] },
        { title: _("Disk I/O"), unit: "rate", lines: [{ series: S.diskRead, label: _("read") }, { series: S.diskWrite, label: _("written") }] },
        { title: _("Network"), unit: "rate", lines: [{ series: S.received, label: _("received") }, { series: S.sent, label: _("sent") }] },
    ];
}

/* The range comes from the page's address (kept there, so reload and links show the same range). The machine is
 * named by its name, as the address names it: the tab is shown, and its reads begun, before the page knows the machine. */
export function HistoryTab({ name, range, onRange }: { name: string; range: HistoryRange; onRange: (range: HistoryRange) => void }) {
    return (
        <Stack hasGutter className="pf-v6-u-pt-md" data-testid="machine-history">
            <StackItem>
                <Flex justifyContent={{ default: "justifyContentFlexEnd" }}>
                    <FlexItem><RangeToggle range={range} onChange={onRange} /></FlexItem>
                </Flex>
            </StackItem>
            <StackItem>
                <HistoryGraphs specs={machineGraphs()} range={range} subject={{ machineName: name }}
                               label={_("The machine's history")} />
            </StackItem>
        </Stack>
    );
}
