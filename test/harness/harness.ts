// Brings up the real parts the integration and browser tests need, the way a
// Debian host without systemd as PID 1 can run them: the system bus, polkitd,
// cockpit-ws on 127.0.0.1:9090, the freshly built .debs installed (so the
// tests exercise the installed product and bus activation), and the test
// users. What is already running is reused; only processes this harness
// started are stopped, by their PID.
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { closeCallers } from "../lib/call-as.js";
import { TEST_USERS } from "../lib/users.js";
import { processRunning as alive, waitFor } from "../lib/wait.js";
import { removeStalePidFile } from "./stale-pid.js";
import { startNamed } from "./named.js";
import { startSyslog } from "./syslog.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const BUS_SOCKET = "/run/dbus/system_bus_socket";
const COCKPIT_PORT = 9090;
const ROLE_GROUPS = ["debvisor-admin", "debvisor-operator", "debvisor-viewer"];

function sh(cmd: string, args: string[], opts: { input?: string; quiet?: boolean } = {}): string {
    return execFileSync(cmd, args, { encoding: "utf8", input: opts.input, stdio: ["pipe", "pipe", opts.quiet ? "pipe" : "inherit"] });
}

function trySh(cmd: string, args: string[]): string | null {
    try {
        return sh(cmd, args, { quiet: true });
    } catch {
        return null;
    }
}


/* Whether a daemon answers: on a port of 127.0.0.1, or on a unix socket of
 * this host's /run (a process of that name may be a node's, in its own /run:
 * npm test boots nodes meanwhile). */
function daemonAnswers(target: number | string): Promise<boolean> {
    return new Promise(resolve => {
        const socket = typeof target === "number" ? net.connect(target, "127.0.0.1") : net.connect(target);
        socket.once("connect", () => { socket.destroy(); resolve(true) });
        socket.once("error", () => resolve(false));
    });
}

export function busNameOwnerPid(name: string): number | null {
    const out = trySh("busctl", ["--system", "call", "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
        "GetConnectionUnixProcessID", "s", name]);
    return out ? Number(out.trim().split(/\s+/)[1]) : null;
}

/** A daemon this harness started and can stop and start again (tests of a backend that comes up later). */
export interface OwnDaemon {
    stop(): Promise<void>;
    start(): Promise<void>;
}

const ownDaemons = new Map<string, OwnDaemon>();

/* The daemon `what` when this harness started it; null when it was running already (not ours to stop). */
export function ownDaemon(what: "libvirtd" | "zfs-fuse"): OwnDaemon | null {
    return ownDaemons.get(what) ?? null;
}

export class Harness {
    private readonly started: Array<{ what: string; pid: number }> = [];
    private readonly tempDirs: string[] = [];

    /* Makes a daemon started by `launch` (which returns its pid once it answers) stoppable and startable again by tests. */
    private async own(what: "libvirtd" | "zfs-fuse", launch: () => Promise<number>): Promise<void> {
        const entry = { what, pid: await launch() };
        this.started.push(entry);
        ownDaemons.set(what, {
            stop: async () => {
                if (!alive(entry.pid))
                    return;
                process.kill(entry.pid, "SIGTERM");
                await waitFor(`${what} to exit`, () => !alive(entry.pid), 30_000);
            },
            start: async () => {
                if (!alive(entry.pid))
                    entry.pid = await launch();
            },
        });
    }

    async start(): Promise<void> {
        await this.startSystemBus();
        this.installPackages();
        await this.startPolkit();
        await this.startLibvirt();
        await startSyslog(this.started);
        await startNamed(this.started);
        await this.startZfsFuse();
        await this.restartDaemon();
        this.createUsers();
        await this.startCockpit();
    }

    private async startSystemBus(): Promise<void> {
        const answers = () => trySh("busctl", ["--system", "status", "org.freedesktop.DBus"]) !== null;
        // a bus that the run before this one stopped may still be exiting: it neither answers
        // nor has it left its pid file to a new one yet
        let live = true;
        await waitFor("the system bus to answer, or its old process to exit", () => {
            live = answers();
            return live || removeStalePidFile("/run/dbus/pid", "dbus-daemon") || !fs.existsSync("/run/dbus/pid");
        }, 15_000, 200);
        if (live)
            return;
        fs.mkdirSync("/run/dbus", { recursive: true });
        fs.rmSync(BUS_SOCKET, { force: true });
        const pid = Number(sh("dbus-daemon", ["--system", "--fork", "--print-pid"]).trim());
        this.started.push({ what: "dbus-daemon", pid });
        await waitFor("the system bus", () => fs.existsSync(BUS_SOCKET));
    }

