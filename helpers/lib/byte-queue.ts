// Bytes that arrive in pieces (a socket, a pipe) taken out in the sizes a
// protocol reads them: `take(n)` waits until n bytes are there, or fails
// with the reason the source ended. Pieces are pushed (a socket's data
// events) or pulled from a stream only as they are taken (back-pressure: a
// fast writer never fills memory).
export class ByteQueue {
    constructor(private readonly source?: AsyncIterator<Buffer>) {}

    private pieces: Buffer[] = [];
    private queued = 0;
    private waiting: (() => void) | null = null;
    private ended: Error | null = null;

    push(piece: Buffer): void {
        this.pieces.push(piece);
        this.queued += piece.length;
        this.wake();
    }

    /* No more bytes will come; a `take` that needs more fails with `reason`. */
    end(reason: Error): void {
        this.ended ??= reason;
        this.wake();
    }

    get failed(): Error | null {
        return this.ended;
    }

    /* Whether the source ended with nothing left to take. */
    async atEnd(): Promise<boolean> {
        while (this.queued === 0 && !this.ended)
            await this.more();
        return this.queued === 0;
    }

    async take(n: number): Promise<Buffer> {
        while (this.queued < n) {
            if (this.ended)
                throw this.ended;
            await this.more();
        }
        const all = this.pieces.length === 1 ? this.pieces[0] : Buffer.concat(this.pieces);
        const rest = all.subarray(n);
        this.pieces = rest.length ? [rest] : [];
        this.queued = rest.length;
        return all.subarray(0, n);
    }

    /* Takes whatever the pulled stream still gives, so that its writer can finish. */
    async drain(): Promise<void> {
        while (this.source && !this.ended) {
            this.pieces = [];
            this.queued = 0;
            await this.more();
        }
    }

    private async more(): Promise<void> {
        if (!this.source) {
            await new Promise<void>(resolve => { this.waiting = resolve; });
            return;
        }
        const next = await this.source.next();
        if (next.done)
            this.end(new Error("the stream ended early"));
        else
            this.push(Buffer.from(next.value));
    }

    private wake(): void {
        const w = this.waiting;
        this.waiting = null;
        w?.();
    }
}
