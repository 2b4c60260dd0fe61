// Ceph's health check codes in words: what the check means and what to do.
// Codes not listed get a general text that points at the summary and detail.
const EXPLANATIONS: Record<string, string> = {
    OSD_DOWN: "One or more OSDs are not running or do not answer. Their data is served from the other copies while they are down; " +
        "if they stay down, Ceph marks them out and copies their data elsewhere. Check the OSD daemon and its disk.",
    OSD_HOST_DOWN: "Every OSD on a host is down: the host is off, cut off from the network, or its OSD daemons stopped.",
    OSD_ROOT_DOWN: "Every OSD under a CRUSH root is down: the pools placed there cannot be read or written.",
    OSD_ORPHAN: "An OSD exists in the OSD map but not in the CRUSH map, so it holds no data.",
    OSD_OUT_OF_ORDER_FULL: "The full ratios are not in order: nearfull must be below backfillfull, which must be below full.",
    OSD_FULL: "An OSD is full: the cluster stops accepting writes to protect the data. Add capacity or delete data.",
    OSD_NEARFULL: "An OSD is nearly full. Add capacity or delete data before it fills up and writes stop.",
    OSD_BACKFILLFULL: "An OSD is too full to receive data moved to it; recovery and rebalancing onto it wait.",
    OSDMAP_FLAGS: "Cluster-wide OSD flags are set. \"noout\" (maintenance mode) keeps OSDs that go down from being marked out, " +
        "so no data moves while a host is serviced; clear it when the work is done, or data is not protected against a lasting failure.",
    OSD_FLAGS: "Flags such as noout or noin are set on single OSDs, CRUSH nodes or device classes.",
    OSD_NO_DOWN_OUT_INTERVAL: "mon_osd_down_out_interval is 0: OSDs that go down are never marked out, so their data is not re-replicated.",
    OSD_SCRUB_ERRORS: "Scrubbing found inconsistent copies of objects. Find the placement groups with \"ceph health detail\" and repair them.",
    OSD_TOO_MANY_REPAIRS: "An OSD had to repair many reads: its disk may be failing.",
    OSD_SLOW_PING_TIME_BACK: "OSDs answer each other's heartbeats slowly on the cluster network: the network or a host is overloaded.",
    OSD_SLOW_PING_TIME_FRONT: "OSDs answer each other's heartbeats slowly on the public network: the network or a host is overloaded.",
    BLUESTORE_DISK_SIZE_MISMATCH: "An OSD's disk size differs from what BlueStore recorded; the OSD should be re-created.",
    BLUEFS_SPILLOVER: "An OSD's metadata no longer fits its fast device and spills onto the slow one, which slows it down.",
    BLUESTORE_SPURIOUS_READ_ERRORS: "An OSD saw read errors that went away on retry: its disk or controller may be failing.",
    DEVICE_HEALTH: "A disk is expected to fail soon according to its health data. Replace it.",
    DEVICE_HEALTH_IN_USE: "A disk expected to fail soon still holds data: mark its OSD out so the data moves off it.",
    TOO_FEW_OSDS: "There are fewer OSDs than the pools' replica count (osd_pool_default_size): data cannot be stored with the wanted redundancy. Add OSDs.",
    PG_AVAILABILITY: "Some placement groups are not active: reads and writes to part of the data are blocked. Usually OSDs are down.",
    PG_DEGRADED: "Some data has fewer copies than the pool wants, typically because an OSD is down or out. Ceph restores the copies " +
        "when the OSD returns or by copying to other OSDs; the data stays readable meanwhile.",
    PG_RECOVERY_FULL: "Data cannot be recovered because OSDs are full.",
    PG_BACKFILL_FULL: "Data cannot be moved because OSDs are too full.",
    PG_DAMAGED: "Scrubbing found damaged placement groups that need a repair.",
    PG_NOT_SCRUBBED: "Some placement groups were not scrubbed in time; scrubbing checks that copies agree.",
    PG_NOT_DEEP_SCRUBBED: "Some placement groups were not deep-scrubbed in time; deep scrubs read all data to find silent corruption.",
    PG_SLOW_SNAP_TRIMMING: "Deleting snapshot data falls behind.",
    TOO_MANY_PGS: "OSDs hold more placement groups than advised, which costs memory and CPU. Reduce pg_num or add OSDs.",
    TOO_FEW_PGS: "Pools have too few placement groups for an even spread of data.",
    POOL_TOO_FEW_PGS: "A pool has fewer placement groups than the autoscaler advises.",
    POOL_TOO_MANY_PGS: "A pool has more placement groups than the autoscaler advises.",
    POOL_FULL: "A pool reached its quota: writes to it are refused.",
    POOL_NEAR_FULL: "A pool is close to its quota.",
    POOL_NO_REDUNDANCY: "A pool keeps a single copy of its data (size 1): losing one disk loses data. Raise the pool's size when there are enough OSDs.",
    POOL_APP_NOT_ENABLED: "A pool has no application (rbd, cephfs or rgw) enabled; enable the one that uses it.",
    OBJECT_UNFOUND: "Ceph knows of objects but cannot find any copy of them. Bring the OSDs that were down back up.",
    SLOW_OPS: "Requests to OSDs or monitors take too long: an overloaded or failing disk, or a network problem.",
    RECENT_CRASH: "A Ceph daemon crashed recently. \"ceph crash ls\" lists the crashes; \"ceph crash archive-all\" acknowledges them.",
    MON_DOWN: "A monitor is down or out of quorum. The cluster keeps working while a majority of monitors is in quorum; with one monitor, " +
        "a down monitor stops the whole cluster.",
    MON_CLOCK_SKEW: "The monitors' clocks differ too much. Make sure NTP or chrony runs on every host.",
    MON_MSGR2_NOT_ENABLED: "Monitors do not listen on the v2 protocol yet: run \"ceph mon enable-msgr2\".",
    MON_DISK_LOW: "The disk holding a monitor's database is getting full. Free space there.",
    MON_DISK_CRIT: "The disk holding a monitor's database is nearly full; the monitor stops when it is full.",
    MON_DISK_BIG: "A monitor's database is unusually large; it shrinks when the cluster is healthy and compacts.",
    AUTH_INSECURE_GLOBAL_ID_RECLAIM: "Clients connect with an old, insecure way to reclaim their id. Update them.",
    AUTH_INSECURE_GLOBAL_ID_RECLAIM_ALLOWED: "The monitors still allow the insecure global id reclaim. Once all clients are updated, " +
        "set auth_allow_insecure_global_id_reclaim to false.",
    MGR_DOWN: "No manager daemon is active: usage statistics, the dashboard and the PG autoscaler are unavailable.",
    MGR_MODULE_DEPENDENCY: "A manager module cannot run because something it needs is missing.",
    MGR_MODULE_ERROR: "A manager module failed. The manager's log tells why.",
    FS_DEGRADED: "A CephFS file system is degraded: one of its ranks is not active, so parts of it may not answer.",
    FS_WITH_FAILED_MDS: "A CephFS file system has a failed MDS rank and no standby to take over.",
    MDS_ALL_DOWN: "No MDS daemon is up for a CephFS file system: it cannot be used until one starts.",
    MDS_UP_LESS_THAN_MAX: "Fewer MDS ranks are up than max_mds asks for.",
    MDS_INSUFFICIENT_STANDBY: "Fewer standby MDS daemons than wanted: if the active MDS fails, nothing takes over.",
    MDS_DAMAGE: "The MDS found damaged metadata; the file system needs a repair.",
    MDS_HEALTH_READ_ONLY: "The MDS went read-only after a write error in the metadata pool.",
    MDS_SLOW_REQUEST: "CephFS requests take too long in the MDS.",
    MDS_SLOW_METADATA_IO: "The MDS waits long for the metadata pool: the OSDs are slow.",
    MDS_CLIENT_LATE_RELEASE: "A CephFS client does not give back capabilities in time; other clients wait for it.",
    MDS_CLIENT_RECALL: "A CephFS client keeps too much cached metadata and does not release it.",
    MDS_CACHE_OVERSIZED: "The MDS cache is larger than its limit.",
    MDS_TRIM: "The MDS journal is not trimmed fast enough.",
    MDS_FAILED: "An MDS rank has failed.",
    CEPHADM_FAILED_DAEMON: "A daemon managed by cephadm has failed.",
};

export function explainHealthCheck(code: string): string {
    const known = EXPLANATIONS[code];
    if (known)
        return known;
    if (code.startsWith("MDS_"))
        return "A problem with the CephFS metadata server (MDS): see the summary and detail, and the MDS's log.";
    if (code.startsWith("OSD_") || code.startsWith("BLUESTORE_"))
        return "A problem with one or more OSDs: see the summary and detail, and the OSD's log.";
    if (code.startsWith("MON_"))
        return "A problem with the monitors: see the summary and detail, and the monitor's log.";
    if (code.startsWith("PG_"))
        return "Some placement groups are not in their normal state: see the summary and detail.";
    if (code.startsWith("POOL_"))
        return "A problem with a pool: see the summary and detail.";
    return "Ceph reports this condition; the summary and detail say what it concerns. Ceph's documentation lists each health check code.";
}
