/* A queue of async work that runs one piece at a time, in the order given: each piece sees what the one
 * before it left behind, whether that one succeeded or failed. */
export type OneAtATime = <T>(work: () => Promise<T>) => Promise<T>;

export function oneAtATime(): OneAtATime {
    let last: Promise<unknown> = Promise.resolve();
    return <T>(work: () => Promise<T>): Promise<T> => {
        const run = last.then(work, work);
        last = run.catch(() => undefined);
        return run;
    };
}
