// DebVisor → Security: the host firewall's management set and block and allow lists (counters,
// expiry, who added what and why), importing published lists after seeing
// what they would do, the quarantine switch; the hardening checks with
// their fixes, SSH MFA and fail2ban.
import { Alert } from "@patternfly/react-core/dist/esm/components/Alert/index.js";
import { Stack, StackItem } from "@patternfly/react-core/dist/esm/layouts/Stack/index.js";
import { firewallEntries } from "../lib/api/firewall";
import { fail2banState, hardeningChecks, mfaState } from "../lib/api/hardening";
import { PageFrame } from "../lib/components/PageFrame";
import { ServiceEmptyState } from "../lib/components/ServiceEmptyState";
import { AreaRetry } from "../lib/components/AreaState";
import { useArea, useFirewall, useHardening, useServiceState } from "../lib/dbus-store";
import { _ } from "../lib/gettext";
import { Fail2banCard } from "./Fail2banCard";
import { FirewallListCard } from "./FirewallListCard";
import { HardeningCard } from "./HardeningCard";
import { MfaCard } from "./MfaCard";
import { QuarantineCard } from "./QuarantineCard";

export function SecurityPage() {
    const service = useServiceState();
    const firewall = useFirewall();
    const hardening = useHardening();
    const area = useArea("firewall");
    const blocked = firewall ? firewallEntries(firewall.props.Blocked as unknown[][]) : [];
    const allowed = firewall ? firewallEntries(firewall.props.Allowed as unknown[][]) : [];
    const management = firewall ? firewallEntries((firewall.props.Management ?? []) as unknown[][]) : [];
    return (
        <PageFrame title={_("Security")}>
            {service.status !== "ready" || !firewall
                ? <ServiceEmptyState state={service.status === "ready" ? { status: "connecting" } : service} />
                : (
                    <Stack hasGutter>
                        {!firewall.props.Available && (
                            <StackItem>
                                <Alert isInline variant="danger" title={_("The firewall is not available")}>
                                    <p>{firewall.props.Problem}</p>
                                    <AreaRetry area={area} />
                                </Alert>
                            </StackItem>
                        )}
                        <StackItem><QuarantineCard firewall={firewall} allowed={allowed} management={management} /></StackItem>
                        <StackItem><FirewallListCard list="management" entries={management} blocked={blocked} allowed={allowed} management={management} /></StackItem>
                        <StackItem><FirewallListCard list="block" entries={blocked} blocked={blocked} allowed={allowed} management={management} /></StackItem>
                        <StackItem><FirewallListCard list="allow" entries={allowed} blocked={blocked} allowed={allowed} management={management} /></StackItem>
                        {hardening && (
                            <>
                                <StackItem><HardeningCard checks={hardeningChecks(hardening.props)} /></StackItem>
                                <StackItem><MfaCard mfa={mfaState(hardening.props)} /></StackItem>
                                <StackItem><Fail2banCard f2b={fail2banState(hardening.props)} /></StackItem>
                            </>
                        )}
                    </Stack>
                )}
        </PageFrame>
    );
}
