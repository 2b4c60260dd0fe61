// What putting a node in maintenance, taking it out again, removing it or
// letting it leave would do, and why it would be refused: worked out from
// facts read before anything is done (pure, unit-tested). The same plan is
// what --plan and the page's confirmation show and what the change itself
// checks first, so a refused change has done nothing.
import { hostPlacement } from "../ceph/provision/host-placement.js";

export type NodeChange = "enter-maintenance" | "leave-maintenance" | "remove" | "leave";

export interface CephFacts {
    /** the monitors in the monitor map, by name */
    monitors: string[];
    /** each monitor's address (v1, "IP:PORT") */
    monitorAddresses: Record<string, string>;
    /** those in the quorum now */
    quorum: string[];
    /** the managers Ceph knows (active and standbys) */
    managers: string[];
    /** OSD ids under each CRUSH host bucket */
    osdsByHost: Record<string, number[]>;
    pools: Array<{ name: string; size: number; minSize: number }>;
    /** the metadata servers of the CephFS, active and standby, by name */
    metadataServers: string[];
    /** the CephFS file systems, by name */
    filesystems: string[];
}

/** What a node that leaves has of the cluster on its own side (read on that node). */
export interface LocalCephUse {
    /** the CephFS is mounted at /srv/cephfs */
    cephfsMounted: boolean;
    /** libvirt's rbd pool on the cluster's Ceph, by name; "" when there is none */
    libvirtRbdPool: string;
}

export interface NodeFacts {
    node: string;
    /** the node this runs on */
    self: string;
    members: string[];
    inMaintenance: boolean;
    /** whether its debvisord answers over the channel (always true for self) */
    up: boolean;
    /** its running machines; null when it could not be asked */
    running: string[] | null;
    ceph: CephFacts;
    /** for a node that leaves: what it uses of Ceph itself */
    local?: LocalCephUse;
    /** when maintenance is to move the running machines away: where each goes, or why it cannot */
    moves?: MachineMove[];
}

/** A running machine moved away for maintenance: to a member, or the reason it cannot move. */
export interface MachineMove { machine: string; to: string; problem: string }

export interface NodePlan {
    node: string;
    change: NodeChange;
    /** what would be done, in order */
    steps: string[];
    /** why it would be refused; empty when it can be done */
    refusals: string[];
    /** the node's running machines (empty when not known) */
    machines: string[];
    machinesKnown: boolean;
}

const list = (names: Array<string | number>) => names.join(", ");

/* The monitor quorum with NODE's monitor taken out of the map: refused when it would break. */
function monitorRefusal(node: string, ceph: CephFacts): string | null {
    if (!ceph.monitors.includes(node))
        return null;
    const left = ceph.monitors.filter(m => m !== node);
    if (left.length === 0)
        return `mon.${node} is the cluster's last monitor`;
    const inQuorum = ceph.quorum.filter(m => m !== node);
    if (inQuorum.length * 2 <= left.length)
        return `the monitors would lose their quorum: of the ${left.length} left (${list(left)}), ${inQuorum.length} ${inQuorum.length === 1 ? "is" : "are"} in the quorum now (${list(inQuorum) || "none"}), and more than half must be`;
    return null;
}

/* With NODE's OSDs gone, every pool must still find min_size hosts for its copies (the failure domain is the host). */
function poolRefusals(node: string, ceph: CephFacts): string[] {
    if ((ceph.osdsByHost[node] ?? []).length === 0)
        return [];
    const hostsLeft = Object.entries(ceph.osdsByHost).filter(([h, osds]) => h !== node && osds.length > 0).length;
    return ceph.pools.filter(p => hostsLeft < p.minSize)
        .map(p => `pool ${p.name} (min_size ${p.minSize}) would have copies on ${hostsLeft} ${hostsLeft === 1 ? "host" : "hosts"} only and stop serving`);
}

/* The pools that follow DebVisor's placement keep as many copies as there are hosts left (host-placement.ts). */
function placementStep(node: string, ceph: CephFacts): string {
    const hostsLeft = Object.entries(ceph.osdsByHost).filter(([h, osds]) => h !== node && osds.length > 0).length;
    const p = hostPlacement(hostsLeft);
    return p ? `pools that follow DebVisor's placement keep ${p.size} copies, one per host left (min_size ${p.minSize})`
        : "pools keep their size: on the one host left each holds one copy until another host has OSDs";
}

