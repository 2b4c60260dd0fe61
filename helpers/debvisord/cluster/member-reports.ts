// What each member's answer to this node's ping carries besides that it
// answers (its machines, its ZFS pools): lists read with a schema, kept here
// per member as last known, and shown as one list of the other members'
// things, each with its node; a member that stops answering keeps its things
// listed, marked stale, and a member removed takes them out of the list.
import * as z from "zod/mini";

/** items of one kind in a ping answer (guards the property against a garbled answer) */
const MAX_ITEMS = 100_000;

/* The list under `key` in a member's ping answer; null when it sent none (a member of an older version) or garbage. */
export function listInAnswer<T>(answer: unknown, key: string, item: z.ZodMiniType<T>): T[] | null {
    const r = z.array(item).check(z.maxLength(MAX_ITEMS)).safeParse((answer as Record<string, unknown> | null)?.[key]);
    return r.success ? r.data : null;
}

/* The other members' items, by node, each as `row` says with "Node" and "Stale" (the member does not answer now). */
export function otherMembersRows<T>(known: ReadonlyMap<string, T[]>, members: string[], self: string, health: (node: string) => string,
    row: (item: T) => Record<string, unknown>): Array<Record<string, unknown>> {
    return members.filter(node => node !== self && known.has(node)).sort().flatMap(node => {
        const stale = health(node) !== "up";
        return known.get(node)!.map(item => ({ Node: node, ...row(item), Stale: stale }));
    });
}
