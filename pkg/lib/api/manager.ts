// Calls on the Manager object, as the logged-in user, returning plain data.
import {
    MANAGER_IFACE, type PageManagerMethodResults, type PlainManagerAuditTailRecords, type PlainManagerGetDisksDisks, type PlainManagerPlanProfilePlan,
} from "../../../generated/dbus-contract";
import { MANAGER_PATH } from "../dbus-store";
import type { RoleName } from "../../../helpers/lib/roles";
import { callDaemon } from "./call";
import { plainDict, plainDicts, type Narrowed } from "./variants";

export type DiskRole = "os" | "in-use" | "spare" | "unusable";

export type Disk = Narrowed<PlainManagerGetDisksDisks[number], { Role: DiskRole }>;

/** Time: µs since the epoch; LoginUidClaimed and LoginUserClaimed: what the caller's /proc/PID/loginuid said, a claim, not who acted. */
export type AuditEvent = PlainManagerAuditTailRecords[number];

/** The host's disks; with `testFiles` "ceph" also the test files that stand in for OSD disks (tests only). */
export async function managerGetDisks(testFiles?: "ceph"): Promise<Disk[]> {
    const options = testFiles ? { "test-files": { t: "s", v: testFiles } } : {};
    const [disks] = await callDaemon<PageManagerMethodResults["GetDisks"]>(MANAGER_PATH, MANAGER_IFACE, "GetDisks", [options]);
    return plainDicts<Disk[]>(disks);
}

/** The newest `count` audit records, oldest first. */
export async function managerAuditTail(count: number): Promise<AuditEvent[]> {
    const [records] = await callDaemon<PageManagerMethodResults["AuditTail"]>(MANAGER_PATH, MANAGER_IFACE, "AuditTail", [count, {}]);
    return plainDicts<AuditEvent[]>(records);
}

export type StorageProfile = "zfs" | "ceph" | "mixed";

export type ProfilePlan = Narrowed<PlainManagerPlanProfilePlan, { Profile: StorageProfile }>;

/** What applying the profile would do; changes nothing. */
export async function managerPlanProfile(profile: StorageProfile): Promise<ProfilePlan> {
    const [plan] = await callDaemon<PageManagerMethodResults["PlanProfile"]>(MANAGER_PATH, MANAGER_IFACE, "PlanProfile", [profile, {}]);
    return plainDict<ProfilePlan>(plan);
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
