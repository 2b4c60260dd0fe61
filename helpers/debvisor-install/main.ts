/* debvisor-install: installs DebVisor from the live system onto a disk.
 *
 *   debvisor-install                 the text interface (whiptail)
 *   debvisor-install --answers FILE|URL   unattended, from an answers file
 *   debvisor-install --boot          what the live system's unit runs: unattended when
 *                                    the kernel command line has debvisor.answers=FILE|URL
 *                                    or a disk labelled DVANSWERS holds debvisor-answers.conf,
 *                                    else the text interface
 *   debvisor-install --check --answers FILE   only check the answers (nothing is touched)
 *
 * Options: --source SQUASHFS|DIR (default: the live medium's filesystem.squashfs),
 * --target DIR (default /target), --serial ttyS0,115200n8|none (default: from the
 * kernel command line), --min-disk-gib N, --log FILE, --disk DEV (repeatable: the
 * only disks that may be installed on; the text interface offers just these, a
 * loop device included, and answers naming another disk are refused; default:
 * every writable whole disk but the live medium and the answers disk).
 *
 * With finish=reboot the live medium, when it is an optical disc, is ejected at
 * the very end of the shutdown (the package's systemd-shutdown hook), so the
 * machine boots the installed disk; whatever the medium, a disk that already
 * holds a DebVisor installation is refused unless the answers say overwrite=yes.
 * Exit status: 0 installed (or answers good), 2 bad answers or arguments (nothing
 * touched), 3 cancelled, 1 the installation failed.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { runTool } from "../lib/tool-run.js";
import { type Answers, AnswersError, answersFromCmdline, checkDisk, parseAnswers } from "./answers.js";
import { install, InstallError, installedOn, LIVE_SQUASHFS, preflight, type InstallOptions } from "./install.js";
import { Cancelled, interactive, type DiskChoice } from "./tui.js";

const ANSWERS_LABEL = "DVANSWERS";
const ANSWERS_NAME = "debvisor-answers.conf";
const MAX_ANSWERS_BYTES = 64 * 1024;

interface Args {
    answers: string | null;
    boot: boolean;
    check: boolean;
    source: string;
    target: string;
    serial: string | null | undefined;
    minDiskGib: number | undefined;
    logFile: string;
    disks: string[];
}

class UsageError extends Error {}

function parseArgs(argv: string[]): Args {
    const args: Args = {
        answers: null, boot: false, check: false, source: LIVE_SQUASHFS, target: "/target",
        serial: undefined, minDiskGib: undefined, logFile: "/var/log/debvisor-install.log", disks: [],
    };
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i]!;
        const value = (): string => {
            const v = argv[++i];
            if (v === undefined || v === "")
                throw new UsageError(`${a} needs a value`);
            return v;
        };
        switch (a) {
        case "--answers": args.answers = value(); break;
        case "--boot": args.boot = true; break;
        case "--check": args.check = true; break;
        case "--source": args.source = value(); break;
        case "--target": args.target = value(); break;
        case "--serial": {
            const v = value();
            if (v !== "none" && !/^tty[A-Za-z]+[0-9]+(,[0-9]+[a-z0-9]*)?$/.test(v))
                throw new UsageError(`--serial ${v}: expected e.g. ttyS0,115200n8 or none`);
            args.serial = v === "none" ? null : v;
            break;
        }
        case "--min-disk-gib": {
            const n = Number(value());
            if (!Number.isFinite(n) || n < 0.1 || n > 100_000)
                throw new UsageError("--min-disk-gib: a number of GiB");
            args.minDiskGib = n;
            break;
        }
        case "--log": args.logFile = value(); break;
        case "--disk": {
            const v = value();
            const problem = checkDisk(v);
            if (problem)
                throw new UsageError(`--disk: ${problem}`);
            args.disks.push(v);
            break;
        }
        case "-h": case "--help":
            process.stdout.write("usage: debvisor-install [--boot | --answers FILE|URL [--check]] [--source SQUASHFS|DIR] [--target DIR] " +
                "[--serial ttyS0,115200n8|none] [--min-disk-gib N] [--log FILE] [--disk DEV]...\n");
            process.exit(0);
            break;
        default: throw new UsageError(`unknown argument ${a}`);
        }
    }
    if (args.check && !args.answers)
        throw new UsageError("--check needs --answers");
    return args;
}

let logFd: number | null = null;
function log(line: string): void {
    const stamped = `${new Date().toISOString().slice(11, 19)} ${line}`;
    process.stdout.write(`${stamped}\n`);
    if (logFd !== null)
        fs.writeSync(logFd, `${stamped}\n`);
}

async function readAnswers(where: string): Promise<string> {
    if (/^https?:\/\//.test(where)) {
        // the network may still be coming up: up to 12 tries, 5 s apart
        let last = "";
        for (let attempt = 0; attempt < 12; attempt++) {
            if (attempt)
                await new Promise(res => setTimeout(res, 5000));
            const ac = new AbortController();
            const timer = setTimeout(() => ac.abort(), 20_000);
            try {
                const res = await fetch(where, { signal: ac.signal });
                if (!res.ok)
                    throw new UsageError(`answers ${where}: HTTP ${res.status}`);
                const text = await res.text();
                if (text.length > MAX_ANSWERS_BYTES)
                    throw new UsageError(`answers ${where}: larger than 64 KiB`);
                return text;
            } catch (e) {
                if (e instanceof UsageError)
                    throw e;
                last = (e as Error).message;
            } finally {
                clearTimeout(timer);
            }
        }
        throw new UsageError(`answers ${where}: ${last}`);
    }
    const file = where.replace(/^file:\/\//, "");
    try {
        const st = fs.statSync(file);
        if (!st.isFile())
            throw new UsageError(`answers ${file}: not a file`);
        if (st.size > MAX_ANSWERS_BYTES)
            throw new UsageError(`answers ${file}: larger than 64 KiB`);
        return fs.readFileSync(file, "utf8");
    } catch (e) {
        throw e instanceof UsageError ? e : new UsageError(`answers ${file}: ${(e as Error).message}`);
    }
}

/* The answers disk: a file system labelled DVANSWERS; waits a little for slow devices. */
async function answersDisk(): Promise<{ device: string; text: string } | null> {
    for (let i = 0; i < 10; i++) {
        const r = await runTool("blkid", ["-L", ANSWERS_LABEL], "blkid", { timeout: 10_000, allowFailure: true });
        const device = r.stdout.trim();
        if (r.exitCode === 0 && device.startsWith("/dev/")) {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dvanswers-"));
            await runTool("mount", ["-o", "ro", device, dir], `mounting ${device}`, { timeout: 30_000 });
            try {
                const file = path.join(dir, ANSWERS_NAME);
                if (!fs.existsSync(file))
                    throw new UsageError(`the disk labelled ${ANSWERS_LABEL} (${device}) has no ${ANSWERS_NAME}`);
                return { device, text: await readAnswers(file) };
            } finally {
                await runTool("umount", [dir], "umount", { timeout: 30_000, allowFailure: true });
                fs.rmdirSync(dir);
            }
        }
        await new Promise(res => setTimeout(res, 1000));
    }
    return null;
}

