// The single-node cluster's settings: where its files live, the text of
// /etc/ceph/ceph.conf (pure, unit-tested), and /etc/debvisor/ceph.json (the
// test-only directory whose files may stand in for OSD disks).
import fs from "node:fs";
import os from "node:os";
import { testFileDirectory } from "../../host/disks.js";

export const CLUSTER = "ceph";
export const CEPH_CONF = "/etc/ceph/ceph.conf";
export const ADMIN_KEYRING = "/etc/ceph/ceph.client.admin.keyring";
export const CEPH_LIB = "/var/lib/ceph";
export const BOOTSTRAP_OSD_KEYRING = `${CEPH_LIB}/bootstrap-osd/ceph.keyring`;
/* The monitor's keyring and monmap while the cluster is made; removed once the monitor has its store. */
export const MON_KEYRING = `${CEPH_LIB}/tmp/debvisor-mon.keyring`;
export const MONMAP = `${CEPH_LIB}/tmp/debvisor-monmap`;
/* Per OSD device: the uuid and secret chosen before "ceph osd new", so a retry after a crash gets the same OSD id. */
export const OSD_STAGING_DIR = `${CEPH_LIB}/tmp/debvisor-osd`;
export const RUN_DIR = "/run/ceph";
export const CEPHFS_MOUNTPOINT = "/srv/cephfs";
const CEPH_CONFIG_FILE = "/etc/debvisor/ceph.json";
/* A single node's monitor listens on the loopback address only: it has no peer to reach it.
 * A cluster's monitors listen on the nodes' addresses (the cluster area gives them). */
export const MON_ADDRESS = "127.0.0.1";
export const MON_PORTS = { v2: 3300, v1: 6789 };

export type DaemonType = "mon" | "mgr" | "osd" | "mds";

export const dataDir = (type: DaemonType, id: string) => `${CEPH_LIB}/${type}/${CLUSTER}-${id}`;
export const pidFile = (type: DaemonType, id: string) => `${RUN_DIR}/${CLUSTER}-${type}.${id}.pid`;

/* The name of this host's mon, mgr and MDS: the short host name, made safe for a daemon id. */
export function daemonName(hostname = os.hostname()): string {
    const short = hostname.split(".")[0].replace(/[^A-Za-z0-9_-]/g, "-").replace(/^-+/, "");
    return short.slice(0, 63) || "localhost";
}

interface ConfSettings {
    fsid: string;
    name: string;
    publicNetwork: string;
    /** how many OSDs the bootstrap makes: the default pool size follows it */
    osdCount: number;
    /** where this node's monitor listens (default MON_ADDRESS) */
    monitorAddress?: string;
    /** a node joining a cluster: the monitors it reaches first (its own one among them) */
    monitorHosts?: string[];
}

/* A monitor's address in a monmap or mon host list: both protocols on their ports. */
export function monitorAddressVector(address: string): string {
    const host = address.includes(":") ? `[${address}]` : address;
    return `[v2:${host}:${MON_PORTS.v2},v1:${host}:${MON_PORTS.v1}]`;
}

/** The default replica count: one copy with one OSD (there is no second place to put it), two with more. */
export function defaultPoolSize(osdCount: number): number {
    return osdCount <= 1 ? 1 : 2;
}

/* ceph.conf for one host. Every non-default value says why. */
export function cephConfText(s: ConfSettings): string {
    const size = defaultPoolSize(s.osdCount);
    const lines = [
        s.monitorHosts ? "# Written by debvisord when this node joined a DebVisor cluster." : "# Written by debvisord when it bootstrapped this cluster.",
        "[global]",
        `fsid = ${s.fsid}`,
        // a joining monitor is made from the cluster's monitor map: it has no initial members of its own
        ...s.monitorHosts ? [] : [`mon initial members = ${s.name}`],
        `mon host = ${(s.monitorHosts ?? [s.monitorAddress ?? MON_ADDRESS]).map(monitorAddressVector).join(",")}`,
        `public network = ${s.publicNetwork}`,
        "auth cluster required = cephx",
        "auth service required = cephx",
        "auth client required = cephx",
        "# a new cluster has no old clients that need the insecure reclaim",
        "auth allow insecure global id reclaim = false",
        "# one host: replicas go to different OSDs, not to different hosts (there is no other)",
        "osd crush chooseleaf type = 0",
        `# ${size === 1 ? "one OSD: one copy is all there is room for" : "two copies on two OSDs survive one failed disk; a third adds little on one host"}`,
        `osd pool default size = ${size}`,
        "osd pool default min size = 1",
        "# a pool of size 1 is the only kind one OSD can hold; its lack of redundancy is known, not a warning",
        "mon allow pool size one = true",
        "mon warn on pool no redundancy = false",
        "# few OSDs: small pools peer quickly; the autoscaler grows them as data arrives. No default",
        "# pgp num: it follows pg num (Ceph 17 and later start autoscaled pools at one PG, and refuse",
        "# a pool whose pgp num would be larger)",
        "osd pool default pg num = 16",
        "osd pool default pg autoscale mode = on",
        "osd objectstore = bluestore",
        "# the host's memory belongs to its virtual machines: the OSD caches stay small",
        "osd memory target = 1073741824",
        "",
        // only the daemons: the ceph CLI and ceph-fuse must not claim these files
        ...(["mon", "mgr", "osd", "mds"] as const).flatMap(type => [
            `[${type}]`,
            "# where a daemon started without systemd is found (and stopped) by its pid",
            "pid file = /run/ceph/$cluster-$name.pid",
            "",
        ]),
        // where this node's monitor listens: a monitor started by its unit takes no --public-addr
        ...s.monitorAddress && s.monitorAddress !== MON_ADDRESS ? [`[mon.${s.name}]`, `public addr = ${s.monitorAddress}`, ""] : [],
    ];
    return lines.join("\n");
}

/* The fsid of an existing ceph.conf; "" when there is none or it names none. */
export function fsidOfConf(text: string): string {
    return /^\s*fsid\s*=\s*([0-9a-f-]{36})\s*$/m.exec(text)?.[1] ?? "";
}

/* The monitors' addresses in a ceph.conf's "mon host" (their v1 address where a vector names both), 127.0.0.1 when it names none. */
export function monitorHostsOfConf(text: string): string[] {
    const line = /^\s*mon[ _]host\s*=\s*(.+?)\s*$/m.exec(text)?.[1] ?? "";
    const hosts: string[] = [];
    // "[v2:IP:3300,v1:IP:6789]" vectors, or plain "IP" / "IP:PORT" entries
    for (const entry of line.match(/\[[^\]]*\]|[^,\s]+/g) ?? []) {
        const v1 = /v1:(\[[^\]]+\]|[^,:\]]+):\d+/.exec(entry)?.[1] ?? (entry.startsWith("[") ? "" : entry.replace(/:\d+$/, ""));
        const host = v1.replace(/^\[|\]$/g, "");
        if (host && !hosts.includes(host))
            hosts.push(host);
    }
    return hosts.length > 0 ? hosts : [MON_ADDRESS];
}

export function readConf(file = CEPH_CONF): string {
    try {
        return fs.readFileSync(file, "utf8");
    } catch {
        return "";
    }
}

/* The directory whose regular files may be OSD devices, for tests; "" when none is configured (real hosts). */
export const fileOsdDirectory = (file = CEPH_CONFIG_FILE) => testFileDirectory(file, "test-file-osd-directory");
