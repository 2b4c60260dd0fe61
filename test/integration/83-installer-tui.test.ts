// The installer's text interface, as a person at the console uses it: the
// installed debvisor-install with the real whiptail in a pseudo-terminal
// (util-linux's `script`), driven by keystrokes; what it draws is read back
// (escape sequences removed) to know which question is on the screen. The
// only disk offered is a loop device made here (--disk); the screen is checked
// to offer no disk of this machine. One walk answers every question with bad
// answers first (each re-asked with its message) and a static network, and
// says No at the summary: the installer says nothing was written and the
// first MiB of the disk is byte for byte as it was. A second walk (DHCP) says
// Yes and installs onto the loop device from a small root directory; the
// result is checked the way 82 checks an unattended install, the passwords
// against what was typed. A third sees the disk offered as holding DebVisor.
// DEBVISOR_TUI_DUMP=DIR keeps what each session drew (raw), to see why a walk failed.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import QUnit from "qunit";
import { firstMiB as readFirstMiB, makeSource, must, sh, writePattern } from "../lib/installer.js";
import { testUnless } from "../lib/skip.js";

const BIN = "/usr/sbin/debvisor-install";
const KEY = { enter: "\r", down: "\x1b[B", tab: "\t", esc: "\x1b", clear: "\x01\x0b" }; // ^A ^K: the start, cut to the end
const WAIT_MS = 30_000;


const quote = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;

/* What the terminal showed, as text: escape sequences and line drawing out, white space collapsed. */
function screenText(raw: string): string {
    return raw
        .replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, " ")
        .replace(/\x1b[()][0-9A-Za-z]/g, "")
        .replace(/\x1b[=>78]/g, "")
        .replace(/[\u2500-\u257f]/g, " ")
        .replace(/[\x00-\x1f\x7f]/g, " ")
        .replace(/\s+/g, " ");
}

/* The installer in a pseudo-terminal of 30 × 100. */
class Console {
    private readonly proc: ChildProcess;
    private raw = "";
    private mark = 0;
    private code: number | null | undefined;
    readonly exited: Promise<number | null>;

    constructor(args: string[]) {
        const cmd = [BIN, ...args].map(quote).join(" ");
        this.proc = spawn("script", ["-qfec", cmd, "/dev/null"], {
            env: { ...process.env, TERM: "xterm", LINES: "30", COLUMNS: "100", LANG: "C.UTF-8", LC_ALL: "C.UTF-8" },
            stdio: ["pipe", "pipe", "pipe"],
        });
        this.proc.stdout!.on("data", (d: Buffer) => { this.raw += d.toString("utf8"); });
        this.proc.stderr!.on("data", (d: Buffer) => { this.raw += d.toString("utf8"); });
        this.exited = new Promise(resolve => this.proc.on("exit", c => {
            this.code = c;
            if (process.env.DEBVISOR_TUI_DUMP)
                fs.writeFileSync(path.join(process.env.DEBVISOR_TUI_DUMP, `tui-${process.hrtime.bigint()}.raw`), this.raw);
            resolve(c);
        }));
    }

    /* Everything shown so far, as text. */
    all(): string {
        return screenText(this.raw);
    }

    /* Waits until what was drawn since the last keystrokes holds `want`; returns that text. */
    async see(want: string | RegExp, ms = WAIT_MS): Promise<string> {
        const end = Date.now() + ms;
        for (;;) {
            const text = screenText(this.raw.slice(this.mark));
            if (typeof want === "string" ? text.includes(want) : want.test(text))
                return text;
            if (this.code !== undefined)
                throw new Error(`the installer exited (${this.code}) while waiting for ${want}; the screen since the last keys:\n${text.slice(-1500)}`);
            if (Date.now() > end)
                throw new Error(`not on the screen within ${ms} ms: ${want}; the screen since the last keys:\n${text.slice(-1500)}`);
            await new Promise(r => setTimeout(r, 50));
        }
    }

    type(keys: string): void {
        this.mark = this.raw.length;
        this.proc.stdin!.write(keys);
    }

    /* Waits for `prompt`, then types `keys`; returns the screen that was answered. */
    async answer(prompt: string | RegExp, keys: string): Promise<string> {
        const shown = await this.see(prompt);
        this.type(keys);
        return shown;
    }

    /* An input box: the initial value cut, `value` typed, Enter. */
    async enter(prompt: string | RegExp, value: string): Promise<string> {
        return this.answer(prompt, `${KEY.clear}${value}${KEY.enter}`);
    }