/* The whole disk a partition belongs to (/dev/vdb1 → /dev/vdb), for the disks to avoid. */
async function parentDisk(dev: string): Promise<string> {
    const r = await runTool("lsblk", ["-no", "PKNAME", dev], "lsblk", { timeout: 10_000, allowFailure: true });
    const name = r.stdout.trim().split("\n")[0];
    return name ? `/dev/${name}` : dev;
}

/* The live medium's disk (never a target). */
async function liveMediumDisk(): Promise<string | null> {
    const r = await runTool("findmnt", ["-n", "-o", "SOURCE", "/run/live/medium"], "findmnt", { timeout: 10_000, allowFailure: true });
    const dev = r.stdout.trim();
    return dev.startsWith("/dev/") ? parentDisk(dev) : null;
}

function serialFromCmdline(): string | null {
    let cmdline = "";
    try {
        cmdline = fs.readFileSync("/proc/cmdline", "utf8");
    } catch { /* no /proc */ }
    const consoles = cmdline.split(/\s+/).filter(w => /^console=ttyS[0-9]+/.test(w)).map(w => w.slice(8));
    return consoles.at(-1) ?? null;
}

/* Network interfaces with a device behind them (not lo, bridges or tunnels), sorted. */
function networkInterfaces(): string[] {
    try {
        return fs.readdirSync("/sys/class/net").filter(n => fs.existsSync(`/sys/class/net/${n}/device`)).sort();
    } catch {
        return [];
    }
}

