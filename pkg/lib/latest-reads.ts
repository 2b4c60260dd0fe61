// Reads whose answers may come back out of order: of the reads begun one
// after another, only the latest one's answer may be shown (a graph's range
// chosen while the previous range still loads must not be overwritten by the
// previous range's late answer).

/* A counter of reads: each call begins one and returns whether it is still the latest when its answer comes.
 * A call whose answer no one awaits retires the reads before it (the reader went away). */
export function latestReads(): () => () => boolean {
    let generation = 0;
    return () => {
        const mine = ++generation;
        return () => mine === generation;
    };
}
