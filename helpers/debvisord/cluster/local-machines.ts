// This node's machines as the cluster's node changes need them: which run
// (for a plan, and for another member asking over the channel), and shutting
// them all down cleanly before maintenance, forced off after a while as
// Machine.Shutdown does, or moving them away (migration.ts does that).
import type { CallContext } from "../bus/call-pipeline.js";
import type { Machines, MachineSummary } from "../machines/machines.js";
import type { MachineMove } from "./node-plan.js";

const SHUTDOWN_WAIT_MS = 90_000;

export interface LocalMachines {
    /** names of the machines that run (or are paused) here */
    running(): string[];
    /** every machine here, as the other members list it */
    summaries(): MachineSummary[];
    /** shuts each down; the names of those that had to be forced off */
    shutDownAll(signal: AbortSignal): Promise<string[]>;
}

/** Moving this node's running machines away (Migrations): where each would go, and moving them in turn. */
export interface MachineMover {
    planMoves(): Promise<MachineMove[]>;
    runMoves(ctx: CallContext, moves: MachineMove[], signal: AbortSignal): Promise<string[]>;
}

export function localMachines(machines: Machines): LocalMachines {
    const runningFacts = () => machines.list().filter(m => m.running);
    return {
        running: () => runningFacts().map(m => m.name).sort(),
        summaries: () => machines.summaries(),
        async shutDownAll(signal) {
            const forced: string[] = [];
            await Promise.all(runningFacts().map(async m => {
                if (!await machines.shutDownOrForceOff(m.path, SHUTDOWN_WAIT_MS, signal))
                    forced.push(m.name);
            }));
            return forced.sort();
        },
    };
}
