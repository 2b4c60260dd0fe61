// The host's disks and what storage may do with them: the OS disk, disks in
// use, and free spares.
import { useCallback, useEffect, useRef, useState } from "react";
import { Button } from "@patternfly/react-core/dist/esm/components/Button/index.js";
import { Card, CardBody, CardHeader, CardTitle } from "@patternfly/react-core/dist/esm/components/Card/index.js";
import { Label } from "@patternfly/react-core/dist/esm/components/Label/index.js";
import { Spinner } from "@patternfly/react-core/dist/esm/components/Spinner/index.js";
import { Table, Tbody, Td, Tr } from "@patternfly/react-table/dist/esm/components/Table/index.js";
import type { CallError } from "../lib/api/call";
import { managerGetDisks, type Disk, type DiskRole } from "../lib/api/manager";
import { showError } from "../lib/components/PageAlerts";
import { isNotAuthorized, NotAuthorizedState } from "../lib/components/ServiceEmptyState";
import { formatBytes } from "../lib/format";
import { _ } from "../lib/gettext";
import { TableHead } from "../lib/components/TableHead";

const ROLE: Record<DiskRole, () => { text: string; color: "purple" | "orange" | "green" | "grey" }> = {
    os: () => ({ text: _("OS disk"), color: "purple" }),
    "in-use": () => ({ text: _("In use"), color: "orange" }),
    spare: () => ({ text: _("Spare"), color: "green" }),
    unusable: () => ({ text: _("Unusable"), color: "grey" }),
};

function diskKind(disk: Disk): string {
    if (disk.Transport === "nvme")
        return "NVMe";
    return disk.Rotational ? _("HDD") : _("SSD");
}

export function DisksTable() {
    const [disks, setDisks] = useState<Disk[] | null>(null);
    const [error, setError] = useState<CallError | null>(null);
    const [loading, setLoading] = useState(false);

    const listed = useRef(false);

    const refresh = useCallback(() => {
        setLoading(true);
        managerGetDisks()
            .then(d => { listed.current = true; setDisks(d); setError(null) })
            .catch((e: CallError) => {
                // a failed refresh keeps the table it had and says so in a toast
                if (listed.current)
                    showError(_("The disks could not be listed again"), e);
                else
                    setError(e);
            })
            .finally(() => setLoading(false));
    }, []);

    useEffect(refresh, [refresh]);

    let body;
    if (error && isNotAuthorized(error))
        body = <NotAuthorizedState message={error.message} />;
    else if (error)
        body = <p className="debvisor-error-detail">{_("The disks could not be listed:")} {error.message}</p>;
    else if (!disks)
        body = <Spinner size="lg" aria-label={_("Loading disks")} />;
    else
        body = (
            <Table aria-label={_("Disks")} variant="compact">
                <TableHead columns={[_("Disk"), _("Size"), _("Type"), _("Model"), _("Serial"), _("Role")]} />
                <Tbody>
                    {disks.map(disk => {
                        const role = ROLE[disk.Role]();
                        return (
                            <Tr key={disk.Path}>
                                <Td dataLabel={_("Disk")} modifier="breakWord">
                                    <div>
                                        <div>{disk.Name}</div>
                                        <div className="debvisor-mono debvisor-muted" title={disk.Path}>{disk.ById || disk.Path}</div>
                                    </div>
                                </Td>
                                <Td dataLabel={_("Size")}>{formatBytes(disk.Size)}</Td>
                                <Td dataLabel={_("Type")}>{diskKind(disk)}</Td>
                                <Td dataLabel={_("Model")}>{disk.Model || "—"}</Td>
                                <Td dataLabel={_("Serial")}>{disk.Serial || "—"}</Td>
                                <Td dataLabel={_("Role")}>
                                    <div>
                                        <Label color={role.color} isCompact>{role.text}</Label>
                                        <div className="debvisor-muted">{disk.RoleReason}</div>
                                    </div>
                                </Td>
                            </Tr>
                        );
                    })}
                </Tbody>
            </Table>
        );

    return (
        <Card>
            <CardHeader actions={{
                actions: <Button variant="secondary" size="sm" onClick={refresh} isDisabled={loading}>{_("Refresh")}</Button>,
                hasNoOffset: true,
            }}>
                <CardTitle component="h2">{_("Disks")}</CardTitle>
            </CardHeader>
            <CardBody>{body}</CardBody>
        </Card>
    );
}
