// What the tests of repositories on other servers (a REST server, S3) share:
// a restic REST server of their own (Debian's `rclone serve restic` on
// 127.0.0.1, stopped by its PID), that a refused add kept nothing, and a
// machine backed up and restored with the same bytes while every process's
// arguments are watched for the repository's credentials, as any user of the
// host could read them.
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { watchJobs } from "./bus-watch.js";
import { randomImage, uniqueName } from "./images.js";
import { accepts, freePort } from "./ports.js";
import { OPERATOR } from "./users.js";
import { waitFor, withTimeout } from "./wait.js";
import { createMachineFromImage, ctl, firstDisk, rawContent, repositoryObjects, volumeFile } from "./backups.js";

export const BACKUP_DIR = "/etc/debvisor/backup";
export const AUDIT_LOG = "/var/log/debvisor/audit.jsonl";
export const RCLONE = "/usr/bin/rclone";

export interface RestServer { port: number; stop(): Promise<void> }

/* The htpasswd file for one user, and a certificate for 127.0.0.1 (cert.pem, key.pem) in `dir`. */
export function restServerFiles(dir: string, user: string, password: string): void {
    fs.writeFileSync(path.join(dir, "htpasswd"), `${user}:${execFileSync("openssl", ["passwd", "-apr1", "-stdin"], { input: password, encoding: "utf8" })}`);
    execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
        "-keyout", path.join(dir, "key.pem"), "-out", path.join(dir, "cert.pem"), "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"], { stdio: "pipe" });
    fs.writeFileSync(path.join(dir, "rclone.conf"), "");
    fs.mkdirSync(path.join(dir, "data"), { recursive: true });
}

/* rclone serving DIR/data over restic's REST protocol on a free port of 127.0.0.1 with the
 * files restServerFiles made; https with the certificate when `tls`. */
export async function startRestServer(dir: string, tls: boolean): Promise<RestServer> {
    const port = await freePort();
    const server = spawn(RCLONE, ["serve", "restic", "--addr", `127.0.0.1:${port}`, "--htpasswd", path.join(dir, "htpasswd"),
        ...tls ? ["--cert", path.join(dir, "cert.pem"), "--key", path.join(dir, "key.pem")] : [], "--config", path.join(dir, "rclone.conf"),
        path.join(dir, "data")], { stdio: ["ignore", "ignore", "pipe"] });
    let log = "";
    server.stderr?.on("data", (chunk: Buffer) => { log += chunk.toString() });
    const exited = new Promise(resolve => server.once("exit", resolve));
    const stop = async () => {
        if (server.exitCode === null && server.pid) {
            process.kill(server.pid, "SIGTERM");
            await withTimeout(exited, 10_000, "rclone to stop");
        }
    };
    try {
        await waitFor(`rclone on port ${port}`, () => accepts(port), 15_000, 100);
    } catch (e) {
        await stop();
        throw new Error(`${(e as Error).message}: ${log}`);
    }
    return { port, stop };
}

/* Every process's argument list now. */
function allArguments(): string {
    return fs.readdirSync("/proc").filter(p => /^\d+$/.test(p)).map(p => {
        try {
            return fs.readFileSync(`/proc/${p}/cmdline`, "utf8");
        } catch {
            return ""; // gone meanwhile
        }
    }).join("\n");
}

/* Neither listed nor any secret file of it kept. */
export function assertNothingSaved(assert: Assert, repoName: string): void {
    assert.false(ctl(["backup", "repo-list"]).stdout.includes(repoName), "nothing was listed");
    const kept = fs.existsSync(BACKUP_DIR) ? fs.readdirSync(BACKUP_DIR).filter(f => f.includes(repoName)) : [];
    assert.deepEqual(kept, [], "no password or credential file was kept");
}

/* The bus's objects and the audit log hold the location, and none of `secrets`. */
export async function assertSecretsKept(assert: Assert, repoName: string, location: string, secrets: string[]): Promise<void> {
    const objects = JSON.stringify(await repositoryObjects(), (_k, v: unknown) => typeof v === "bigint" ? String(v) : v);
    assert.true(objects.includes(location), "the repository's object shows its location");
    assert.false(secrets.some(s => objects.includes(s)), "no bus property holds a credential");
    const audit = fs.readFileSync(AUDIT_LOG, "utf8");
    assert.true(audit.includes(repoName), "the add is audited");
    assert.false(secrets.some(s => audit.includes(s)), "without a credential");
}

/* A machine from a random image, backed up into the repository by debvisorctl while every process's
 * arguments are read, then restored as a new machine: the same bytes, and no argument list held a secret. */
export async function assertRoundTrip(assert: Assert, dir: string, repoName: string, secrets: string[], machines: string[]): Promise<void> {
    const watch = await watchJobs();
    const name = uniqueName("dvremotevm");
    machines.push(name);
    const machinePath = await createMachineFromImage(name, randomImage(dir, "machine.raw", 24), watch);
    const { pool, file } = await firstDisk(machinePath);
    const backup = spawn("debvisorctl", ["backup", "now", name, repoName, "--wait"], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    backup.stderr?.on("data", (chunk: Buffer) => { stderr += chunk.toString() });
    const finished = new Promise<number | null>(resolve => backup.once("exit", resolve));
    let sawRestic = false;
    let leaked = false;
    for (let i = 0; i < 3000 && backup.exitCode === null; i++) {
        const args = allArguments();
        sawRestic ||= /restic\0(-r|--repository-file)\0/.test(args);
        leaked ||= secrets.some(s => args.includes(s));
        await new Promise(resolve => setTimeout(resolve, 20));
    }
    assert.equal(await withTimeout(finished, 120_000, "the backup"), 0, stderr);
    assert.false(leaked, "no process's arguments held a credential");
    assert.true(sawRestic, "restic was seen running");

    const backups = JSON.parse(ctl(["backup", "list", repoName, "--machine", name, "--json"]).stdout) as Array<Record<string, unknown>>;
    assert.equal(backups.length, 1, "one backup listed");
    const restoredName = uniqueName("dvremoterest");
    machines.push(restoredName);
    const restored = ctl(["backup", "restore", repoName, String(backups[0]?.Id), restoredName, "--wait"], { user: OPERATOR.name });
    assert.equal(restored.code, 0, restored.stderr);
    assert.equal(rawContent(volumeFile(`${restoredName}.qcow2`, pool), os.tmpdir()), rawContent(file, os.tmpdir()), "the restored disk has the backed-up content");
}
