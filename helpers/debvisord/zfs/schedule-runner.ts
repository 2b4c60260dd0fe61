// debvisord's own timer for the ZFS schedule: once a minute it takes the
// snapshots that are due, destroys the ones past their retention (only
// those named autosnap-…) and starts the weekly scrubs.
import { planSnapshots, scrubKey, scrubsDue } from "./schedule.js";
import type { ZfsHost } from "./zfs-host.js";

const TICK_MS = 60_000;
/* the kernel's "no login uid": the schedule acts for no person */

export class ScheduleRunner {
    private timer?: NodeJS.Timeout;
    private running = false;
    private readonly scrubsStarted = new Set<string>();

    constructor(private readonly host: ZfsHost) {}

    start(): void {
        this.timer = setInterval(() => void this.tick(), TICK_MS).unref();
        void this.tick();
    }

    stop(): void {
        clearInterval(this.timer);
    }

    /* One pass; a pass still running when the next is due is not doubled. */
    async tick(now = new Date()): Promise<void> {
        if (this.running)
            return;
        this.running = true;
        try {
            const schedule = this.host.schedule;
            if (!schedule.snapshots && !schedule.scrub)
                return;
            const existing = new Map<string, string[]>();
            for (const d of this.host.datasets) {
                if (d.type === "filesystem" || d.type === "volume")
                    existing.set(d.name, existing.get(d.name) ?? []);
                const at = d.name.indexOf("@");
                if (d.type === "snapshot" && at > 0) {
                    const list = existing.get(d.name.slice(0, at)) ?? [];
                    list.push(d.name.slice(at + 1));
                    existing.set(d.name.slice(0, at), list);
                }
            }
            const plan = planSnapshots(schedule, existing, now);
            let changed = false;
            for (const t of plan.take)
                changed = await this.attempt("Snapshot", this.host.datasetPath(t.dataset), `${t.dataset}@${t.name}`,
                    () => this.host.tools.snapshot(`${t.dataset}@${t.name}`, t.recursive)) || changed;
            for (const d of plan.destroy)
                changed = await this.attempt("DestroySnapshot", this.host.datasetPath(d.snapshot.slice(0, d.snapshot.indexOf("@"))), d.snapshot,
                    () => this.host.tools.destroy(d.snapshot, d.recursive)) || changed;
            const pools = new Set((this.host.datasets).filter(d => !d.name.includes("/") && !d.name.includes("@")).map(d => d.name));
            for (const pool of scrubsDue(schedule, now, this.scrubsStarted)) {
                this.scrubsStarted.add(scrubKey(pool, now));
                if (pools.has(pool))
                    changed = await this.attempt("Scrub", this.host.poolPath(pool), pool, () => this.host.tools.scrub(pool, false)) || changed;
            }
            if (changed)
                await this.host.refresh();
        } finally {
            this.running = false;
        }
    }

    /* Does one scheduled action and records it in the audit log, as the daemon itself. */
    private async attempt(action: string, object: string, target: string, work: () => Promise<void>): Promise<boolean> {
        let result = "ok";
        try {
            await work();
        } catch (e) {
            result = `Failed: ${(e as Error).message}`;
            process.stderr.write(`debvisord: schedule: ${action} ${target} failed: ${(e as Error).message}\n`);
        }
        await this.host.audit?.appendAsDaemon(`ZfsSchedule.${action}`, object, result, [target]).catch(() => undefined);
        return result === "ok";
    }
}
