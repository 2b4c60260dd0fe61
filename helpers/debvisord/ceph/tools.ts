// Runs ceph, rbd and ceph-fuse (absolute paths, argument arrays, never a
// shell) against the cluster that /etc/debvisor/ceph.json names, with a
// connect timeout and a process timeout, so that a cluster that does not
// answer gives a clear error within seconds instead of a hung call.
// It knows nothing of D-Bus.
import fs from "node:fs";
import path from "node:path";
import { busy, failed, invalidArgument, notFound } from "../../lib/errors.js";
import { runTool } from "../../lib/tool-run.js";

const CONFIG_FILE = "/etc/debvisor/ceph.json";
const DEFAULT_CONF = "/etc/ceph/ceph.conf";
/** how long a ceph command may take to reach the monitors */
export const CONNECT_TIMEOUT_S = 6;
/** how long librados waits for the monitors' (or managers') answer to a command once connected */
export const MON_OP_TIMEOUT_S = CONNECT_TIMEOUT_S + 2;
/** the whole run of a command that only talks to the monitors */
export const COMMAND_TIMEOUT_MS = 10_000;
/** rbd work that moves data (removing, shrinking) may take longer once connected */
export const DATA_TIMEOUT_MS = 300_000;

export interface CephConfig {
    conf: string;
    keyring: string;
}

interface CephBinaries {
    ceph: string;
    rbd: string;
    fuse: string;
}

const BINARIES: CephBinaries = { ceph: "/usr/bin/ceph", rbd: "/usr/bin/rbd", fuse: "/usr/bin/ceph-fuse" };

/* The cluster's configuration file and keyring: from ceph.json if it names them, else Ceph's defaults. */
export function readConfig(file = CONFIG_FILE): CephConfig {
    let json: Record<string, unknown> = {};
    try {
        json = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
    } catch {
        // no file, or not JSON: the defaults
    }
    const conf = typeof json.conf === "string" && json.conf.startsWith("/") ? json.conf : DEFAULT_CONF;
    const keyring = typeof json.keyring === "string" && json.keyring.startsWith("/")
        ? json.keyring : path.join(path.dirname(conf), "ceph.client.admin.keyring");
    return { conf, keyring };
}

/* A ceph/rbd failure in words; the error name follows the errno Ceph gives. */
export function toolError(what: string, stderr: string, exitCode: number | undefined): Error {
    const lines = stderr.trim().split("\n").filter(l => !/^\d{4}-\d\d-\d\dT.* -1 /.test(l) || /error/i.test(l));
    const message = lines.slice(-6).join("\n").trim() || `exit code ${exitCode}`;
    if (/RADOS timed out|error connecting to the cluster|timed out|\[errno 110\]/i.test(message))
        return failed(`${what}: the Ceph cluster does not answer (${message.split("\n").pop()})`);
    if (/ENOENT|No such file or directory|does not exist|not found|unrecognized pool/i.test(message))
        return notFound(`${what}: ${message}`);
    if (/EEXIST|already exists/i.test(message))
        return invalidArgument(`${what}: ${message}`);
    if (/EBUSY|busy|has watchers|still has watchers/i.test(message))
        return busy(`${what}: ${message}`);
    if (/EINVAL|invalid/i.test(message))
        return invalidArgument(`${what}: ${message}`);
    return failed(`${what}: ${message}`);
}

export class CephTools {
    constructor(readonly configFile = CONFIG_FILE, readonly bin: CephBinaries = BINARIES) {}

    config(): CephConfig {
        return readConfig(this.configFile);
    }

    installed(): boolean {
        try {
            fs.accessSync(this.bin.ceph, fs.constants.X_OK);
            return true;
        } catch {
            return false;
        }
    }

    configured(): boolean {
        return fs.existsSync(this.config().conf);
    }

    /** the tools' version, without asking the cluster */
    async version(): Promise<string> {
        const r = await runTool(this.bin.ceph, ["--version"], "reading the Ceph version", { timeout: COMMAND_TIMEOUT_MS, allowFailure: true });
        return /ceph version (\S+)/.exec(r.stdout)?.[1] ?? "";
    }

    private common(): string[] {
        const c = this.config();
        return ["--conf", c.conf, "--keyring", c.keyring, "--client_mount_timeout", String(CONNECT_TIMEOUT_S),
            "--rados_mon_op_timeout", String(MON_OP_TIMEOUT_S)];
    }

    private async run(bin: string, args: string[], what: string, timeout: number): Promise<string> {
        const r = await runTool(bin, args, what, {
            timeout, allowFailure: true, maxBuffer: 256 * 1024 * 1024,
            // rbd prints snapshot times in local time: UTC makes them unambiguous
            env: { TZ: "UTC", CEPH_ARGS: "" },
        });
        if (r.timedOut)
            throw failed(`${what}: the Ceph cluster does not answer: ${path.basename(bin)} did not finish within ${Math.round(timeout / 1000)} s`);
        if (r.missing)
            throw failed(`${what}: ${bin} is not installed`);
        if (r.exitCode !== 0)
            throw toolError(what, r.stderr, r.exitCode);
        return r.stdout;
    }

    /** `ceph ARGS`: talks to the monitors only, so it gets the short timeout */
    ceph(args: string[], what: string, timeout = COMMAND_TIMEOUT_MS): Promise<string> {
        return this.run(this.bin.ceph, [...this.common(), "--connect-timeout", String(CONNECT_TIMEOUT_S), ...args], what, timeout);
    }

    /** `ceph ARGS -f json` */
    cephJson(args: string[], what: string): Promise<string> {
        return this.ceph([...args, "-f", "json"], what);
    }

    rbd(args: string[], what: string, timeout = COMMAND_TIMEOUT_MS): Promise<string> {
        return this.run(this.bin.rbd, [...this.common(), ...args], what, timeout);
    }

    /** ceph-fuse ARGS (it forks into the background once mounted) */
    fuse(args: string[], what: string): Promise<string> {
        const c = this.config();
        return this.run(this.bin.fuse, ["--conf", c.conf, "--keyring", c.keyring, "--client_mount_timeout", String(CONNECT_TIMEOUT_S), ...args],
            what, COMMAND_TIMEOUT_MS * 3);
    }
}
