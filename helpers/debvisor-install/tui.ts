/* The installer's text interface: whiptail dialogs on the console, asking
 * what the answers file would give. Every answer is checked with the same
 * code as the answers file; nothing is written before the summary is confirmed.
 */
import fs from "node:fs";
import { isIP } from "../lib/ip-address.js";
import { runTool } from "../lib/tool-run.js";
import {
    type Answers, AnswersError, checkCidr, checkHostname, checkLocale, checkTimezone, checkTypedPassword, checkUser,
    PROFILES, validateAnswers,
} from "./answers.js";

export class Cancelled extends Error {
    constructor() {
        super("installation cancelled");
        this.name = "Cancelled";
    }
}

const TITLE = "DebVisor installer";

/* whiptail talks to the terminal and waits for a person: no time limit; Esc/Cancel is its exit code */
const ASKING = { terminal: true, timeout: 0, allowFailure: true };

/* One whiptail dialog: [--box, text, height, width, …]; its answer comes on standard error.
 * "--" before the text: a value starting with "-" (a typed answer shown again) is not an option.
 * Esc/Cancel → Cancelled. */
async function whiptail([box, ...rest]: string[]): Promise<string> {
    const r = await runTool("whiptail", ["--title", TITLE, box!, "--", ...rest], "whiptail", ASKING);
    if (r.exitCode !== 0)
        throw new Cancelled();
    return r.stderr.trim();
}

const msg = (text: string) => whiptail(["--msgbox", text, "12", "70"]);
const input = (text: string, init: string) => whiptail(["--inputbox", text, "10", "70", init]);
const secret = (text: string) => whiptail(["--passwordbox", text, "10", "70"]);
const menu = (text: string, items: Array<[string, string]>) =>
    whiptail(["--menu", text, "20", "76", String(Math.min(items.length, 10)), ...items.flat()]);

async function ask(text: string, init: string, check: (v: string) => string | null): Promise<string> {
    for (let i = 0; i < 20; i++) {
        const v = await input(text, init);
        const problem = check(v);
        if (!problem)
            return v;
        await msg(problem);
        init = v;
    }
    throw new Cancelled();
}

async function password(who: string, user: string): Promise<string> {
    for (let i = 0; i < 20; i++) {
        const first = await secret(`Password for ${who}:`);
        const problem = checkTypedPassword(first, user);
        if (problem) {
            await msg(problem);
            continue;
        }
        if (await secret(`The password for ${who} again:`) !== first) {
            await msg("The passwords differ.");
            continue;
        }
        return hashPassword(first);
    }
    throw new Cancelled();
}

/* sha512-crypt through openssl, the password on standard input. */
async function hashPassword(pw: string): Promise<string> {
    const r = await runTool("openssl", ["passwd", "-6", "-stdin"], "openssl passwd", { input: `${pw}\n`, timeout: 20_000, allowFailure: true });
    if (r.exitCode !== 0)
        throw new Error(`openssl passwd failed: ${r.stderr.trim()}`);
    return r.stdout.trim();
}

export interface DiskChoice {
    path: string;
    label: string;
    installed?: string | null; // its partition holding a DebVisor installation
}

export async function interactive(disks: DiskChoice[], ifaces: string[]): Promise<Answers> {
    await msg("This installs DebVisor on a disk of this machine.\n\nThe disk you choose is erased. Nothing is written before you confirm a summary of your choices.");
    if (!disks.length) {
        await msg("No disk to install on was found.");
        throw new Cancelled();
    }
    const disk = await menu("The disk to install on (it will be erased):",
        disks.map(d => [d.path, d.installed ? `${d.label} (DebVisor installed)` : d.label]));
    const replaced = disks.find(d => d.path === disk)?.installed ?? null;
    const hostname = await ask("Host name (a short name or a fully qualified one, e.g. node1.example.org):", "debvisor",
        v => checkHostname(v));
    const timezone = await ask("Time zone (e.g. Europe/Berlin, America/New_York, UTC):", "Etc/UTC",
        v => checkTimezone(v) ?? (fs.existsSync(`/usr/share/zoneinfo/${v}`) ? null : `The time zone ${v} is unknown.`));
    const locale = await menu("Locale:", [["C.UTF-8", "neutral"], ["en_US.UTF-8", "English (US)"], ["en_GB.UTF-8", "English (UK)"],
        ["de_DE.UTF-8", "Deutsch"], ["fr_FR.UTF-8", "Français"], ["es_ES.UTF-8", "Español"], ["other", "type a locale name"]]);
    const chosenLocale = locale === "other" ? await ask("Locale (e.g. it_IT.UTF-8):", "", checkLocale) : locale;
    const rootHash = await password("root", "root");
    const adminUser = await ask("The administrator's user name (in the sudo and debvisor-admin groups):", "", checkUser);
    const adminHash = await password(adminUser, adminUser);
    const iface = ifaces.length > 1 ? await menu("Network interface:", ifaces.map(i => [i, ""])) : ifaces[0] ?? "eth0";
    const mode = await menu(`Network on ${iface}:`, [["dhcp", "address from DHCP"], ["static", "a fixed address"]]);
    let address = "", gateway = "", dns = "";
    if (mode === "static") {
        address = await ask("Address with prefix length (e.g. 192.0.2.10/24):", "", checkCidr);
        gateway = await ask("Gateway:", "", v => isIP(v) ? null : `${v} is not an IP address.`);
        dns = await ask("Name servers (separated by spaces):", gateway, v => {
            const servers = v.split(/[\s,]+/).filter(Boolean);
            return servers.length >= 1 && servers.length <= 3 && servers.every(isIP) ? null : "Give one to three IP addresses.";
        });
    }
    const profile = await menu("Storage profile (first boot sets it up on the spare disks):", [
        ["ceph", "Ceph: the spare disks become OSDs of a cluster"],
        ["zfs", "ZFS: a local pool on the spare disks"],
        ["mixed", "both: ZFS and Ceph on the spare disks"],
    ].filter(([p]) => (PROFILES as readonly string[]).includes(p!)) as Array<[string, string]>);
    let answers: Answers;
    try {
        answers = validateAnswers({
            disk, hostname, timezone, locale: chosenLocale, "root-password-hash": rootHash, "admin-user": adminUser,
            "admin-password-hash": adminHash, network: mode, interface: iface, profile,
            // the summary says so, and nothing is written before it is confirmed
            overwrite: replaced ? "yes" : "no",
            ...(mode === "static" ? { address, gateway, dns } : {}),
        });
    } catch (e) {
        await msg(e instanceof AnswersError ? e.problems.join("\n") : String(e));
        throw new Cancelled();
    }
    const net = answers.network.mode === "dhcp" ? `${iface}: DHCP`
        : `${iface}: ${answers.network.address} via ${answers.network.gateway}, DNS ${answers.network.dns.join(" ")}`;
    const summary = [
        `Disk:        ${disk}  (ALL DATA ON IT WILL BE ERASED)`,
        ...(replaced ? [`             It holds DebVisor (${replaced}), which is replaced.`] : []),
        `Host name:   ${hostname}`,
        `Time zone:   ${timezone}`,
        `Locale:      ${answers.locale}`,
        `Admin user:  ${adminUser} (sudo, debvisor-admin)`,
        `Network:     ${net}`,
        `Storage:     ${profile}`,
        "",
        "Install now?",
    ].join("\n");
    const r = await runTool("whiptail", ["--title", TITLE, "--defaultno", "--yesno", "--", summary, "18", "76"], "whiptail", ASKING);
    if (r.exitCode !== 0)
        throw new Cancelled();
    return answers;
}
