// Calls on the Hardening object, as the logged-in user, returning plain data.
import { HARDENING_IFACE, ROOT_PATH, type PageHardeningMethodResults, type PageHardeningProperties } from "../../../generated/dbus-contract";
import { callDaemon } from "./call";
import { unwrapDict } from "./variants";

const HARDENING_PATH = `${ROOT_PATH}/hardening`;

export interface HardeningCheck { Id: string; Title: string; Status: "ok" | "warning" | "failed"; Detail: string; Fixable: boolean; Change: string }
export interface MfaState { Configured: boolean; Detail: string; Users: { Name: string; Enrolled: boolean }[] }
export interface Fail2banState { Installed: boolean; Running: boolean; Detail: string; Jails: { Name: string; Banned: string[] }[] }

export function hardeningChecks(props: PageHardeningProperties): HardeningCheck[] {
    return props.Checks.map(c => unwrapDict(c) as unknown as HardeningCheck);
}

export function mfaState(props: PageHardeningProperties): MfaState {
    const d = unwrapDict(props.MfaStatus);
    return { Configured: Boolean(d.Configured), Detail: String(d.Detail ?? ""), Users: (d.Users as MfaState["Users"]) ?? [] };
}

export function fail2banState(props: PageHardeningProperties): Fail2banState {
    const d = unwrapDict(props.Fail2ban);
    return { Installed: Boolean(d.Installed), Running: Boolean(d.Running), Detail: String(d.Detail ?? ""), Jails: (d.Jails as Fail2banState["Jails"]) ?? [] };
}

const dry = (dryRun: boolean) => dryRun ? { "dry-run": { t: "b", v: true } } : {};

export async function hardeningRecheck(): Promise<void> {
    await callDaemon<PageHardeningMethodResults["Recheck"]>(HARDENING_PATH, HARDENING_IFACE, "Recheck", [{}]);
}

export async function hardeningFix(id: string, dryRun: boolean): Promise<string> {
    const [change] = await callDaemon<PageHardeningMethodResults["Fix"]>(HARDENING_PATH, HARDENING_IFACE, "Fix", [id, dry(dryRun)]);
    return change;
}

export async function mfaChange(enforce: boolean, dryRun: boolean): Promise<string> {
    const [change] = await callDaemon<PageHardeningMethodResults["EnforceMfa"]>(HARDENING_PATH, HARDENING_IFACE, enforce ? "EnforceMfa" : "RelaxMfa", [dry(dryRun)]);
    return change;
}

export async function fail2banUnban(jail: string, address: string): Promise<void> {
    await callDaemon<PageHardeningMethodResults["Unban"]>(HARDENING_PATH, HARDENING_IFACE, "Unban", [jail, address, {}]);
}
