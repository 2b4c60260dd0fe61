// What the pages' cluster-wide lists (machines, ZFS pools) share: this
// node's name in the cluster, and the nodes that have rows, for a list's node
// filter.
import type { PageClusterProperties, PlainClusterNodes } from "../../generated/dbus-contract";
import { plainDicts } from "./api/variants";

/* This node's name when it is a member of a cluster, else "". */
export function selfNode(cluster: PageClusterProperties | null): string {
    return cluster?.State === "member" ? cluster.NodeName : "";
}

/* The nodes that have rows in a list, for its node filter: empty on a node in no cluster. */
export function rowNodes(rows: Array<{ node: string }>): string[] {
    return [...new Set(rows.map(r => r.node).filter(Boolean))].sort();
}

/* The same page on another member's Cockpit, opened beside this one. */
export function openOnNode(cluster: PageClusterProperties | null, node: string, page: string): void {
    const address = plainDicts<PlainClusterNodes>(cluster?.Nodes ?? []).find(n => n.Name === node)?.Address;
    window.open(`${window.location.protocol}//${String(address ?? node)}:${window.location.port || "9090"}/debvisor/${page}`, "_blank", "noopener");
}
