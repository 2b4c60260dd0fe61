// debvisord: the DebVisor system service on the system bus. Everything
// privileged that DebVisor does happens here, behind polkit and the audit log.
// Each area (machines, DNS, ZFS, Ceph, firewall) comes up under a supervisor
// that retries with backoff when its backend is not there yet or goes away.
import "./search-path.js";
import path from "node:path";
import dbus from "dbus-next";
import { removeStaleTemporaries } from "../lib/atomic-file.js";
import { parseIntrospection } from "../lib/dbus-xml.js";
import { BUS_NAME, CONTRACT_XML, MACHINE_IFACE, MANAGER_IFACE, ROOT_PATH } from "../../generated/dbus-contract.js";
import { Areas } from "./area-supervisor.js";
import { AuditLog } from "./audit/audit-log.js";
import { AuditObject } from "./audit/audit-object.js";
import { DenialCoalescer } from "./audit/denial-coalescer.js";
import { loadOrCreateSigningKey } from "./audit/signing-key.js";
import { CallerResolver } from "./bus/caller.js";
import { CallPipeline, contractMethods } from "./bus/call-pipeline.js";
import { holdLargeBodies } from "./bus/large-bodies.js";
import { ObjectServer } from "./bus/object-server.js";
import { Polkit } from "./bus/polkit.js";
import { removeStalePartials } from "./images/image-import.js";
import { JobRegistry } from "./jobs/jobs.js";
import { DnsObjects } from "./dns/dns-objects.js";
import { DNS_PATHS, DnsService } from "./dns/dns-service.js";
import { DNSMASQ_CONF } from "./dns/dhcp-config.js";
import { FSTAB } from "./ceph/cephfs-mount.js";
import { CEPH_CONF } from "./ceph/provision/config.js";
import { AUTO_UPGRADES, PAM_SSHD, SSHD_DROPIN, SYSCTL_FILE } from "./security/hardening/host-files.js";
import { Libvirt } from "./machines/libvirt.js";
import { Machines } from "./machines/machines.js";
import { Manager } from "./manager.js";
import { Firewall } from "./security/firewall.js";
import { DEFAULT_STATE_FILE as FIREWALL_STATE_FILE } from "./security/firewall-state.js";
import { DEFAULT_SETTINGS_FILE as FIREWALL_SETTINGS_FILE } from "./security/firewall-settings.js";
import { tableName } from "./security/nft.js";
import { MachinesAreaControl } from "./security/quarantine-machines.js";
import { Hardening } from "./security/hardening/hardening-object.js";
import { ZfsArea } from "./zfs/zfs-area.js";
import { ZfsTools } from "./zfs/tools.js";
import { Profiles } from "./storage/profiles.js";
import { CephArea } from "./ceph/ceph-area.js";
import { CephSession } from "./ceph/ceph-session.js";
import { CephTools } from "./ceph/tools.js";
import { BackupsArea } from "./backups/backups-area.js";
import { backupMethod } from "./backups/machine-backup.js";
import { clockFromEnvironment } from "./clock.js";
import { ClusterArea } from "./cluster/cluster-area.js";
import { localMachines } from "./cluster/local-machines.js";
import { MachineWhereabouts } from "./cluster/machine-whereabouts.js";
import { nodeChangePeerCalls } from "./cluster/node-changes.js";
import { Migrations } from "./cluster/migration.js";
import { machinePeerCalls } from "./cluster/cluster-machines.js";
import { AUTHORIZED_KEYS } from "./cluster/ssh-channel.js";
import { AlertsObject } from "./metrics/alerts-object.js";
import { DaemonMetrics } from "./metrics/daemon-metrics.js";
import { ensureEngineSecret, prometheusInstalled } from "./metrics/engine-setup.js";
import { MetricsObject } from "./metrics/metrics-object.js";
import { objectFamilies } from "./metrics/object-metrics.js";
import { serviceFamilies } from "./metrics/service-metrics.js";
import { MachineStats } from "./metrics/machine-stats.js";
import { MetricsTextfile, TEXTFILE, writeInterval } from "./metrics/textfile.js";

const AUDIT_LOG = process.env.DEBVISOR_AUDIT_LOG ?? "/var/log/debvisor/audit.jsonl";
const AUDIT_PATHS = {
    config: "/etc/debvisor/audit.json",
    exported: "/var/lib/debvisor/audit-exported.json",
    evidenceDir: "/var/lib/debvisor/evidence",
    signingKey: "/etc/debvisor/audit-signing.key",
};
const JOB_LINGER_MS = 60_000;
const FIREWALL_STATE = process.env.DEBVISOR_FIREWALL_STATE || FIREWALL_STATE_FILE;

/* Where debvisord writes files atomically (FILE.PID.tmp, then a rename): its
 * own directories whole ("/" at the end), in shared ones only its own files. */
