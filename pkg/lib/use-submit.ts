// A dialog's call, one at a time: busy while it runs, and its failure kept to
// be shown at the top of the dialog, where the user can correct and try again.
import { useState } from "react";

export function useSubmit() {
    const [error, setError] = useState("");
    const [busy, setBusy] = useState(false);
    /** Runs the call; its result goes to `done` (most dialogs close), its failure stays in `error`. */
    const run = <T>(call: () => Promise<T>, done: (result: T) => void) => {
        setBusy(true);
        setError("");
        call().then(done, (e: Error) => { setError(e.message); setBusy(false) });
    };
    return { error, setError, busy, run };
}
