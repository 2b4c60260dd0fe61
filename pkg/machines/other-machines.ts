// The other members' machines for the one list, read with
// Cluster.ListMachines: begun with the page's first script, on the second
// channel, so this node's rows (its Machine objects, from the page's watch)
// never wait for the whole cluster's, and read again whenever the Cluster
// object's MachinesRevision moves past the last answer's.
import { useEffect, useState } from "react";
import type { PageClusterProperties, PlainClusterListMachinesMachines } from "../../generated/dbus-contract";
import { clusterListMachines, type OtherMachines } from "../lib/api/cluster";

/** as often as the members are pinged */
const RETRY_MS = 10_000;
let early: Promise<OtherMachines> | null = null;

/* Starts the first read before the page knows whether this node is in a cluster (a node in none answers an empty list). */
export function prefetchOtherMachines(): void {
    early ??= clusterListMachines();
    early.catch(() => undefined); // a failure is the hook's to retry at the next revision
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
        const read = early ?? clusterListMachines();
        early = null;
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
    return member && listed ? listed.machines : [];
}
