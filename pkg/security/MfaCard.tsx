// SSH multi-factor login: whether sshd and PAM ask for a one-time code, who
// has enrolled, and the switch to enforce or relax it (the exact change first).
import { useCallback, useState } from "react";
import { Button } from "@patternfly/react-core/dist/esm/components/Button/index.js";
import { Label } from "@patternfly/react-core/dist/esm/components/Label/index.js";
import { mfaChange, type MfaState } from "../lib/api/hardening";
import { _ } from "../lib/gettext";
import { ChangePreviewDialog } from "./ChangePreviewDialog";
import { TitledCard } from "../lib/components/TitledCard";

export function MfaCard({ mfa }: { mfa: MfaState }) {
    const [asking, setAsking] = useState<"enforce" | "relax" | null>(null);
    const change = useCallback((dryRun: boolean) => mfaChange(asking === "enforce", dryRun), [asking]);
    return (
        <TitledCard title={_("SSH MFA")} aria-label={_("SSH MFA")}>
            <p aria-label={_("SSH MFA status")}>
                {mfa.Configured
                    ? <Label color="green">{_("SSH asks for a key and a one-time code")}</Label>
                    : <Label color="orange">{_("SSH does not ask for a one-time code")}</Label>}
            </p>
            {!mfa.Configured && mfa.Detail && <p className="debvisor-muted">{mfa.Detail}</p>}
            <ul aria-label={_("Users")}>
                {mfa.Users.map(u => <li key={u.Name}>{u.Name}: {u.Enrolled ? _("enrolled") : _("not enrolled")}</li>)}
            </ul>
            <Button variant={mfa.Configured ? "secondary" : "primary"} onClick={() => setAsking(mfa.Configured ? "relax" : "enforce")}>
                {mfa.Configured ? _("Stop asking for codes") : _("Enforce MFA")}
            </Button>
            {asking && <ChangePreviewDialog title={asking === "enforce" ? _("Enforce SSH MFA?") : _("Stop SSH MFA?")}
                confirm={asking === "enforce" ? _("Enforce") : _("Stop")} change={change} onClose={() => setAsking(null)} />}
        </TitledCard>
    );
}
