// Asks before a hardening change, showing the exact change first: the
// daemon's own dry-run answer (the files and their new content, what is
// reloaded). A dry-run that is refused shows why, and nothing can be confirmed.
import { useEffect, useState } from "react";
import { Alert } from "@patternfly/react-core/dist/esm/components/Alert/index.js";
import { ActionDialog } from "../lib/components/ActionDialog";
import { _ } from "../lib/gettext";

export function ChangePreviewDialog({ title, confirm, change, onClose }: {
    title: string;
    confirm: string;
    /** dryRun true: return the change only; false: make it */
    change(dryRun: boolean): Promise<string>;
    onClose(): void;
}) {
    const [preview, setPreview] = useState<string | null>(null);
    const [refused, setRefused] = useState<string | null>(null);
    useEffect(() => {
        change(true).then(setPreview, (e: Error) => setRefused(e.message));
    }, [change]);
    return (
        <ActionDialog title={title} confirm={confirm} danger
            run={() => preview === null ? Promise.reject(new Error(refused ?? _("The change is not known yet."))) : change(false)}
            onClose={onClose}>
            {refused && <Alert isInline variant="danger" title={_("This cannot be done")}>{refused}</Alert>}
            {preview === null && !refused && <p className="debvisor-muted">{_("Asking what would change …")}</p>}
            {preview !== null && (
                <>
                    <p>{_("Exactly this will change:")}</p>
                    <pre className="debvisor-mono" style={{ whiteSpace: "pre-wrap", overflowWrap: "anywhere" }} aria-label={_("The change")}>{preview}</pre>
                </>
            )}
        </ActionDialog>
    );
}
