// Calls on the Manager object, as the logged-in user, returning plain data.
import { MANAGER_IFACE, type PageManagerMethodResults } from "../../../generated/dbus-contract";
import { MANAGER_PATH } from "../dbus-store";
import type { RoleName } from "../../../helpers/lib/roles";
import { callDaemon } from "./call";
import { unwrapDict } from "./variants";

export type DiskRole = "os" | "in-use" | "spare" | "unusable";

interface Partition { Name: string; Path: string; Size: number; FsType: string; Mountpoints: string[] }

export interface Disk {
    Name: string; Path: string; Size: number; Model: string; Serial: string; Wwn: string; ById: string;
    Rotational: boolean; Removable: boolean; ReadOnly: boolean; Transport: string; FsType: string;
    Mountpoints: string[]; Partitions: Partition[];
    Role: DiskRole; RoleReason: string;
}

export interface AuditEvent {
    Seq: number; /** µs since the epoch */ Time: number; Uid: number; User: string;
    /** what the caller's /proc/PID/loginuid said: a claim, not who acted */
    LoginUidClaimed: number; LoginUserClaimed: string;
    Method: string; Object: string; Phase: string; Result: string; Arguments: string; Hash: string;
}

/** The host's disks; with `testFiles` "ceph" also the test files that stand in for OSD disks (tests only). */
export async function managerGetDisks(testFiles?: "ceph"): Promise<Disk[]> {
    const options = testFiles ? { "test-files": { t: "s", v: testFiles } } : {};
    const [disks] = await callDaemon<PageManagerMethodResults["GetDisks"]>(MANAGER_PATH, MANAGER_IFACE, "GetDisks", [options]);
    return disks.map(d => unwrapDict(d) as unknown as Disk);
}

/** The newest `count` audit records, oldest first. */
export async function managerAuditTail(count: number): Promise<AuditEvent[]> {
    const [records] = await callDaemon<PageManagerMethodResults["AuditTail"]>(MANAGER_PATH, MANAGER_IFACE, "AuditTail", [count, {}]);
    return records.map(r => unwrapDict(r) as unknown as AuditEvent);
}

export type StorageProfile = "zfs" | "ceph" | "mixed";

export interface ProfilePlan {
    Profile: StorageProfile;
    Steps: Array<{ Id: string; Kind: string; Description: string; Exists: boolean; Devices: string[]; Settings: Record<string, string> }>;
    Wipes: Array<{ Id: string; Path: string; Size: number; Model: string; Serial: string; Signature: string; Step: string; Reason: string }>;
    Kept: string[];
    Refused: Array<{ Id: string; Path: string; Reason: string }>;
    Problems: string[];
    Token: string;
}

/** What applying the profile would do; changes nothing. */
export async function managerPlanProfile(profile: StorageProfile): Promise<ProfilePlan> {
    const [plan] = await callDaemon<PageManagerMethodResults["PlanProfile"]>(MANAGER_PATH, MANAGER_IFACE, "PlanProfile", [profile, {}]);
    return unwrapDict(plan) as unknown as ProfilePlan;
}

/** Applies the plan shown (its token); returns the Job's path. */
export async function managerApplyProfile(profile: StorageProfile, token: string): Promise<string> {
    const [job] = await callDaemon<PageManagerMethodResults["ApplyProfile"]>(MANAGER_PATH, MANAGER_IFACE, "ApplyProfile",
        [profile, { token: { t: "s", v: token } }]);
    return job;
}

export async function managerAddRoleMember(user: string, role: RoleName): Promise<void> {
    await callDaemon(MANAGER_PATH, MANAGER_IFACE, "AddRoleMember", [user, role, {}]);
}

export async function managerRemoveRoleMember(user: string, role: RoleName): Promise<void> {
    await callDaemon(MANAGER_PATH, MANAGER_IFACE, "RemoveRoleMember", [user, role, {}]);
}