/* The disks the text interface offers: every writable whole disk but those to avoid,
 * or only those given with --disk (a loop device too); each marked when it holds DebVisor. */
async function diskChoices(avoid: string[], only: string[]): Promise<DiskChoice[]> {
    const r = await runTool("lsblk", ["-J", "-b", "-d", "-o", "PATH,TYPE,SIZE,MODEL,RO", ...only], "lsblk", { timeout: 20_000, allowFailure: true });
    if (r.exitCode !== 0 && !only.length)
        return [];
    const devs = (JSON.parse(r.stdout || "{\"blockdevices\":[]}") as {
        blockdevices: Array<{ path: string; type: string; size: number; model: string | null; ro: boolean }>;
    }).blockdevices;
    const kinds = only.length ? ["disk", "loop"] : ["disk"];
    const choices: DiskChoice[] = [];
    for (const d of devs.filter(d => kinds.includes(d.type) && !d.ro && !avoid.includes(d.path))) {
        choices.push({
            path: d.path, label: `${(d.size / 1024 ** 3).toFixed(1)} GiB ${d.model ?? ""}`.trim(),
            installed: await installedOn(d.path),
        });
    }
    return choices;
}

/* Where the package's systemd-shutdown hook (debvisor-installer-eject) finds the disc to eject. */
const EJECT_FLAG = "/run/debvisor-install/eject-at-reboot";

/* Before an unattended reboot: the live medium, when it is an optical disc, is marked to be
 * ejected at the very end of the shutdown (the live system runs from it until then), so the
 * machine boots the disk it was installed on. A USB medium cannot be ejected: the console
 * says to remove it, and the installer refuses to install over its own installation anyway. */
async function ejectAtReboot(): Promise<void> {
    const live = await liveMediumDisk();
    if (!live)
        return;
    const r = await runTool("lsblk", ["-d", "-n", "-o", "TYPE", live], "lsblk", { timeout: 10_000, allowFailure: true });
    if (r.stdout.trim() === "rom" && /^\/dev\/sr[0-9]+$/.test(live)) {
        fs.mkdirSync(path.dirname(EJECT_FLAG), { recursive: true, mode: 0o700 });
        fs.writeFileSync(EJECT_FLAG, `${live}\n`, { mode: 0o600 });
        log(`the installer disc in ${live} is ejected as the machine restarts`);
    } else {
        log(`remove the installer medium (${live}) or boot from the installed disk: the installer does not install over ` +
            "a DebVisor installation without overwrite=yes");
    }
}

async function finish(answers: Answers): Promise<void> {
    if (answers.finish === "none")
        return;
    if (answers.finish === "reboot")
        await ejectAtReboot().catch(e => log(`warning: the installer medium is not ejected: ${(e as Error).message}`));
    log(`installation finished: ${answers.finish}`);
    await runTool("systemctl", [answers.finish], "systemctl", { timeout: 60_000, allowFailure: true });
}

