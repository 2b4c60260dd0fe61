// The ZFS pools of the other members, for the Storage page's one list of
// the whole cluster: each member's ping answer carries its pools
// (member-reports.ts). They are managed on their own node; the page offers
// that node's page for it.
import * as z from "zod/mini";
import { listInAnswer, otherMembersRows } from "./member-reports.js";

export interface ZfsPoolSummary { name: string; health: string; size: number; allocated: number; free: number }

const summary = z.object({
    name: z.string().check(z.maxLength(255)), health: z.string().check(z.maxLength(32)), size: z.number(), allocated: z.number(), free: z.number(),
});

export function zfsPoolsInAnswer(answer: unknown): ZfsPoolSummary[] | null {
    return listInAnswer(answer, "zfsPools", summary);
}

/* Cluster.ZfsPools: the other members' pools, by node; a member that does not answer now is stale. */
export function zfsPoolsProperty(known: ReadonlyMap<string, ZfsPoolSummary[]>, members: string[], self: string,
    health: (node: string) => string): Array<Record<string, unknown>> {
    return otherMembersRows(known, members, self, health, p => ({ Name: p.name, Health: p.health, Size: p.size, Allocated: p.allocated, Free: p.free }));
}
