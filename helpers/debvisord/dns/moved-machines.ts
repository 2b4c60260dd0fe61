// A machine's DNS registration follows it when it moves to another member of
// the cluster by live migration. The registration stays on this node, which
// holds the zone's configuration and keys (the other node may have neither),
// and notes the node the machine runs on now: the records stay as they were
// (a machine keeps its name and addresses when it moves), each cluster round
// brings its addresses there and the records follow them, and when no member
// has the machine any more (deleted there) in two rounds in a row in which
// every member answered, the records go. Back on this node, it is this
// node's own machine again (dns-objects.ts).
import type { MachineSummary } from "../machines/machines.js";
import type { ClusterRound } from "../cluster/machine-whereabouts.js";
import type { Registration } from "./dns-state.js";

/** rounds in a row, each with every member answering, without the machine on any member before its records go */
const ABSENT_ROUNDS = 2;
const MACHINE_PREFIX = "machine:";

/** What following needs of the DNS service's registrations. */
export interface MachineRegistry {
    readonly registrations: Readonly<Record<string, Registration>>;
    register(id: string, registration: Omit<Registration, "at" | "error">): Promise<void>;
    unregister(id: string): Promise<void>;
}

/** A change to the records of a machine that lives on another member; `work` makes it. */
interface FollowStep { id: string; what: "follow" | "remove"; work: () => Promise<void> }

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

export class MovedMachines {
    /** registration id → rounds in a row without the machine on any member */
    private readonly absent = new Map<string, number>();

    /* `isHere` says whether a machine (by UUID) is on this node now: then it is no longer followed here. */
    constructor(private readonly registry: MachineRegistry, private readonly isHere: (uuid: string) => boolean) {}

    /* The machine of registration `id` moved to `node`: its records stay, the registration notes the node. */
    moved(id: string, node: string): Promise<void> {
        const r = this.registry.registrations[id];
        this.absent.delete(id);
        return r ? this.registry.register(id, { kind: r.kind, zone: r.zone, name: r.name, addresses: r.addresses, ptr: r.ptr, node }) : Promise.resolve();
    }

    /* What one round's view of the members asks of the registrations of machines elsewhere. */
    steps(round: ClusterRound): FollowStep[] {
        const steps: FollowStep[] = [];
        for (const [id, r] of Object.entries(this.registry.registrations)) {
            const uuid = id.slice(MACHINE_PREFIX.length);
            if (r.kind !== "machine" || !r.node || !id.startsWith(MACHINE_PREFIX) || this.isHere(uuid)) {
                this.absent.delete(id);
                continue;
            }
            const found = where(round.machines, uuid);
            if (found) {
                this.absent.delete(id);
                const reported = found.machine.addresses ?? [];
                const running = found.machine.state === "running" || found.machine.state === "paused";
                // a machine that is off, or reports no address yet, keeps the records it had (as on this node)
                const addresses = running && reported.length > 0 ? reported : r.addresses;
                if (found.node !== r.node || !sameList(addresses, r.addresses) || r.error)
                    steps.push({ id, what: "follow", work: () => this.registry.register(id, { kind: r.kind, zone: r.zone, name: r.name, addresses, ptr: r.ptr, node: found.node }) });
                continue;
            }
            if (!round.complete)
                continue; // a member that did not answer may have it
            const rounds = (this.absent.get(id) ?? 0) + 1;
            this.absent.set(id, rounds);
            if (rounds >= ABSENT_ROUNDS) {
                this.absent.delete(id);
                steps.push({ id, what: "remove", work: () => this.registry.unregister(id) });
            }
        }
        return steps;
    }
}

function where(machines: ClusterRound["machines"], uuid: string): { node: string; machine: MachineSummary } | null {
    for (const [node, list] of machines) {
        const machine = list.find(m => m.uuid === uuid);
        if (machine)
            return { node, machine };
    }
    return null;
}
