// Calls on the Manager object, as the logged-in user, returning plain data.
import { MANAGER_IFACE, type PageManagerMethodResults } from "../../../generated/dbus-contract";
import { MANAGER_PATH } from "../dbus-store";
import { callDaemon } from "./call";
import { unwrapDict } from "./variants";

export type DiskRole = "os" | "in-use" | "spare" | "unusable";

export interface Partition { Name: string; Path: string; Size: number; FsType: string; Mountpoints: string[] }

export interface Disk {
    Name: string; Path: string; Size: number; Model: string; Serial: string; Wwn: string; ById: string;
    Rotational: boolean; Removable: boolean; ReadOnly: boolean; Transport: string; FsType: string;
    Mountpoints: string[]; Partitions: Partition[];
    Role: DiskRole; RoleReason: string;
}

export interface AuditEvent {
    Seq: number; Time: string; Uid: number; LoginUid: number; User: string; LoginUser: string;
    Method: string; Object: string; Phase: string; Result: string; Arguments: string; Hash: string;
}

export async function managerGetDisks(): Promise<Disk[]> {
    const [disks] = await callDaemon<PageManagerMethodResults["GetDisks"]>(MANAGER_PATH, MANAGER_IFACE, "GetDisks", [{}]);
    return disks.map(d => unwrapDict(d) as unknown as Disk);
}

/** The newest `count` audit records, oldest first. */
export async function managerAuditTail(count: number): Promise<AuditEvent[]> {
    const [records] = await callDaemon<PageManagerMethodResults["AuditTail"]>(MANAGER_PATH, MANAGER_IFACE, "AuditTail", [count, {}]);
    return records.map(r => unwrapDict(r) as unknown as AuditEvent);
}
