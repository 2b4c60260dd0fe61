// A whole DebVisor node under systemd, for the tests: a Debian minbase root
// file system with the freshly built .debs installed by apt, booted by
// systemd-nspawn with systemd as its PID 1 (the test machine itself has no
// systemd as PID 1). The prepared root file system, with everything the
// packages depend on, is kept in a cache between runs, keyed by the release,
// the mirror and the package list; each node boots a copy of it. Commands run
// inside with nsenter, since a node started with --register=no is unknown to
// machinectl.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { waitFor } from "./wait.js";

const CACHE = "/var/cache/debvisor-tests/nspawn";
/* Packages apt downloaded into nodes, per release, kept between runs like the prepared roots. */
export const APT_ARCHIVES = "/var/cache/debvisor-tests/apt-archives";
const NODE_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
/* The node's init and what the areas are checked with; the .debs bring the rest. What the ISO
 * installs for first boot (iso/config/package-lists): ifupdown, which reads the bridge from
 * /etc/network/interfaces, dnsmasq-base for libvirt's NAT network, cockpit-ws for Cockpit's socket. */
const BASE_PACKAGES = ["systemd", "systemd-sysv", "dbus", "libvirt-daemon-system", "libvirt-dbus", "libvirt-clients", "bind9-dnsutils", "ca-certificates",
    "ifupdown", "dnsmasq-base", "cockpit-ws"];
/* What the debvisor metapackage recommends and the tests install later on a node of the .debs alone
 * (bind9 makes the node a DNS primary, dnsmasq serves the DHCP ranges): only downloaded into the
 * node's apt cache, since the booted node has no network. */
export const LATER_PACKAGES = ["bind9", "dnsmasq"];
const DOWNLOAD_LATER = `apt-get install -y -q --no-install-recommends --download-only ${LATER_PACKAGES.join(" ")}`;
/* The .debs a node gets (the installer belongs on the live image only). */
const NODE_DEBS = /^(debvisord|cockpit-debvisor)_.*\.deb$/;

export interface RunResult { status: number | null; stdout: string; stderr: string }

function run(cmd: string, args: string[], timeoutMs = 120_000): RunResult {
    const r = spawnSync(cmd, args, { encoding: "utf8", timeout: timeoutMs, stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 * 1024 * 1024 });
    return { status: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? (r.error ? String(r.error) : "") };
}

function must(cmd: string, args: string[], timeoutMs?: number): string {
    const r = run(cmd, args, timeoutMs);
    if (r.status !== 0)
        throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}): ${(r.stderr || r.stdout).slice(-2000)}`);
    return r.stdout;
}

const hasTool = (name: string) => run("sh", ["-c", `command -v ${name}`]).status === 0;

/* Why a node cannot boot here, or null when it can. */
export function nodeUnavailable(debsDir: string): string | null {
    if (process.getuid?.() !== 0)
        return "booting a node needs root";
    for (const tool of ["systemd-nspawn", "debootstrap", "nsenter"])
        if (!hasTool(tool))
            return `${tool} is not installed (scripts/deps.sh installs systemd-container and debootstrap)`;
    if (!fs.existsSync(debsDir) || !fs.readdirSync(debsDir).some(f => NODE_DEBS.test(f)))
        return `no .debs in ${debsDir}: run \`npm run deb\` first`;
    if (mirror() === null)
        return "no Debian mirror in the host's apt sources";
    return null;
}

/* The Debian archive the host's own apt uses (its first deb source that is
 * not the security archive), so the node needs no other network access. */
