// A repository on a restic REST server, for real: the test starts Debian's
// `rclone serve restic` on 127.0.0.1 (free high ports, an htpasswd user, one
// over http and one over https with a certificate of its own; stopped by their
// PIDs). A wrong password, nothing listening and a certificate nobody vouches
// for are refused in restic's words with nothing saved; debvisorctl adds the
// repository with --credentials-file and --ca-file, backs a machine up into it
// and restores it with the same bytes. The user and password are in no bus
// property, no audit record and no process's arguments.
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import QUnit from "qunit";
import { closeWatchBus } from "../lib/bus-watch.js";
import { areas } from "../lib/daemon.js";
import { tempDir, uniqueName } from "../lib/images.js";
import { freePort } from "../lib/ports.js";
import { moduleUnless } from "../lib/skip.js";
import { waitFor } from "../lib/wait.js";
import { ctl, domainNames, virsh } from "../lib/backups.js";
import {
    AUDIT_LOG, BACKUP_DIR, RCLONE, assertNothingSaved, assertRoundTrip, assertSecretsKept, restServerFiles, startRestServer, type RestServer,
} from "../lib/backup-remote.js";

moduleUnless("backup repositories on a restic REST server: a real rclone serve restic on 127.0.0.1", fs.existsSync(RCLONE) ? null : "rclone is not installed (scripts/deps.sh installs it)", hooks => {
    let dir = "";
    const servers: RestServer[] = [];
    let httpPort = 0;
    let httpsPort = 0;
    const repoName = uniqueName("dvrest");
    const machines: string[] = [];
    const password = `dv-${crypto.randomBytes(12).toString("hex")}`;
    const user = `dvuser${crypto.randomBytes(3).toString("hex")}`;
    const userSecret = crypto.randomBytes(9).toString("hex");
    const userPassword = `pw:@/${userSecret}`; // with characters a URL must encode
    const credentialsFile = () => path.join(dir, "credentials");

    hooks.before(async () => {
        dir = tempDir("dv-backup-rest-");
        restServerFiles(dir, user, userPassword);
        fs.writeFileSync(credentialsFile(), `${user}\n${userPassword}\n`, { mode: 0o600 });
        fs.writeFileSync(path.join(dir, "wrong-credentials"), `${user}\nnot-the-password\n`, { mode: 0o600 });
        servers.push(await startRestServer(dir, false), await startRestServer(dir, true));
        [httpPort, httpsPort] = servers.map(s => s.port);
        await waitFor("the backups area to be ready", async () => (await areas()).backups?.state === "ready", 30_000, 200);
    });
    hooks.after(async () => {
        for (const name of machines.filter(n => domainNames().includes(n)))
            virsh("undefine", name, "--remove-all-storage");
        ctl(["backup", "repo-remove", repoName]);
        for (const server of servers)
            await server.stop();
        fs.rmSync(dir, { recursive: true, force: true });
        closeWatchBus();
    });

    const add = (location: string, ...more: string[]) =>
        ctl(["backup", "repo-add", repoName, location, "--password-file", "-", ...more], { input: `${password}\n` });
    const nothingSaved = (assert: Assert) => {
        assertNothingSaved(assert, repoName);
        assert.deepEqual(fs.readdirSync(path.join(dir, "data")), [], "no repository was made on the server");
    };

    QUnit.test("a wrong password, nothing listening, an unknown certificate, credentials in the location: clear errors, nothing saved", async assert => {
        const wrong = add(`rest:http://127.0.0.1:${httpPort}/vms`, "--credentials-file", path.join(dir, "wrong-credentials"));
        assert.notEqual(wrong.code, 0);
        assert.true(/rest-password: the REST server at rest:http:\/\/127\.0\.0\.1:\d+\/vms refused the user and password: .*401 Unauthorized/s.test(wrong.stderr), wrong.stderr);
        assert.false(wrong.stderr.includes(user), "the user is not repeated back");
        nothingSaved(assert);

        const nobody = add(`rest:http://127.0.0.1:${await freePort()}/vms`, "--credentials-file", credentialsFile());
        assert.notEqual(nobody.code, 0);
        assert.true(/cannot be reached: .*connection refused/s.test(nobody.stderr), nobody.stderr);
        nothingSaved(assert);

        const unknownCa = add(`rest:https://127.0.0.1:${httpsPort}/vms`, "--credentials-file", credentialsFile());
        assert.notEqual(unknownCa.code, 0);
        assert.true(/TLS connection to rest:https:\/\/127\.0\.0\.1:\d+\/vms failed \(the server's certificate is signed by a CA this host does not know.*x509: certificate signed by unknown authority/s.test(unknownCa.stderr), unknownCa.stderr);
        nothingSaved(assert);

        const inLocation = add(`rest:http://${user}:secret@127.0.0.1:${httpPort}/vms`);
        assert.true(/location: a REST server's user and password are not part of the location/.test(inLocation.stderr), inLocation.stderr);
        const onLocal = add(path.join(dir, "local"), "--credentials-file", credentialsFile());
        assert.true(/options\.rest-user: only a REST server takes a user/.test(onLocal.stderr), onLocal.stderr);
        nothingSaved(assert);
        assert.false(fs.readFileSync(AUDIT_LOG, "utf8").includes(userSecret), "the user's password is not in the audit log");
    });

    QUnit.test("over https with the CA: add, back up, restore the same bytes; the credentials nowhere but root's files", async assert => {
        const location = `rest:https://127.0.0.1:${httpsPort}/vms`;
        const added = add(location, "--credentials-file", credentialsFile(), "--ca-file", path.join(dir, "cert.pem"));
        assert.equal(added.code, 0, added.stderr);
        assert.true(fs.existsSync(path.join(dir, "data", "vms", "config")), "restic made the repository on the server");
        const listed = JSON.parse(ctl(["backup", "repo-list", "--json"]).stdout) as Array<Record<string, unknown>>;
        assert.deepEqual(listed.filter(r => r.Name === repoName).map(r => [r.Kind, r.Location]), [["rest", location]], "shown without the user and password");
        assert.equal(fs.statSync(path.join(BACKUP_DIR, `${repoName}.repository`)).mode & 0o777, 0o600, "the URL with the credentials is root's alone");
        await assertRoundTrip(assert, dir, repoName, [user, userSecret], machines);
        await assertSecretsKept(assert, repoName, location, [user, userSecret]);
    });
});
