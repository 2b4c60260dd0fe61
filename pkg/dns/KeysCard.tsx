// TSIG keys: scope, age and rotation due date (overdue ones stand out), the
// zones using them, and Rotate, whose steps show live as the key's Rotation
// property moves through them.
import { useState } from "react";
import { Button } from "@patternfly/react-core/dist/esm/components/Button/index.js";
import { Card, CardBody, CardTitle } from "@patternfly/react-core/dist/esm/components/Card/index.js";
import { Label } from "@patternfly/react-core/dist/esm/components/Label/index.js";
import { ProgressStep, ProgressStepper } from "@patternfly/react-core/dist/esm/components/ProgressStepper/index.js";
import { Table, Tbody, Td, Tr } from "@patternfly/react-table/dist/esm/components/Table/index.js";
import { dnsRotateKey } from "../lib/api/dns";
import { ActionDialog } from "../lib/components/ActionDialog";
import type { DnsKeyObject } from "../lib/dbus-store";
import { _, format } from "../lib/gettext";
import { TableHead } from "../lib/components/TableHead";

const STEPS: Array<[string, string]> = [
    ["generate", _("New key made")], ["add", _("Both keys in BIND")], ["switch", _("Updates use the new key")],
    ["retire", _("Old key out of BIND")], ["remove", _("Old key deleted")],
];

function days(micros: number): number {
    return Math.floor((Date.now() - micros / 1000) / 86_400_000);
}

/* Where a rotation stands: steps before `next` are done. */
function RotationSteps({ next }: { next: string }) {
    const at = STEPS.findIndex(([s]) => s === next);
    return (
        <ProgressStepper isCenterAligned aria-label={_("Rotation steps")}>
            {STEPS.map(([step, text], i) => (
                <ProgressStep key={step} id={`rotation-${step}`} titleId={`rotation-${step}-title`}
                    variant={next === "" || i < at ? "success" : i === at ? "info" : "pending"} isCurrent={i === at}>
                    {text}
                </ProgressStep>
            ))}
        </ProgressStepper>
    );
}

export function KeysCard({ keys }: { keys: DnsKeyObject[] }) {
    const [rotating, setRotating] = useState<string | null>(null);
    const [watching, setWatching] = useState<string | null>(null);
    const watched = keys.find(k => k.props.Name === watching);
    return (
        <Card>
            <CardTitle>{_("TSIG keys")}</CardTitle>
            <CardBody>
                <Table aria-label={_("TSIG keys")} variant="compact">
                    <TableHead columns={[_("Key"), _("Scope"), _("Age"), _("Rotation due"), _("Zones")]} actions />
                    <Tbody>
                        {keys.map(({ props: k }) => (
                            <Tr key={k.Name} data-key={k.Name}>
                                <Td dataLabel={_("Key")}>{k.Name} <span className="debvisor-mono">({k.TsigName})</span></Td>
                                <Td dataLabel={_("Scope")}>{k.Scope}</Td>
                                <Td dataLabel={_("Age")}>{format(_("$0 days"), days(k.Created))}</Td>
                                <Td dataLabel={_("Rotation due")}>
                                    {k.RotationDue ? new Date(k.RotationDue / 1000).toLocaleDateString() : _("never")}
                                    {k.Overdue && <> <Label color="orange" isCompact>{_("overdue")}</Label></>}
                                    {k.Rotation && <> <Label color="red" isCompact>{format(_("rotation stopped before \"$0\""), k.Rotation)}</Label></>}
                                </Td>
                                <Td dataLabel={_("Zones")}>{k.Zones.join(", ") || "—"}</Td>
                                <Td isActionCell><Button variant="secondary" onClick={() => setRotating(k.Name)}>{k.Rotation ? _("Resume rotation") : _("Rotate")}</Button></Td>
                            </Tr>
                        ))}
                    </Tbody>
                </Table>
                {watched && (
                    <div className="pf-v6-u-mt-md" data-rotation={watched.props.Name}>
                        <p>{format(_("Rotating $0: now $1"), watched.props.Name, watched.props.TsigName)}</p>
                        <RotationSteps next={watched.props.Rotation} />
                    </div>
                )}
            </CardBody>
            {rotating && (
                <ActionDialog title={format(_("Rotate $0?"), rotating)} confirm={_("Rotate")} onClose={() => setRotating(null)}
                    field={{ label: _("Seconds both keys stay valid after the switch"), initial: "5", check: v => /^\d+$/.test(v) && Number(v) <= 3600 ? null : _("From 0 to 3600 seconds.") }}
                    run={async seconds => { await dnsRotateKey(rotating, Number(seconds)); setWatching(rotating) }}>
                    <p>{_("A new key is added to BIND beside the old one, updates switch to it, then the old one is retired. Updates keep working throughout; every step is audited.")}</p>
                </ActionDialog>
            )}
        </Card>
    );
}