    /* The .debs from `npm run deb`, installed with apt as a user would. */
    private installPackages(): void {
        const dir = path.join(root, "build/debs");
        const debs = fs.existsSync(dir) ? fs.readdirSync(dir).filter(f => f.endsWith(".deb")).map(f => path.join(dir, f)) : [];
        if (debs.length === 0)
            throw new Error("no packages in build/debs: run `npm run deb` first");
        sh("apt-get", ["install", "-y", "-q", "--reinstall", "--no-install-recommends", ...debs], { quiet: true });
        // make the bus read the newly installed policy and activation file
        sh("busctl", ["--system", "call", "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "ReloadConfig"]);
    }

    private async startPolkit(): Promise<void> {
        if (busNameOwnerPid("org.freedesktop.PolicyKit1") !== null)
            return;
        const child = spawn("/usr/lib/polkit-1/polkitd", ["--no-debug"], { stdio: "ignore", detached: true });
        child.unref();
        this.started.push({ what: "polkitd", pid: child.pid! });
        await waitFor("polkitd", () => busNameOwnerPid("org.freedesktop.PolicyKit1") !== null);
    }

    /* libvirtd for qemu:///system. /dev/kvm is there on these machines but
     * unusable, and libvirt would re-probe QEMU on every define: it runs in
     * a private mount namespace where /dev/kvm is an empty file and qemu.conf
     * turns off qemu's own namespaces. Guests run under TCG. */
    private async startLibvirt(): Promise<void> {
        if (trySh("virsh", ["-c", "qemu:///system", "version"]) !== null)
            return;
        const dir = fs.mkdtempSync("/run/debvisor-test-libvirt-");
        this.tempDirs.push(dir);
        const noKvm = path.join(dir, "no-kvm");
        fs.writeFileSync(noKvm, "", { mode: 0o000 });
        const qemuConf = path.join(dir, "qemu.conf");
        fs.writeFileSync(qemuConf, fs.readFileSync("/etc/libvirt/qemu.conf", "utf8") + "\nnamespaces = [ ]\n");
        if (!await daemonAnswers("/run/libvirt/virtlogd-sock")) {
            const virtlogd = spawn("/usr/sbin/virtlogd", [], { stdio: "ignore", detached: true });
            virtlogd.unref();
            this.started.push({ what: "virtlogd", pid: virtlogd.pid! });
        }
        const hideKvm = fs.existsSync("/dev/kvm") ? `mount --bind ${noKvm} /dev/kvm && ` : "";
        await this.own("libvirtd", async () => {
            const libvirtd = spawn("unshare", ["-m", "--propagation", "private", "sh", "-c",
                `${hideKvm}mount --bind ${qemuConf} /etc/libvirt/qemu.conf && exec /usr/sbin/libvirtd`], { stdio: "ignore", detached: true });
            libvirtd.unref();
            await waitFor("libvirtd", () => trySh("virsh", ["-c", "qemu:///system", "version"]) !== null, 60_000);
            return libvirtd.pid!;
        });
    }

    /* A debvisord from before the install would answer with old code: stop it
     * so that the next call activates the installed one. */
    private async restartDaemon(): Promise<void> {
        const pid = busNameOwnerPid("org.debvisor.DebVisor1");
        if (pid === null)
            return;
        process.kill(pid, "SIGTERM");
        await waitFor("the old debvisord to exit", () => busNameOwnerPid("org.debvisor.DebVisor1") === null);
    }

    private createUsers(): void {
        for (const user of TEST_USERS) {
            if (trySh("id", ["-u", user.name]) === null)
                sh("useradd", ["--create-home", "--shell", "/bin/bash", user.name]);
            const wanted = user.groups.filter(g => trySh("getent", ["group", g]) !== null);
            const current = (trySh("id", ["-nG", user.name]) ?? "").trim().split(/\s+/);
            const keep = current.filter(g => g !== user.name && !ROLE_GROUPS.includes(g) && g !== "sudo");
            sh("usermod", ["-G", [...keep, ...wanted].join(","), user.name]);
            sh("chpasswd", [], { input: `${user.name}:${user.password}\n` });
        }
    }

    private async startCockpit(): Promise<void> {
        if (await daemonAnswers(COCKPIT_PORT))
            return;
        const child = spawn("/usr/lib/cockpit/cockpit-ws", ["--no-tls", "--address", "127.0.0.1", "--port", String(COCKPIT_PORT)],
            { stdio: "ignore", detached: true });
        child.unref();
        this.started.push({ what: "cockpit-ws", pid: child.pid! });
        await waitFor("cockpit-ws", () => daemonAnswers(COCKPIT_PORT));
    }

    /* zfs-fuse, the user-space ZFS that runs without a kernel module. It
     * forks and writes its pid file; a stale pid file makes it exit silently.
     * On a host with OpenZFS (or a zfs-fuse already up) `zpool list` answers
     * and nothing is started. */
    private async startZfsFuse(): Promise<void> {
        if (trySh("zpool", ["list", "-H", "-o", "name"]) !== null || trySh("which", ["zfs-fuse"]) === null)
            return;
        const pidFile = "/run/debvisor-test-zfs-fuse.pid";
        await this.own("zfs-fuse", async () => {
            fs.mkdirSync("/var/run/zfs", { recursive: true });
            removeStalePidFile(pidFile, "zfs-fuse");
            sh("zfs-fuse", ["-p", pidFile, "--no-kstat-mount"]);
            await waitFor("zfs-fuse", () => trySh("zpool", ["list", "-H", "-o", "name"]) !== null);
            return Number(fs.readFileSync(pidFile, "utf8").trim());
        });
    }

    async stop(): Promise<void> {
        closeCallers();
        const stopping = this.started.reverse().map(s => s.pid);
        for (const pid of stopping) {
            try {
                process.kill(pid, "SIGTERM");
            } catch {
                // already gone
            }
        }
        this.started.length = 0;
        ownDaemons.clear();
        // gone before the next run starts its own: a dbus-daemon still exiting keeps its pid file, and the new one refuses to start
        await waitFor("the daemons the harness started to exit", () => stopping.every(pid => !alive(pid)), 15_000)
            .catch((e: Error) => console.error(`harness: ${e.message}`));
        for (const dir of this.tempDirs.splice(0))
            fs.rmSync(dir, { recursive: true, force: true });
    }
}
