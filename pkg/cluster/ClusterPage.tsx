// DebVisor → Cluster: the cluster this node is in and every member as this
// node sees it: address, health, its Ceph daemons, load and machines, when
// it last answered and why not. A member
// that stops answering is shown down (within 30 s), never dropped from the
// list; a node in maintenance is labelled so. An admin puts a node in
// maintenance, removes one that is gone, or lets this one leave, each after
// its plan (NodeChangeDialog), and makes join tokens for new nodes. A node in
// no cluster offers to create one or join one (MembershipDialogs).
import { useState } from "react";
import { Button } from "@patternfly/react-core/dist/esm/components/Button/index.js";
import { Card, CardBody, CardHeader, CardTitle } from "@patternfly/react-core/dist/esm/components/Card/index.js";
import { CodeBlock, CodeBlockCode } from "@patternfly/react-core/dist/esm/components/CodeBlock/index.js";
import { DescriptionList, DescriptionListDescription, DescriptionListGroup, DescriptionListTerm } from "@patternfly/react-core/dist/esm/components/DescriptionList/index.js";
import { EmptyState, EmptyStateActions, EmptyStateBody, EmptyStateFooter } from "@patternfly/react-core/dist/esm/components/EmptyState/index.js";
import { Label } from "@patternfly/react-core/dist/esm/components/Label/index.js";
import { Stack, StackItem } from "@patternfly/react-core/dist/esm/layouts/Stack/index.js";
import { ActionsColumn } from "@patternfly/react-table/dist/esm/components/Table/ActionsColumn.js";
import type { IAction } from "@patternfly/react-table/dist/esm/components/Table/TableTypes.js";
import { Table, Tbody, Td, Tr } from "@patternfly/react-table/dist/esm/components/Table/index.js";
import type { NodeChange } from "../lib/api/cluster";
import type { PlainClusterNodes } from "../../generated/dbus-contract";
import { plainDicts } from "../lib/api/variants";
import { JobsPanel } from "../lib/components/JobsPanel";
import { PageFrame } from "../lib/components/PageFrame";
import { ServiceEmptyState } from "../lib/components/ServiceEmptyState";
import { useCephManager, useCephOsds, useCluster, useServiceState } from "../lib/dbus-store";
import { _, format } from "../lib/gettext";
import { useRole } from "../lib/role";
import { CreateOrJoinDialog, JoinTokenDialog } from "./MembershipDialogs";
import { NodeChangeDialog } from "./NodeChangeDialog";
import { cephRoles, loadText, machinesText } from "./node-columns";
import { formatTime } from "../lib/format";
import { TableHead } from "../lib/components/TableHead";

type ClusterNode = PlainClusterNodes[number];

const HEALTH: Record<string, { color: "green" | "red" | "grey"; text: string }> = {
    up: { color: "green", text: _("Up") },
    down: { color: "red", text: _("Down") },
    unknown: { color: "grey", text: _("Not asked yet") },
};

function lastSeen(n: ClusterNode): string {
    if (n.Self)
        return _("This node");
    return formatTime(n.LastSeen) || _("Never");
}

function nodeActions(n: ClusterNode, admin: boolean, onChange: (change: NodeChange) => void): IAction[] {
    const item = (title: string, change: NodeChange, danger = false): IAction =>
        ({ title, onClick: () => onChange(change), isDanger: danger, isDisabled: !admin, tooltipProps: admin ? undefined : { content: _("Only an admin may") } });
    return [
        n.Maintenance ? item(_("Leave maintenance…"), "leave-maintenance") : item(_("Enter maintenance…"), "enter-maintenance"),
        { isSeparator: true },
        n.Self ? item(_("Leave the cluster…"), "leave", true) : item(_("Remove from the cluster…"), "remove", true),
    ];
}

function NodesTable({ nodes }: { nodes: ClusterNode[] }) {
    const role = useRole();
    const ceph = useCephManager()?.props ?? null;
    const osdHosts = useCephOsds().map(o => o.props.Host);
    const [changing, setChanging] = useState<{ node: ClusterNode; change: NodeChange } | null>(null);
    return (
        <>
        <Table aria-label={_("Nodes")} variant="compact">
            <TableHead columns={[_("Node"), _("Address"), _("Health"), _("Ceph"), _("Load"), _("Machines"), _("Last answered"), _("Problem")]} actions />
            <Tbody>
                {nodes.map(n => {
                    const health = HEALTH[n.Health] ?? HEALTH.unknown;
                    return (
                        <Tr key={n.Name} data-node={n.Name} data-health={n.Health}>
                            <Td dataLabel={_("Node")}>{n.Self ? format(_("$0 (this node)"), n.Name) : n.Name}</Td>
                            <Td dataLabel={_("Address")}>{n.Address}</Td>
                            <Td dataLabel={_("Health")}>
                                <Label color={health.color}>{health.text}</Label>
                                {n.Maintenance && <Label color="orange" className="pf-v6-u-ml-sm" data-label="maintenance">{_("Maintenance")}</Label>}
                            </Td>
                            <Td dataLabel={_("Ceph")} data-column="ceph">{cephRoles(n.Name, ceph, osdHosts)}</Td>
                            <Td dataLabel={_("Load")} data-column="load">{loadText(n)}</Td>
                            <Td dataLabel={_("Machines")} data-column="machines">{machinesText(n)}</Td>
                            <Td dataLabel={_("Last answered")}>{lastSeen(n)}</Td>
                            <Td dataLabel={_("Problem")}>{[n.Problem, n.Removal].filter(Boolean).join("; ")}</Td>
                            <Td isActionCell>
                                <ActionsColumn items={nodeActions(n, role === null || role === "admin", change => setChanging({ node: n, change }))}
                                    popperProps={{ position: "right" }} />
                            </Td>
                        </Tr>
                    );
                })}
            </Tbody>
        </Table>
            {changing && (
                <NodeChangeDialog node={changing.node.Name} change={changing.change} onClose={() => setChanging(null)} />
            )}
        </>
    );
}