function machineFacts(f: NodeFacts): Pick<NodePlan, "machines" | "machinesKnown"> {
    return { machines: f.running ?? [], machinesKnown: f.running !== null };
}

/* Another member's machines are moved or shut down by that member, which plans it (remote-maintenance.ts): this node plans it only when that member was not shown up. */
const notAsked = (f: NodeFacts) =>
    `machines run on ${f.node} (${list(f.running ?? [])}): ${f.node} moves or shuts them down itself, and was not shown up here to be asked; try again when it is`;

function maintenancePlan(f: NodeFacts, change: "enter-maintenance" | "leave-maintenance", shutDownMachines = false): NodePlan {
    const steps: string[] = [];
    const refusals: string[] = [];
    const osds = f.ceph.osdsByHost[f.node];
    const hostBucket = osds !== undefined;
    if (change === "enter-maintenance") {
        if (f.inMaintenance)
            refusals.push(`${f.node} is in maintenance already`);
        if (f.running === null)
            steps.push(`${f.node} does not answer: which machines it runs is not known, none are moved or shut down`);
        else if (f.running.length > 0) {
            if (f.moves && f.node !== f.self)
                refusals.push(notAsked(f));
            else if (f.moves) {
                for (const m of f.moves) {
                    if (m.problem)
                        refusals.push(`${m.machine} cannot move: ${m.problem}`);
                    else
                        steps.push(`move ${m.machine} to ${m.to}, running (live migration)`);
                }
            } else if (!shutDownMachines)
                refusals.push(`machines run on ${f.node} and must be shut down or moved first: ${list(f.running)}`);
            else if (f.node !== f.self)
                refusals.push(notAsked(f));
            else
                steps.push(`shut down cleanly (forced off after a while): ${list(f.running)}`);
        }
        steps.push(hostBucket
            ? `set Ceph's noout on host ${f.node}${osds.length > 0 ? ` (osd.${osds.join(", osd.")})` : " (no OSDs in it yet)"}: its OSDs are not marked out while it is away`
            : `${f.node} has no OSDs: no Ceph flag to set`);
        steps.push(`mark ${f.node} in maintenance in the cluster's membership`);
    } else {
        if (!f.inMaintenance)
            refusals.push(`${f.node} is not in maintenance`);
        if (hostBucket)
            steps.push(`clear Ceph's noout on host ${f.node}`);
        steps.push(`mark ${f.node} out of maintenance in the cluster's membership`);
    }
    return { node: f.node, change, steps, refusals, ...machineFacts(f) };
}

function removalPlan(f: NodeFacts, change: "remove" | "leave"): NodePlan {
    const steps: string[] = [];
    const refusals: string[] = [];
    if (change === "remove" && f.node === f.self)
        refusals.push(`${f.node} is this node: a node leaves by itself (debvisorctl cluster leave), another member removes it`);
    if (change === "remove" && f.node !== f.self && f.up)
        refusals.push(`${f.node} answers: run "debvisorctl cluster leave" on it, or shut it down before removing it`);
    if (f.members.length <= 1)
        refusals.push(`${f.node} is the cluster's only member`);
    if (f.running === null)
        steps.push(`${f.node} does not answer: the machines it ran are not moved (define them again on another node from their shared disks)`);
    else if (f.running.length > 0)
        refusals.push(`machines run on ${f.node} and must be shut down or moved first: ${list(f.running)}`);
    const osds = f.ceph.osdsByHost[f.node];
    refusals.push(...poolRefusals(f.node, f.ceph));
    // what the node itself uses of Ceph goes first, while its configuration is there
    if (change === "leave" && f.local?.cephfsMounted)
        steps.push("unmount the CephFS at /srv/cephfs and take it out of /etc/fstab");
    if (change === "leave" && f.local?.libvirtRbdPool)
        steps.push(`remove libvirt's rbd pool ${f.local.libvirtRbdPool} and its Ceph key secret (machines defined here on it stop working)`);
    for (const id of osds ?? [])
        steps.push(`${change === "leave" ? `stop osd.${id} and ` : ""}purge osd.${id} from Ceph (its data is served from the other hosts' copies)`);
    if (osds !== undefined)
        steps.push(`remove the CRUSH host bucket ${f.node}`);
    if ((osds ?? []).length > 0)
        steps.push(placementStep(f.node, f.ceph));
    if (f.ceph.managers.includes(f.node))
        steps.push(change === "leave" ? `stop mgr.${f.node} and remove its key` : `remove the key of mgr.${f.node}`);
    if (f.ceph.metadataServers.includes(f.node)) {
        const others = f.ceph.metadataServers.filter(m => m !== f.node);
        if (others.length === 0 && f.ceph.filesystems.length > 0)
            refusals.push(`mds.${f.node} is the only metadata server of the CephFS ${list(f.ceph.filesystems)}: start one on another member first (apply the ceph storage profile there)`);
        const serving = others.length > 0 ? ` (${others.map(m => `mds.${m}`).join(", ")} serve${others.length === 1 ? "s" : ""} the CephFS)` : "";
        steps.push(change === "leave" ? `stop mds.${f.node} and remove its key${serving}` : `remove mds.${f.node} from the CephFS and its key${serving}`);
    }
    const mon = monitorRefusal(f.node, f.ceph);
    if (mon)
        refusals.push(mon);
    const record = `remove ${f.node}'s member record: the other members stop accepting its key`;
    const monitor = f.ceph.monitors.includes(f.node)
        ? `remove mon.${f.node} from the monitor map${change === "leave" ? " while it runs, then stop it and remove its store" : ""} (${f.ceph.monitors.length - 1} monitors left)`
        : null;
    // a node that leaves still needs the quorum to remove its record; for one removed, the record (saying what is left) goes last
    steps.push(...(change === "leave" ? [record, monitor] : [monitor, record]).filter((s): s is string => s !== null));
    if (change === "leave")
        steps.push("remove this node's Ceph configuration, cluster key and cluster state: it is in no cluster then");
    return { node: f.node, change, steps, refusals, ...machineFacts(f) };
}

