// What debvisord refused because it would cut the host off or lock an admin
// out, each entry with its reasons, and a field per entry where the person
// types it again to go ahead anyway: the exact text is what the daemon's
// "force" option asks for.
import { Alert } from "@patternfly/react-core/dist/esm/components/Alert/index.js";
import { FormGroup } from "@patternfly/react-core/dist/esm/components/Form/index.js";
import { TextInput } from "@patternfly/react-core/dist/esm/components/TextInput/index.js";
import { _, format } from "../lib/gettext";

/* The entries typed again exactly, or null while one does not match yet. */
export function confirmedForce(refusals: Map<string, string[]>, typed: Record<string, string>): string[] | null {
    const entries = [...refusals.keys()];
    return entries.every(e => typed[e] === e) ? entries : null;
}

export function ForcePrompt({ title, refusals, typed, onChange }: {
    title: string;
    refusals: Map<string, string[]>;
    typed: Record<string, string>;
    onChange(typed: Record<string, string>): void;
}) {
    return (
        <Alert isInline variant="warning" title={title} className="pf-v6-u-mb-md">
            {[...refusals].map(([entry, reasons], i) => (
                <FormGroup key={entry} fieldId={`fw-force-${i}`} className="pf-v6-u-mt-sm"
                    label={format(_("Type $0 to go ahead anyway"), entry)}>
                    <ul>
                        {reasons.map(r => <li key={r}>{format("$0 $1", entry, r)}</li>)}
                    </ul>
                    <TextInput id={`fw-force-${i}`} value={typed[entry] ?? ""} aria-label={format(_("Type $0 to go ahead anyway"), entry)}
                        validated={typed[entry] && typed[entry] !== entry ? "error" : "default"}
                        onChange={(_e, v) => onChange({ ...typed, [entry]: v })} />
                </FormGroup>
            ))}
        </Alert>
    );
}