async function main(): Promise<number> {
    let args: Args;
    try {
        args = parseArgs(process.argv.slice(2));
    } catch (e) {
        process.stderr.write(`debvisor-install: ${(e as Error).message}\n`);
        return 2;
    }
    const avoid: string[] = [];
    let answersText: string | null = null;
    let answersFrom = "";
    try {
        if (args.answers) {
            answersText = await readAnswers(args.answers);
            answersFrom = args.answers;
        } else if (args.boot) {
            let cmdline = "";
            try {
                cmdline = fs.readFileSync("/proc/cmdline", "utf8");
            } catch { /* no /proc */ }
            const where = answersFromCmdline(cmdline);
            if (where) {
                answersText = await readAnswers(where);
                answersFrom = where;
            } else {
                const found = await answersDisk();
                if (found) {
                    answersText = found.text;
                    answersFrom = `${found.device}:${ANSWERS_NAME}`;
                    avoid.push(await parentDisk(found.device));
                }
            }
        }
    } catch (e) {
        process.stderr.write(`debvisor-install: ${(e as Error).message}\n`);
        return 2;
    }

    let answers: Answers;
    if (answersText !== null) {
        try {
            answers = parseAnswers(answersText);
        } catch (e) {
            if (e instanceof AnswersError) {
                process.stderr.write(`debvisor-install: the answers in ${answersFrom} are not usable; nothing was written to any disk:\n` +
                    e.problems.map(p => `  - ${p}\n`).join(""));
                return 2;
            }
            throw e;
        }
        if (args.check) {
            const shown = { ...answers, rootPasswordHash: "(hash)", adminPasswordHash: "(hash)" };
            process.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
            return 0;
        }
    } else {
        const live = await liveMediumDisk();
        if (live)
            avoid.push(live);
        try {
            answers = await interactive(await diskChoices(avoid, args.disks), networkInterfaces());
        } catch (e) {
            if (e instanceof Cancelled) {
                process.stdout.write("debvisor-install: cancelled; nothing was written. Run debvisor-install to start again.\n");
                return 3;
            }
            throw e;
        }
    }

    const live = await liveMediumDisk();
    if (live && !avoid.includes(live))
        avoid.push(live);
    try {
        fs.mkdirSync(path.dirname(args.logFile), { recursive: true });
        logFd = fs.openSync(args.logFile, "a", 0o600);
    } catch {
        logFd = null;
    }
    const opts: InstallOptions = {
        answers,
        source: args.source,
        target: args.target,
        iface: answers.iface || networkInterfaces()[0] || "eth0",
        serial: args.serial === undefined ? serialFromCmdline() : args.serial,
        ...(args.minDiskGib !== undefined ? { minDiskBytes: args.minDiskGib * 1024 ** 3 } : {}),
        avoid,
        only: args.disks,
        log,
        logFile: args.logFile,
    };
    log(`DebVisor installer: ${answersText !== null ? `unattended, answers from ${answersFrom}` : "interactive"}; ` +
        `disk ${answers.disk}, host ${answers.hostname}, profile ${answers.profile}, network ${answers.network.mode} on ${opts.iface}`);
    const started = Date.now();
    try {
        await preflight(opts);
    } catch (e) {
        if (e instanceof InstallError) {
            log(`error: ${e.message}; nothing was written to any disk`);
            return 2;
        }
        throw e;
    }
    try {
        const result = await install(opts);
        for (const w of result.warnings)
            log(`warning: ${w}`);
        log(`DebVisor installed on ${answers.disk} in ${Math.round((Date.now() - started) / 1000)} s ` +
            `(${Object.entries(result.seconds).map(([k, v]) => `${k} ${v} s`).join(", ")})`);
        log("DEBVISOR-INSTALL: DONE");
    } catch (e) {
        log(`error: ${(e as Error).message}`);
        log("DEBVISOR-INSTALL: FAILED");
        return 1;
    }
    await finish(answers);
    return 0;
}

main().then(code => process.exit(code), e => {
    process.stderr.write(`debvisor-install: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
});
