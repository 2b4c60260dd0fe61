// The machine's network interfaces with the addresses libvirt knows.
import { useState } from "react";
import { Button } from "@patternfly/react-core/dist/esm/components/Button/index.js";
import { Table, Tbody, Td, Tr } from "@patternfly/react-table/dist/esm/components/Table/index.js";
import { machineAttachNic, machineDetachNic, machineNics, type MachineNic } from "../../lib/api/machines";
import { ActionDialog } from "../../lib/components/ActionDialog";
import type { MachineObject } from "../../lib/dbus-store";
import { format, _ } from "../../lib/gettext";
import { checkNetwork } from "../machine-rules";
import { TableHead } from "../../lib/components/TableHead";

export function NicsTab({ machine }: { machine: MachineObject }) {
    const nics = machineNics(machine.props);
    const [attach, setAttach] = useState(false);
    const [detach, setDetach] = useState<MachineNic | null>(null);
    return (
        <>
            <Button variant="secondary" className="pf-v6-u-my-md" onClick={() => setAttach(true)}>{_("Add network interface")}</Button>
            <Table aria-label={_("Network interfaces")} variant="compact">
                <TableHead columns={[_("MAC address"), _("Type"), _("Source"), _("Model"), _("Addresses")]} actions />
                <Tbody>
                    {nics.map(n => (
                        <Tr key={n.Mac} data-mac={n.Mac}>
                            <Td className="debvisor-mono">{n.Mac}</Td><Td>{n.Type}</Td><Td>{n.Source}</Td><Td>{n.Model}</Td>
                            <Td>{n.Addresses.length > 0 ? n.Addresses.join(", ") : <span className="debvisor-muted">{machine.props.State === "running" ? _("Not known yet") : "—"}</span>}</Td>
                            <Td isActionCell><Button variant="link" isDanger onClick={() => setDetach(n)}>{_("Remove…")}</Button></Td>
                        </Tr>
                    ))}
                </Tbody>
            </Table>
            {attach && (
                <ActionDialog title={_("Add a network interface")} confirm={_("Add")} onClose={() => setAttach(false)}
                    field={{
                        label: _("Network (empty: br0 if the host has it, else libvirt's \"default\")"), initial: "",
                        check: v => checkNetwork(v, false),
                    }}
                    run={v => machineAttachNic(machine.path, v || undefined)} />
            )}
            {detach && (
                <ActionDialog title={format(_("Remove $0?"), detach.Mac)} confirm={_("Remove")} danger onClose={() => setDetach(null)}
                    run={() => machineDetachNic(machine.path, detach.Mac)}>
                    <p>{_("The guest loses this network connection.")}</p>
                </ActionDialog>
            )}
        </>
    );
}
