/* The installer's answers: what the text interface asks, or what an answers
 * file gives for an unattended installation. The file holds `key=value` lines
 * (blank lines and `#` comments ignored, a value may be in double quotes) with
 * keys named like Debian's preseed:
 *
 *   locale=en_US.UTF-8            timezone=Europe/Berlin
 *   hostname=node1.example.org    disk=/dev/vda
 *   root-password-hash=$6$…       admin-user=alice
 *   admin-password-hash=$y$…      profile=ceph|zfs|mixed
 *   network=dhcp|static           interface=ens3 (optional: the first NIC)
 *   address=192.0.2.10/24         gateway=192.0.2.1
 *   dns=192.0.2.53 192.0.2.54     finish=reboot|poweroff|none
 *   overwrite=no|yes
 *
 * overwrite (default no): a disk that already holds a DebVisor installation (a
 * file system labelled debvisor-root, as the installer makes it) is refused
 * unless overwrite=yes, so that a machine booting the installer medium again
 * after an unattended installation does not install over the node it made.
 *
 * Passwords are only accepted as crypt(3) hashes of the sha512 ($6$) or
 * yescrypt ($y$) kind; everything is checked here before any disk is touched.
 */
import { isIP, isIPv4, isIPv6 } from "../lib/ip-address.js";

export const PROFILES = ["ceph", "zfs", "mixed"] as const;
type Profile = typeof PROFILES[number];
const FINISH = ["reboot", "poweroff", "none"] as const;
type Finish = typeof FINISH[number];

interface StaticNetwork {
    mode: "static";
    address: string; // with its prefix, e.g. 192.0.2.10/24
    gateway: string;
    dns: string[];
}
type Network = { mode: "dhcp" } | StaticNetwork;

export interface Answers {
    locale: string;
    timezone: string;
    hostname: string; // the short name
    domain: string; // "" when the answer was a short name
    disk: string;
    rootPasswordHash: string;
    adminUser: string;
    adminPasswordHash: string;
    profile: Profile;
    network: Network;
    iface: string; // "" = the first network interface
    finish: Finish;
    overwrite: boolean; // install over an existing DebVisor installation
}

export class AnswersError extends Error {
    constructor(readonly problems: string[]) {
        super(problems.join("\n"));
        this.name = "AnswersError";
    }
}

const KEYS = [
    "locale", "timezone", "hostname", "disk", "root-password-hash", "admin-user", "admin-password-hash",
    "profile", "network", "interface", "address", "gateway", "dns", "finish",
    "overwrite",
] as const;
type Key = typeof KEYS[number];
const REQUIRED: Key[] = ["hostname", "disk", "root-password-hash", "admin-user", "admin-password-hash", "profile"];
const PLAIN_PASSWORD_KEYS = ["root-password", "admin-password", "password", "passwd/root-password", "passwd/user-password"];

/* `key=value` lines → a map; every problem (syntax, unknown or repeated key) listed. */
function parseAnswersText(text: string): Map<Key, string> {
    const problems: string[] = [];
    const values = new Map<Key, string>();
    if (text.length > 64 * 1024)
        throw new AnswersError(["the answers file is larger than 64 KiB"]);
    if (text.includes("\0"))
        throw new AnswersError(["the answers file contains a NUL byte"]);
    text.replace(/\r\n/g, "\n").split("\n").forEach((raw, i) => {
        const line = raw.trim();
        const where = `line ${i + 1}`;
        if (line === "" || line.startsWith("#"))
            return;
        const eq = line.indexOf("=");
        if (eq <= 0) {
            problems.push(`${where}: expected key=value, got "${clip(line)}"`);
            return;
        }
        const key = line.slice(0, eq).trim().toLowerCase();
        let value = line.slice(eq + 1).trim();
        if (value.length >= 2 && value.startsWith("\"") && value.endsWith("\""))
            value = value.slice(1, -1);
        if (PLAIN_PASSWORD_KEYS.includes(key)) {
            problems.push(`${where}: ${key} is not accepted: give the password as a crypt(3) hash ` +
                `(${key.includes("root") ? "root" : "admin"}-password-hash, e.g. made by mkpasswd -m yescrypt or openssl passwd -6)`);
            return;
        }
        if (!(KEYS as readonly string[]).includes(key)) {
            problems.push(`${where}: unknown key "${clip(key)}" (known: ${KEYS.join(", ")})`);
            return;
        }
        if (values.has(key as Key)) {
            problems.push(`${where}: ${key} is given twice`);
            return;
        }
        if (/[\x00-\x1f\x7f]/.test(value)) {
            problems.push(`${where}: ${key} contains a control character`);
            return;
        }
        values.set(key as Key, value);
    });
    if (problems.length)
        throw new AnswersError(problems);
    return values;
}

