// Calls on the Cluster object, as the logged-in user: the other members'
// machines, the plan of a change to a node, and the changes themselves (each
// a Job, shown in the jobs panel).
import { CLUSTER_IFACE, ROOT_PATH, type PageClusterMethodResults, type PlainClusterListMachinesMachines, type PlainClusterPlanNodeChangePlan } from "../../../generated/dbus-contract";
import { readsClient } from "../dbus-store";
import { callDaemon } from "./call";
import { plainDict, plainDicts, type Narrowed } from "./variants";

const CLUSTER_PATH = `${ROOT_PATH}/cluster`;

export type NodeChange = "enter-maintenance" | "leave-maintenance" | "remove" | "leave";

export type NodePlan = Narrowed<PlainClusterPlanNodeChangePlan, { Change: NodeChange }>;

/** What maintenance does with the machines that run on the node: nothing (refused while they run), shut them down, or move them away. */
export type RunningMachines = "refuse" | "shut-down" | "move";

const machinesOption = (machines: RunningMachines) => machines === "refuse" ? {} : { [`${machines}-machines`]: { t: "b", v: true } };

export async function clusterPlanNodeChange(node: string, change: NodeChange, machines: RunningMachines = "refuse"): Promise<NodePlan> {
    const [plan] = await callDaemon<PageClusterMethodResults["PlanNodeChange"]>(CLUSTER_PATH, CLUSTER_IFACE, "PlanNodeChange", [node, change, machinesOption(machines)]);
    return plainDict<NodePlan>(plan);
}

/* Starts the change; its Job's path. */
export async function clusterChangeNode(node: string, change: NodeChange, machines: RunningMachines = "refuse"): Promise<string> {
    const [job] = change === "enter-maintenance"
        ? await callDaemon<PageClusterMethodResults["EnterMaintenance"]>(CLUSTER_PATH, CLUSTER_IFACE, "EnterMaintenance", [node, machinesOption(machines)])
        : change === "leave-maintenance"
        ? await callDaemon<PageClusterMethodResults["LeaveMaintenance"]>(CLUSTER_PATH, CLUSTER_IFACE, "LeaveMaintenance", [node, {}])
        : change === "remove"
        ? await callDaemon<PageClusterMethodResults["RemoveNode"]>(CLUSTER_PATH, CLUSTER_IFACE, "RemoveNode", [node, {}])
        : await callDaemon<PageClusterMethodResults["Leave"]>(CLUSTER_PATH, CLUSTER_IFACE, "Leave", [{}]);
    return job;
}

/* Start, Shutdown or ForceOff of a machine on another member, run there by its debvisord. */
export async function clusterMachineCall(node: string, machine: string, action: "Start" | "Shutdown" | "ForceOff"): Promise<void> {
    await callDaemon<PageClusterMethodResults["MachineCall"]>(CLUSTER_PATH, CLUSTER_IFACE, "MachineCall", [node, machine, action, {}]);
}

/* Starts making a cluster with this node as its first member, on ADDRESS; its Job's path. */
export async function clusterCreate(address: string): Promise<string> {
    const [job] = await callDaemon<PageClusterMethodResults["Create"]>(CLUSTER_PATH, CLUSTER_IFACE, "Create", [address, {}]);
    return job;
}

/** A storage profile the joining node applies once a member, with the WipesToken of the plan shown before. */
export interface JoinProfile {
    profile: "ceph" | "mixed";
    wipes: string;
}

/* Starts joining this node to the cluster of the member at ADDRESS that made TOKEN; its Job's path. */
export async function clusterJoin(address: string, token: string, storage: JoinProfile | null = null): Promise<string> {
    const options = storage ? { profile: { t: "s", v: storage.profile }, "profile-wipes": { t: "s", v: storage.wipes } } : {};
    const [job] = await callDaemon<PageClusterMethodResults["Join"]>(CLUSTER_PATH, CLUSTER_IFACE, "Join", [address, token.trim(), options]);
    return job;
}

/* A join token for one new node, good for LIFETIME seconds; when it expires, in µs since the epoch. */
export async function clusterMakeJoinToken(lifetimeSeconds: number): Promise<{ token: string; expires: number }> {
    const [token, expires] = await callDaemon<PageClusterMethodResults["MakeJoinToken"]>(CLUSTER_PATH, CLUSTER_IFACE, "MakeJoinToken",
        [{ "lifetime-seconds": { t: "i", v: lifetimeSeconds } }]);
    return { token, expires: Number(expires) };
}

/** the other members' machines and the MachinesRevision they are as of */
export interface OtherMachines {
    machines: PlainClusterListMachinesMachines;
    revision: number;
}

/* Read on the second channel: it answers at once, not after the page's watch has read every object. With `includeSelf`,
 * this node's own machines come too (marked Local). */
export async function clusterListMachines(includeSelf = false): Promise<OtherMachines> {
    const [machines, revision] = await callDaemon<PageClusterMethodResults["ListMachines"]>(CLUSTER_PATH, CLUSTER_IFACE, "ListMachines",
        [includeSelf ? { "include-self": { t: "b", v: true } } : {}], readsClient());
    // when the list's first rows could be drawn, for the page benchmark (bench/cluster-view.ts)
    if (includeSelf)
        performance.mark("debvisor-listed");
    return { machines: plainDicts<PlainClusterListMachinesMachines>(machines), revision: Number(revision) };
}
