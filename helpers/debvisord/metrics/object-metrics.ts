// What DebVisor knows better than any exporter, read from the objects the
// areas publish on the bus (so it is the same state the pages show): TSIG key
// ages, failed DNS updates, DHCP ranges' leases, ZFS pool health and fill,
// Ceph pool fill, machine states, backup schedules whose last run failed,
// which other cluster members answer this node.
import { unwrap } from "../../lib/variants.js";
import type { DhcpRange } from "../dns/dhcp-config.js";
import type { Lease } from "../dns/dhcp-leases.js";
import { rangeUsage } from "../../lib/dhcp-ranges.js";
import type { Family } from "./exposition.js";

interface ObjectSource {
    objectsWith(iface: string): Array<{ path: string; props: Record<string, unknown> }>;
}

const IFACE = "org.debvisor.DebVisor1.";
const HEALTHY_POOL = new Set(["ONLINE"]);
const MACHINE_STATES = ["running", "paused", "shutoff", "crashed"] as const;

const seconds = (micros: unknown) => Number(micros) / 1e6;
const num = (value: unknown) => Number(value ?? 0);

/* Checksum errors of a pool: its leaf devices' counters added up (zpool status counts a mirror's
 * errors on the mirror and on its device alike). A node is a leaf when the next one is not deeper. */
function checksumErrors(vdevs: unknown): number {
    const list = unwrap(vdevs);
    if (!Array.isArray(list))
        return 0;
    const depth = (i: number) => num(list[i]?.Depth);
    return list.reduce((sum: number, v: { Checksum?: unknown }, i) => sum + (i + 1 < list.length && depth(i + 1) > depth(i) ? 0 : num(v.Checksum)), 0);
}

/* Each DHCP range's size and leases in force, from the Dns object's DhcpRanges and Leases (Expiry in µs). */
function dhcpUsage(source: ObjectSource, now: number) {
    const dns = source.objectsWith(`${IFACE}Dns`)[0]?.props;
    if (!dns)
        return [];
    const ranges = (unwrap(dns.DhcpRanges) ?? []) as DhcpRange[];
    const leases = ((unwrap(dns.Leases) ?? []) as Lease[]).map(l => ({ ...l, Expiry: Number(l.Expiry) / 1e6 }));
    return rangeUsage(ranges, leases, now / 1000);
}

export function objectFamilies(source: ObjectSource, now = Date.now()): Family[] {
    const keys = source.objectsWith(`${IFACE}DnsKey`).map(o => o.props);
    const zones = source.objectsWith(`${IFACE}DnsZone`).map(o => o.props);
    const pools = source.objectsWith(`${IFACE}ZfsPool`).map(o => o.props);
    const datasets = source.objectsWith(`${IFACE}ZfsDataset`).map(o => o.props).filter(d => d.Type !== "snapshot");
    const machines = source.objectsWith(`${IFACE}Machine`).map(o => o.props);
    const cephPools = source.objectsWith(`${IFACE}CephPool`).map(o => o.props);
    const dhcp = dhcpUsage(source, now);
    const schedules = source.objectsWith(`${IFACE}BackupSchedule`).map(o => o.props);
    // the other members as this node's pings see them; one in maintenance may be down on purpose, one not tried yet is unknown
    const members = ((unwrap(source.objectsWith(`${IFACE}Cluster`)[0]?.props.Nodes) ?? []) as Array<Record<string, unknown>>)
        .filter(m => !m.Self && !m.Maintenance && (m.Health === "up" || m.Health === "down"));
    return [
        { name: "debvisor_tsig_key_created_timestamp_seconds", type: "gauge", help: "When the current secret of each TSIG key was made.",
          samples: keys.map(k => ({ labels: { key: String(k.Name) }, value: seconds(k.Created) })) },
        { name: "debvisor_tsig_key_rotation_due_timestamp_seconds", type: "gauge", help: "When each TSIG key is due for rotation (keys never due are left out).",
          samples: keys.filter(k => num(k.RotationDue) > 0).map(k => ({ labels: { key: String(k.Name) }, value: seconds(k.RotationDue) })) },
        { name: "debvisor_dns_failed_updates_total", type: "counter", help: "DNS updates of each zone that failed since debvisord started.",
          samples: zones.map(z => ({ labels: { zone: String(z.Name) }, value: num(z.FailedUpdates) })) },
        { name: "debvisor_dhcp_range_addresses", type: "gauge", help: "Addresses in each DHCP range dnsmasq serves.",
          samples: dhcp.map(r => ({ labels: { range: r.name }, value: r.addresses })) },
        { name: "debvisor_dhcp_range_leased", type: "gauge", help: "Addresses of each DHCP range leased now (dnsmasq's lease file).",
          samples: dhcp.map(r => ({ labels: { range: r.name }, value: r.leased })) },
        { name: "debvisor_zfs_pool_healthy", type: "gauge", help: "1 when the ZFS pool is ONLINE, else 0; health names the state.",
          samples: pools.map(p => ({ labels: { pool: String(p.Name), health: String(p.Health) }, value: HEALTHY_POOL.has(String(p.Health)) ? 1 : 0 })) },
        { name: "debvisor_zfs_pool_used_ratio", type: "gauge", help: "Allocated part of each ZFS pool (0 to 1).",
          samples: pools.filter(p => num(p.Size) > 0).map(p => ({ labels: { pool: String(p.Name) }, value: num(p.Allocated) / num(p.Size) })) },
        { name: "debvisor_zfs_pool_checksum_errors", type: "gauge", help: "Checksum errors zpool status counts on each pool's devices.",
          samples: pools.map(p => ({ labels: { pool: String(p.Name) }, value: checksumErrors(p.Vdevs) })) },
        { name: "debvisor_zfs_dataset_used_ratio", type: "gauge", help: "Used part of the space each ZFS dataset may use (used / (used + available)).",
          samples: datasets.filter(d => num(d.Used) + num(d.Available) > 0).map(d => ({
              labels: { dataset: String(d.Name), pool: String(d.Pool) }, value: num(d.Used) / (num(d.Used) + num(d.Available)),
          })) },
        { name: "debvisor_ceph_pool_used_ratio", type: "gauge", help: "Stored part of what each Ceph pool can hold (stored / (stored + max available)).",
          samples: cephPools.filter(p => num(p.StoredBytes) + num(p.MaxAvailableBytes) > 0).map(p => ({
              labels: { pool: String(p.Name) }, value: num(p.StoredBytes) / (num(p.StoredBytes) + num(p.MaxAvailableBytes)),
          })) },
        { name: "debvisor_machine_state", type: "gauge", help: "1 for the state each machine is in (running, paused, shutoff, crashed), 0 for the others.",
          samples: machines.flatMap(m => MACHINE_STATES.map(state => ({
              labels: { uuid: String(m.UUID), name: String(m.Name), state }, value: m.State === state ? 1 : 0,
          }))) },
        { name: "debvisor_backup_schedule_last_run_failed", type: "gauge", help: "1 while the last run of each backup schedule (its backups, pruning or verify) has failed, else 0.",
          samples: schedules.map(s => ({ labels: { schedule: String(s.Name), repository: String(s.Repository) }, value: s.LastResult === "failed" ? 1 : 0 })) },
        { name: "debvisor_cluster_member_up", type: "gauge", help: "1 when another cluster member's debvisord answered this node's pings lately, 0 when it did not (members in maintenance are left out).",
          samples: members.map(m => ({ labels: { node: String(m.Name) }, value: m.Health === "up" ? 1 : 0 })) },
    ];
}
