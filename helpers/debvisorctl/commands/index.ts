// Every debvisorctl command, in the order the help lists them.
import { commandList, type Command } from "../command.js";
import { auditTail, auditVerify } from "./audit.js";
import { auditExport, auditVerifyBundle } from "./audit-evidence.js";
import { disks } from "./disks.js";
import { dhcpCommands } from "./dns-dhcp.js";
import { dnsCommands } from "./dns.js";
import { fwCommands } from "./fw.js";
import { importImage } from "./import.js";
import { jobs, jobsCancel } from "./jobs.js";
import { securityCommands } from "./security.js";
import { status } from "./status.js";
import { vmCommands } from "./vm.js";
import { zfsCommands } from "./zfs.js";
import { storageCommands } from "./storage.js";
import { cephCommands } from "./ceph.js";
import { backupCommands } from "./backup.js";
import { backupScheduleCommands } from "./backup-schedule.js";
import { clusterCommands } from "./cluster.js";
import { clusterNodeCommands } from "./cluster-nodes.js";
import { alertsCommands } from "./alerts.js";
import { metricsCommands } from "./metrics.js";
import { rolesCommands } from "./roles.js";

export const COMMANDS: Command[] = [status, disks, jobs, jobsCancel, importImage, auditTail, auditVerify, ...vmCommands, auditExport, auditVerifyBundle,
    ...zfsCommands, ...fwCommands, ...dnsCommands, ...dhcpCommands,
    ...securityCommands, ...storageCommands,
    ...cephCommands, ...backupCommands, ...backupScheduleCommands, ...clusterCommands, ...clusterNodeCommands, ...alertsCommands, ...metricsCommands, ...rolesCommands];

export function usage(): string {
    return "Usage: debvisorctl COMMAND [ARGUMENTS] [OPTIONS]\n\n" +
        "Commands:\n" + commandList(COMMANDS) + "\n" +
        "Every command takes --help. Listings take --json. Commands that call debvisord take --no-ask:\n" +
        "fail instead of asking for a password. \"debvisorctl --version\" prints the version.\n";
}
