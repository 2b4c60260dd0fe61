// Calls on the Hardening object, as the logged-in user, returning plain data.
import {
    HARDENING_IFACE, ROOT_PATH, type PageHardeningMethodResults, type PageHardeningProperties,
    type PlainHardeningChecks, type PlainHardeningFail2ban, type PlainHardeningMfaStatus,
} from "../../../generated/dbus-contract";
import { callDaemon } from "./call";
import { plainDict, plainDicts, type Narrowed } from "./variants";

const HARDENING_PATH = `${ROOT_PATH}/hardening`;

export type HardeningCheck = Narrowed<PlainHardeningChecks[number], { Status: "ok" | "warning" | "failed" }>;
export type MfaState = Pick<PlainHardeningMfaStatus, "Configured" | "Detail" | "Users">;
export type Fail2banState = PlainHardeningFail2ban;

export function hardeningChecks(props: PageHardeningProperties): HardeningCheck[] {
    return plainDicts<HardeningCheck[]>(props.Checks);
}

export function mfaState(props: PageHardeningProperties): MfaState {
    const d = plainDict<Partial<PlainHardeningMfaStatus>>(props.MfaStatus);
    return { Configured: Boolean(d.Configured), Detail: String(d.Detail ?? ""), Users: d.Users ?? [] };
}

export function fail2banState(props: PageHardeningProperties): Fail2banState {
    const d = plainDict<Partial<PlainHardeningFail2ban>>(props.Fail2ban);
    return { Installed: Boolean(d.Installed), Running: Boolean(d.Running), Detail: String(d.Detail ?? ""), Jails: d.Jails ?? [] };
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
