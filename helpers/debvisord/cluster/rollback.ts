// A cluster's create and join leave nothing half done when they fail: each
// piece of work registers its undo before it begins (so work that fails
// half-way is undone too), and a failure runs the undos, newest first. The
// error then says whether everything was undone or what was left.
export class Rollback {
    private readonly undos: Array<{ what: string; run: () => Promise<void> | void }> = [];

    add(what: string, run: () => Promise<void> | void): void {
        this.undos.push({ what, run });
    }

    /* Runs every undo, newest first; the error, its message saying what became of the work done so far. */
    async undo(e: Error): Promise<Error> {
        const problems: string[] = [];
        const undos = this.undos.splice(0).reverse();
        for (const u of undos) {
            try {
                await u.run();
            } catch (ue) {
                problems.push(`undoing ${u.what}: ${(ue as Error).message}`);
            }
        }
        const done = problems.length > 0 ? `rolling back left work undone: ${problems.join("; ")}`
            : undos.length > 0 ? "every step done so far was undone" : "nothing was changed";
        return Object.assign(e, { message: `${e.message}; ${done}` });
    }
}
