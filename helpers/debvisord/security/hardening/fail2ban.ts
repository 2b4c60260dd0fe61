// fail2ban's jails and bans, read through fail2ban-client.
import { exists, type HardeningEnv } from "./host-files.js";

const FAIL2BAN_CLIENT = "/usr/bin/fail2ban-client";

export function parseJailList(text: string): string[] {
    const m = /Jail list:\s*(.*)$/m.exec(text);
    return m ? m[1].split(",").map(s => s.trim()).filter(s => s !== "") : [];
}

export function parseBanned(text: string): string[] {
    const m = /Banned IP list:\s*(.*)$/m.exec(text);
    return m ? m[1].split(/\s+/).filter(s => s !== "") : [];
}

export const jailName = (s: string) => /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(s);

/* fail2ban-client's arguments, with the socket when it is not the default. */
export const fail2banArgs = (env: HardeningEnv, args: string[]) => env.fail2banSocket ? ["-s", env.fail2banSocket, ...args] : args;

export interface Fail2banStatus { installed: boolean; running: boolean; jails: { name: string; banned: string[] }[]; detail: string }

export async function fail2banStatus(env: HardeningEnv): Promise<Fail2banStatus> {
    if (!exists(env.root, FAIL2BAN_CLIENT))
        return { installed: false, running: false, jails: [], detail: "fail2ban is not installed (apt install fail2ban)" };
    const r = await env.run("fail2ban-client", fail2banArgs(env, ["status"]));
    if (r.code !== 0)
        return { installed: true, running: false, jails: [], detail: `fail2ban is not running: ${(r.stderr || r.stdout).trim().split("\n")[0] ?? ""}` };
    const jails = [];
    for (const name of parseJailList(r.stdout).filter(jailName)) {
        const j = await env.run("fail2ban-client", fail2banArgs(env, ["status", name]));
        jails.push({ name, banned: j.code === 0 ? parseBanned(j.stdout) : [] });
    }
    return { installed: true, running: true, jails, detail: "" };
}
