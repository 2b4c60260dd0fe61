// The confirmation of a change to a node (maintenance, removal, leaving): the
// plan debvisord works out first, the reasons it would be refused, and the
// node's name typed again before anything is done. The Job then shows in the
// jobs panel. Machines running on the node, this one or another, can be moved
// away or shut down first (another node does that itself).
import { useEffect, useState } from "react";
import { Alert } from "@patternfly/react-core/dist/esm/components/Alert/index.js";
import { Radio } from "@patternfly/react-core/dist/esm/components/Radio/index.js";
import { List, ListItem } from "@patternfly/react-core/dist/esm/components/List/index.js";
import { Spinner } from "@patternfly/react-core/dist/esm/components/Spinner/index.js";
import { clusterChangeNode, clusterPlanNodeChange, type NodeChange, type NodePlan, type RunningMachines } from "../lib/api/cluster";
import { ActionDialog } from "../lib/components/ActionDialog";
import { _, format } from "../lib/gettext";

const TITLES: Record<NodeChange, { title: string; confirm: string }> = {
    "enter-maintenance": { title: _("Put $0 in maintenance"), confirm: _("Enter maintenance") },
    "leave-maintenance": { title: _("Take $0 out of maintenance"), confirm: _("Leave maintenance") },
    remove: { title: _("Remove $0 from the cluster"), confirm: _("Remove") },
    leave: { title: _("Take $0, this node, out of the cluster"), confirm: _("Leave the cluster") },
};

export function NodeChangeDialog({ node, change, onClose }: { node: string; change: NodeChange; onClose(): void }) {
    const [machines, setMachines] = useState<RunningMachines>("refuse");
    const [plan, setPlan] = useState<NodePlan | null>(null);
    const [error, setError] = useState<string | null>(null);

    useEffect(() => {
        let current = true;
        setPlan(null);
        clusterPlanNodeChange(node, change, machines).then(p => { if (current) setPlan(p) }, (e: Error) => { if (current) setError(e.message) });
        return () => { current = false };
    }, [node, change, machines]);

    const refused = plan !== null && plan.Refusals.length > 0;
    const { title, confirm } = TITLES[change];
    return (
        <ActionDialog title={format(title, node)} confirm={confirm} danger={change === "remove" || change === "leave"}
            field={{
                label: format(_("Type $0 to confirm"), node),
                check: v => plan === null ? _("The plan is being read") : refused ? _("This change is refused") : v === node ? null : format(_("Type $0"), node),
            }}
            run={() => clusterChangeNode(node, change, machines)} onClose={onClose}>
            <div className="pf-v6-u-mb-md" data-plan={plan === null ? "reading" : refused ? "refused" : "ready"}>
                {error && <Alert isInline variant="danger" title={_("The plan could not be made")}>{error}</Alert>}
                {!error && plan === null && <Spinner size="md" aria-label={_("Reading the plan")} />}
                {plan && (
                    <>
                        <p>{!plan.MachinesKnown
                            ? format(_("$0 does not answer: the machines it runs are not known."), node)
                            : plan.Machines.length > 0 ? format(_("Machines running on $0: $1"), node, plan.Machines.join(", ")) : format(_("No machine runs on $0."), node)}</p>
                        {change === "enter-maintenance" && plan.Machines.length > 0 && (
                            <>
                                <Radio id="move-machines" name="running-machines" label={_("Move them to the other members, running")}
                                       isChecked={machines === "move"} onChange={() => setMachines("move")} />
                                <Radio id="shut-down-machines" name="running-machines" label={_("Shut them down cleanly first")}
                                       isChecked={machines === "shut-down"} onChange={() => setMachines("shut-down")} />
                            </>
                        )}
                        <List component="ol" className="pf-v6-u-my-sm" aria-label={_("What will be done")}>
                            {plan.Steps.map(s => <ListItem key={s}>{s}</ListItem>)}
                        </List>
                        {refused && (
                            <Alert isInline variant="warning" title={_("This change is refused")}>
                                <List aria-label={_("Why it is refused")}>{plan.Refusals.map(r => <ListItem key={r}>{r}</ListItem>)}</List>
                            </Alert>
                        )}
                    </>
                )}
            </div>
        </ActionDialog>
    );
}
