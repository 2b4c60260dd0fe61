// An nftables table as `nft -j list table` gives it, for tests that check a
// refused change left it as it was: its chains, rules, sets and elements,
// without what counters have counted meanwhile. Packets that happen to match
// an element (the host is busy with other tests) are no change to the table.
import { execFileSync } from "node:child_process";

/* A counter's packets and bytes, wherever one is (a set's element, a rule's statement), as 0. */
function withoutCounts(value: unknown): unknown {
    if (Array.isArray(value))
        return value.map(withoutCounts);
    if (value === null || typeof value !== "object")
        return value;
    return Object.fromEntries(Object.entries(value).map(([k, v]) =>
        k === "counter" && v !== null && typeof v === "object" && !Array.isArray(v) ? [k, { ...v, packets: 0, bytes: 0 }] : [k, withoutCounts(v)]));
}

/* The table `inet NAME` as JSON text, counts left out. */
export function nftTableState(name: string): string {
    return JSON.stringify(withoutCounts(JSON.parse(execFileSync("nft", ["-j", "list", "table", "inet", name], { encoding: "utf8" }))));
}
