// Resuming: the steps of this version, with what an earlier run finished kept.
import type { FirstBoot, FirstBootStep } from "../lib/firstboot-state.js";

interface StepInfo { id: string; description: string }

function freshStep(def: StepInfo): FirstBootStep {
    return { id: def.id, description: def.description, state: "pending", message: "", started: "", finished: "", log: [] };
}

/* The saved state with the given steps, those done kept by id, the others pending again. */
export function resumeState(saved: FirstBoot, defs: StepInfo[]): FirstBoot {
    return {
        state: "running",
        finished: "",
        steps: defs.map(d => {
            const old = saved.steps.find(x => x.id === d.id);
            return old?.state === "done" ? { ...old, description: d.description } : freshStep(d);
        }),
    };
}
