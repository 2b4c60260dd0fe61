// What the Cluster page's columns say of a node besides its health: its Ceph
// daemons (from this node's view of the whole Ceph cluster: monitors,
// managers and OSDs are named by their host), its load and its machines (as
// it last told, Cluster.Nodes).
import type { PageCephManagerProperties, PlainCephManagerManagers, PlainCephManagerMonitors, PlainClusterNodes } from "../../generated/dbus-contract";
import { plainDicts } from "../lib/api/variants";
import { _, format, ngettext } from "../lib/gettext";

/* "monitor, manager (active), 2 OSDs"; "" when the node runs none of them. */
export function cephRoles(node: string, ceph: PageCephManagerProperties | null, osdHosts: string[]): string {
    const roles: string[] = [];
    const monitor = ceph ? plainDicts<PlainCephManagerMonitors>(ceph.Monitors).find(m => m.Name === node) : undefined;
    if (monitor)
        roles.push(monitor.InQuorum ? _("monitor") : _("monitor (out of quorum)"));
    const manager = ceph ? plainDicts<PlainCephManagerManagers>(ceph.Managers).find(m => m.Name === node) : undefined;
    if (manager)
        roles.push(manager.Active ? _("manager (active)") : _("manager (standby)"));
    const osds = osdHosts.filter(h => h === node).length;
    if (osds > 0)
        roles.push(format(ngettext("$0 OSD", "$0 OSDs", osds), osds));
    return roles.join(", ");
}

/* "0.42 on 4 CPUs"; "" before the node told. */
export function loadText(n: PlainClusterNodes[number]): string {
    if (n.Load < 0 || n.Cpus === 0)
        return "";
    return format(ngettext("$0 on $1 CPU", "$0 on $1 CPUs", n.Cpus), n.Load.toFixed(2), n.Cpus);
}

/* "2 of 5 running"; "none". */
export function machinesText(n: PlainClusterNodes[number]): string {
    if (n.Machines === 0)
        return _("none");
    return format(ngettext("$0 of $1 running", "$0 of $1 running", n.RunningMachines), n.RunningMachines, n.Machines);
}
