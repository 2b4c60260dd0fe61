import QUnit from "qunit";
import { describeLocation, LocationError, parseLocation, resticRepository, restRepositoryWithCredentials, sftpCommand } from "../../helpers/debvisord/backups/locations.js";
import { repositoryMissing, resticError, withoutCredentials, type RepositoryAccess } from "../../helpers/debvisord/backups/restic.js";
import { backupSizes, machineTags, tagValue } from "../../helpers/debvisord/backups/tags.js";

QUnit.module("backups: repository locations and tags", () => {
    QUnit.test("local paths and both SFTP forms are read into their parts", assert => {
        assert.deepEqual(parseLocation("/srv/backup/restic"), { kind: "local", path: "/srv/backup/restic" });
        assert.deepEqual(parseLocation("sftp:backup@nas.example.org:/srv/restic"),
            { kind: "sftp", user: "backup", host: "nas.example.org", port: 22, path: "/srv/restic" });
        assert.deepEqual(parseLocation("sftp://backup@10.0.0.5:2222//srv/restic"),
            { kind: "sftp", user: "backup", host: "10.0.0.5", port: 2222, path: "/srv/restic" });
        assert.deepEqual(parseLocation("sftp:backup@nas:restic"), { kind: "sftp", user: "backup", host: "nas", port: 22, path: "restic" });
        assert.equal(resticRepository(parseLocation("sftp:backup@nas:/srv/r")), "sftp://backup@nas:22//srv/r");
        assert.equal(describeLocation(parseLocation("sftp:backup@nas:/srv/r")), "sftp://backup@nas//srv/r");
    });

    QUnit.test("anything that could become an ssh option, a second argument or another place is refused", assert => {
        for (const bad of [
            "", "relative", "/", "/srv/../etc", "/srv//x", "/srv/a b", "/srv/a\nb", "/srv/-\u0000",
            "sftp:-oProxyCommand=x@host:/p", "sftp:u@-oProxyCommand=x:/p", "sftp:u@host:-p", "sftp:u@host:../p",
            "sftp:u@host:/p/../q", "sftp:u@host", "sftp://u@host:0/p", "sftp://u@host:70000/p", "sftp:u@ho st:/p",
            "sftp:u@host:/p;rm", "sftp:u@host:/p$(x)", "s3:s3.amazonaws.com/bucket", `/${"a".repeat(5000)}`,
            "rest:ftp://host/", "rest:https://-host/", "rest:https://host:0/", "rest:https://host/a/../b", "rest:https://host/a b",
            "rest:https://host/a?x=1", "rest:https://host//x", "s3:https://host/", "s3:https://host/Bucket", "s3:https://host/b_c",
            "s3:https://host/ab", "s3:https://host:99999/bucket",
        ])
            assert.throws(() => parseLocation(bad), LocationError, JSON.stringify(bad));
    });

    QUnit.test("REST and S3 locations: read into their parts, and given back to restic without a secret", assert => {
        assert.deepEqual(parseLocation("rest:https://backup.example.org:8000/node1"),
            { kind: "rest", scheme: "https", host: "backup.example.org", port: 8000, path: "node1" });
        assert.deepEqual(parseLocation("rest:http://10.0.0.5/"), { kind: "rest", scheme: "http", host: "10.0.0.5", port: null, path: "" });
        assert.deepEqual(parseLocation("s3:http://127.0.0.1:7480/restic-bucket/node1/vms"),
            { kind: "s3", scheme: "http", host: "127.0.0.1", port: 7480, bucket: "restic-bucket", prefix: "node1/vms" });
        assert.deepEqual(parseLocation("s3:https://s3.example.org/bucket"),
            { kind: "s3", scheme: "https", host: "s3.example.org", port: null, bucket: "bucket", prefix: "" });
        assert.equal(resticRepository(parseLocation("rest:https://b.example.org:8000/node1")), "rest:https://b.example.org:8000/node1");
        assert.equal(resticRepository(parseLocation("s3:http://127.0.0.1:7480/bkt/p")), "s3:http://127.0.0.1:7480/bkt/p");
        assert.equal(describeLocation(parseLocation("rest:http://10.0.0.5/")), "rest:http://10.0.0.5/");
        const rest = parseLocation("rest:https://b.example.org:8000/node1");
        if (rest.kind !== "rest") throw new Error("rest");
        assert.equal(restRepositoryWithCredentials(rest, "al ice", "p@ss:w/rd%"), "rest:https://al%20ice:p%40ss%3Aw%2Frd%25@b.example.org:8000/node1",
            "user and password percent-encoded, as a URL's user part must be");
    });

    QUnit.test("a user, password or key written into the location is refused with where it belongs", assert => {
        assert.throws(() => parseLocation("rest:https://alice:secret@host/"), /rest-user and rest-password/);
        assert.throws(() => parseLocation("rest:https://alice@host/"), /rest-user and rest-password/);
        assert.throws(() => parseLocation("s3:https://KEY:SECRET@host/bucket"), /s3-access-key-id and s3-secret-access-key/);
    });

    QUnit.test("the ssh command never asks and keeps the host key of the repository apart", assert => {
        const loc = parseLocation("sftp://backup@nas:2222/r");
        if (loc.kind !== "sftp") throw new Error("sftp");
        const command = sftpCommand(loc, { key: "/etc/debvisor/backup/nas.ssh-key", knownHosts: "/etc/debvisor/backup/nas.known_hosts" });
        assert.equal(command, "ssh -o BatchMode=yes -o StrictHostKeyChecking=accept-new -o UserKnownHostsFile=/etc/debvisor/backup/nas.known_hosts " +
            "-o ConnectTimeout=15 -o ServerAliveInterval=15 -o IdentitiesOnly=yes -i /etc/debvisor/backup/nas.ssh-key -p 2222 -l backup nas -s sftp");
    });

    QUnit.test("tags carry the machine's UUID and name, a name with a comma included", assert => {
        const tags = machineTags("5a1e2d4c-0000-4000-8000-000000000001", "web,01 ü", "frozen");
        assert.false(tags.some(t => t.includes(",")), "no tag holds restic's list separator");
        assert.false(tags.some(t => / /.test(t)), "nor a space");
        assert.equal(tagValue(tags, "machine-name"), "web,01 ü");
        assert.equal(tagValue(tags, "machine-uuid"), "5a1e2d4c-0000-4000-8000-000000000001");
        assert.equal(tagValue(tags, "consistency"), "frozen");
        assert.equal(tagValue(tags, "absent"), "");
    });

    QUnit.test("a backup's size: the tagged disk bytes, else restic's summary; the bytes added only where restic kept them", assert => {
        const base = { id: "a", short_id: "a", time: "", hostname: "h", paths: [] };
        assert.deepEqual(backupSizes({ ...base, tags: machineTags("u", "n", "shut-off", 1234) }), { Size: 1234n });
        assert.deepEqual(backupSizes({ ...base, tags: machineTags("u", "n", "shut-off") }), {}, "an older backup: nothing is made up");
        assert.deepEqual(backupSizes({ ...base, tags: ["disk-bytes=12x"], summary: { total_bytes_processed: 99, data_added: 7 } }), { Size: 99n, Added: 7n });
    });
});

