// Resources and facts of one machine; vCPUs, memory and autostart editable.
import { useState } from "react";
import { Alert } from "@patternfly/react-core/dist/esm/components/Alert/index.js";
import { Button } from "@patternfly/react-core/dist/esm/components/Button/index.js";
import { DescriptionList, DescriptionListDescription, DescriptionListGroup, DescriptionListTerm } from "@patternfly/react-core/dist/esm/components/DescriptionList/index.js";
import { Switch } from "@patternfly/react-core/dist/esm/components/Switch/index.js";
import { TextInput } from "@patternfly/react-core/dist/esm/components/TextInput/index.js";
import { Flex, FlexItem } from "@patternfly/react-core/dist/esm/layouts/Flex/index.js";
import { machineSetAutostart, machineSetResources } from "../../lib/api/machines";
import { showError } from "../../lib/components/PageAlerts";
import type { MachineObject } from "../../lib/dbus-store";
import { formatTime } from "../../lib/format";
import { format, _ } from "../../lib/gettext";

function ResourcesEditor({ machine }: { machine: MachineObject }) {
    const p = machine.props;
    const [vcpus, setVcpus] = useState(String(p.Vcpus));
    const [memory, setMemory] = useState(String(p.MemoryMiB));
    const [note, setNote] = useState<string | null>(null);
    const [error, setError] = useState<string | null>(null);
    const valid = /^\d+$/.test(vcpus) && Number(vcpus) >= 1 && Number(vcpus) <= 256 && /^\d+$/.test(memory) && Number(memory) >= 16;
    const changed = Number(vcpus) !== p.Vcpus || Number(memory) !== p.MemoryMiB;
    const apply = () => {
        setError(null);
        machineSetResources(machine.path, Number(vcpus), Number(memory)).then(
            restart => setNote(restart ? _("Saved. The machine runs on with what it had until it is shut down and started again.") : null),
            (e: Error) => setError(e.message));
    };
    return (
        <>
            {error && <Alert isInline variant="danger" title={_("The resources were not changed")}>{error}</Alert>}
            {note && <Alert isInline variant="info" title={note} />}
            <Flex alignItems={{ default: "alignItemsCenter" }}>
                <FlexItem><label htmlFor="res-vcpus">{_("vCPUs")}</label></FlexItem>
                <FlexItem><TextInput id="res-vcpus" type="number" value={vcpus} onChange={(_e, v) => setVcpus(v)} validated={valid || !changed ? "default" : "error"} style={{ width: "6rem" }} /></FlexItem>
                <FlexItem><label htmlFor="res-memory">{_("Memory (MiB)")}</label></FlexItem>
                <FlexItem><TextInput id="res-memory" type="number" value={memory} onChange={(_e, v) => setMemory(v)} validated={valid || !changed ? "default" : "error"} style={{ width: "8rem" }} /></FlexItem>
                <FlexItem><Button variant="secondary" isDisabled={!valid || !changed} onClick={apply}>{_("Apply")}</Button></FlexItem>
            </Flex>
        </>
    );
}

export function OverviewTab({ machine }: { machine: MachineObject }) {
    const p = machine.props;
    const rows: Array<[string, React.ReactNode]> = [
        [_("Operating system"), p.OsInfo || _("Not specified")],
        [_("Resources"), <ResourcesEditor key="r" machine={machine} />],
        [_("Autostart"), <Switch key="a" id="vm-autostart" isChecked={p.Autostart} label={_("Starts when the host boots")}
            onChange={(_e, on) => machineSetAutostart(machine.path, on).catch(e => showError(_("Autostart was not changed"), e))} />],
        [_("Virtualization"), p.Emulated ? _("Emulated (TCG): no hardware virtualization, much slower") : _("KVM")],
        [_("Created by"), !p.CreatedBy ? _("Not through DebVisor") : p.CreationTime ? format(_("$0, $1"), p.CreatedBy, formatTime(p.CreationTime)) : p.CreatedBy],
        [_("UUID"), <span key="u" className="debvisor-mono">{p.UUID}</span>],
    ];
    return (
        <DescriptionList isHorizontal className="pf-v6-u-mt-md">
            {rows.map(([term, value]) => (
                <DescriptionListGroup key={term}>
                    <DescriptionListTerm>{term}</DescriptionListTerm>
                    <DescriptionListDescription>{value}</DescriptionListDescription>
                </DescriptionListGroup>
            ))}
        </DescriptionList>
    );
}
