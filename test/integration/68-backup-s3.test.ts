// A repository in an S3 bucket, for real: the test starts the single-node
// Ceph test cluster (in a directory of its own, not pointed to debvisord) and
// Ceph's radosgw on it, listening on 127.0.0.1 on a free port, with an S3 user
// of its own; both are stopped by their PIDs. A wrong secret key and nothing
// listening are refused in the server's words with nothing saved; debvisorctl
// adds the repository with --credentials-file (restic makes the bucket),
// backs a machine up into it and restores it with the same bytes. The keys
// are in no bus property, no audit record and no process's arguments.
import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import QUnit from "qunit";
import { closeWatchBus } from "../lib/bus-watch.js";
import { startCephCluster, type CephCluster } from "../lib/ceph-cluster.js";
import { areas } from "../lib/daemon.js";
import { tempDir, uniqueName } from "../lib/images.js";
import { freePort } from "../lib/ports.js";
import { moduleUnless } from "../lib/skip.js";
import { waitFor } from "../lib/wait.js";
import { ctl, domainNames, virsh } from "../lib/backups.js";
import { AUDIT_LOG, BACKUP_DIR, assertNothingSaved, assertRoundTrip, assertSecretsKept } from "../lib/backup-remote.js";

const RADOSGW = "/usr/bin/radosgw";
const CLUSTER_DIR = "/var/tmp/debvisor-test-ceph-s3";

/* The HTTP status of GET / (0: no answer yet). */
const status = (port: number) => new Promise<number>(resolve => {
    http.get({ host: "127.0.0.1", port, path: "/", timeout: 5000 }, res => { res.resume(); resolve(res.statusCode ?? 0) }).on("error", () => resolve(0));
});

moduleUnless("backup repositories on S3: Ceph's radosgw on the test cluster", fs.existsSync(RADOSGW) ? null : "radosgw is not installed (scripts/deps.sh installs it)", hooks => {
    let dir = "";
    let cluster: CephCluster | null = null;
    let port = 0;
    const repoName = uniqueName("dvs3");
    const bucket = `dv-${crypto.randomBytes(4).toString("hex")}`;
    const machines: string[] = [];
    const password = `dv-${crypto.randomBytes(12).toString("hex")}`;
    const accessKeyId = `DV${crypto.randomBytes(9).toString("hex").toUpperCase()}`;
    const secretKey = crypto.randomBytes(20).toString("base64url");
    const credentialsFile = () => path.join(dir, "credentials");
    const radosgwAdmin = (...args: string[]) => execFileSync("radosgw-admin", ["-c", cluster?.conf ?? "", ...args], { encoding: "utf8", stdio: "pipe" });

    hooks.before(async () => {
        dir = tempDir("dv-backup-s3-");
        cluster = await startCephCluster(CLUSTER_DIR, { configure: false });
        port = await freePort();
        const rgwDir = path.join(cluster.dir, "client.rgw.a");
        fs.mkdirSync(rgwDir);
        await cluster.run(["auth", "get-or-create", "client.rgw.a", "mon", "allow rw", "osd", "allow rwx", "mgr", "allow rw", "-o", path.join(rgwDir, "keyring")]);
        // radosgw forks; its pid file lies beside the other daemons', so the cluster's stop() ends it too
        execFileSync(RADOSGW, ["-c", cluster.conf, "-n", "client.rgw.a", "--keyring", path.join(rgwDir, "keyring"), "--rgw-data", rgwDir,
            "--rgw-frontends", `beast endpoint=127.0.0.1:${port}`, "--pid-file", path.join(cluster.dir, "client.rgw.a.pid"),
            "--log-file", path.join(cluster.dir, "client.rgw.a.log")], { stdio: "pipe" });
        // it answers once it has made its pools
        await waitFor(`radosgw on port ${port}`, async () => await status(port) === 200, 120_000, 500);
        radosgwAdmin("user", "create", "--uid", "debvisor-test", "--display-name", "DebVisor test", "--access-key", accessKeyId, "--secret", secretKey);
        fs.writeFileSync(credentialsFile(), `${accessKeyId}\n${secretKey}\n`, { mode: 0o600 });
        fs.writeFileSync(path.join(dir, "wrong-credentials"), `${accessKeyId}\nnot-the-secret-key\n`, { mode: 0o600 });
        await waitFor("the backups area to be ready", async () => (await areas()).backups?.state === "ready", 30_000, 200);
    });
    hooks.after(async () => {
        for (const name of machines.filter(n => domainNames().includes(n)))
            virsh("undefine", name, "--remove-all-storage");
        ctl(["backup", "repo-remove", repoName]);
        await cluster?.stop();
        fs.rmSync(dir, { recursive: true, force: true });
        closeWatchBus();
    });

    const location = () => `s3:http://127.0.0.1:${port}/${bucket}/node1`;
    const add = (where: string, ...more: string[]) =>
        ctl(["backup", "repo-add", repoName, where, "--password-file", "-", ...more], { input: `${password}\n` });
    const buckets = () => JSON.parse(radosgwAdmin("bucket", "list")) as string[];

    QUnit.test("a wrong secret key, no keys, nothing listening: clear errors, nothing saved", async assert => {
        const wrong = add(location(), "--credentials-file", path.join(dir, "wrong-credentials"));
        assert.notEqual(wrong.code, 0);
        assert.true(/s3-secret-access-key: the S3 server at s3:http:\/\/127\.0\.0\.1:\d+\/dv-\w+\/node1 refused the access key: .*signature/s.test(wrong.stderr), wrong.stderr);
        assert.false(wrong.stderr.includes(accessKeyId), "the key id is not repeated back");
        assertNothingSaved(assert, repoName);
        assert.false(buckets().includes(bucket), "no bucket was made");

        const noKeys = add(location());
        assert.true(/options\.s3-access-key-id: an S3 repository needs its access key id and secret access key/.test(noKeys.stderr), noKeys.stderr);
        const nobody = add(`s3:http://127.0.0.1:${await freePort()}/${bucket}`, "--credentials-file", credentialsFile());
        assert.true(/cannot be reached: .*connection refused/s.test(nobody.stderr), nobody.stderr);
        assertNothingSaved(assert, repoName);
        assert.false(fs.readFileSync(AUDIT_LOG, "utf8").includes(secretKey), "the secret key is not in the audit log");
    });

    QUnit.test("add with the keys (restic makes the bucket), back up, restore the same bytes; the keys nowhere but root's files", async assert => {
        const added = add(location(), "--credentials-file", credentialsFile());
        assert.equal(added.code, 0, added.stderr);
        assert.true(buckets().includes(bucket), "restic made the bucket on radosgw");
        const listed = JSON.parse(ctl(["backup", "repo-list", "--json"]).stdout) as Array<Record<string, unknown>>;
        assert.deepEqual(listed.filter(r => r.Name === repoName).map(r => [r.Kind, r.Location]), [["s3", location()]]);
        assert.equal(fs.statSync(path.join(BACKUP_DIR, `${repoName}.s3-keys`)).mode & 0o777, 0o600, "the keys are root's alone");
        await assertRoundTrip(assert, dir, repoName, [accessKeyId, secretKey], machines);
        await assertSecretsKept(assert, repoName, location(), [accessKeyId, secretKey]);
    });
});