export function mirror(): string | null {
    const uris: string[] = [];
    const files = ["/etc/apt/sources.list", ...fs.existsSync("/etc/apt/sources.list.d")
        ? fs.readdirSync("/etc/apt/sources.list.d").sort().map(f => path.join("/etc/apt/sources.list.d", f)) : []];
    for (const file of files) {
        if (!fs.existsSync(file))
            continue;
        const text = fs.readFileSync(file, "utf8");
        if (file.endsWith(".sources")) {
            for (const stanza of text.split(/\n\s*\n/)) {
                if (!/^Types:.*\bdeb\b/m.test(stanza) || /^Enabled:\s*no/mi.test(stanza))
                    continue;
                const m = /^URIs:\s*(.+)$/m.exec(stanza);
                if (m)
                    uris.push(...m[1].trim().split(/\s+/));
            }
        } else if (file.endsWith(".list")) {
            for (const line of text.split("\n")) {
                const m = /^\s*deb\s+(?:\[[^\]]*\]\s+)?(\S+)/.exec(line);
                if (m)
                    uris.push(m[1]);
            }
        }
    }
    return uris.find(u => /^https?:\/\//.test(u) && !/security/.test(u)) ?? null;
}

/* A kind of node: a plain one (name "") or one with more packages, cached apart under its name. */
export interface NodeVariant { name: string; packages: string[] }
const PLAIN: NodeVariant = { name: "", packages: [] };

