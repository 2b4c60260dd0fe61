// How busy a member is, for the Cluster page's and `cluster status`'s load
// and machines columns: each member's ping answer carries its 1-minute load
// average and its CPUs; its machines are counted from the list that answer
// carries already (cluster-machines.ts).
import os from "node:os";
import * as z from "zod/mini";
import type { MachineSummary } from "../machines/machines.js";

export interface NodeLoad {
    /** the 1-minute load average */
    average: number;
    cpus: number;
}

const loadSchema = z.object({
    average: z.number().check(z.gte(0), z.lte(1e6)),
    cpus: z.int().check(z.gte(1), z.lte(1 << 16)),
});

export function localLoad(): NodeLoad {
    return { average: os.loadavg()[0], cpus: os.availableParallelism() };
}

/* The load in a member's ping answer; null when it sent none (a member of an older version) or garbage. */
export function loadInAnswer(answer: unknown): NodeLoad | null {
    const r = loadSchema.safeParse((answer as Record<string, unknown> | null)?.load);
    return r.success ? r.data : null;
}

/* Cluster.Nodes' Load, Cpus, Machines and RunningMachines of one member: -1 and 0 where not known (yet). */
export function loadMembers(load: NodeLoad | undefined, machines: MachineSummary[] | undefined): Record<string, unknown> {
    return {
        // two decimals: what is shown, and no signal for a change no one sees
        Load: load ? Math.round(load.average * 100) / 100 : -1, Cpus: load?.cpus ?? 0,
        Machines: machines?.length ?? 0, RunningMachines: machines?.filter(m => m.state === "running" || m.state === "paused").length ?? 0,
    };
}