function clip(s: string): string {
    const shown = s.replace(/[\x00-\x1f\x7f]/g, "?");
    return shown.length > 40 ? `${shown.slice(0, 40)}…` : shown;
}

/* crypt(3) hashes of the sha512 kind ($6$[rounds=N$]salt$86 chars) or yescrypt ($y$params$salt$hash). */
export function isStrongHash(hash: string): boolean {
    const b64 = "[./0-9A-Za-z]";
    const sha512 = new RegExp(`^\\$6\\$(rounds=[1-9][0-9]{3,8}\\$)?${b64}{1,16}\\$${b64}{86}$`);
    const yescrypt = new RegExp(`^\\$y\\$${b64}{1,16}\\$${b64}{1,86}\\$${b64}{43}$`);
    return sha512.test(hash) || yescrypt.test(hash);
}

/* A host name: one or more labels of letters, digits and inner hyphens, 253 characters at most. */
export function checkHostname(name: string): string | null {
    if (name === "")
        return "the host name is empty";
    if (name.length > 253)
        return "the host name is longer than 253 characters";
    const labels = name.split(".");
    for (const label of labels) {
        if (!/^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(label))
            return `"${clip(name)}" is not a valid host name (labels of letters, digits and inner hyphens, 63 characters at most)`;
    }
    if (/^[0-9]+$/.test(labels[0]))
        return `"${clip(name)}" is not a valid host name (the first label is all digits)`;
    return null;
}

const RESERVED_USERS = new Set([
    "root", "daemon", "bin", "sys", "sync", "games", "man", "lp", "mail", "news", "uucp", "proxy", "www-data",
    "backup", "list", "irc", "gnats", "nobody", "systemd-network", "systemd-resolve", "systemd-timesync",
    "messagebus", "sshd", "polkitd", "libvirt-qemu", "libvirt-dnsmasq", "libvirtdbus", "dnsmasq",
    "cockpit-ws", "cockpit-wsinstance", "_apt", "tss", "admin", "user",
]);

export function checkUser(name: string): string | null {
    if (!/^[a-z_][a-z0-9_-]{0,31}$/.test(name))
        return `"${clip(name)}" is not a valid user name (lower-case letters, digits, _ and -, starting with a letter or _, 32 characters at most)`;
    if (RESERVED_USERS.has(name))
        return `"${name}" is reserved for the system: choose another admin user name`;
    return null;
}

export function checkLocale(locale: string): string | null {
    return /^(C|[a-z]{2,3}(_[A-Z]{2})?(@[a-z]+)?)\.UTF-8$/.test(locale) ? null
        : `"${clip(locale)}" is not a UTF-8 locale name like en_US.UTF-8 or C.UTF-8`;
}

export function checkTimezone(tz: string): string | null {
    if (tz.length > 64 || !/^[A-Za-z0-9_+-]+(\/[A-Za-z0-9_+-]+){0,2}$/.test(tz) || tz.split("/").some(p => p.startsWith("-")))
        return `"${clip(tz)}" is not a time zone name like Europe/Berlin or UTC`;
    return null;
}

export function checkDisk(disk: string): string | null {
    if (!/^\/dev\/[A-Za-z0-9][A-Za-z0-9_\-/.:]*$/.test(disk) || disk.includes("..") || disk.length > 200)
        return `"${clip(disk)}" is not a disk device path like /dev/sda or /dev/disk/by-id/…`;
    return null;
}

function checkInterface(name: string): string | null {
    return /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,14}$/.test(name) ? null : `"${clip(name)}" is not a network interface name`;
}

/* An address with its prefix length: 192.0.2.10/24 or 2001:db8::10/64. */
export function checkCidr(s: string): string | null {
    const m = /^([^/]+)\/([0-9]{1,3})$/.exec(s);
    if (!m)
        return `"${clip(s)}" is not an address with its prefix length like 192.0.2.10/24`;
    const [, ip, len] = m as unknown as [string, string, string];
    const max = isIPv4(ip) ? 32 : isIPv6(ip) ? 128 : -1;
    if (max < 0)
        return `"${clip(ip)}" is not an IP address`;
    if (Number(len) < 1 || Number(len) > max)
        return `prefix length /${len} is out of range for ${ip}`;
    return null;
}

type AnswerValues = Partial<Record<Key, string>>;