/* The packages named in a .deb's Depends (the first of each set of alternatives). */
function dependsOf(deb: string): string[] {
    const field = must("dpkg-deb", ["-f", deb, "Depends"]).trim();
    return field.split(",").map(d => d.split("|")[0].trim().split(/[\s(:]/)[0]).filter(Boolean);
}

/* systemd-nspawn with `args`, started from a mount namespace of its own
 * that has only the host's base mounts (/, /proc, /sys, /dev): a node copies
 * every mount that exists when it starts and, where mounts do not propagate,
 * keeps them alive as long as it runs. npm test runs the node tests beside
 * the host's, whose ZFS datasets, CephFS, NBD and loop mounts must be
 * unmountable meanwhile (zpool export said "pool is busy" while a node ran). */
export function nspawnCommand(args: string[]): [string, string[]] {
    const detach = `awk '$5 != "/" && $5 !~ "^/(proc|sys|dev)(/|$)" { print $5 }' /proc/self/mountinfo | sort -r |
        while read -r m; do umount -l "$m" 2>/dev/null; done; exec systemd-nspawn "$@"`;
    return ["unshare", ["--mount", "--propagation", "private", "sh", "-c", detach, "systemd-nspawn", ...args]];
}

function nspawn(dir: string, args: string[], extra: string[] = [], timeoutMs = 600_000): string {
    return must(...nspawnCommand(["--register=no", "--keep-unit", "--quiet", "-D", dir,
        "--setenv=DEBIAN_FRONTEND=noninteractive", ...extra, ...args]), timeoutMs);
}

/* The prepared root file system for a release: debootstrap, then apt inside
 * for what the node's packages depend on. Built once; made in a temporary
 * directory and renamed, so a run that was cut short leaves no half cache. */
export function preparedRoot(release: string, debs: string[], variant: NodeVariant = PLAIN): { dir: string; built: boolean } {
    const archive = mirror()!;
    const packages = [...new Set([...BASE_PACKAGES, ...variant.packages, ...debs.flatMap(dependsOf)])]
        .filter(p => !debs.some(d => path.basename(d).startsWith(`${p}_`))).sort();
    const key = crypto.createHash("sha256").update(JSON.stringify({ release, archive, packages, later: LATER_PACKAGES })).digest("hex").slice(0, 16);
    const prefix = `${variant.name ? `${variant.name}-` : ""}${release}-`;
    const dir = path.join(CACHE, `${prefix}${key}`);
    if (fs.existsSync(path.join(dir, "etc/os-release")))
        return { dir, built: false };
    fs.mkdirSync(CACHE, { recursive: true });
    const temp = fs.mkdtempSync(path.join(CACHE, `.${release}-`));
    try {
        // it becomes the node's "/": not mkdtemp's 0700, or no service user could reach a file
        fs.chmodSync(temp, 0o755);
        must("debootstrap", ["--variant=minbase", "--include=systemd,systemd-sysv,dbus", release, temp, archive], 900_000);
        nspawn(temp, ["sh", "-c", `apt-get update -q && apt-get install -y -q --no-install-recommends ${packages.join(" ")} && apt-get clean && ${DOWNLOAD_LATER}`]);
        fs.writeFileSync(path.join(temp, "etc/hostname"), "debvisor-node\n");
        fs.renameSync(temp, dir);
        // a release's older package lists: each prepared root takes about 400 MB
        for (const old of fs.readdirSync(CACHE).filter(f => f.startsWith(prefix) && path.join(CACHE, f) !== dir))
            fs.rmSync(path.join(CACHE, old), { recursive: true, force: true });
    } catch (e) {
        fs.rmSync(temp, { recursive: true, force: true });
        throw e;
    }
    return { dir, built: true };
}

/* One booted node: its copy of the prepared root, the nspawn process and the node's PID 1. */
export class Node {
    private nspawn: ChildProcess | null = null;
    private exited: Promise<void> = Promise.resolve();
    initPid = 0;

    private constructor(readonly name: string, readonly dir: string, readonly log: string) {}

    /* A copy of the prepared root, nothing installed yet; not booted. */
    static copyOfPrepared(release: string, debsDir: string, variant: NodeVariant = PLAIN): { node: Node; cacheBuilt: boolean } {
        const debs = fs.readdirSync(debsDir).filter(f => NODE_DEBS.test(f)).map(f => path.join(debsDir, f));
        const prepared = preparedRoot(release, debs, variant);
        const name = `dvnode-${crypto.randomBytes(3).toString("hex")}`;
        const dir = fs.mkdtempSync(`/var/tmp/debvisor-test-${release}-`);
        fs.chmodSync(dir, 0o755);
        const node = new Node(name, dir, `${dir}.console.log`);
        try {
            must("cp", ["-a", `${prepared.dir}/.`, dir], 300_000);
        } catch (e) {
            node.remove();
            throw e;
        }
        return { node, cacheBuilt: prepared.built };
    }

    /* A copy of the prepared root with the .debs installed by apt, as a user would. */
    static create(release: string, debsDir: string, variant: NodeVariant = PLAIN): { node: Node; cacheBuilt: boolean } {
        const debs = fs.readdirSync(debsDir).filter(f => NODE_DEBS.test(f)).map(f => path.join(debsDir, f));
        const { node, cacheBuilt } = Node.copyOfPrepared(release, debsDir, variant);
        const dir = node.dir;
        try {
            // the later packages fetched again only when the archive has newer ones than the cache
            nspawn(dir, ["sh", "-c", `apt-get update -q && apt-get install -y -q --no-install-recommends ${debs.map(d => `/run/debs/${path.basename(d)}`).join(" ")} && ${DOWNLOAD_LATER}`],
                [`--bind-ro=${debsDir}:/run/debs`]);
        } catch (e) {
            node.remove();
            throw e;
        }
        return { node, cacheBuilt };
    }

    /* A command in the node's root before it boots, in the host's network (so
     * apt reaches the host's mirror and servers on its loopback). Asynchronous:
     * the test process may serve what the command fetches. */
    beforeBoot(cmd: string[], extra: string[] = [], timeoutMs = 900_000): Promise<RunResult> {
        return new Promise(resolve => {
            // --pipe: plain output (a console of its own turns each "\n" into "\r\n")
            const child = spawn(...nspawnCommand(["--register=no", "--keep-unit", "--quiet", "--pipe", "-D", this.dir,
                "--setenv=DEBIAN_FRONTEND=noninteractive", ...extra, ...cmd]), { stdio: ["ignore", "pipe", "pipe"] });
            let stdout = "", stderr = "";
            child.stdout.on("data", (d: Buffer) => { stdout += d.toString(); });
            child.stderr.on("data", (d: Buffer) => { stderr += d.toString(); });
            const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
            child.once("close", status => {
                clearTimeout(timer);
                resolve({ status, stdout, stderr });
            });
        });
    }

    /* Boots it with its own network namespace (nft tables, sysctls and
     * bridges stay inside; with `bridge`, its interface host0 is a port of
     * that bridge of the test machine; `extra`: more systemd-nspawn options) and waits until systemd has finished starting up. */
    async boot(timeoutMs = 120_000, bridge = "", extra: string[] = []): Promise<string> {
        const out = fs.openSync(this.log, "w");
        const child = spawn(...nspawnCommand(["--register=no", "--keep-unit", "--boot", "--quiet", "-M", this.name, "-D", this.dir,
            bridge ? `--network-bridge=${bridge}` : "--private-network", "--console=passive", ...extra]), { stdio: ["ignore", out, out] });
        fs.closeSync(out);
        this.nspawn = child;
        this.exited = new Promise(resolve => child.once("exit", () => resolve()));
        await waitFor("the node's PID 1", () => {
            if (child.exitCode !== null || child.signalCode !== null)
                throw new Error(`systemd-nspawn exited (${child.exitCode ?? child.signalCode}): ${fs.readFileSync(this.log, "utf8").slice(-2000)}`);
            try {
                const children = fs.readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean);
                this.initPid = Number(children[0] ?? 0);
                return this.initPid > 0 && fs.readFileSync(`/proc/${this.initPid}/comm`, "utf8").trim() === "systemd";
            } catch {
                return false; // a child of the wrapper that detaches the host's mounts, gone meanwhile
            }
        }, 30_000);
        let state = "";
        // "offline" (or nothing) while PID 1 is systemd: its socket is not there yet, which on a busy machine takes a while
        await waitFor("systemd in the node to finish starting up", () => {
            state = this.exec(["systemctl", "is-system-running"]).stdout.trim();
            return state !== "" && !["initializing", "starting", "offline", "unknown"].includes(state);
        }, timeoutMs, 500);
        return state;
    }

    /* A command in the node's namespaces, with the node's own environment. */
    exec(cmd: string[], timeoutMs = 60_000): RunResult {
        return run("nsenter", ["-t", String(this.initPid), "-a", "env", "-i", NODE_PATH, ...cmd], timeoutMs);
    }

    /* A command run by the node's systemd (a transient service: no login uid,
     * the node's environment), as a root shell on the node would. */
    service(cmd: string[], timeoutMs = 60_000): RunResult {
        return this.exec(["systemd-run", "--wait", "--pipe", "--quiet", "--collect", ...cmd], timeoutMs);
    }

    /* Installs packages of LATER_PACKAGES from the node's apt cache, as an administrator would (it has no network). */
    installLater(packages: string[], timeoutMs = 300_000): void {
        this.mustExec(["env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y", "-q", "--no-install-recommends", "--no-download", ...packages], timeoutMs);
    }

    mustExec(cmd: string[], timeoutMs?: number): string {
        const r = this.exec(cmd, timeoutMs);
        if (r.status !== 0)
            throw new Error(`in the node: ${cmd.join(" ")} failed (${r.status}): ${r.stderr || r.stdout}`);
        return r.stdout;
    }

    /* Powers it off by the nspawn process's PID (SIGTERM: a clean shutdown
     * of the node's systemd); a shutdown still going after a bounded wait (a
     * guest that does not stop) ends as kill() does, so nothing of the node
     * outlives it (SIGKILL to nspawn alone would leave the node's systemd and
     * everything under it running). */
    async stop(): Promise<void> {
        const child = this.nspawn;
        if (!child || child.exitCode !== null || child.signalCode !== null)
            return;
        child.kill("SIGTERM");
        const timer = new Promise<"late">(r => setTimeout(() => r("late"), 30_000).unref());
        if (await Promise.race([this.exited.then(() => "gone" as const), timer]) === "late")
            await this.kill();
        this.nspawn = null;
    }

    /* Kills it hard, as a power cut would: SIGKILL to the node's PID 1 ends every process in its namespace. */
    async kill(): Promise<void> {
        const child = this.nspawn;
        if (!child || child.exitCode !== null || child.signalCode !== null)
            return;
        try {
            process.kill(this.initPid, "SIGKILL");
        } catch {
            // its systemd ended already; nspawn is about to
        }
        const timer = new Promise<"late">(r => setTimeout(() => r("late"), 30_000).unref());
        if (await Promise.race([this.exited.then(() => "gone" as const), timer]) === "late")
            child.kill("SIGKILL");
        await this.exited;
        this.nspawn = null;
    }

    remove(): void {
        fs.rmSync(this.dir, { recursive: true, force: true });
        fs.rmSync(this.log, { force: true });
    }
}