    /* A bad value: the message is shown, Enter closes it (and the question comes again). */
    async refused(prompt: string | RegExp, value: string, message: string | RegExp, assert: Assert, what: string): Promise<void> {
        await this.enter(prompt, value);
        const shown = await this.see(message).catch((e: Error) => {
            assert.ok(false, `${what}: ${e.message}`);
            throw e;
        });
        assert.ok(typeof message === "string" ? shown.includes(message) : message.test(shown), `${what}: the message is shown`);
        this.type(KEY.enter);
    }

    /* The exit status, within ms; the script process (started here) stopped by its PID otherwise. */
    async exit(ms: number): Promise<number | null> {
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<"late">(resolve => { timer = setTimeout(() => resolve("late"), ms); });
        const r = await Promise.race([this.exited, late]);
        clearTimeout(timer);
        if (r === "late") {
            this.stop();
            throw new Error(`the installer did not exit within ${ms} ms; the screen ends:\n${this.all().slice(-2000)}`);
        }
        return r;
    }

    stop(): void {
        if (this.code === undefined && this.proc.pid) {
            try {
                process.kill(this.proc.pid, "SIGTERM");
            } catch { /* gone */ }
        }
    }
}

let work = "";
let loop = "";
const consoles: Console[] = [];
const mounts: string[] = [];

function installerArgs(): string[] {
    return ["--disk", loop, "--source", path.join(work, "source"), "--target", path.join(work, "target"),
        "--serial", "none", "--log", path.join(work, "install.log")];
}

function start(): Console {
    const c = new Console(installerArgs());
    consoles.push(c);
    return c;
}

function firstMiB(): Buffer {
    return readFirstMiB(loop);
}

/* The disks of this machine: none may be offered. */
function machineDisks(): string[] {
    const devs = (JSON.parse(must("lsblk", ["-J", "-d", "-o", "PATH,TYPE"])) as { blockdevices: Array<{ path: string; type: string }> }).blockdevices;
    return devs.filter(d => d.type === "disk").map(d => d.path);
}

/* Optional: the interface menu appears only where there is more than one NIC. */
async function networkMode(c: Console, choice: "dhcp" | "static"): Promise<void> {
    const shown = await c.see(/Network interface:|Network on \S+:/);
    if (/Network interface:/.test(shown)) {
        c.type(KEY.enter);
        await c.see(/Network on \S+:/);
    }
    c.type(choice === "dhcp" ? KEY.enter : `${KEY.down}${KEY.enter}`);
}

/* From the host name to the summary with good answers: the default time zone, DHCP, the first profile (ceph). */
async function dhcpWalkToSummary(c: Console, host: string, localeKeys: string): Promise<string> {
    await c.enter("Host name (a short name", host);
    await c.answer("Time zone (e.g.", KEY.enter); // its default, Etc/UTC
    await c.answer("Locale:", localeKeys);
    await c.enter("Password for root:", "Tui-Top-Secret-1");
    await c.enter("The password for root again:", "Tui-Top-Secret-1");
    await c.enter("user name (in the sudo and debvisor-admin", "carol");
    await c.enter("Password for carol:", "Tui-Admin-Secret-7");
    await c.enter("The password for carol again:", "Tui-Admin-Secret-7");
    await networkMode(c, "dhcp");
    await c.answer("Storage profile", KEY.enter);
    await c.answer("Cluster (other nodes join", KEY.enter); // none
    return c.see("Install now?");
}

function cryptMatches(password: string, hash: string): boolean {
    const salt = /^\$6\$([^$]+)\$/.exec(hash)?.[1];
    if (!salt)
        return false;
    const r = spawnSync("openssl", ["passwd", "-6", "-salt", salt, "-stdin"], { input: `${password}\n`, encoding: "utf8" });
    return r.stdout.trim() === hash;
}

