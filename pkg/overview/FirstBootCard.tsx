// First boot of a node installed from the ISO: its steps with their state,
// the error of a failed one, and when it finished. Live from the Manager's
// FirstBoot property (PropertiesChanged as each step ends); not shown on a
// host where first boot never ran.
import { Alert } from "@patternfly/react-core/dist/esm/components/Alert/index.js";
import { Label } from "@patternfly/react-core/dist/esm/components/Label/index.js";
import { Content } from "@patternfly/react-core/dist/esm/components/Content/index.js";
import { Table, Tbody, Td, Tr } from "@patternfly/react-table/dist/esm/components/Table/index.js";
import type { CockpitVariant } from "../../generated/dbus-contract";
import { firstBootFromBus, type FirstBoot, type FirstBootStep } from "../../helpers/lib/firstboot-state";
import { isoToMicroseconds } from "../../helpers/lib/times";
import { unwrapDict } from "../lib/api/variants";
import { formatTime } from "../lib/format";
import { _, format } from "../lib/gettext";
import { TableHead } from "../lib/components/TableHead";
import { TitledCard } from "../lib/components/TitledCard";

/* The Manager's FirstBoot property (a{sv}) as a first-boot state. */
export function firstBootOf(property: Record<string, CockpitVariant>): FirstBoot {
    return firstBootFromBus(unwrapDict(property));
}

function StepLabel({ step }: { step: FirstBootStep }) {
    switch (step.state) {
    case "done":
        return step.message.startsWith("warning:")
            ? <Label color="orange" isCompact>{_("Done, with a warning")}</Label>
            : <Label color="green" isCompact>{_("Done")}</Label>;
    case "running":
        return <Label color="blue" isCompact>{_("Running")}</Label>;
    case "failed":
        return <Label color="red" isCompact>{_("Failed")}</Label>;
    default:
        return <Label color="grey" isCompact>{_("Waiting")}</Label>;
    }
}

function Summary({ firstBoot }: { firstBoot: FirstBoot }) {
    const failedStep = firstBoot.steps.find(s => s.state === "failed");
    if (firstBoot.state === "done")
        return <Content component="p" id="debvisor-firstboot-finished">{format(_("First boot finished at $0."), formatTime(isoToMicroseconds(firstBoot.finished)))}</Content>;
    if (firstBoot.state === "failed" && failedStep)
        return (
            <Alert variant="danger" isInline isPlain title={format(_("First boot failed: $0"), failedStep.description)}>
                <p className="debvisor-firstboot-error">{failedStep.message}</p>
                <p>{_("It continues from this step when debvisor-firstboot.service runs again (at the next boot, or with systemctl start).")}</p>
            </Alert>
        );
    return <Content component="p">{_("First boot is setting this node up.")}</Content>;
}

export function FirstBootCard({ firstBoot }: { firstBoot: FirstBoot }) {
    if (firstBoot.state === "not-run")
        return null;
    return (
        <TitledCard title={_("First boot")} id="debvisor-firstboot" data-state={firstBoot.state}>
            <Summary firstBoot={firstBoot} />
            <Table aria-label={_("First boot steps")} variant="compact">
                <TableHead columns={[_("Step"), _("State"), _("Result")]} />
                <Tbody>
                    {firstBoot.steps.map(step => (
                        <Tr key={step.id} data-step={step.id} data-state={step.state}>
                            <Td dataLabel={_("Step")}>{step.description}</Td>
                            <Td dataLabel={_("State")}><StepLabel step={step} /></Td>
                            <Td dataLabel={_("Result")} modifier="breakWord">{step.message}</Td>
                        </Tr>
                    ))}
                </Tbody>
            </Table>
        </TitledCard>
    );
}