function NoCluster({ state }: { state: string }) {
    const role = useRole();
    const admin = role === null || role === "admin";
    const [dialog, setDialog] = useState<"create" | "join" | null>(null);
    return (
        <EmptyState titleText={state === "none" ? _("This node is in no cluster") : state === "creating" ? _("Creating a cluster…") : _("Joining a cluster…")} headingLevel="h2">
            <EmptyStateBody>
                {_("Create a cluster on the first node with its address the other nodes reach, make a join token there, and join each new node with that address and token. From a shell:")}
                <CodeBlock className="pf-v6-u-mt-md">
                    <CodeBlockCode>{"debvisorctl cluster create ADDRESS --wait\ndebvisorctl cluster token\ndebvisorctl cluster join ADDRESS TOKEN --wait"}</CodeBlockCode>
                </CodeBlock>
            </EmptyStateBody>
            {state === "none" && (
                <EmptyStateFooter>
                    <EmptyStateActions>
                        <Button variant="primary" isDisabled={!admin} onClick={() => setDialog("create")}>{_("Create a cluster…")}</Button>
                        <Button variant="secondary" isDisabled={!admin} onClick={() => setDialog("join")}>{_("Join a cluster…")}</Button>
                    </EmptyStateActions>
                    {!admin && <p>{_("Only an admin may")}</p>}
                </EmptyStateFooter>
            )}
            {dialog && <CreateOrJoinDialog mode={dialog} onClose={() => setDialog(null)} />}
        </EmptyState>
    );
}

/* A member's button for a new node's token. */
function MakeTokenButton({ address }: { address: string }) {
    const role = useRole();
    const admin = role === null || role === "admin";
    const [open, setOpen] = useState(false);
    return (
        <>
            <Button variant="secondary" isDisabled={!admin} onClick={() => setOpen(true)}>{_("Make a join token…")}</Button>
            {open && <JoinTokenDialog address={address} onClose={() => setOpen(false)} />}
        </>
    );
}

export function ClusterPage() {
    const service = useServiceState();
    const cluster = useCluster();
    const nodes = plainDicts<ClusterNode[]>(cluster?.Nodes ?? []);
    const down = nodes.filter(n => n.Health === "down").length;
    return (
        <PageFrame title={_("Cluster")}>
            {service.status !== "ready"
                ? <ServiceEmptyState state={service} />
                : !cluster || cluster.State !== "member"
                ? <Stack hasGutter><StackItem><NoCluster state={cluster?.State ?? "none"} /></StackItem><StackItem><JobsPanel /></StackItem></Stack>
                : (
                    <Stack hasGutter>
                        <StackItem>
                            <Card>
                                <CardHeader actions={{ actions: <MakeTokenButton address={nodes.find(n => n.Self)?.Address ?? ""} />, hasNoOffset: true }}>
                                    <CardTitle>{format(_("$0 nodes, $1 down"), nodes.length, down)}</CardTitle>
                                </CardHeader>
                                <CardBody>
                                    <DescriptionList isHorizontal isCompact className="pf-v6-u-mb-md">
                                        <DescriptionListGroup>
                                            <DescriptionListTerm>{_("Ceph cluster")}</DescriptionListTerm>
                                            <DescriptionListDescription>{cluster.Fsid}</DescriptionListDescription>
                                        </DescriptionListGroup>
                                        {cluster.LastError && (
                                            <DescriptionListGroup>
                                                <DescriptionListTerm>{_("Members last read")}</DescriptionListTerm>
                                                <DescriptionListDescription>{cluster.LastError}</DescriptionListDescription>
                                            </DescriptionListGroup>
                                        )}
                                    </DescriptionList>
                                    <NodesTable nodes={nodes} />
                                </CardBody>
                            </Card>
                        </StackItem>
                        <StackItem><JobsPanel /></StackItem>
                    </Stack>
                )}
        </PageFrame>
    );
}
