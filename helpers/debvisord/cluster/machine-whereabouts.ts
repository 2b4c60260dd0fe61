// Where this node's machines went and where the other members' machines are,
// for what must follow a machine across the cluster (its DNS registration):
// the machines that left this node by live migration, with the node each went
// to (noted when the move starts, dropped again if it fails, so the machine's
// removal that libvirt reports when it succeeds is known as a move), and each
// round's view of the other members' machines from their ping answers.
import type { MachineSummary } from "../machines/machines.js";

/** a departure is forgotten this long after its machine's removal was due (the move ended or failed) */
const DEPARTURE_KEPT_MS = 10 * 60_000;

/** One round's view: the machines each answering member has; `complete` when every other member answered. */
export interface ClusterRound {
    machines: ReadonlyMap<string, readonly MachineSummary[]>;
    complete: boolean;
}

export class MachineWhereabouts {
    private readonly departures = new Map<string, { node: string; timer: NodeJS.Timeout | null }>();
    private readonly listeners: Array<(round: ClusterRound) => void> = [];

    /* A live migration of the machine at `path` to `node` begins. */
    departing(path: string, node: string): void {
        this.clear(path);
        this.departures.set(path, { node, timer: null });
    }

    /* The migration ended: when it failed the machine stays here, when it succeeded its removal is on its way. */
    departed(path: string, ok: boolean): void {
        const d = this.departures.get(path);
        if (!d)
            return;
        if (!ok)
            return this.clear(path);
        d.timer = setTimeout(() => this.departures.delete(path), DEPARTURE_KEPT_MS);
        d.timer.unref();
    }

    /* The node the machine at `path` moved to, or null when it did not leave by migration; asked once, when its removal is seen. */
    takeDeparture(path: string): string | null {
        const node = this.departures.get(path)?.node ?? null;
        this.clear(path);
        return node;
    }

    private clear(path: string): void {
        const d = this.departures.get(path);
        if (d?.timer)
            clearTimeout(d.timer);
        this.departures.delete(path);
    }

    onRound(listener: (round: ClusterRound) => void): void {
        this.listeners.push(listener);
    }

    /* The cluster area's round ended with this view. */
    roundDone(round: ClusterRound): void {
        for (const l of this.listeners)
            l(round);
    }
}
