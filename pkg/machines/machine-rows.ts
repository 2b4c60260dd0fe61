// One list of the cluster's machines: this node's Machine objects and the
// other members' machines as Cluster.ListMachines last answered, each with
// its node. On a node in no cluster the rows are just this node's machines.
import type { PageClusterProperties, PlainClusterListMachinesMachines, PlainMachineDisks } from "../../generated/dbus-contract";
import { plainDicts } from "../lib/api/variants";
import type { MachineObject } from "../lib/dbus-store";
import { selfNode } from "../lib/node-rows";

export interface MachineRow {
    /** the object path of this node's machine; "NODE/NAME" for another member's */
    key: string;
    name: string;
    /** "" on a node in no cluster */
    node: string;
    state: string;
    vcpus: number;
    memoryMiB: number;
    disks: number;
    autostart: boolean;
    /** its node does not answer: what it last told */
    stale: boolean;
    /** this node's machine; null for another member's */
    local: MachineObject | null;
    /** this node's machine as ListMachines told, its object not read yet: no actions until it is */
    pending: boolean;
}

/* A row of ListMachines' answer. */
function listedRow(r: PlainClusterListMachinesMachines[number], node: string): MachineRow {
    return {
        key: `${node}/${String(r.Name)}`, name: String(r.Name), node, state: String(r.State), vcpus: Number(r.Vcpus), memoryMiB: Number(r.MemoryMiB),
        disks: Number(r.Disks), autostart: !!r.Autostart, stale: !!r.Stale, local: null, pending: !!r.Local,
    };
}

export function machineRows(machines: MachineObject[], cluster: PageClusterProperties | null, others: PlainClusterListMachinesMachines): MachineRow[] {
    const self = selfNode(cluster);
    const rows: MachineRow[] = machines.map(m => ({
        key: m.path, name: m.props.Name, node: self, state: m.props.State, vcpus: m.props.Vcpus, memoryMiB: m.props.MemoryMiB,
        disks: plainDicts<PlainMachineDisks>(m.props.Disks).filter(d => d.Device === "disk").length, autostart: m.props.Autostart, stale: false, local: m,
        pending: false,
    }));
    if (!self)
        return rows;
    for (const r of others) {
        const node = String(r.Node ?? "");
        // a member never lists this node's machines; should it, this node's own objects are the truth
        if (!node || node === self || r.Local)
            continue;
        rows.push(listedRow(r, node));
    }
    return rows;
}

/* The rows before the page has read the Machine objects (nor the Cluster object): every machine ListMachines' first
 * answer named, this node's own among them. */
export function earlyMachineRows(listed: PlainClusterListMachinesMachines): MachineRow[] {
    return listed.map(r => listedRow(r, String(r.Node ?? "")));
}

export { rowNodes } from "../lib/node-rows";
