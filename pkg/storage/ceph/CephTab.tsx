// The Ceph tab: the local cluster's health, usage, placement groups and
// daemons, its OSDs, pools (and how full they have been), RBD images and
// CephFS. Everything but the pools' history (read every minute) comes from
// the CephManager and its objects in the page's store. Without a cluster (or
// without Ceph) an empty state says how to get one.
import { Alert } from "@patternfly/react-core/dist/esm/components/Alert/index.js";
import { CodeBlock, CodeBlockCode } from "@patternfly/react-core/dist/esm/components/CodeBlock/index.js";
import { EmptyState, EmptyStateBody } from "@patternfly/react-core/dist/esm/components/EmptyState/index.js";
import { Stack, StackItem } from "@patternfly/react-core/dist/esm/layouts/Stack/index.js";
import { CubesIcon } from "@patternfly/react-icons/dist/esm/icons/cubes-icon.js";
import { AlertsFor } from "../../lib/components/ActiveAlerts";
import { JobsPanel } from "../../lib/components/JobsPanel";
import { AreaRetry } from "../../lib/components/AreaState";
import { useArea, useCephImages, useCephManager, useCephOsds, useCephPools } from "../../lib/dbus-store";
import { formatTime } from "../../lib/format";
import { _, format } from "../../lib/gettext";
import { adminOnly, useRole } from "../../lib/role";
import { CapacityTrendsCard } from "../CapacityTrendsCard";
import { CephFsCard } from "./CephFsCard";
import { CephHealthCard } from "./CephHealthCard";
import { CephImagesCard } from "./CephImagesCard";
import { CephOsdCard } from "./CephOsdCard";
import { CephPoolsCard } from "./CephPoolsCard";

/* the shipped rules' Ceph alerts: health, OSDs down, pools filling */
const CEPH_ALERTS = [{ alertname: /^Ceph/ }];

export function CephTab() {
    const manager = useCephManager();
    const osds = useCephOsds();
    const pools = useCephPools();
    const images = useCephImages();
    const locked = adminOnly(useRole());
    const area = useArea("ceph");
    // the page shows this tab once debvisord's whole tree is read: no CephManager means none will come
    if (!manager)
        return (
            <EmptyState titleText={_("This DebVisor service has no Ceph support")} headingLevel="h2" data-ceph-state="absent">
                <EmptyStateBody>{_("debvisord did not announce its CephManager. Update the DebVisor packages on this host, then reload this page.")}</EmptyStateBody>
            </EmptyState>
        );
    const m = manager.props;
    const state = m.State;
    const reachable = state === "reachable";
    if (state === "not-installed")
        return (
            <EmptyState titleText={_("Ceph is not installed")} headingLevel="h2" data-ceph-state={state}>
                <EmptyStateBody>
                    {_("This host has no Ceph tools. Install them as root, then reload this page:")}
                    <CodeBlock><CodeBlockCode>apt install ceph-mon ceph-mgr ceph-osd ceph-mds ceph-common ceph-fuse</CodeBlockCode></CodeBlock>
                </EmptyStateBody>
            </EmptyState>
        );
    if (state === "none")
        return (
            <Stack hasGutter className="pf-v6-u-pt-md">
                <StackItem>
                    <EmptyState titleText={_("No Ceph cluster on this host")} icon={CubesIcon} headingLevel="h2" data-ceph-state={state}>
                        <EmptyStateBody>
                            <p>{_("A single-node cluster (a monitor, a manager, one OSD per spare disk, an RBD pool and a CephFS) is created when the ceph or mixed storage profile is applied on the Profile tab, or by the Bootstrap method of debvisord's CephManager.")}</p>
                            <p>{_("Its progress shows in the jobs below; this tab fills in as the cluster comes up.")}</p>
                        </EmptyStateBody>
                    </EmptyState>
                </StackItem>
                <StackItem><JobsPanel /></StackItem>
            </Stack>
        );
    return (
        <Stack hasGutter className="pf-v6-u-pt-md" data-ceph-state={state}>
            <StackItem className="debvisor-muted">
                {[m.Version && format(_("Ceph $0"), m.Version), m.Fsid && format(_("cluster $0"), m.Fsid),
                    m.UpdatedAt > 0 && format(_("read $0"), formatTime(m.UpdatedAt))].filter(Boolean).join(" · ")}
            </StackItem>
            {state === "bootstrapping" && (
                <StackItem>
                    <Alert isInline variant="info" title={_("The cluster is being created")}>
                        {_("Bootstrap runs as a job (below); the cluster appears here step by step.")}
                    </Alert>
                </StackItem>
            )}
            {state === "unreachable" && (
                <StackItem>
                    <Alert isInline variant="danger" title={_("The cluster does not answer")} data-ceph-unreachable>
                        <p>{_("What is shown below is what was last read, and may be out of date. Changes are not possible until the monitors answer again.")}</p>
                        {m.LastError && <p className="debvisor-error-detail">{m.LastError}</p>}
                        <AreaRetry area={area} />
                    </Alert>
                </StackItem>
            )}
            <AlertsFor inStack what={_("Ceph")} matchers={CEPH_ALERTS} />
            <StackItem><CephHealthCard manager={m} /></StackItem>
            <StackItem><CephOsdCard manager={m} osds={osds} locked={locked} /></StackItem>
            <StackItem><CephPoolsCard pools={pools} images={images} osds={osds} cephfs={m.CephFS} locked={locked} reachable={reachable} /></StackItem>
            <StackItem><CapacityTrendsCard kind="ceph-pool-used" pools={pools.map(p => p.props.Name)} /></StackItem>
            <StackItem><CephImagesCard pools={pools} images={images} locked={locked} reachable={reachable} /></StackItem>
            <StackItem><CephFsCard cephfs={m.CephFS} locked={locked} reachable={reachable} /></StackItem>
            <StackItem><JobsPanel /></StackItem>
        </Stack>
    );
}
