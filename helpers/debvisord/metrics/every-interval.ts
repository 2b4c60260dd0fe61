/* Runs `work` now and then every `intervalMs`, never two at once. What it returns is a problem ("" for
 * none), logged once until it changes. Returns what stops the repetition. */
export function everyInterval(intervalMs: number, work: () => string | Promise<string>, log: (problem: string) => void): () => void {
    let running = false;
    let lastProblem = "";
    const tick = async () => {
        if (running)
            return;
        running = true;
        const problem = await Promise.resolve(work()).finally(() => { running = false });
        if (problem && problem !== lastProblem)
            log(problem);
        lastProblem = problem;
    };
    void tick();
    const timer = setInterval(() => void tick(), intervalMs).unref();
    return () => clearInterval(timer);
}
