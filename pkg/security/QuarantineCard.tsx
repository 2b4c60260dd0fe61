// The quarantine switch: turning it on or off asks first, saying exactly
// what will happen (who still gets in, which machines stop or start again).
import { useState } from "react";
import { Switch } from "@patternfly/react-core/dist/esm/components/Switch/index.js";
import { firewallQuarantine, type FirewallEntry } from "../lib/api/firewall";
import type { PlainFirewallQuarantineInfo } from "../../generated/dbus-contract";
import { plainDict } from "../lib/api/variants";
import { ActionDialog } from "../lib/components/ActionDialog";
import { useMachines, type FirewallObject } from "../lib/dbus-store";
import { _, format } from "../lib/gettext";
import { TitledCard } from "../lib/components/TitledCard";


export function QuarantineCard({ firewall, allowed, management = [] }: { firewall: FirewallObject; allowed: FirewallEntry[]; management?: FirewallEntry[] }) {
    const [asking, setAsking] = useState(false);
    const machines = useMachines();
    const on = firewall.props.Quarantined;
    // empty while not quarantined
    const info = plainDict<Partial<PlainFirewallQuarantineInfo>>(firewall.props.QuarantineInfo);
    const autostarted = machines.filter(m => m.props.Autostart && m.props.State === "running").map(m => m.props.Name);
    const stopped = info["stopped-machines"] ?? [];
    return (
        <TitledCard title={_("Quarantine")} aria-label={_("Quarantine")}>
            <Switch id="fw-quarantine" isChecked={on} onChange={() => setAsking(true)}
                label={on ? _("This host is quarantined") : _("Quarantine this host")} />
            {on && (
                <p className="debvisor-error-detail" aria-label={_("Quarantine status")}>
                    {format(_("Since $0, by $1."), new Date((info.since ?? 0) / 1000).toLocaleString(), info.by ?? "")}
                    {info.reason ? ` ${info.reason}.` : ""}
                    {" "}{format(_("Allowed in: $0."), allowed.length > 0 ? allowed.map(a => a.cidr).join(", ") : _("nobody"))}
                </p>
            )}
            {!on && <p className="debvisor-muted">{_("For an incident: cut the host off from everyone but the allow list.")}</p>}
            {asking && !on && (
                <ActionDialog title={_("Quarantine this host?")} confirm={_("Quarantine")} danger
                    field={{ label: _("Reason (for the audit log)"), check: v => v.length > 256 ? _("At most 256 characters.") : null }}
                    run={reason => firewallQuarantine(true, reason)} onClose={() => setAsking(false)}>
                    <ul aria-label={_("What will happen")}>
                        <li>{allowed.length > 0
                            ? format(_("Only these addresses from the allow list can open new connections to the host and its machines: $0."), allowed.map(a => a.cidr).join(", "))
                            : _("The allow list is empty: nobody can open a new connection to the host or its machines.")}</li>
                        {management.length > 0 && (
                            <li>{format(_("The management set still gets in: $0."), management.map(m => m.cidr).join(", "))}</li>
                        )}
                        <li>{_("Connections already open (this session too) and the host's own loopback keep working.")}</li>
                        <li>{autostarted.length > 0
                            ? format(_("These running machines that start automatically will be shut down: $0."), autostarted.join(", "))
                            : _("No running machine starts automatically, so none will be shut down.")}</li>
                        <li>{_("Every step is written to the audit log. Turning quarantine off restores the firewall exactly as it was.")}</li>
                    </ul>
                </ActionDialog>
            )}
            {asking && on && (
                <ActionDialog title={_("End the quarantine?")} confirm={_("End quarantine")}
                    run={() => firewallQuarantine(false, "")} onClose={() => setAsking(false)}>
                    <ul aria-label={_("What will happen")}>
                        <li>{_("The firewall goes back to exactly what it was before the quarantine: the block list applies again, everyone else gets in.")}</li>
                        <li>{stopped.length > 0 ? format(_("These machines the quarantine stopped start again: $0."), stopped.join(", ")) : _("The quarantine stopped no machines.")}</li>
                    </ul>
                </ActionDialog>
            )}
        </TitledCard>
    );
}