export function planFor(f: NodeFacts, change: NodeChange, shutDownMachines = false): NodePlan {
    return change === "remove" || change === "leave" ? removalPlan(f, change) : maintenancePlan(f, change, shutDownMachines);
}

/* The Ceph facts from `ceph quorum_status`, `ceph mgr dump`, `ceph osd tree`, `ceph osd pool ls detail` and `ceph fs dump` (JSON). */
export function parseCephFacts(quorumStatus: unknown, mgrDump: unknown, osdTree: unknown, pools: unknown, fsDump: unknown = {}): CephFacts {
    const q = quorumStatus as { quorum_names?: string[]; monmap?: { mons?: Array<{ name?: string; public_addr?: string }> } };
    const m = mgrDump as { active_name?: string; standbys?: Array<{ name?: string }> };
    const t = osdTree as { nodes?: Array<{ id: number; name?: string; type?: string; children?: number[] }> };
    const p = pools as Array<{ pool_name?: string; size?: number; min_size?: number }>;
    const osdsByHost: Record<string, number[]> = {};
    for (const n of t.nodes ?? [])
        if (n.type === "host" && n.name)
            osdsByHost[n.name] = (n.children ?? []).filter(id => id >= 0).sort((a, b) => a - b);
    return {
        monitors: (q.monmap?.mons ?? []).map(x => x.name ?? "").filter(Boolean),
        monitorAddresses: Object.fromEntries((q.monmap?.mons ?? []).filter(x => x.name && x.public_addr).map(x => [x.name, x.public_addr!.replace(/\/\d+$/, "")])),
        quorum: q.quorum_names ?? [],
        managers: [m.active_name ?? "", ...(m.standbys ?? []).map(s => s.name ?? "")].filter(Boolean),
        osdsByHost,
        pools: (Array.isArray(p) ? p : []).map(x => ({ name: x.pool_name ?? "", size: x.size ?? 0, minSize: x.min_size ?? 0 })),
        ...metadataServersOf(fsDump),
    };
}

/* The file systems and their metadata servers (active ones in each map, and the standbys) from `ceph fs dump`. */
function metadataServersOf(fsDump: unknown): Pick<CephFacts, "metadataServers" | "filesystems"> {
    const d = fsDump as { filesystems?: Array<{ mdsmap?: { fs_name?: string; info?: Record<string, { name?: string }> } }>; standbys?: Array<{ name?: string }> };
    const names = [
        ...(d.filesystems ?? []).flatMap(f => Object.values(f.mdsmap?.info ?? {}).map(i => i.name ?? "")),
        ...(d.standbys ?? []).map(s => s.name ?? ""),
    ].filter(Boolean);
    return {
        metadataServers: [...new Set(names)].sort(),
        filesystems: (d.filesystems ?? []).map(f => f.mdsmap?.fs_name ?? "").filter(Boolean),
    };
}
