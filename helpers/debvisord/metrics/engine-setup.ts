// The secret Prometheus and Alertmanager are protected with: made once,
// readable by root and the prometheus group (the engines run as user
// prometheus and need it to talk to each other); the engines' web config holds
// only its bcrypt hash. debvisord (root) reads it to query them, so a plain
// local user can reach neither history nor alerts.
import { randomBytes, randomInt } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { writeFileAtomically } from "../../lib/atomic-file.js";
import { runTool } from "../../lib/tool-run.js";
import { prometheusGroup } from "./textfile.js";

const METRICS_DIR = process.env.DEBVISOR_METRICS_DIR || "/etc/debvisor/metrics";
export const ENGINE_USER = "debvisor";

/* Whether this node runs Prometheus (Debian's package): what makes exporters worth enabling. */
export function prometheusInstalled(): boolean {
    return fs.existsSync("/usr/bin/prometheus");
}

export interface EnginePaths {
    dir: string; secret: string; webConfig: string; alertmanagerConfig: string; targets: string;
    /** the environment prometheus.service's drop-in reads: how long history is kept */
    prometheusEnv: string;
}

export function enginePaths(dir = METRICS_DIR): EnginePaths {
    return {
        dir, secret: path.join(dir, "secret"), webConfig: path.join(dir, "web.yml"),
        alertmanagerConfig: path.join(dir, "alertmanager.yml"), targets: path.join(dir, "targets.json"),
        prometheusEnv: path.join(dir, "prometheus.env"),
    };
}

const BCRYPT_ALPHABET = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const BCRYPT_COST = 10;

/* bcrypt through the C library's crypt(3) (libxcrypt), reached from perl, which every Debian host has;
 * the secret goes on stdin, never in an argument another user could read. */
export async function bcryptHash(secret: string): Promise<string> {
    // 22 salt characters; the last one carries only 2 bits, so it is one of the 4 canonical ones
    const salt = Array.from({ length: 21 }, () => BCRYPT_ALPHABET[randomInt(64)]).join("") + ".Oeu"[randomInt(4)];
    const { stdout } = await runTool("perl", ["-e", "my $p = <STDIN>; print crypt($p, $ARGV[0])", `$2b$${BCRYPT_COST}$${salt}`],
        "hashing the metrics secret", { input: secret, timeout: 30_000 });
    if (!/^\$2b\$\d\d\$[./A-Za-z0-9]{53}$/.test(stdout))
        throw new Error("the C library cannot make bcrypt hashes (crypt(3) returned no $2b$ hash)");
    return stdout;
}

/* Makes the directory, the secret and the web config where they are missing; returns the secret. */
export async function ensureEngineSecret(paths = enginePaths()): Promise<string> {
    const owner = prometheusGroup();
    fs.mkdirSync(paths.dir, { recursive: true, mode: 0o750 });
    if (owner)
        fs.chownSync(paths.dir, owner.uid, owner.gid);
    let secret = "";
    try {
        secret = fs.readFileSync(paths.secret, "utf8").trim();
    } catch {
        // none yet
    }
    const fresh = !secret;
    if (fresh) {
        secret = randomBytes(32).toString("base64url");
        writeFileAtomically(paths.secret, `${secret}\n`, 0o640, owner);
    }
    if (fresh || !fs.existsSync(paths.webConfig)) {
        const config = `# written by debvisord: the engines let in only the holder of ${paths.secret}\n` +
            `basic_auth_users:\n  ${ENGINE_USER}: "${await bcryptHash(secret)}"\n`;
        writeFileAtomically(paths.webConfig, config, 0o640, owner);
    }
    return secret;
}
