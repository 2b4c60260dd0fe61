// Calls on the Manager object, as the logged-in user.
import { MANAGER_IFACE } from "../../../generated/dbus-contract";
import { dbusClient, MANAGER_PATH } from "../dbus-store";
import { unwrapDict } from "./variants";

export type DiskRole = "os" | "in-use" | "spare" | "unusable";

export interface Disk {
    Name: string; Path: string; Size: number; Model: string; Serial: string; Wwn: string; ById: string;
    Rotational: boolean; Removable: boolean; ReadOnly: boolean; Transport: string; FsType: string;
    Mountpoints: string[]; Partitions: Array<{ Name: string; Path: string; Size: number; FsType: string; Mountpoints: string[] }>;
    Role: DiskRole; RoleReason: string;
}

export interface AuditEvent {
    Seq: number; Time: string; Uid: number; LoginUid: number; User: string; LoginUser: string;
    Method: string; Object: string; Phase: string; Result: string; Arguments: string; Hash: string;
}

export async function managerGetDisks(): Promise<Disk[]> {
    const [disks] = await dbusClient().call(MANAGER_PATH, MANAGER_IFACE, "GetDisks", [{}]) as [Array<Record<string, unknown>>];
    return disks.map(d => unwrapDict(d) as unknown as Disk);
}

export async function managerAuditTail(count: number): Promise<AuditEvent[]> {
    const [records] = await dbusClient().call(MANAGER_PATH, MANAGER_IFACE, "AuditTail", [count, {}]) as [Array<Record<string, unknown>>];
    return records.map(r => unwrapDict(r) as unknown as AuditEvent);
}
