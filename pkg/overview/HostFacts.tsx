// The host in a few facts: name, version, storage profile, usable backends.
import { DescriptionList, DescriptionListDescription, DescriptionListGroup, DescriptionListTerm } from "@patternfly/react-core/dist/esm/components/DescriptionList/index.js";
import { Label, LabelGroup } from "@patternfly/react-core/dist/esm/components/Label/index.js";
import type { PageManagerProperties } from "../../generated/dbus-contract";
import { _ } from "../lib/gettext";
import { TitledCard } from "../lib/components/TitledCard";

const PROFILE_NAMES: Record<string, () => string> = {
    ceph: () => _("Ceph: every spare disk is an OSD"),
    zfs: () => _("ZFS: spare disks form the pool tank"),
    mixed: () => _("Mixed: Ceph and ZFS"),
    none: () => _("Not configured"),
};

export function HostFacts({ manager }: { manager: PageManagerProperties }) {
    const profile = (PROFILE_NAMES[manager.Profile] ?? PROFILE_NAMES.none)();
    return (
        <TitledCard title={_("Host")}>
            <DescriptionList isHorizontal isCompact aria-label={_("Host facts")}>
                <DescriptionListGroup>
                    <DescriptionListTerm>{_("Host name")}</DescriptionListTerm>
                    <DescriptionListDescription>{manager.Hostname}</DescriptionListDescription>
                </DescriptionListGroup>
                <DescriptionListGroup>
                    <DescriptionListTerm>{_("DebVisor version")}</DescriptionListTerm>
                    <DescriptionListDescription>{manager.Version}</DescriptionListDescription>
                </DescriptionListGroup>
                <DescriptionListGroup>
                    <DescriptionListTerm>{_("Storage profile")}</DescriptionListTerm>
                    <DescriptionListDescription>{profile}</DescriptionListDescription>
                </DescriptionListGroup>
                <DescriptionListGroup>
                    <DescriptionListTerm>{_("Backends")}</DescriptionListTerm>
                    <DescriptionListDescription>
                        {manager.Features.length === 0
                            ? _("None found")
                            : <LabelGroup numLabels={10}>{manager.Features.map(f => <Label key={f} isCompact>{f}</Label>)}</LabelGroup>}
                    </DescriptionListDescription>
                </DescriptionListGroup>
                <DescriptionListGroup>
                    <DescriptionListTerm>{_("Audit records")}</DescriptionListTerm>
                    <DescriptionListDescription>
                        {manager.AuditRecordCount}{" "}
                        <span className="debvisor-mono debvisor-muted" title={_("SHA-256 of the newest audit record")}>
                            {manager.AuditChainHead.slice(0, 16)}…
                        </span>
                    </DescriptionListDescription>
                </DescriptionListGroup>
            </DescriptionList>
        </TitledCard>
    );
}
