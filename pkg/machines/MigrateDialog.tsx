// Migrate…: a running machine moves to another member of the cluster, live.
// The members are this node's view of the cluster (Cluster.Nodes); a member
// that is down is listed but cannot be picked, with the reason, and debvisord
// refuses the same again. Progress shows in Jobs.
import { useState } from "react";
import { FormGroup, FormHelperText } from "@patternfly/react-core/dist/esm/components/Form/index.js";
import { FormSelect, FormSelectOption } from "@patternfly/react-core/dist/esm/components/FormSelect/index.js";
import { HelperText, HelperTextItem } from "@patternfly/react-core/dist/esm/components/HelperText/index.js";
import { machineMigrate } from "../lib/api/machines";
import type { PlainClusterNodes } from "../../generated/dbus-contract";
import { FormDialog } from "../lib/components/FormDialog";
import { plainDicts } from "../lib/api/variants";
import type { MachineObject } from "../lib/dbus-store";
import { useCluster } from "../lib/dbus-store";
import { format, _ } from "../lib/gettext";
import { useSubmit } from "../lib/use-submit";

type Member = PlainClusterNodes[number];

/* Why a member cannot take the machine, or null when it can. */
function whyNot(m: Member): string | null {
    if (m.Health === "up")
        return null;
    return m.Health === "down" ? format(_("$0 is down: $1"), m.Name, m.Problem || _("it does not answer")) : format(_("$0 has not answered yet"), m.Name);
}

export function MigrateDialog({ machine, onClose }: { machine: MachineObject; onClose(): void }) {
    const cluster = useCluster();
    const others = plainDicts<PlainClusterNodes>(cluster?.Nodes ?? []).filter(m => !m.Self);
    const firstUp = others.find(m => whyNot(m) === null)?.Name ?? "";
    const [node, setNode] = useState(firstUp);
    const { error, busy, run } = useSubmit();
    const picked = others.find(m => m.Name === (node || firstUp));
    const problem = cluster?.State !== "member" ? _("This node is in no cluster: a machine moves only between the members of one.")
        : others.length === 0 ? _("The cluster has no other member yet.")
            : picked ? whyNot(picked) : _("Pick a node");

    const submit = () => {
        if (problem || !picked)
            return;
        run(() => machineMigrate(machine.path, picked.Name), onClose);
    };

    return (
        <FormDialog id="migrate" title={format(_("Migrate $0"), machine.props.Name)} error={error} ready={!problem && picked !== undefined} busy={busy}
            confirm={_("Migrate")} onSubmit={submit} onClose={onClose}>
            <p className="pf-v6-u-mb-md">
                {_("The machine keeps running while it moves. Disks on RBD stay where they are; disks in a storage pool are copied to the same pool there, and the copies here removed. Progress shows in Jobs.")}
            </p>
            <FormGroup label={_("Move to node")} fieldId="migrate-node">
                <FormSelect id="migrate-node" value={picked?.Name ?? ""} onChange={(_e, v) => setNode(v)} isDisabled={others.length === 0}>
                    {others.map(m => (
                        <FormSelectOption key={m.Name} value={m.Name} label={whyNot(m) ? format(_("$0 (down)"), m.Name) : m.Name} />
                    ))}
                </FormSelect>
                {problem && (
                    <FormHelperText><HelperText><HelperTextItem variant="error" id="migrate-problem">{problem}</HelperTextItem></HelperText></FormHelperText>
                )}
            </FormGroup>
        </FormDialog>
    );
}
