// DebVisor → DNS: the zones this node manages with their status, the
// records of the chosen zone, the TSIG keys and their rotation, the names
// registered for the host and its machines, the DHCP ranges and leases.
import { useState } from "react";
import { Stack, StackItem } from "@patternfly/react-core/dist/esm/layouts/Stack/index.js";
import { AlertsFor } from "../lib/components/ActiveAlerts";
import { JobsPanel } from "../lib/components/JobsPanel";
import { PageFrame } from "../lib/components/PageFrame";
import { ServiceEmptyState } from "../lib/components/ServiceEmptyState";
import { AreaEmptyState } from "../lib/components/AreaState";
import { useArea, useDns, useDnsKeys, useDnsZones, useServiceState } from "../lib/dbus-store";
import { _ } from "../lib/gettext";
import { DhcpCard } from "./DhcpCard";
import { KeysCard } from "./KeysCard";
import { LeasesCard, RegistrationsCard } from "./RegistrationsCard";
import { RecordsCard } from "./RecordsCard";
import { ZonesCard } from "./ZonesCard";

/* the zones', keys' and DHCP ranges' alerts of the shipped rules */
const DNS_ALERTS = [{ alertname: ["TsigKeyRotationOverdue", "DnsUpdatesFailing", "DhcpRangeNearlyExhausted"] }];

export function DnsPage() {
    const service = useServiceState();
    const dns = useDns();
    const zones = useDnsZones();
    const keys = useDnsKeys();
    const area = useArea("dns");
    const [chosen, setChosen] = useState<string | null>(null);
    const zone = zones.find(z => z.props.Name === chosen) ?? zones[0] ?? null;
    return (
        <PageFrame title={_("DNS")}>
            {service.status !== "ready"
                ? <ServiceEmptyState state={service} />
                : !dns
                ? <AreaEmptyState area={area?.state === "ready" ? null : area} what={_("DNS")} />
                : (
                    <Stack hasGutter>
                        <AlertsFor inStack what={_("DNS and DHCP")} matchers={DNS_ALERTS} />
                        <StackItem><ZonesCard zones={zones} keys={keys} chosen={zone?.props.Name ?? null} onChoose={setChosen} /></StackItem>
                        {zone && <StackItem><RecordsCard key={zone.props.Name} zone={zone.props} zones={zones} /></StackItem>}
                        <StackItem><KeysCard keys={keys} /></StackItem>
                        <StackItem><RegistrationsCard dns={dns} /></StackItem>
                        <StackItem><DhcpCard dns={dns} /></StackItem>
                        <StackItem><LeasesCard dns={dns} /></StackItem>
                        <StackItem><JobsPanel /></StackItem>
                    </Stack>
                )}
        </PageFrame>
    );
}
