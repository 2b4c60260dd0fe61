import QUnit from "qunit";
import { describeLocation, LocationError, parseLocation, resticRepository, sftpCommand } from "../../helpers/debvisord/backups/locations.js";
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
            "sftp:u@host:/p;rm", "sftp:u@host:/p$(x)", "s3:s3.amazonaws.com/bucket", "rest:https://x/", `/${"a".repeat(5000)}`,
        ])
            assert.throws(() => parseLocation(bad), LocationError, JSON.stringify(bad));
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
