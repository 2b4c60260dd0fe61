// A repository on another host over SFTP, for real: the test starts its own
// sshd on 127.0.0.1 (a free high port, its own host key and authorized_keys
// in a temporary directory, stopped by its PID), and debvisorctl adds the
// repository with --ssh-key-file, backs a machine up into it, lists and
// restores it as a new machine with the same bytes. A key the server does not
// know is refused with ssh's reason and nothing is saved.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import QUnit from "qunit";
import { closeWatchBus, watchJobs } from "../lib/bus-watch.js";
import { jobSucceeded } from "../lib/job-step.js";
import { callAs, MANAGER } from "../lib/call-as.js";
import { areas } from "../lib/daemon.js";
import { randomImage, tempDir, uniqueName } from "../lib/images.js";
import { accepts, freePort } from "../lib/ports.js";
import { moduleUnless } from "../lib/skip.js";
import { ADMIN, OPERATOR } from "../lib/users.js";
import { waitFor, withTimeout } from "../lib/wait.js";
import { ctl, domainNames, firstDisk, prop, rawContent, virsh, volumeFile } from "../lib/backups.js";

const SSHD = "/usr/sbin/sshd";

moduleUnless("backup repositories over SFTP: a real sshd on 127.0.0.1", fs.existsSync(SSHD) ? null : "openssh-server is not installed (scripts/deps.sh installs it)", hooks => {
    let dir = "";
    let port = 0;
    let sshd: ChildProcess | null = null;
    const repoName = uniqueName("dvsftp");
    const machines: string[] = [];
    const password = `dv-${crypto.randomBytes(12).toString("hex")}`;

    hooks.before(async () => {
        dir = tempDir("dv-backup-sftp-");
        for (const key of ["host", "client", "stranger"])
            execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", key, "-f", path.join(dir, key)]);
        fs.copyFileSync(path.join(dir, "client.pub"), path.join(dir, "authorized_keys"));
        port = await freePort();
        // privilege separation wants its empty directory; on a host with ssh it is there already
        fs.mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
        fs.writeFileSync(path.join(dir, "sshd_config"), [
            "ListenAddress 127.0.0.1", `Port ${port}`, `HostKey ${path.join(dir, "host")}`, `PidFile ${path.join(dir, "sshd.pid")}`,
            `AuthorizedKeysFile ${path.join(dir, "authorized_keys")}`,
            // the keys live in a temporary directory under a world-writable one
            "StrictModes no",
            "PasswordAuthentication no", "KbdInteractiveAuthentication no", "UsePAM no", "PermitRootLogin prohibit-password",
            "Subsystem sftp internal-sftp", "",
        ].join("\n"));
        sshd = spawn(SSHD, ["-D", "-e", "-f", path.join(dir, "sshd_config")], { stdio: ["ignore", "ignore", "pipe"] });
        let log = "";
        sshd.stderr?.on("data", (chunk: Buffer) => { log += chunk.toString() });
        await waitFor(`sshd on port ${port} (${log})`, () => accepts(port), 15_000, 100);
        await waitFor("the backups area to be ready", async () => (await areas()).backups?.state === "ready", 30_000, 200);
    });
    hooks.after(async () => {
        for (const name of machines.filter(n => domainNames().includes(n)))
            virsh("undefine", name, "--remove-all-storage");
        ctl(["backup", "repo-remove", repoName]);
        if (sshd?.pid) {
            const exited = new Promise(resolve => sshd?.once("exit", resolve));
            process.kill(sshd.pid, "SIGTERM");
            await withTimeout(exited, 10_000, "sshd to stop");
        }
        fs.rmSync(dir, { recursive: true, force: true });
        closeWatchBus();
    });

    const location = () => `sftp://root@127.0.0.1:${port}/${path.join(dir, "repo")}`;

    QUnit.test("a key the server does not know is refused with ssh's reason; nothing is saved", assert => {
        const refused = ctl(["backup", "repo-add", repoName, location(), "--password-file", "-", "--ssh-key-file", path.join(dir, "stranger")], { input: `${password}\n` });
        assert.notEqual(refused.code, 0);
        assert.true(/cannot be reached: .*Permission denied/s.test(refused.stderr), refused.stderr);
        assert.false(ctl(["backup", "repo-list"]).stdout.includes(repoName), "nothing was saved");
        assert.false(fs.existsSync(path.join(dir, "repo")), "no repository was made");
    });

    QUnit.test("repo-add with --ssh-key-file, back up, list, restore as a new machine: the same bytes, through sshd", async assert => {
        const added = ctl(["backup", "repo-add", repoName, location(), "--password-file", "-", "--ssh-key-file", path.join(dir, "client")], { input: `${password}\n` });
        assert.equal(added.code, 0, added.stderr);
        assert.true(fs.existsSync(path.join(dir, "repo", "config")), "restic made the repository on the server's side");
        const listed = JSON.parse(ctl(["backup", "repo-list", "--json"]).stdout) as Array<Record<string, unknown>>;
        assert.deepEqual(listed.filter(r => r.Name === repoName).map(r => r.Kind), ["sftp"]);

        const watch = await watchJobs();
        const name = uniqueName("dvsftpvm");
        machines.push(name);
        const created = await callAs(ADMIN.name, { ...MANAGER, method: "CreateMachine", signature: "sa{sv}",
            body: [name, { source: ["s", "image"], image: ["s", randomImage(dir, "machine.raw", 24)] }] });
        const done = await jobSucceeded(assert, watch, created, { job: 1, within: 120_000, what: "the import", taken: "created" });
        if (!done) return;
        const machinePath = done.body[0] as string;
        await waitFor("the machine", async () => await prop(machinePath, "Name") === name);
        const { pool, file } = await firstDisk(machinePath);

        const now = ctl(["backup", "now", name, repoName, "--wait"], { user: OPERATOR.name });
        assert.equal(now.code, 0, now.stderr);
        const backups = JSON.parse(ctl(["backup", "list", repoName, "--machine", name, "--json"]).stdout) as Array<Record<string, unknown>>;
        assert.equal(backups.length, 1, "one backup listed");
        assert.equal(Number(backups[0]?.Size), fs.statSync(file).size, "with the size of the disk backed up");
        assert.true(/ SIZE\n/.test(ctl(["backup", "list", repoName]).stdout.split("\n")[0] + "\n"), "the table has a SIZE column");
        const restoredName = uniqueName("dvsftprest");
        machines.push(restoredName);
        const restored = ctl(["backup", "restore", repoName, String(backups[0]?.Id), restoredName, "--wait"], { user: OPERATOR.name });
        assert.equal(restored.code, 0, restored.stderr);
        assert.equal(rawContent(volumeFile(`${restoredName}.qcow2`, pool), dir), rawContent(file, dir), "the restored disk has the backed-up content");
    });
});