const TEMPORARY_FILE_PLACES = [
    "/etc/debvisor/", path.dirname(DNS_PATHS.stateFile) + "/", DNS_PATHS.keyDir + "/", DNS_PATHS.zoneDir + "/",
    path.dirname(AUDIT_PATHS.exported) + "/", FIREWALL_STATE, DNS_PATHS.namedConf,
    FSTAB, CEPH_CONF, DNSMASQ_CONF, SSHD_DROPIN, SYSCTL_FILE, AUTO_UPGRADES, PAM_SSHD, TEXTFILE, path.dirname(AUTHORIZED_KEYS) + "/",
];
const NAME_FLAG_DO_NOT_QUEUE = 4;
const PRIMARY_OWNER = 1;

function log(message: string): void {
    process.stderr.write(`debvisord: ${message}\n`);
}

async function main(): Promise<void> {
    process.umask(0o077);
    if (process.argv.includes("--generate-signing-key")) {
        // the package's postinst: make the evidence signing key at install
        process.stdout.write(`evidence signing key ${loadOrCreateSigningKey(AUDIT_PATHS.signingKey).fingerprint}\n`);
        return;
    }
    if (process.argv.includes("--setup-metrics")) {
        // the package's postinst: the secret that protects Prometheus and Alertmanager, and their web config
        await ensureEngineSecret();
        return;
    }
    // a bad value stops the daemon before it takes its name, not once it serves
    const metricsInterval = writeInterval();
    const audit = AuditLog.open(AUDIT_LOG);
    for (const file of removeStalePartials())
        log(`removed ${file}, left by an import that did not finish`);
    for (const file of removeStaleTemporaries(TEMPORARY_FILE_PLACES))
        log(`removed ${file}, left by a write that did not finish`);

    holdLargeBodies(); // before the connection: its messages are read by it
    const bus = dbus.systemBus();
    bus.on("error", (e: Error) => {
        log(`lost the system bus: ${e.message}`);
        process.exit(1);
    });
    const denials = new DenialCoalescer(audit);
    const pipeline = new CallPipeline(new CallerResolver(bus), new Polkit(bus), audit, denials);
    const daemonMetrics = new DaemonMetrics();
    const server = new ObjectServer(bus, ROOT_PATH, CONTRACT_XML, parseIntrospection(CONTRACT_XML), daemonMetrics.instrument(pipeline.dispatch));
    const jobs = new JobRegistry(server, audit, JOB_LINGER_MS);
    jobs.onFinished((job, seconds) => daemonMetrics.jobFinished(job.request.operation, job.state, seconds));
    const libvirt = new Libvirt(bus);
    // one set of ZFS tools: the machines area makes zvol disks with the ZFS area's flavor detection
    const zfsTools = new ZfsTools();
    const machines = new Machines(server, libvirt, jobs, audit, zfsTools);
    const backups = new BackupsArea(server, machines, audit, clockFromEnvironment("DEBVISOR_BACKUPS_TEST_CLOCK"));
    machines.addMethods(path => contractMethods(MACHINE_IFACE, { Backup: backupMethod(backups, machines, path) }));
    // made here, started below: the storage profiles on the Manager go through its tools
    const zfs = new ZfsArea(server, zfsTools, jobs, audit);
    const profiles = new Profiles(zfs, jobs, `${ROOT_PATH}/manager`);
    const manager = new Manager(server, audit, jobs);
    manager.addMethods(contractMethods(MANAGER_IFACE, { CreateMachine: machines.createMethod(), ...profiles.methods() }));
    const areas = new Areas();
    manager.followAreas(areas);
    manager.export();
    const auditObject = new AuditObject(server, audit, jobs, AUDIT_PATHS);
    auditObject.export();
    if (auditObject.signingProblem)
        log(`evidence export is not available: ${auditObject.signingProblem}`);

    // where machines went and are in the cluster, for the DNS registrations that follow them
    const whereabouts = new MachineWhereabouts();
    // DNS: its objects appear once its state file can be read (a broken one is read again until fixed)
    let dns: DnsObjects | null = null;
    const dnsArea = areas.add("dns", async () => {
        if (dns)
            return;
        const service = new DnsService();
        service.ensureBindConfig();
        dns = new DnsObjects(server, service, jobs, audit, machines, whereabouts);
        dns.export();
    });

    // the firewall's table, state and settings files can be pointed elsewhere (tests use a table of their own)
    const firewall = new Firewall(server, {
        table: tableName(process.env.DEBVISOR_NFT_TABLE),
        stateFile: FIREWALL_STATE,
        settingsFile: process.env.DEBVISOR_FIREWALL_SETTINGS || FIREWALL_SETTINGS_FILE,
    }, new MachinesAreaControl(machines));
    firewall.publish();
    firewall.start();
    const firewallArea = areas.add("firewall", () => firewall.load());
    // hardening checks, SSH MFA and fail2ban (read from the host's files; changes only through Fix and friends)
    const hardening = new Hardening(server);
    hardening.publish();
    hardening.start();

    // ZFS: the pools and datasets, whichever ZFS the host has (OpenZFS or zfs-fuse); its manager is
    // there when the name is taken, the pools follow when zfs answers
    zfs.start();
    await zfs.detect();
    const zfsArea = areas.add("zfs", () => zfs.probe());
    zfs.onHealth(problem => zfsArea.report(problem ? new Error(problem) : null));

    // Ceph: the cluster named in /etc/debvisor/ceph.json (default /etc/ceph); its manager is there
    // when the name is taken, the OSDs, pools and images follow with the first read
    const cephTools = new CephTools();
    const ceph = new CephArea(server, cephTools, jobs, audit, libvirt);
    // its periodic reads over one connection instead of a `ceph` run each (the CLI when that cannot answer)
    ceph.reads = new CephSession(cephTools);
    // a node with Prometheus gets ceph-mgr's figures, which the Ceph alerts need
    ceph.metricsWanted = prometheusInstalled;
    await ceph.start();
    const cephArea = areas.add("ceph", () => ceph.probe());
    ceph.onHealth(problem => cephArea.report(problem));

    // the cluster: members read from Ceph, the others pinged over SSH every 10 s
    const cluster = new ClusterArea(server, jobs, clockFromEnvironment("DEBVISOR_CLUSTER_TEST_CLOCK"));
    cluster.machines = localMachines(machines);
    cluster.storage = profiles;
    cluster.whereabouts = whereabouts;
    cluster.zfsPools = () => zfs.poolSummaries();
    // the rounds' member reads over the Ceph area's connection, while that is to this node's cluster
    cluster.cephConnection = { read: (r, what) => ceph.reads.read(r, what), conf: () => cephTools.config().conf };
    cluster.addPeerCalls(nodeChangePeerCalls(cluster));
    // live migration between the members: Machine.Migrate here, the receiving side's calls on the channel
    const migrations = new Migrations(cluster, machines, whereabouts);
    cluster.moves = migrations;
    machines.addMethods(path => contractMethods(MACHINE_IFACE, { Migrate: migrations.method(path) }));
    cluster.addPeerCalls(migrations.peerCalls());
    cluster.addPeerCalls(machinePeerCalls(machines));
    cluster.start();

    // backups: restic, with the repositories saved in /etc/debvisor/backup
    backups.start();
    const backupsArea = areas.add("backups", () => backups.probe());

    // alerts: Alertmanager's, on loopback behind the engines' secret (made here where missing)
    const alerts = new AlertsObject(server);
    alerts.publish();
    const alertsArea = areas.add("alerts", () => alerts.probe());
    new MetricsObject(server, alerts.engineSecret).publish();

    // metrics: node-exporter's textfile collector reads what debvisord writes, so no port of its own;
    // the machines' figures are libvirt's domain statistics, read at the same interval
    const machineStats = new MachineStats(libvirt, () => server.objectsWith(MACHINE_IFACE)
        .map(o => ({ uuid: String(o.props.UUID), name: String(o.props.Name) })));
    const metrics = new MetricsTextfile([
        () => machineStats.families(),
        () => daemonMetrics.families(),
        () => serviceFamilies({ auditProblem: () => audit.problem, auditRecords: () => audit.recordCount, areas: () => areas.statuses() }),
        () => objectFamilies(server),
    ]);

    // virtual machines: libvirt through libvirt-dbus; its first connection can take seconds
    const machinesArea = machines.supervise(areas,
        async () => manager.setVirtualization(await machines.kvmAvailable() ? "kvm" : "emulated"),
        () => manager.setVirtualization("unavailable"));

    // before taking the name: DNS objects are there for the first call, and the firewall's
    // saved lists are restored before any change is let through
    await dnsArea.start();
    void firewallArea.start();

    const reply = await bus.requestName(BUS_NAME, NAME_FLAG_DO_NOT_QUEUE);
    if (reply !== PRIMARY_OWNER) {
        log(`${BUS_NAME} is owned by another process; exiting`);
        process.exit(1);
    }
    log(`ready on the system bus as ${BUS_NAME}, audit log ${AUDIT_LOG}`);

    // after taking the name: callers should not wait for the backends, which may not be there yet
    // (each is tried again with backoff; Manager.Areas says how each is doing)
    void zfsArea.start();
    void cephArea.start();
    void machinesArea.start();
    void backupsArea.start();
    void alertsArea.start();
    machineStats.start(metricsInterval, log);
    metrics.start(log, metricsInterval);

    const stop = (signal: string) => {
        log(`${signal}: finishing the audit log and exiting`);
        areas.stop();
        backups.schedules.stop();
        backups.files.stop();
        cluster.stop();
        machineStats.stop();
        metrics.stop();
        // the counts of repeated denials first: nothing counted is lost on a clean stop
        void denials.flush().catch(() => undefined).then(() => audit.drain()).then(() => process.exit(0));
    };
    process.on("SIGTERM", () => stop("SIGTERM"));
    process.on("SIGINT", () => stop("SIGINT"));
}

main().catch((e: unknown) => {
    log(`cannot start: ${(e as Error)?.stack ?? String(e)}`);
    process.exit(1);
});