QUnit.module("backups: restic's words for REST and S3 failures, without credentials", () => {
    const access = (over: Partial<RepositoryAccess>): RepositoryAccess => ({
        location: parseLocation("rest:http://127.0.0.1:8000/r"), passwordFile: "/nonexistent", ssh: { key: null, knownHosts: "/nonexistent" },
        repositoryFile: null, s3: null, caFile: null, ...over,
    });

    QUnit.test("the user part of a URL and every S3 key are taken out of restic's text", assert => {
        const text = "Fatal: unable to open config file: Head \"http://alice:***@127.0.0.1:8000/r/config\": dial tcp: connection refused\n" +
            "Is there a repository at the following location?\nrest:http://alice:***@127.0.0.1:8000/r/\nThe key AKIDEXAMPLE1 with sEcReT/Key is wrong";
        const clean = withoutCredentials(text, access({ s3: { accessKeyId: "AKIDEXAMPLE1", secretAccessKey: "sEcReT/Key" } }));
        assert.false(/alice|AKIDEXAMPLE1|sEcReT/.test(clean), clean);
        assert.true(clean.includes("rest:http://127.0.0.1:8000/r/"), "the location stays readable");
    });

    QUnit.test("a refused login, a certificate nobody vouches for, nothing listening and no repository are told apart", assert => {
        const where = "rest:http://127.0.0.1:8000/r";
        const unauthorized = resticError("opening", "Fatal: unable to open config file: unexpected HTTP response (401): 401 Unauthorized\nIs there a repository at the following location?", where);
        assert.equal(unauthorized.errorName, "InvalidArgument");
        assert.true(/^rest-password: the REST server .* refused the user and password/.test(unauthorized.message), unauthorized.message);
        assert.false(repositoryMissing("Fatal: unable to open config file: unexpected HTTP response (401): 401 Unauthorized"), "a 401 is not an empty server: init must not follow");
        const tls = resticError("opening", "Fatal: unable to open config file: client.Head: Head \"https://127.0.0.1:8000/r/config\": x509: certificate signed by unknown authority", where);
        assert.true(/TLS connection .* failed \(the server's certificate is signed by a CA this host does not know/.test(tls.message), tls.message);
        const refused = resticError("opening", "Fatal: unable to open config file: dial tcp 127.0.0.1:8000: connect: connection refused", where);
        assert.true(/cannot be reached: .*connection refused/.test(refused.message), refused.message);
        assert.true(repositoryMissing("Fatal: unable to open config file: <config/> does not exist\nIs there a repository at the following location?"));
        assert.true(repositoryMissing("Fatal: unable to open config file: Stat: The specified key does not exist."));
        assert.true(repositoryMissing("Fatal: unable to open config file: stat /srv/r/config: no such file or directory"));
        const s3 = resticError("opening", "Fatal: unable to open config file: Stat: The Access Key Id you provided does not exist in our records.", "s3:http://h/b");
        assert.equal(s3.errorName, "InvalidArgument");
        assert.true(/^s3-secret-access-key: the S3 server .* refused the access key/.test(s3.message), s3.message);
    });
});
