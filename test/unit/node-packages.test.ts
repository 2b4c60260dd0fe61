// What a node needs for the features the README promises: the installer image
// installs no recommended packages, so its package list must name each one,
// and the `debvisor` metapackage must bring it (Depends or Recommends) to a
// host installed with apt. Read from the sources, no image is built.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import QUnit from "qunit";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/* The packages of a feature, and the feature that needs them (for the message). */
const FEATURES: Array<[string, string]> = [
    ["bind9", "local DNS zones (named)"],
    ["bind9-utils", "TSIG keys (tsig-keygen)"],
    ["bind9-dnsutils", "DNS updates (nsupdate)"],
    ["dnsmasq", "DHCP ranges (the dnsmasq daemon)"],
    ["auditd", "the hardening check for auditd"],
    ["unattended-upgrades", "the hardening check for security updates"],
    ["fail2ban", "fail2ban's jails and bans"],
    ["python3-systemd", "fail2ban reading sshd's log from the journal"],
    ["libpam-google-authenticator", "SSH MFA's one-time codes"],
    ["restic", "backups"],
    ["openssh-server", "SSH MFA and the cluster's channel"],
];

function isoPackages(): Set<string> {
    return new Set(fs.readFileSync(path.join(ROOT, "iso/config/package-lists/debvisor.list.chroot"), "utf8")
        .split("\n").map(l => l.trim()).filter(l => l && !l.startsWith("#")));
}

/* A binary package's relation field of debian/control as package names (alternatives each, versions dropped). */
function relation(pkg: string, field: string): Set<string> {
    const stanza = fs.readFileSync(path.join(ROOT, "debian/control"), "utf8").split(/\n\s*\n/)
        .find(s => new RegExp(`^Package: ${pkg}$`, "m").test(s));
    if (!stanza)
        throw new Error(`debian/control has no package ${pkg}`);
    const m = new RegExp(`^${field}:((?:.*)(?:\\n[ \\t].*)*)`, "m").exec(stanza);
    return new Set((m?.[1] ?? "").split(/[,|]/).map(p => p.replace(/\(.*?\)/g, "").trim()).filter(p => p && !p.startsWith("$")));
}

QUnit.module("node packages", () => {
    QUnit.test("the installer image lists every package a feature needs", assert => {
        const listed = isoPackages();
        const missing = FEATURES.filter(([p]) => !listed.has(p)).map(([p, why]) => `${p} (${why})`);
        assert.deepEqual(missing, [], "missing from iso/config/package-lists/debvisor.list.chroot");
        assert.true(listed.has("debvisor"), "the metapackage too: its configuration for dnsmasq and fail2ban");
    });

    QUnit.test("the debvisor metapackage brings them on a host installed with apt", assert => {
        const brought = new Set([...relation("debvisor", "Depends"), ...relation("debvisor", "Recommends")]);
        const missing = FEATURES.filter(([p]) => !brought.has(p)).map(([p, why]) => `${p} (${why})`);
        assert.deepEqual(missing, [], "missing from the Depends and Recommends of debvisor in debian/control");
    });

    QUnit.test("every package the metapackage depends on or recommends is on the image (but the archive key)", assert => {
        // the image installs no recommends: one left off its list would be on an apt host only
        const listed = isoPackages();
        const depends = [...relation("debvisor", "Depends")].filter(p => !p.startsWith("qemu-system-") && !listed.has(p));
        const recommends = [...relation("debvisor", "Recommends")].filter(p => p !== "debvisor-archive-keyring" && !listed.has(p));
        assert.deepEqual([...depends, ...recommends], []);
    });

    QUnit.test("the parser reads continuation lines and alternatives", assert => {
        const recommends = relation("debvisor", "Recommends");
        assert.true(recommends.has("debvisor-archive-keyring") && recommends.has("xorriso"), [...recommends].join(" "));
        assert.true(relation("debvisor", "Depends").has("qemu-system-arm"));
    });
});
