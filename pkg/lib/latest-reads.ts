// Reads whose answers may come back out of order: of the reads begun one
// after another, only the latest one's answer may be shown (a graph's range
// chosen while the previous range still loads must not be overwritten by the
// previous range's late answer).

export interface LatestReads {
    /** a new read; the function tells whether it is still the latest when its answer comes */
    begin(): () => boolean;
    /** no read begun so far is the latest any more (the reader went away) */
    stop(): void;
}

export function latestReads(): LatestReads {
    let generation = 0;
    return {
        begin() {
            const mine = ++generation;
            return () => mine === generation;
        },
        stop() {
            generation++;
        },
    };
}
