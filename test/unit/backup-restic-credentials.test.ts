// How restic is handed a REST server's user and password and S3's keys,
// checked with a stand-in for the restic binary that records its arguments
// and environment (the real restic is exercised against real servers in the
// integration tests): never in an argument list, only in root-only files and
// restic's environment, all of them gone when the repository is removed.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import QUnit from "qunit";
import { parseLocation } from "../../helpers/debvisord/backups/locations.js";
import { RepositoryStore } from "../../helpers/debvisord/backups/repositories.js";
import { Restic } from "../../helpers/debvisord/backups/restic.js";

const CA = "-----BEGIN CERTIFICATE-----\nMIIBtest\n-----END CERTIFICATE-----\n";

QUnit.module("backups: credentials for REST and S3 repositories, with a recording stand-in for restic", hooks => {
    let dir = "";
    let restic: Restic;
    const recorded = () => ({
        argv: fs.readFileSync(path.join(dir, "argv"), "utf8").split("\n").slice(0, -1),
        env: Object.fromEntries(fs.readFileSync(path.join(dir, "env"), "utf8").split("\n").filter(Boolean).map(l => l.split(/=(.*)/s).slice(0, 2))) as Record<string, string>,
    });
    hooks.beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "dv-restic-args-"));
        const standIn = path.join(dir, "restic-stand-in");
        fs.writeFileSync(standIn, `#!/bin/sh\nprintf '%s\\n' "$@" > ${dir}/argv\nenv > ${dir}/env\n`, { mode: 0o755 });
        restic = new Restic(standIn);
    });
    hooks.afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    QUnit.test("REST: the URL with the user and password in a root-only file restic reads; the CA beside it; the argument list holds neither", async assert => {
        const store = new RepositoryStore(path.join(dir, "etc"));
        const location = parseLocation("rest:https://backup.example.org:8000/node1");
        const staged = store.stageSecrets("r", { password: "restic password", rest: { user: "alice", password: "p@ss:w/rd" }, caCertificate: CA }, location);
        staged.commit();
        store.put({ name: "r", location: "rest:https://backup.example.org:8000/node1", added: 1, addedByUid: 0, created: true });
        const access = store.access(store.get("r")!);
        await restic.run(access, ["cat", "config"]);
        const { argv, env } = recorded();
        const files = store.files("r");
        assert.deepEqual(argv, ["--repository-file", files.repository, "--cacert", files.ca, "cat", "config"]);
        assert.equal(fs.readFileSync(files.repository, "utf8"), "rest:https://alice:p%40ss%3Aw%2Frd@backup.example.org:8000/node1\n");
        for (const file of [files.repository, files.ca, files.password])
            assert.equal(fs.statSync(file).mode & 0o777, 0o600, `${path.basename(file)} is root's alone`);
        assert.false(JSON.stringify(env).includes("alice") || JSON.stringify(env).includes("p@ss"), "nor is the environment");
        assert.equal(env.RESTIC_PASSWORD_FILE, files.password);

        store.remove("r");
        assert.deepEqual(fs.readdirSync(store.dir), ["repositories.json"], "removing the repository removes every secret of it");
    });

    QUnit.test("REST without a user: the plain URL; S3: the keys in restic's environment, never in its arguments", async assert => {
        const store = new RepositoryStore(path.join(dir, "etc"));
        const open = store.stageSecrets("open", { password: "restic password" }, parseLocation("rest:http://10.0.0.5:8000/"));
        await restic.run(open.access, ["snapshots"]);
        assert.deepEqual(recorded().argv, ["-r", "rest:http://10.0.0.5:8000/", "snapshots"]);

        const s3 = store.stageSecrets("s3", { password: "restic password", s3: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG" } },
            parseLocation("s3:http://127.0.0.1:7480/restic-bucket/node1"));
        await restic.run(s3.access, ["snapshots"]);
        const { argv, env } = recorded();
        assert.deepEqual(argv, ["-r", "s3:http://127.0.0.1:7480/restic-bucket/node1", "snapshots"]);
        assert.equal(env.AWS_ACCESS_KEY_ID, "AKIDEXAMPLE");
        assert.equal(env.AWS_SECRET_ACCESS_KEY, "wJalrXUtnFEMI/K7MDENG");
        assert.equal(fs.statSync(store.files(".adding-s3").s3Keys).mode & 0o777, 0o600);
        s3.discard();
        open.discard();
        assert.deepEqual(fs.readdirSync(store.dir), [], "a discarded add leaves no key");
    });
});