QUnit.module("installer: the text interface in a terminal", hooks => {
    hooks.before(() => {
        work = fs.mkdtempSync(path.join(os.tmpdir(), "debvisor-installer-tui-"));
        makeSource(path.join(work, "source"));
        const image = path.join(work, "disk.img");
        fs.closeSync(fs.openSync(image, "w"));
        fs.truncateSync(image, 3 * 1024 ** 3);
        loop = must("losetup", ["-P", "--show", "-f", image]).trim();
    });
    hooks.after(async () => {
        for (const c of consoles)
            c.stop();
        await Promise.race([Promise.all(consoles.map(c => c.exited)), new Promise(r => setTimeout(r, 10_000))]);
        while (mounts.length)
            sh("umount", [mounts.pop()!]);
        sh("umount", [path.join(work, "target")]);
        if (loop)
            sh("losetup", ["-d", loop]);
        fs.rmSync(work, { recursive: true, force: true });
    });

    QUnit.test("every question, bad answers re-asked, static network, No at the summary: nothing written", async assert => {
        assert.timeout(240_000);
        writePattern(loop, "DEBVISOR-TUI-TEST ");
        const before = firstMiB();
        const c = start();
        await c.answer("This installs DebVisor on a disk", KEY.enter);

        const offered = await c.see(/The disk to install on[\s\S]*<Cancel>/);
        assert.ok(offered.includes(loop), `the loop device is offered: ${offered}`);
        for (const d of machineDisks())
            assert.false(offered.includes(`${d} `), `${d} of this machine is not offered`);
        c.type(KEY.enter);

        const hostPrompt = "Host name (a short name";
        assert.ok((await c.see(hostPrompt)).includes("debvisor"), "the host name's default");
        await c.refused(hostPrompt, "-bad_host;x", /"-bad_host;x" is not a valid host name/, assert, "bad host name");
        await c.refused(hostPrompt, "1234", /first label is all digits/, assert, "an all-digit host name");
        await c.enter(hostPrompt, "node9.example.org");

        const tzPrompt = "Time zone (e.g.";
        await c.refused(tzPrompt, "Mars/Olympus", "The time zone Mars/Olympus is unknown.", assert, "unknown time zone");
        await c.refused(tzPrompt, "../../etc/passwd", /is not a time zone name/, assert, "a path for a time zone");
        await c.enter(tzPrompt, "Europe/Berlin");

        // the locale menu's last item: type one
        await c.answer("Locale:", `${KEY.down.repeat(6)}${KEY.enter}`);
        const localePrompt = "Locale (e.g. it_IT.UTF-8):";
        await c.refused(localePrompt, "latin1", /"latin1" is not a UTF-8 locale name/, assert, "a locale that is not UTF-8");
        await c.enter(localePrompt, "it_IT.UTF-8");

        const rootPrompt = "Password for root:";
        await c.refused(rootPrompt, "", "The password must have at least 8 characters.", assert, "empty root password");
        await c.refused(rootPrompt, "short", "The password must have at least 8 characters.", assert, "short root password");
        await c.refused(rootPrompt, "aaaaaaaaaaaa", "The password must not be one character repeated.", assert, "repeated character");
        await c.refused(rootPrompt, "my-root-password", "The password must not contain the user name.", assert, "root in root's password");
        await c.enter(rootPrompt, "Tui-Top-Secret-1");
        await c.refused("The password for root again:", "Tui-Top-Secret-2", "The passwords differ.", assert, "mismatched confirmation");
        await c.enter(rootPrompt, "Tui-Top-Secret-1");
        await c.enter("The password for root again:", "Tui-Top-Secret-1");

        const userPrompt = "user name (in the sudo and debvisor-admin";
        await c.refused(userPrompt, "root", /"root" is reserved for the system/, assert, "root as the admin");
        await c.refused(userPrompt, "Carol Smith", /is not a valid user name/, assert, "a user name with capitals and a space");
        await c.refused(userPrompt, "-carol", /is not a valid user name/, assert, "a user name with a leading -");
        await c.enter(userPrompt, "carol");
        await c.refused("Password for carol:", "carol-2024-x", "The password must not contain the user name.", assert, "the user name in the password");
        await c.enter("Password for carol:", "Tui-Admin-Secret-7");
        await c.enter("The password for carol again:", "Tui-Admin-Secret-7");

        await networkMode(c, "static");
        const addrPrompt = "Address with prefix length";
        await c.refused(addrPrompt, "192.0.2.300/24", /"192\.0\.2\.300" is not an IP address/, assert, "a bad address");
        await c.refused(addrPrompt, "192.0.2.10/33", /prefix length \/33 is out of range/, assert, "a bad prefix");
        await c.refused(addrPrompt, "192.0.2.10", /is not an address with its prefix length/, assert, "no prefix");
        await c.enter(addrPrompt, "192.0.2.10/24");
        await c.refused("Gateway:", "router", "router is not an IP address.", assert, "a name as the gateway");
        await c.enter("Gateway:", "192.0.2.1");
        const dnsPrompt = "Name servers (separated by spaces):";
        assert.ok((await c.see(dnsPrompt)).includes("192.0.2.1"), "the name server's default: the gateway");
        await c.refused(dnsPrompt, "192.0.2.53 ns1", "Give one to three IP addresses.", assert, "a name among the name servers");
        await c.refused(dnsPrompt, "192.0.2.1 192.0.2.2 192.0.2.3 192.0.2.4", "Give one to three IP addresses.", assert, "four name servers");
        await c.enter(dnsPrompt, "192.0.2.53 192.0.2.54");

        await c.answer("Storage profile", `${KEY.down}${KEY.enter}`);
        await c.answer("Cluster (other nodes join", `${KEY.down}${KEY.enter}`); // create
        const summary = await c.see("Install now?");
        for (const want of [`Disk: ${loop} (ALL DATA ON IT WILL BE ERASED)`, "Host name: node9.example.org", "Time zone: Europe/Berlin",
            "Locale: it_IT.UTF-8", "Admin user: carol (sudo, debvisor-admin)", "192.0.2.10/24 via 192.0.2.1, DNS 192.0.2.53 192.0.2.54",
            "Storage: zfs", "Cluster: a new one, made at first boot"])
            assert.ok(summary.includes(want), `the summary shows "${want}"`);
        assert.false(summary.includes("It holds DebVisor"), "a blank disk is not said to hold DebVisor");
        assert.false(/Tui-(Root|Admin)-Secret/.test(c.all()), "no password is ever shown");
        // its default button is No
        c.type(KEY.enter);
        const status = await c.exit(WAIT_MS);
        assert.strictEqual(status, 3, "exit status 3: cancelled");
        assert.ok(c.all().includes("cancelled; nothing was written"), c.all().slice(-300));
        assert.true(firstMiB().equals(before), "the first MiB of the disk is unchanged");
        assert.false(fs.existsSync(path.join(work, "target")) && fs.readdirSync(path.join(work, "target")).length > 0, "nothing in the target");
        assert.false(fs.existsSync(path.join(work, "install.log")), "no installation was started");
    });

    QUnit.test("Esc at a question cancels: nothing written", async assert => {
        const before = firstMiB();
        const c = start();
        await c.answer("This installs DebVisor on a disk", KEY.enter);
        await c.answer("The disk to install on", KEY.enter);
        await c.answer("Host name (a short name", KEY.esc);
        assert.strictEqual(await c.exit(WAIT_MS), 3);
        assert.ok(c.all().includes("cancelled; nothing was written"));
        assert.true(firstMiB().equals(before), "the first MiB of the disk is unchanged");
    });

    QUnit.test("DHCP, Yes at the summary: installed onto the loop device", async assert => {
        assert.timeout(600_000);
        const c = start();
        await c.answer("This installs DebVisor on a disk", KEY.enter);
        await c.answer("The disk to install on", KEY.enter);
        const summary = await dhcpWalkToSummary(c, "node5", `${KEY.down.repeat(2)}${KEY.enter}`); // en_GB.UTF-8
        assert.ok(/Network: \S+: DHCP/.test(summary), summary);
        assert.ok(summary.includes("Locale: en_GB.UTF-8") && summary.includes("Time zone: Etc/UTC") && summary.includes("Storage: ceph"), summary);
        c.type(`${KEY.tab}${KEY.enter}`); // to Yes
        const status = await c.exit(540_000);
        const out = c.all();
        assert.strictEqual(status, 0, out.slice(-3000));
        assert.ok(out.includes("DebVisor installer: interactive;"), "the log says how it was started");
        assert.ok(out.includes("DEBVISOR-INSTALL: DONE"), out.slice(-3000));

        const table = must("sgdisk", ["-p", loop]);
        assert.ok(/^\s+1\s+2048\s+4095\s+1024\.0 KiB\s+EF02\s+bios$/m.test(table), table);
        assert.ok(/^\s+2\s+\d+\s+\d+\s+256\.0 MiB\s+EF00\s+efi$/m.test(table), table);
        assert.ok(/^\s+3\s+\d+\s+\d+\s+[\d.]+ GiB\s+8304\s+root$/m.test(table), table);
        const rootUuid = must("blkid", ["-p", "-s", "UUID", "-o", "value", `${loop}p3`]).trim();
        assert.strictEqual(must("blkid", ["-p", "-s", "LABEL", "-o", "value", `${loop}p3`]).trim(), "debvisor-root");
        const dir = path.join(work, "check-root");
        fs.mkdirSync(dir, { recursive: true });
        must("mount", ["-o", "ro", `${loop}p3`, dir]);
        mounts.push(dir);
        const read = (rel: string) => fs.readFileSync(path.join(dir, rel), "utf8");
        assert.ok(new RegExp(`^UUID=${rootUuid}\\s+/\\s+ext4\\s`, "m").test(read("etc/fstab")), read("etc/fstab"));
        assert.strictEqual(read("etc/hostname"), "node5\n");
        assert.ok(read("etc/hosts").includes("127.0.1.1\tnode5\n"), read("etc/hosts"));
        assert.strictEqual(read("etc/debvisor-profile"), "PROFILE=ceph\n");
        assert.strictEqual(read("etc/debvisor-cluster"), "CLUSTER=none\n", "no cluster asked for");
        assert.ok(/^auto (\S+)\niface \1 inet dhcp$/m.test(read("etc/network/interfaces")), read("etc/network/interfaces"));
        assert.strictEqual(read("etc/default/locale"), "LANG=en_GB.UTF-8\n");
        assert.strictEqual(fs.readlinkSync(path.join(dir, "etc/localtime")), "/usr/share/zoneinfo/Etc/UTC");
        const shadow = Object.fromEntries(read("etc/shadow").trim().split("\n").map(l => l.split(":")).map(f => [f[0], f[1] ?? ""]));
        assert.true(cryptMatches("Tui-Top-Secret-1", shadow.root ?? ""), `root's hash is of the password typed: ${shadow.root}`);
        assert.true(cryptMatches("Tui-Admin-Secret-7", shadow.carol ?? ""), `carol's hash is of the password typed: ${shadow.carol}`);
        assert.false(cryptMatches("Tui-Top-Secret-2", shadow.root ?? ""), "(the check can fail)");
        assert.ok(/^sudo:x:27:carol$/m.test(read("etc/group")), read("etc/group"));
        assert.ok(/^debvisor-admin:x:\d+:carol$/m.test(read("etc/group")), read("etc/group"));
        assert.ok(read("boot/grub/grub.cfg").includes(`search --no-floppy --fs-uuid --set=root ${rootUuid}\n`));
        assert.ok(read("var/log/installer/debvisor-install.log").includes("DebVisor installer: interactive;"), "the log is kept on the node");
        sh("umount", [mounts.pop()!]);
    });

    QUnit.test("a disk holding DebVisor is offered as such, and the summary says it is replaced", async assert => {
        const before = firstMiB();
        const c = start();
        await c.answer("This installs DebVisor on a disk", KEY.enter);
        const menu = await c.see("(DebVisor installed)");
        assert.ok(menu.includes(loop), menu);
        c.type(KEY.enter);
        const summary = await dhcpWalkToSummary(c, "node6", KEY.enter);
        assert.ok(summary.includes(`It holds DebVisor (${loop}p3), which is replaced.`), summary);
        c.type(KEY.enter);
        assert.strictEqual(await c.exit(WAIT_MS), 3);
        assert.true(firstMiB().equals(before), "No at the summary: the first MiB of the disk is unchanged");
    });

    // what runs at the end of an unattended reboot: only a marked CD/DVD drive is ejected
    const mark = "/run/debvisor-install/eject-at-reboot";
    testUnless("the shutdown hook leaves anything but a marked CD/DVD alone",
        fs.existsSync(mark) ? `${mark} exists on this machine already: not touched` : null, assert => {
        const hook = "/usr/lib/systemd/system-shutdown/debvisor-installer-eject";
        assert.ok(fs.statSync(hook).mode & 0o100, "installed, executable");
        assert.strictEqual(sh("sh", ["-n", hook]).status, 0, "valid shell");
        const before = firstMiB();
        const madeDir = !fs.existsSync(path.dirname(mark));
        fs.mkdirSync(path.dirname(mark), { recursive: true, mode: 0o700 });
        try {
            for (const marked of [`${loop}\n`, `/dev/sr0; touch ${path.join(work, "injected")}\n`, "-m /dev/sr0\n", ""]) {
                fs.writeFileSync(mark, marked, { mode: 0o600 });
                for (const verb of ["reboot", "poweroff", "halt", ""]) {
                    const r = sh(hook, verb ? [verb] : []);
                    assert.strictEqual(r.status, 0, `${JSON.stringify(marked)} ${verb}: exit 0 ${r.stderr}`);
                    assert.strictEqual(r.stdout + r.stderr, "", "silent");
                }
            }
        } finally {
            fs.rmSync(mark, { force: true });
            if (madeDir)
                fs.rmdirSync(path.dirname(mark));
        }
        assert.ok(must("losetup", ["-l", "-n", "-O", "NAME"]).split("\n").map(l => l.trim()).includes(loop), "the loop device is still attached");
        assert.false(fs.existsSync(path.join(work, "injected")), "the mark is a device name, never a command");
        assert.true(firstMiB().equals(before), "the first MiB of the disk is unchanged");
    });
});
