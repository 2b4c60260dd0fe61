// The Job of a node change (maintenance, removal, leaving). One at a time on
// a node: a second one would plan from facts the first is changing.
import { busy } from "../../lib/errors.js";
import type { CallContext } from "../bus/call-pipeline.js";
import type { JobControl } from "../jobs/jobs.js";
import type { ClusterHost } from "./cluster-host.js";

let underWay: string | null = null;

export function requireNoNodeJob(): void {
    if (underWay)
        throw busy(`${underWay} is under way on this node; try again when its job ends`);
}

/* Refuses while another node change runs; the lock is held until this one's job ends. */
export function startNodeJob(area: ClusterHost, ctx: CallContext, operation: string, description: string,
    work: (control: JobControl, step: (id: string, detail?: string) => Promise<void>) => Promise<string>): string {
    requireNoNodeJob();
    underWay = description;
    try {
        const job = area.jobs.start({ operation, description, caller: ctx.caller, objects: [area.path] }, async control => {
            try {
                return await work(control, (id, detail) => ctx.auditStep(`Cluster.${operation}.step`, "ok", detail === undefined ? [id] : [id, detail],
                    { object: area.path }).catch(() => undefined));
            } finally {
                underWay = null;
            }
        });
        return job.path;
    } catch (e) {
        underWay = null;
        throw e;
    }
}
