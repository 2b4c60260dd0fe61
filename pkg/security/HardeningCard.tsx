// The host's hardening checks with their status; a Fix button on each check
// DebVisor can fix, which shows the exact change before making it.
import { useCallback, useState } from "react";
import { Button } from "@patternfly/react-core/dist/esm/components/Button/index.js";
import { Card, CardBody, CardHeader, CardTitle } from "@patternfly/react-core/dist/esm/components/Card/index.js";
import { Label } from "@patternfly/react-core/dist/esm/components/Label/index.js";
import { Table, Tbody, Td, Tr } from "@patternfly/react-table/dist/esm/components/Table/index.js";
import { hardeningFix, hardeningRecheck, type HardeningCheck } from "../lib/api/hardening";
import { _, format } from "../lib/gettext";
import { ChangePreviewDialog } from "./ChangePreviewDialog";
import { TableHead } from "../lib/components/TableHead";

const COLORS = { ok: "green", warning: "orange", failed: "red" } as const;

export function HardeningCard({ checks }: { checks: HardeningCheck[] }) {
    const [fixing, setFixing] = useState<HardeningCheck | null>(null);
    const [error, setError] = useState<string | null>(null);
    const change = useCallback((dryRun: boolean) => hardeningFix(fixing?.Id ?? "", dryRun), [fixing]);
    const failed = checks.filter(c => c.Status !== "ok").length;
    return (
        <Card aria-label={_("Hardening")}>
            <CardHeader actions={{ actions: <Button variant="secondary" onClick={() => { setError(null); hardeningRecheck().catch((e: Error) => setError(e.message)) }}>{_("Check again")}</Button> }}>
                <CardTitle component="h2">{_("Hardening")}</CardTitle>
            </CardHeader>
            <CardBody>
                <p className="debvisor-muted">{failed === 0 ? _("Every check passes.") : format(_("$0 of $1 checks need attention."), failed, checks.length)}</p>
                {error && <p className="debvisor-error-detail">{error}</p>}
                <Table aria-label={_("Hardening checks")} variant="compact">
                    <TableHead columns={[_("Check"), _("Status"), _("Found")]} actions />
                    <Tbody>
                        {checks.map(c => (
                            <Tr key={c.Id} data-check={c.Id}>
                                <Td>{c.Title}</Td>
                                <Td><Label color={COLORS[c.Status]}>{c.Status === "ok" ? _("ok") : c.Status === "warning" ? _("warning") : _("failed")}</Label></Td>
                                <Td>{c.Detail}</Td>
                                <Td isActionCell>{c.Fixable && <Button variant="secondary" size="sm" aria-label={format(_("Fix $0"), c.Title)} onClick={() => setFixing(c)}>{_("Fix")}</Button>}</Td>
                            </Tr>
                        ))}
                    </Tbody>
                </Table>
            </CardBody>
            {fixing && <ChangePreviewDialog title={format(_("Fix: $0?"), fixing.Title)} confirm={_("Fix")} change={change} onClose={() => setFixing(null)} />}
        </Card>
    );
}
