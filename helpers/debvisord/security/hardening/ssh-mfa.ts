// SSH multi-factor authentication with pam_google_authenticator: who is
// enrolled, and the PAM and sshd change that enforces it.
import path from "node:path";
import { applyPlan } from "./checks.js";
import { exists, type HardeningEnv, PAM_SSHD, readText, SSHD_CONFIG, SSHD_DROPIN } from "./host-files.js";
import { SSHD_HEADER, sshdDropinContent, sshdInstalled, sshdReloadWords, sshdSettings } from "./sshd.js";

const PAM_MARK = "# debvisor: SSH MFA";
const PAM_LINE = "auth required pam_google_authenticator.so";

interface MfaUser { name: string; uid: number; home: string; enrolled: boolean }
export interface MfaStatus { configured: boolean; pam: boolean; sshd: boolean; users: MfaUser[]; detail: string }

function localUsers(root: string): MfaUser[] {
    const users: MfaUser[] = [];
    for (const line of (readText(root, "/etc/passwd") ?? "").split("\n")) {
        const f = line.split(":");
        if (f.length < 7)
            continue;
        const uid = Number(f[2]);
        const shell = f[6].trim();
        if (!Number.isInteger(uid) || uid < 1000 || uid === 65534 || shell === "" || /(nologin|\/false)$/.test(shell))
            continue;
        users.push({ name: f[0], uid, home: f[5], enrolled: f[5].startsWith("/") && exists(root, path.posix.join(f[5], ".google_authenticator")) });
    }
    return users;
}

function pamHasOtp(text: string | null): boolean {
    return (text ?? "").split("\n").some(l => !l.trim().startsWith("#") && /\bpam_(google_authenticator|oath)\.so\b/.test(l));
}

export function mfaStatus(root: string): MfaStatus {
    const pam = pamHasOtp(readText(root, PAM_SSHD));
    const s = sshdSettings(root);
    const kbd = (s.get("kbdinteractiveauthentication") ?? s.get("challengeresponseauthentication"))?.value.toLowerCase() ?? "yes";
    const methods = s.get("authenticationmethods")?.value ?? "";
    const sshd = sshdInstalled(root) && kbd === "yes" && methods.includes("keyboard-interactive");
    const missing = [
        ...(sshdInstalled(root) ? [] : [`the OpenSSH server is not installed (${SSHD_CONFIG} is missing)`]),
        ...(pam ? [] : [`${PAM_SSHD} does not use pam_google_authenticator or pam_oath`]),
        ...(kbd === "yes" ? [] : ["sshd has KbdInteractiveAuthentication no"]),
        ...(methods.includes("keyboard-interactive") ? [] : ["sshd's AuthenticationMethods does not ask for keyboard-interactive"]),
    ];
    return { configured: pam && sshd, pam, sshd, users: localUsers(root), detail: missing.join("; ") };
}

const PAM_MODULE_DIRS = ["/lib/security", "/usr/lib/security", "/lib/x86_64-linux-gnu/security", "/usr/lib/x86_64-linux-gnu/security",
    "/lib/aarch64-linux-gnu/security", "/usr/lib/aarch64-linux-gnu/security"];

function pamModuleInstalled(root: string): boolean {
    return PAM_MODULE_DIRS.some(d => exists(root, `${d}/pam_google_authenticator.so`));
}

interface MfaPlan { change: string; writes: { path: string; content: string }[] }

/* Enforce: the sshd drop-in asks for a key and a one-time code; PAM's sshd stack checks the code. */
export function planMfa(root: string, enforce: boolean, caller: string): MfaPlan | { error: string } {
    if (enforce) {
        // the caller's own enrolment first: enforcing before it would lock them out
        const me = localUsers(root).find(u => u.name === caller);
        if (!me?.enrolled)
            return { error: `${caller || "the caller"} has not enrolled a one-time code generator (~/.google_authenticator is missing): run google-authenticator as ${caller || "yourself"} first, or SSH would lock you out` };
        if (!sshdInstalled(root))
            return { error: `the OpenSSH server is not installed (${SSHD_CONFIG} is missing)` };
        if (!pamModuleInstalled(root))
            return { error: "pam_google_authenticator is not installed (apt install libpam-google-authenticator)" };
    }
    const dropin = sshdDropinContent(root, enforce
        ? { KbdInteractiveAuthentication: "yes", AuthenticationMethods: "publickey,keyboard-interactive" }
        : { KbdInteractiveAuthentication: null, AuthenticationMethods: null });
    const pamText = readText(root, PAM_SSHD) ?? "";
    const kept = pamText.split("\n").filter(l => l !== PAM_MARK && l !== PAM_LINE);
    const pam = enforce ? [PAM_MARK, PAM_LINE, ...kept].join("\n") : kept.join("\n");
    const currentDropin = readText(root, SSHD_DROPIN);
    const writes: { path: string; content: string }[] = [];
    if (dropin !== (currentDropin ?? SSHD_HEADER))
        writes.push({ path: SSHD_DROPIN, content: dropin });
    if (pam !== pamText)
        writes.push({ path: PAM_SSHD, content: pam });
    if (writes.length === 0)
        return { change: "nothing to change: DebVisor's MFA lines are not there", writes };
    const change = writes.map(w => `write ${w.path}:\n${w.content}${w.content.endsWith("\n") ? "" : "\n"}`).join("") + sshdReloadWords(root);
    return { change, writes };
}

export async function applyMfa(env: HardeningEnv, plan: MfaPlan): Promise<void> {
    if (plan.writes.length > 0)
        await applyPlan(env, { change: plan.change, writes: plan.writes, after: "sshd-reload" });
}
