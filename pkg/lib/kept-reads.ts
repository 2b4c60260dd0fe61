// Answers kept a short while by what was asked: a read begun before its use
// (a page's first script, the range one click away) is taken when it is
// wanted, and again within that while (Hour after Day is drawn from what was
// read, with no call of its own). A refresh reads anew and keeps its answer;
// a failed read is not kept.

export class KeptReads<T> {
    private readonly kept = new Map<string, { at: number; answer: Promise<T> }>();

    constructor(private readonly keptMs: number, private readonly now: () => number = () => Date.now()) {}

    /* The answer asked for within the while (answered or still on its way), or `read`'s, kept from now on. */
    take(key: string, read: () => Promise<T>): Promise<T> {
        this.forgetOld();
        return this.kept.get(key)?.answer ?? this.renew(key, read);
    }

    /* `read`'s answer whatever is kept (a refresh), kept in place of the one before. */
    renew(key: string, read: () => Promise<T>): Promise<T> {
        const entry = { at: this.now(), answer: read() };
        this.kept.set(key, entry);
        entry.answer.catch(() => { if (this.kept.get(key) === entry) this.kept.delete(key) });
        return entry.answer;
    }

    private forgetOld(): void {
        const now = this.now();
        for (const [key, { at }] of this.kept) {
            if (now - at >= this.keptMs)
                this.kept.delete(key);
        }
    }
}

/* Runs `step` for each item in turn, the next once the one before has settled: what a click is nearer to goes
 * first and does not share the bus and the engines with what is further away. Settles after the last. */
export async function inTurn<I>(items: I[], step: (item: I) => Promise<unknown>): Promise<void> {
    for (const item of items)
        await step(item).catch(() => undefined);
}
