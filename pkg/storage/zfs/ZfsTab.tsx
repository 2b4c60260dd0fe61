// The ZFS tab: a way to install ZFS where there is none, else the pools
// (and how full they have been), the datasets and their snapshots, and the jobs (scrubs) that run.
import { CodeBlock, CodeBlockCode } from "@patternfly/react-core/dist/esm/components/CodeBlock/index.js";
import { EmptyState, EmptyStateBody } from "@patternfly/react-core/dist/esm/components/EmptyState/index.js";
import { Stack, StackItem } from "@patternfly/react-core/dist/esm/layouts/Stack/index.js";
import { scheduleOf } from "../../lib/api/zfs";
import { JobsPanel } from "../../lib/components/JobsPanel";
import { AreaEmptyState } from "../../lib/components/AreaState";
import { useArea, useCluster, useZfsDatasets, useZfsManager, useZfsPools } from "../../lib/dbus-store";
import { _, format } from "../../lib/gettext";
import { CapacityTrendsCard } from "../CapacityTrendsCard";
import { DatasetsCard } from "./DatasetsCard";
import { openOnNode } from "../../lib/node-rows";
import { poolRows } from "./pool-rows";
import { PoolsCard } from "./PoolsCard";

export function ZfsTab() {
    const manager = useZfsManager();
    const pools = useZfsPools();
    const datasets = useZfsDatasets();
    const area = useArea("zfs");
    const cluster = useCluster();
    if (!manager)
        return <AreaEmptyState area={area?.state === "ready" ? null : area} what={_("ZFS")} />;
    if (area?.state === "retrying")
        return <AreaEmptyState area={area} what={_("ZFS")} />;
    if (manager.Implementation === "")
        return (
            <EmptyState titleText={_("ZFS is not installed")} headingLevel="h2">
                <EmptyStateBody>
                    {_("Install OpenZFS (from Debian's contrib section) as root; DebVisor looks for it again every minute and this page follows:")}
                    <CodeBlock><CodeBlockCode>apt install zfsutils-linux</CodeBlockCode></CodeBlock>
                </EmptyStateBody>
            </EmptyState>
        );
    return (
        <Stack hasGutter className="pf-v6-u-pt-md">
            <StackItem className="debvisor-muted" data-implementation={manager.Implementation}>
                {manager.Implementation === "openzfs" ? format(_("OpenZFS $0"), manager.Version) : _("zfs-fuse (no volumes, no lz4)")}
            </StackItem>
            <StackItem><PoolsCard rows={poolRows(pools, cluster)} features={manager.Features} onOpenRemote={row => openOnNode(cluster, row.node, "storage")} /></StackItem>
            <StackItem><CapacityTrendsCard kind="zfs-pool-used" pools={pools.map(p => p.props.Name)} /></StackItem>
            <StackItem><DatasetsCard datasets={datasets} schedule={scheduleOf(manager.SnapshotSchedule, manager.ScrubSchedule)} features={manager.Features} /></StackItem>
            <StackItem><JobsPanel /></StackItem>
        </Stack>
    );
}
