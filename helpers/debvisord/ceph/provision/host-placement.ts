// Where the copies of a pool go once the cluster's OSDs sit on more than one
// host: one copy per host (a CRUSH rule with failure domain "host"), three
// copies from three hosts on (min_size 2: a host can be serviced or lost and
// writes go on), two with two hosts (min_size 1). A single host keeps the
// bootstrap's placement across its OSDs (ceph.conf's chooseleaf type 0).
//
// Run after an OSD is added, after a pool is made and after a node is
// removed. It changes only pools that follow DebVisor's placement: a pool not
// yet on the host rule is moved to it (its size raised to the placement's,
// never lowered), a pool on the host rule whose size and min_size are those of
// another host count is moved to this one; a size an admin chose otherwise is
// left alone.
import type { CephRun } from "../mgr-metrics.js";
import { jsonAnswer } from "./tools.js";

export const HOST_RULE = "debvisor-replicated-host";

interface Replicas { size: number; minSize: number }

/* The copies a pool keeps with OSDs on HOSTS hosts; null below two hosts. */
export function hostPlacement(hosts: number): Replicas | null {
    if (hosts >= 3)
        return { size: 3, minSize: 2 };
    if (hosts === 2)
        return { size: 2, minSize: 1 };
    return null;
}

/* Whether SIZE/MINSIZE is the placement of some host count (a pool that follows DebVisor's placement). */
function followsPlacement(r: Replicas): boolean {
    return [2, 3].some(h => {
        const p = hostPlacement(h);
        return p !== null && p.size === r.size && p.minSize === r.minSize;
    });
}

export interface PoolFacts { name: string; replicated: boolean; size: number; minSize: number; rule: number }

/* What changes a pool needs: its rule, then its size and min_size in an order Ceph accepts (min_size never above size). */
export function poolChanges(pool: PoolFacts, hostRule: number, want: Replicas): string[][] {
    if (!pool.replicated)
        return [];
    const changes: string[][] = [];
    let target: Replicas = { size: pool.size, minSize: pool.minSize };
    if (pool.rule !== hostRule) {
        changes.push(["crush_rule", HOST_RULE]);
        if (pool.size < want.size)
            target = want;
    } else if (followsPlacement(target)) {
        target = want;
    }
    if (target.size > pool.size) {
        changes.push(["size", String(target.size)]);
        if (target.minSize !== pool.minSize)
            changes.push(["min_size", String(target.minSize)]);
    } else if (target.size < pool.size) {
        if (target.minSize !== pool.minSize)
            changes.push(["min_size", String(target.minSize)]);
        changes.push(["size", String(target.size)]);
    } else if (target.minSize !== pool.minSize) {
        changes.push(["min_size", String(target.minSize)]);
    }
    return changes;
}

interface TreeNode { id: number; name: string; type: string; children?: number[] }
interface PoolDetail { pool_name: string; type: number; size: number; min_size: number; crush_rule: number }

/* The hosts that hold at least one OSD, from `ceph osd tree`. */
export function hostsWithOsds(tree: { nodes?: TreeNode[] }): string[] {
    return (tree.nodes ?? []).filter(n => n.type === "host" && (n.children ?? []).some(id => id >= 0)).map(n => n.name).sort();
}

async function json<T>(ceph: CephRun, args: string[], what: string): Promise<T> {
    return jsonAnswer<T>(await ceph([...args, "--format", "json"], what), what);
}

/* The placement for the hosts the cluster's OSDs are on now; null below two hosts. */
export async function currentPlacement(ceph: CephRun): Promise<Replicas | null> {
    return hostPlacement(hostsWithOsds(await json<{ nodes?: TreeNode[] }>(ceph, ["osd", "tree"], "reading the OSD tree")).length);
}

/* Puts every pool that follows DebVisor's placement on the hosts there are; returns what it changed, in words. */
export async function spreadPoolsAcrossHosts(ceph: CephRun): Promise<string[]> {
    const cephJson = <T>(args: string[], what: string) => json<T>(ceph, args, what);
    const want = await currentPlacement(ceph);
    if (want === null)
        return [];
    const rules = await cephJson<string[]>(["osd", "crush", "rule", "ls"], "listing the CRUSH rules");
    const done: string[] = [];
    if (!rules.includes(HOST_RULE)) {
        await ceph(["osd", "crush", "rule", "create-replicated", HOST_RULE, "default", "host"], `creating the CRUSH rule ${HOST_RULE}`);
        done.push(`CRUSH rule ${HOST_RULE}: one copy per host`);
    }
    const rule = (await cephJson<{ rule_id: number }>(["osd", "crush", "rule", "dump", HOST_RULE], `reading the CRUSH rule ${HOST_RULE}`)).rule_id;
    const pools = await cephJson<PoolDetail[]>(["osd", "pool", "ls", "detail"], "reading the pools");
    for (const p of pools) {
        const changes = poolChanges({ name: p.pool_name, replicated: p.type === 1, size: p.size, minSize: p.min_size, rule: p.crush_rule }, rule, want);
        for (const [key, value] of changes)
            await ceph(["osd", "pool", "set", p.pool_name, key, value], `setting ${key} of the pool ${p.pool_name} to ${value}`);
        if (changes.length > 0)
            done.push(`pool ${p.pool_name}: ${changes.map(([k, v]) => `${k} ${v}`).join(", ")}`);
    }
    // pools made later by Ceph itself (or by hand) follow the rule too; their size comes from the next spread
    await ceph(["config", "set", "global", "osd_pool_default_crush_rule", String(rule)], "making the host rule the default for new pools");
    return done;
}
