// How full each pool has been over the last hour, day or week (ZFS pools on
// the ZFS tab, Ceph pools on the Ceph tab), from the history debvisord keeps:
// a pool that fills steadily is seen before its alert fires.
import { useState } from "react";
import { Card, CardBody, CardHeader, CardTitle } from "@patternfly/react-core/dist/esm/components/Card/index.js";
import { HISTORY_RANGES, HistoryGraphs, RangeToggle, type GraphSpec } from "../lib/components/HistoryGraphs";
import { _ } from "../lib/gettext";

export function CapacityTrendsCard({ kind, pools }: { kind: "zfs-pool-used" | "ceph-pool-used"; pools: string[] }) {
    const [range, setRange] = useState(HISTORY_RANGES[1]);
    if (pools.length === 0)
        return null;
    const specs: GraphSpec[] = [...pools].sort().map(pool => ({ title: pool, unit: "ratio", lines: [{ series: kind, subject: { pool } }] }));
    return (
        <Card data-testid={`capacity-${kind}`}>
            <CardHeader actions={{ actions: <RangeToggle range={range} onChange={setRange} /> }}>
                <CardTitle component="h2">{_("Capacity trends")}</CardTitle>
            </CardHeader>
            <CardBody>
                <HistoryGraphs specs={specs} range={range} label={_("How full each pool has been")} />
            </CardBody>
        </Card>
    );
}
