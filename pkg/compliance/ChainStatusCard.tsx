// The state of the chain: how far the last verification of the whole log
// reached and when, a button to verify now (a Job), and the host key that
// signs evidence bundles, to compare with what verify-bundle prints.
import { useState } from "react";
import { Button } from "@patternfly/react-core/dist/esm/components/Button/index.js";
import { DescriptionList, DescriptionListDescription, DescriptionListGroup, DescriptionListTerm } from "@patternfly/react-core/dist/esm/components/DescriptionList/index.js";
import { ExpandableSection } from "@patternfly/react-core/dist/esm/components/ExpandableSection/index.js";
import { Label } from "@patternfly/react-core/dist/esm/components/Label/index.js";
import { auditVerify } from "../lib/api/audit";
import type { CallError } from "../lib/api/call";
import type { AuditObject } from "../lib/dbus-store";
import { _, format } from "../lib/gettext";
import { formatTime } from "../lib/format";
import { TitledCard } from "../lib/components/TitledCard";

export function ChainStatusCard({ audit, recordCount }: { audit: AuditObject; recordCount: number }) {
    const p = audit.props;
    const [error, setError] = useState("");
    const [starting, setStarting] = useState(false);
    const verify = () => {
        setStarting(true);
        setError("");
        auditVerify().catch((e: CallError) => setError(e.message)).finally(() => setStarting(false));
    };
    const when = formatTime(p.VerifiedTime);
    let status;
    if (p.VerifiedTime === 0)
        status = <Label color="grey">{_("Not verified yet")}</Label>;
    else if (p.VerifiedOk)
        status = <Label color="green">{format(_("Verified up to record $0 at $1"), p.VerifiedSeq, when)}</Label>;
    else
        status = <Label color="red">{format(_("Broken: checked at $0"), when)}</Label>;
    return (
        <TitledCard title={_("Audit chain")} aria-label={_("Audit chain")}>
            <DescriptionList isHorizontal isCompact>
                <DescriptionListGroup>
                    <DescriptionListTerm>{_("Status")}</DescriptionListTerm>
                    <DescriptionListDescription>
                        <div aria-label={_("Chain status")}>{status}</div>
                        <div className="debvisor-muted debvisor-mono">{p.VerifiedMessage}</div>
                        {p.VerifiedOk && recordCount > p.VerifiedSeq &&
                            <div className="debvisor-muted">{format(_("$0 records written since, each chained to the one before"), recordCount - p.VerifiedSeq)}</div>}
                    </DescriptionListDescription>
                </DescriptionListGroup>
                <DescriptionListGroup>
                    <DescriptionListTerm>{_("Records")}</DescriptionListTerm>
                    <DescriptionListDescription>{recordCount}</DescriptionListDescription>
                </DescriptionListGroup>
                <DescriptionListGroup>
                    <DescriptionListTerm>{_("Evidence signing key")}</DescriptionListTerm>
                    <DescriptionListDescription>
                        {p.SigningKeyFingerprint
                            ? <span className="debvisor-mono" aria-label={_("Key fingerprint")}>{p.SigningKeyFingerprint}</span>
                            : <span className="debvisor-muted">{_("No signing key: evidence cannot be exported")}</span>}
                        {p.SigningKey && (
                            <ExpandableSection toggleText={_("Public key (Ed25519)")}>
                                <pre className="debvisor-mono">{p.SigningKey}</pre>
                            </ExpandableSection>
                        )}
                    </DescriptionListDescription>
                </DescriptionListGroup>
            </DescriptionList>
            <Button variant="secondary" onClick={verify} isLoading={starting} isDisabled={starting}>{_("Verify now")}</Button>
            {error && <p className="debvisor-error-detail">{error}</p>}
        </TitledCard>
    );
}
