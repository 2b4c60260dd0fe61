// The list's machines read with Cluster.ListMachines, apart from this node's
// Machine objects: begun with the page's first script, on the second channel,
// so the list never waits for the whole cluster's machines. That first
// answer includes this node's own machines: they are the list's rows until
// the page's watch has read the Machine objects (for hundreds of machines
// those come noticeably later), and the Machine objects are the live view
// after that. The other members' machines are read again whenever the
// Cluster object's MachinesRevision moves past the last answer's.
import { useEffect, useState } from "react";
import type { PageClusterProperties, PlainClusterListMachinesMachines } from "../../generated/dbus-contract";
import { clusterListMachines, type OtherMachines } from "../lib/api/cluster";

/** as often as the members are pinged */
const RETRY_MS = 10_000;
let first: Promise<OtherMachines> | null = null;

/* Starts the first read before the page knows whether this node is in a cluster; its answer, or a failure (the hooks
 * handle that: no early rows, a retry at the next revision). */
export function prefetchListedMachines(): Promise<unknown> {
    first ??= clusterListMachines(true);
    return first.catch(() => undefined);
}

/** Every machine of the first answer, this node's own included, until `objectsRead`: then none. */
export function useEarlyMachines(objectsRead: boolean): PlainClusterListMachinesMachines {
    const [machines, setMachines] = useState<PlainClusterListMachinesMachines>([]);
    useEffect(() => {
        if (objectsRead || !first)
            return;
        let current = true;
        first.then(answer => { if (current) setMachines(answer.machines) }, () => undefined);
        return () => { current = false };
    }, [objectsRead]);
    return objectsRead ? [] : machines;
}

export function useOtherMachines(cluster: PageClusterProperties | null): PlainClusterListMachinesMachines {
    const [listed, setListed] = useState<OtherMachines | null>(null);
    const [failures, setFailures] = useState(0);
    const member = cluster?.State === "member";
    const revision = Number(cluster?.MachinesRevision ?? 0);
    const behind = member && (listed === null || listed.revision < revision);
    useEffect(() => {
        if (!behind)
            return;
        let current = true;
        let retry: number | undefined;
        const read = first ?? clusterListMachines();
        first = null;
        read.then(answer => {
            if (current)
                setListed(answer);
        }, () => {
            // the rows of the other members stay as they were; asked again after a round
            if (current)
                retry = window.setTimeout(() => setFailures(n => n + 1), RETRY_MS);
        });
        return () => {
            current = false;
            window.clearTimeout(retry);
        };
    }, [behind, revision, failures]);
    return member && listed ? listed.machines.filter(m => !m.Local) : [];
}
