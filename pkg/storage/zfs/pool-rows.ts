// One list of the cluster's ZFS pools: this node's ZfsPool objects and the
// other members' pools as Cluster.ZfsPools last had them, each with its node.
// On a node in no cluster the rows are just this node's pools.
import type { PageClusterProperties, PlainClusterZfsPools } from "../../../generated/dbus-contract";
import { plainDict } from "../../lib/api/variants";
import type { ZfsPoolObject } from "../../lib/dbus-store";
import { selfNode } from "../../lib/node-rows";

export interface PoolRow {
    /** the object path of this node's pool; "NODE/NAME" for another member's */
    key: string;
    name: string;
    /** "" on a node in no cluster */
    node: string;
    health: string;
    size: number;
    allocated: number;
    free: number;
    /** its node does not answer: what it last told */
    stale: boolean;
    /** this node's pool (all of it, for its actions); null for another member's */
    local: ZfsPoolObject | null;
}

export function poolRows(pools: ZfsPoolObject[], cluster: PageClusterProperties | null): PoolRow[] {
    const self = selfNode(cluster);
    const rows: PoolRow[] = pools.map(p => ({
        key: p.path, name: p.props.Name, node: self, health: p.props.Health, size: p.props.Size, allocated: p.props.Allocated, free: p.props.Free, stale: false, local: p,
    }));
    if (!self)
        return rows;
    for (const dict of cluster?.ZfsPools ?? []) {
        const r = plainDict<Partial<PlainClusterZfsPools[number]>>(dict);
        const node = String(r.Node ?? "");
        // this node's own objects are the truth about its pools
        if (!node || node === self)
            continue;
        rows.push({
            key: `${node}/${String(r.Name)}`, name: String(r.Name), node, health: String(r.Health), size: Number(r.Size), allocated: Number(r.Allocated),
            free: Number(r.Free), stale: !!r.Stale, local: null,
        });
    }
    return rows;
}