/* Checks every answer, and returns them all, or throws AnswersError with every problem. */
export function validateAnswers(values: AnswerValues | Map<Key, string>): Answers {
    const get = (k: Key): string | undefined => values instanceof Map ? values.get(k) : values[k];
    const problems: string[] = [];
    for (const key of REQUIRED) {
        if ((get(key) ?? "") === "")
            problems.push(`${key} is missing`);
    }
    const check = (key: Key, fn: (v: string) => string | null) => {
        const v = get(key);
        if (v !== undefined && v !== "") {
            const p = fn(v);
            if (p)
                problems.push(`${key}: ${p}`);
        }
    };
    check("hostname", checkHostname);
    check("disk", checkDisk);
    check("admin-user", checkUser);
    check("locale", checkLocale);
    check("timezone", checkTimezone);
    check("interface", checkInterface);
    for (const key of ["root-password-hash", "admin-password-hash"] as const) {
        check(key, v => isStrongHash(v) ? null
            : "not a sha512 ($6$…) or yescrypt ($y$…) crypt(3) hash; an empty, locked, DES or MD5 password is not accepted");
    }
    if (get("root-password-hash") && get("root-password-hash") === get("admin-password-hash"))
        problems.push("root-password-hash and admin-password-hash are the same hash: give root and the admin different passwords");
    check("profile", v => (PROFILES as readonly string[]).includes(v) ? null : `"${clip(v)}" is not a storage profile (ceph, zfs or mixed)`);
    check("finish", v => (FINISH as readonly string[]).includes(v) ? null : `"${clip(v)}" is not one of reboot, poweroff, none`);
    check("overwrite", v => v === "yes" || v === "no" ? null : `"${clip(v)}" is not yes or no`);

    const mode = get("network") || "dhcp";
    let network: Network = { mode: "dhcp" };
    if (mode === "dhcp") {
        for (const key of ["address", "gateway", "dns"] as const) {
            if (get(key))
                problems.push(`${key} is only used with network=static`);
        }
    } else if (mode === "static") {
        const address = get("address") ?? "";
        const gateway = get("gateway") ?? "";
        const dns = (get("dns") ?? "").split(/[\s,]+/).filter(Boolean);
        if (!address)
            problems.push("address is missing (network=static needs address, gateway and dns)");
        else
            check("address", checkCidr);
        if (!gateway)
            problems.push("gateway is missing (network=static needs address, gateway and dns)");
        else if (!isIP(gateway))
            problems.push(`gateway: "${clip(gateway)}" is not an IP address`);
        if (!dns.length)
            problems.push("dns is missing (network=static needs address, gateway and dns)");
        for (const d of dns) {
            if (!isIP(d))
                problems.push(`dns: "${clip(d)}" is not an IP address`);
        }
        if (dns.length > 3)
            problems.push("dns: at most three name servers");
        network = { mode: "static", address, gateway, dns };
    } else {
        problems.push(`network: "${clip(mode)}" is not dhcp or static`);
    }
    if (problems.length)
        throw new AnswersError(problems);

    const fqdn = get("hostname")!;
    const dot = fqdn.indexOf(".");
    return {
        locale: get("locale") || "C.UTF-8",
        timezone: get("timezone") || "Etc/UTC",
        hostname: (dot < 0 ? fqdn : fqdn.slice(0, dot)).toLowerCase(),
        domain: (dot < 0 ? "" : fqdn.slice(dot + 1)).toLowerCase(),
        disk: get("disk")!,
        rootPasswordHash: get("root-password-hash")!,
        adminUser: get("admin-user")!,
        adminPasswordHash: get("admin-password-hash")!,
        profile: get("profile") as Profile,
        network,
        iface: get("interface") || "",
        finish: (get("finish") || "reboot") as Finish,
        overwrite: get("overwrite") === "yes",
    };
}

export function parseAnswers(text: string): Answers {
    return validateAnswers(parseAnswersText(text));
}

/* debvisor.answers=… from a kernel command line, or null. */
export function answersFromCmdline(cmdline: string): string | null {
    for (const word of cmdline.trim().split(/\s+/)) {
        if (word.startsWith("debvisor.answers="))
            return word.slice("debvisor.answers=".length) || null;
    }
    return null;
}

/* A password typed in the text interface: long enough, not the user name. */
export function checkTypedPassword(password: string, user: string): string | null {
    if (password.length < 8)
        return "The password must have at least 8 characters.";
    if (password.length > 256)
        return "The password is longer than 256 characters.";
    if (user && password.toLowerCase().includes(user.toLowerCase()))
        return "The password must not contain the user name.";
    if (/^(.)\1*$/.test(password))
        return "The password must not be one character repeated.";
    if (/[\x00-\x1f\x7f]/.test(password))
        return "The password must not contain control characters.";
    return null;
}
