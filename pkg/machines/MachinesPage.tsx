// DebVisor → Virtual machines: every libvirt domain, live; one machine's
// details at #/machine/NAME (Cockpit keeps that in the URL, so reload and
// back work).
import { lazy, Suspense, useEffect, useMemo, useState } from "react";
import { Alert } from "@patternfly/react-core/dist/esm/components/Alert/index.js";
import { Stack, StackItem } from "@patternfly/react-core/dist/esm/layouts/Stack/index.js";
import { cockpit } from "../lib/cockpit";
import { JobsPanel } from "../lib/components/JobsPanel";
import { PageFrame } from "../lib/components/PageFrame";
import { ServiceEmptyState } from "../lib/components/ServiceEmptyState";
import { AreaAlert } from "../lib/components/AreaState";
import { holdWatchUntil, useArea, useCluster, useMachines, useManager, useServiceState } from "../lib/dbus-store";
import { _ } from "../lib/gettext";
import { MachinesTable } from "./MachinesTable";
import { earlyMachineRows, machineRows, type MachineRow } from "./machine-rows";
import { prefetchListedMachines, useEarlyMachines, useOtherMachines } from "./other-machines";
import { openOnNode } from "../lib/node-rows";
import { rangeById } from "../lib/history-ranges";
import { machineTabPath, prefetchMachineHistory, prefetchOpenedMachineHistory } from "./details/history-series";

/** how long the read of the objects waits at most for the list's first answer */
const LIST_FIRST_MS = 500;

// the list is what the page opens with; one machine's details and the create dialog load when first asked for
const loadDetails = () => import("./MachineDetails");
const MachineDetails = lazy(() => loadDetails().then(m => ({ default: m.MachineDetails })));
// opened on a machine's address: its details load while the bus connection opens, not after it, and its
// history is asked for now too, by the machine's name (it needs none of the objects). Opened at its History
// tab, the graphs are what the page shows first: the objects (the other tabs, the actions) are read once the
// graphs' answers are in, or after a second at most
if (cockpit.location.path[0] === "machine") {
    void loadDetails();
    const [, name, tab] = cockpit.location.path;
    if (name) {
        const answered = prefetchMachineHistory(name, rangeById(cockpit.location.options.range));
        if (tab === "history")
            holdWatchUntil(answered, 1000);
    }
}
// the list's rows are asked for now and shown until this node's objects are read. That read waits for their answer
// (a short while at most): debvisord answers a read of hundreds of objects in one go, and the list's small answer
// would otherwise wait behind it
if (cockpit.location.path[0] !== "machine")
    holdWatchUntil(prefetchListedMachines(), LIST_FIRST_MS);
const CreateDialog = lazy(() => import("./CreateDialog").then(m => ({ default: m.CreateDialog })));

function useLocation(): { path: string[]; options: Record<string, string | string[]> } {
    const [location, setLocation] = useState({ path: cockpit.location.path, options: cockpit.location.options });
    useEffect(() => {
        const update = () => setLocation({ path: cockpit.location.path, options: cockpit.location.options });
        cockpit.addEventListener("locationchanged", update);
        return () => cockpit.removeEventListener("locationchanged", update);
    }, []);
    return location;
}

export function MachinesPage() {
    const service = useServiceState();
    const manager = useManager();
    const machines = useMachines();
    const cluster = useCluster();
    const others = useOtherMachines(cluster);
    const listedEarly = useEarlyMachines(service.status !== "connecting");
    const rows = useMemo(() => listedEarly.length > 0 ? earlyMachineRows(listedEarly) : machineRows(machines, cluster, others),
        [listedEarly, machines, cluster, others]);
    const area = useArea("machines");
    const anyRows = rows.length > 0;
    useEffect(() => {
        // when the list first had rows on screen (effects run after the paint), for the page benchmark (bench/cluster-view.ts)
        if (anyRows && performance.getEntriesByName("debvisor-first-row").length === 0)
            performance.mark("debvisor-first-row");
    }, [anyRows]);
    const { path, options } = useLocation();
    const [creating, setCreating] = useState(false);
    const open = (name: string) => cockpit.location.go(["machine", name]);
    // chosen in the list: its history is read while its page is drawn and its History tab is found
    const openFromList = (name: string) => {
        void prefetchOpenedMachineHistory(name);
        open(name);
    };
    // another member's machine is opened on that node's own page (in a new tab: a login of its own)
    const openRemote = (row: MachineRow) => openOnNode(cluster, row.node, `machines#/machine/${encodeURIComponent(row.name)}`);
    const detail = path[0] === "machine" && path[1] ? path[1] : null;
    const emulated = manager?.Virtualization === "emulated" || machines.some(m => m.props.Emulated);
    // the list is drawn (effects run after the paint): a machine's details load now, so opening one does not wait for them
    const listed = service.status === "ready" && !detail;
    useEffect(() => {
        if (listed)
            void loadDetails();
    }, [listed]);
    // a machine's page shows while the bus's objects are still read: its History tab needs only the name; and the list
    // shows what ListMachines told
    const early = service.status === "connecting" && (detail !== null || listedEarly.length > 0);
    const names = machines.map(m => m.props.Name);

    return (
        <PageFrame title={_("Virtual machines")}>
            {service.status !== "ready" && !early
                ? <ServiceEmptyState state={service} />
                : (
                    <Stack hasGutter>
                        {area && area.state !== "ready" && area.state !== "starting" && (
                            <StackItem><AreaAlert area={area} what={_("Virtual machines (libvirt)")} /></StackItem>
                        )}
                        {emulated && (
                            <StackItem>
                                <Alert isInline variant="info" title={_("Machines run under emulation on this host")}>
                                    {_("Without hardware virtualization (KVM), QEMU emulates the processor. The machines work, but much slower than with KVM.")}
                                </Alert>
                            </StackItem>
                        )}
                        <StackItem>
                            {detail
                                ? <Suspense><MachineDetails name={detail} machine={machines.find(m => m.props.Name === detail)} loading={early} allNames={names} onBack={() => cockpit.location.go([])}
                                    elsewhere={rows.find(r => r.name === detail && !r.local)?.node}
                                    tab={path[2] ?? "overview"} onTab={tab => cockpit.location.go(machineTabPath(detail, tab))}
                                    range={rangeById(options.range)} onRange={r => cockpit.location.go(machineTabPath(detail, "history"), { range: r.id })} /></Suspense>
                                : <MachinesTable machines={rows} onOpen={openFromList} onOpenRemote={openRemote} onCreate={() => setCreating(true)} />}
                        </StackItem>
                        <StackItem><JobsPanel /></StackItem>
                    </Stack>
                )}
            {creating && <Suspense><CreateDialog existingNames={names} onClose={() => setCreating(false)} onCreated={name => { setCreating(false); open(name) }} /></Suspense>}
        </PageFrame>
    );
}
