// Backups on restic, end to end on the installed daemon: a repository added
// (and refused with a wrong password, unreachable, or with bad input, nothing
// saved, the password nowhere on the bus or in the audit log), a shut-off
// machine with random data backed up, backed up again (almost nothing new),
// deleted with its disks and restored as a new machine with the same bytes; a
// cancelled backup records nothing and a cancelled restore leaves nothing; a
// running tiny guest backed up from a disk-only snapshot whose overlay is
// committed back while it keeps running. Who may do what.
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import dbus from "dbus-next";
import QUnit from "qunit";
import { tinyGuestIso } from "../harness/tiny-guest.js";
import { closeWatchBus, watchJobs } from "../lib/bus-watch.js";
import { cancelJob, jobSucceeded } from "../lib/job-step.js";
import { callAs, getProperty, MANAGER } from "../lib/call-as.js";
import { areas } from "../lib/daemon.js";
import { randomImage, tempDir, uniqueName } from "../lib/images.js";
import { ADMIN, OPERATOR, VIEWER } from "../lib/users.js";
import { waitFor, withTimeout } from "../lib/wait.js";
import {
    addRepository, BACKUPS, ctl, domainNames, firstDisk, holdsPattern, JOB, machineCall, MIB, prop, rawContent, repoCall,
    repositoryObjects, REPOSITORY, restic, virsh, volumeFile, volumeNames, writePattern, type Options,
} from "../lib/backups.js";

const BACKUP_DIR = "/etc/debvisor/backup";
const AUDIT_LOG = "/var/log/debvisor/audit.jsonl";
const OVERLAY_SUFFIX = ".debvisor-backup-overlay";

const secretFiles = () => fs.existsSync(BACKUP_DIR) ? fs.readdirSync(BACKUP_DIR).filter(f => f !== "repositories.json").sort() : [];

QUnit.module("backups: restic repositories, back up, restore as a new machine", hooks => {
    let dir = "";
    let repoDir = "";
    let repoPath = "";
    let passwordFile = "";
    const password = `dv-${crypto.randomBytes(12).toString("hex")}`;
    const repoName = uniqueName("dvrepo");
    const made: string[] = [];
    const repositoriesMade: string[] = [];
    let shutOffMachine = "";
    let shutOffPool = "default";

    hooks.before(async () => {
        dir = tempDir("dv-backups-");
        repoDir = path.join(dir, "repo");
        passwordFile = path.join(dir, "password");
        fs.writeFileSync(passwordFile, password, { mode: 0o600 });
        await waitFor("the backups area to be ready", async () => (await areas()).backups?.state === "ready", 30_000, 200);
    });
    hooks.after(async () => {
        for (const name of made.filter(n => domainNames().includes(n))) {
            try { virsh("destroy", name) } catch { /* not running */ }
            virsh("undefine", name, "--remove-all-storage", "--snapshots-metadata");
        }
        const objects = await repositoryObjects();
        for (const [p, ifaces] of Object.entries(objects))
            if (ifaces[REPOSITORY] && repositoriesMade.includes(String(ifaces[REPOSITORY].Name)))
                await repoCall(null, p, "Remove", "a{sv}", [{}]);
        fs.rmSync(dir, { recursive: true, force: true });
        closeWatchBus();
    });

    QUnit.test("restic is there: the area is ready and says restic's version", async assert => {
        assert.equal((await areas()).backups.state, "ready");
        const version = await getProperty(BACKUPS.path, BACKUPS.iface, "ResticVersion");
        assert.true(/^\d+\.\d+/.test(String(version)), `restic ${String(version)}`);
    });

    QUnit.test("bad input is refused with the argument named, and nothing is saved", async assert => {
        const before = secretFiles();
        const listed = fs.existsSync(path.join(BACKUP_DIR, "repositories.json")) ? fs.readFileSync(path.join(BACKUP_DIR, "repositories.json"), "utf8") : "";
        const local = path.join(dir, "bad");
        const cases: Array<[unknown, unknown, unknown, Options, RegExp]> = [
            ["bad\nname", local, password, {}, /^name: /],
            ["..", local, password, {}, /^name: /],
            ["-rf", local, password, {}, /^name: /],
            ["x".repeat(5000), local, password, {}, /^name: /],
            ["ok", "relative/dir", password, {}, /^location: /],
            ["ok", `${dir}/../etc`, password, {}, /^location: /],
            ["ok", `${dir}/a\nb`, password, {}, /^location: .*control characters/],
            ["ok", "sftp:root@-oProxyCommand=touch /tmp/pwned:/srv", password, {}, /^location: /],
            ["ok", "sftp:root@-oProxyCommand=x:/srv", password, {}, /^location: .*host/],
            ["ok", "sftp:-l@host:/srv", password, {}, /^location: .*user/],
            ["ok", "sftp://u@host:99999/srv", password, {}, /^location: .*port/],
            ["ok", "sftp:u@host:../x", password, {}, /^location: /],
            ["ok", "s3:https://example.org/Bad_Bucket", password, {}, /^location: .*bucket/],
            ["ok", "s3:https://example.org/bucket", password, {}, /^options\.s3-access-key-id: .*needs/],
            ["ok", "rest:https://alice:secret@example.org/", password, {}, /^location: .*rest-user and rest-password/],
            ["ok", "rest:https://example.org/", password, { "rest-user": ["s", "alice"] }, /^options\.rest-password: /],
            ["ok", "rest:https://example.org/", password, { "rest-user": ["s", "a:b"], "rest-password": ["s", "x"] }, /^options\.rest-user: .*":"/],
            ["ok", local, password, { "ca-certificate": ["s", "not a certificate"] }, /^options\.ca-certificate: /],
            ["ok", "rest:http://example.org/", password, { "ca-certificate": ["s", "-----BEGIN CERTIFICATE-----\nAA\n-----END CERTIFICATE-----\n"] }, /^options\.ca-certificate: only .* https/],
            ["ok", `/${"a".repeat(5000)}`, password, {}, /^location: /],
            ["ok", local, "short", {}, /^password: .*at least 8/],
            ["ok", local, "two\nlines-password", {}, /^password: .*newlines/],
            ["ok", local, "p".repeat(100_000), {}, /^password: .*at most/],
            ["ok", local, password, { "ssh-private-key": ["s", "not a key"] }, /^options\.ssh-private-key: /],
            ["ok", local, password, { nonsense: ["b", true] }, /unknown option "nonsense"/],
        ];
        for (const [name, location, secret, options, expected] of cases) {
            const reply = await addRepository(ADMIN.name, name, location, secret, options);
            const label = JSON.stringify([name, location, options]).slice(0, 120);
            assert.false(reply.ok, label);
            if (!reply.ok) {
                assert.equal(reply.errorName, "org.debvisor.DebVisor1.Error.InvalidArgument", label);
                assert.true(expected.test(reply.message), `${label}: ${reply.message}`);
            }
        }
        assert.deepEqual(secretFiles(), before, "no secret file was written");
        assert.equal(fs.existsSync(path.join(BACKUP_DIR, "repositories.json")) ? fs.readFileSync(path.join(BACKUP_DIR, "repositories.json"), "utf8") : "", listed);
        assert.false(fs.existsSync("/tmp/pwned"));
        assert.false(fs.existsSync(local), "no directory was made");
    });

    QUnit.test("an admin adds a local repository: made with restic init, the password root-only and nowhere else", async assert => {
        const operator = await addRepository(OPERATOR.name, repoName, repoDir, password);
        assert.false(operator.ok, "an operator may not add a repository");
        if (!operator.ok)
            assert.equal(operator.errorName, "org.debvisor.DebVisor1.Error.NotAuthorized");
        repositoriesMade.push(repoName);
        const reply = await addRepository(ADMIN.name, repoName, repoDir, password);
        assert.true(reply.ok, reply.ok ? "added" : reply.message);
        if (!reply.ok) return;
        [repoPath] = reply.body as [string];
        const notice = String(reply.body[1]);
        assert.true(notice.startsWith("Created a new restic repository"), notice);
        assert.true(/lost password cannot be recovered/.test(notice), notice);
        assert.true(fs.existsSync(path.join(repoDir, "config")), "restic init made the repository");
        assert.true(restic(repoDir, passwordFile, "cat", "config").includes("chunker_polynomial"), "the password given opens it");

        const file = path.join(BACKUP_DIR, `${repoName}.password`);
        const stat = fs.statSync(file);
        assert.equal(stat.mode & 0o777, 0o600, "the password file is 0600");
        assert.equal(stat.uid, 0, "and root's");
        assert.equal(fs.statSync(BACKUP_DIR).mode & 0o777, 0o700, "in a directory only root may enter");
        assert.equal(fs.readFileSync(file, "utf8"), password);
        assert.false(fs.readFileSync(path.join(BACKUP_DIR, "repositories.json"), "utf8").includes(password), "not in the list of repositories");

        const props = await callAs(VIEWER.name, { path: repoPath, iface: "org.freedesktop.DBus.Properties", method: "GetAll", signature: "s", body: [REPOSITORY] });
        assert.true(props.ok, "a viewer sees the repository");
        if (props.ok) {
            const p = props.body[0] as Record<string, unknown>;
            assert.equal(p.Name, repoName);
            assert.equal(p.Location, repoDir);
            assert.equal(p.Kind, "local");
        }
        const everything = JSON.stringify(await repositoryObjects(), (_k, v: unknown) => typeof v === "bigint" ? String(v) : v);
        assert.false(everything.includes(password), "no property of any object holds the password");
        const audit = fs.readFileSync(AUDIT_LOG, "utf8");
        assert.true(audit.includes(repoName), "the call is in the audit log");
        assert.false(audit.includes(password), "the password is not");
    });

    QUnit.test("a wrong password and unreachable repositories are refused with the reason, and nothing is saved", async assert => {
        const before = secretFiles();
        // only repository objects: machines, jobs and pools of other areas come and go meanwhile
        const repositoriesNow = async () => Object.values(await repositoryObjects()).filter(ifaces => ifaces[REPOSITORY]).length;
        const objectsBefore = await repositoriesNow();
        // the same repository by another path (the same location twice is refused as such)
        const copy = path.join(dir, "same");
        fs.symlinkSync(repoDir, copy);
        const wrong = await addRepository(ADMIN.name, uniqueName("dvwrong"), copy, "not-the-password");
        assert.false(wrong.ok);
        if (!wrong.ok) {
            assert.equal(wrong.errorName, "org.debvisor.DebVisor1.Error.InvalidArgument");
            assert.true(/^password: wrong password/.test(wrong.message), wrong.message);
        }
        // nothing listens on port 1 of the loopback: ssh is refused at once
        const sftp = await addRepository(ADMIN.name, uniqueName("dvsftp"), "sftp://backup@127.0.0.1:1/srv/restic", password);
        assert.false(sftp.ok);
        if (!sftp.ok) {
            assert.equal(sftp.errorName, "org.debvisor.DebVisor1.Error.Failed");
            assert.true(/^opening the repository: the repository at sftp:\/\/backup@127\.0\.0\.1:1\/srv\/restic cannot be reached: /.test(sftp.message), sftp.message);
            assert.true(/ssh: connect to host 127\.0\.0\.1 port 1: Connection refused/.test(sftp.message), `in ssh's words: ${sftp.message}`);
        }
        const missingParent = await addRepository(ADMIN.name, uniqueName("dvmissing"), path.join(dir, "no/such/dir"), password);
        assert.false(missingParent.ok);
        if (!missingParent.ok)
            assert.true(/^location: the directory .* does not exist/.test(missingParent.message), missingParent.message);
        const notEmpty = path.join(dir, "not-empty");
        fs.mkdirSync(notEmpty);
        fs.writeFileSync(path.join(notEmpty, "data"), "x");
        const occupied = await addRepository(ADMIN.name, uniqueName("dvoccupied"), notEmpty, password);
        assert.false(occupied.ok);
        if (!occupied.ok)
            assert.true(/is not empty and holds no restic repository/.test(occupied.message), occupied.message);
        assert.deepEqual(secretFiles(), before, "no password file was kept");
        assert.equal(await repositoriesNow(), objectsBefore, "no repository object appeared");
        assert.false(fs.readFileSync(AUDIT_LOG, "utf8").includes("not-the-password"), "the wrong password is not in the audit log either");

        // the same repository opened under another name with its password, then forgotten: its data stays
        const other = uniqueName("dvsame");
        repositoriesMade.push(other);
        const opened = await addRepository(ADMIN.name, other, copy, password, { create: ["b", false] });
        assert.true(opened.ok && String(opened.body[1]).startsWith("Opened the existing restic repository"), opened.ok ? String(opened.body[1]) : opened.message);
        if (opened.ok) {
            const removed = await repoCall(ADMIN.name, opened.body[0] as string, "Remove", "a{sv}", [{}]);
            assert.true(removed.ok, removed.ok ? "removed" : removed.message);
            assert.false(fs.existsSync(path.join(BACKUP_DIR, `${other}.password`)), "its password is gone");
            assert.true(fs.existsSync(path.join(repoDir, "config")), "the repository itself stays");
        }
    });

    QUnit.test("a shut-off machine: backed up, again (almost nothing new), deleted, restored as a new machine with the same bytes", async assert => {
        const watch = await watchJobs();
        const name = uniqueName("dvbk");
        made.push(name);
        const source = randomImage(dir, "machine.raw", 160);
        const created = await callAs(ADMIN.name, { ...MANAGER, method: "CreateMachine", signature: "sa{sv}", body: [name, { source: ["s", "image"], image: ["s", source] }] });
        const done = await jobSucceeded(assert, watch, created, { job: 1, within: 120_000, what: "the import", taken: "created" });
        if (!done) return;
        const machinePath = done.body[0] as string;
        await waitFor("the machine", async () => await prop(machinePath, "Name") === name);
        const { pool, file: disk } = await firstDisk(machinePath);
        writePattern(disk, "qcow2", 0xab, 8 * MIB, 4 * MIB);
        const content = rawContent(disk, dir);
        const uuid = String(await prop(machinePath, "UUID"));
        const macs = (await prop(machinePath, "Nics") as Array<Record<string, unknown>>).map(n => String(n.Mac));

        const viewer = await machineCall(VIEWER.name, machinePath, "Backup", "sa{sv}", [repoName, {}]);
        assert.false(viewer.ok, "a viewer may not back up");
        if (!viewer.ok)
            assert.equal(viewer.errorName, "org.debvisor.DebVisor1.Error.NotAuthorized");
        const missing = await machineCall(OPERATOR.name, machinePath, "Backup", "sa{sv}", ["no-such-repo", {}]);
        assert.true(!missing.ok && missing.errorName.endsWith(".NotFound"), missing.ok ? "ok" : missing.message);

        const backUp = async () => {
            const reply = await machineCall(OPERATOR.name, machinePath, "Backup", "sa{sv}", [repoName, {}]);
            assert.true(reply.ok, reply.ok ? "an operator may back up" : reply.message);
            if (!reply.ok) throw new Error(reply.message);
            const w = watch(reply.body[0] as string);
            const [success, message] = await withTimeout(w.completed, 300_000, "the backup");
            assert.true(success, message);
            assert.true(w.progress.length > 0, `progress was reported (${w.progress.length} times)`);
            const m = /new bytes: (\d+), reused bytes: (\d+)/.exec(message);
            assert.true(m !== null, message);
            return { message, newBytes: Number(m?.[1]), reusedBytes: Number(m?.[2]) };
        };
        const first = await backUp();
        const sizeAfterFirst = (JSON.parse(restic(repoDir, passwordFile, "stats", "--json", "--mode", "raw-data")) as { total_size: number }).total_size;
        const second = await backUp();
        const sizeAfterSecond = (JSON.parse(restic(repoDir, passwordFile, "stats", "--json", "--mode", "raw-data")) as { total_size: number }).total_size;
        assert.true(first.newBytes >= 150 * MIB, `the first backup stored the random data: ${first.message}`);
        assert.true(first.message.includes("shut off"), first.message);
        // almost nothing: no data, only restic's trees, which name each segment file's inode and ctime (new with each staging)
        assert.true(second.newBytes < first.newBytes / 400, `the second added almost nothing: ${second.message}`);
        assert.true(sizeAfterSecond - sizeAfterFirst < sizeAfterFirst / 400,
            `the repository grew by ${sizeAfterSecond - sizeAfterFirst} bytes (first backup: ${sizeAfterFirst})`);
        assert.false(domainNames().some(n => n.includes("debvisor-backup")), "no snapshot for a shut-off machine");

        // the backups of this machine, as a viewer sees them
        const listed = await repoCall(VIEWER.name, repoPath, "ListBackups", "a{sv}", [{ "machine-uuid": ["s", uuid] }]);
        assert.true(listed.ok, listed.ok ? "a viewer may list" : listed.message);
        const backups = (listed.ok ? listed.body[0] : []) as Array<Record<string, unknown>>;
        assert.equal(backups.length, 2);
        assert.deepEqual(backups.map(b => [b.MachineName, b.MachineUUID, b.Consistency]), [[name, uuid, "shut-off"], [name, uuid, "shut-off"]]);
        const snapshotsInRepo = () => (JSON.parse(restic(repoDir, passwordFile, "snapshots", "--json")) as unknown[]).length;
        const snapshotCount = snapshotsInRepo();

        // a cancelled backup records nothing (the disk changed, so restic reads all of it again)
        writePattern(disk, "qcow2", 0xcd, 32 * MIB, 64 * MIB);
        const cancelled = await machineCall(OPERATOR.name, machinePath, "Backup", "sa{sv}", [repoName, {}]);
        assert.true(cancelled.ok);
        if (cancelled.ok) {
            await cancelJob(assert, watch, OPERATOR.name, cancelled.body[0] as string, "the cancelled backup");
            assert.equal(snapshotsInRepo(), snapshotCount, "no snapshot was recorded");
        }

        const deleted = await machineCall(ADMIN.name, machinePath, "Delete", "a{sv}", [{ "delete-disks": ["b", true] }]);
        assert.true(deleted.ok, deleted.ok ? "deleted" : deleted.message);
        await waitFor("the machine to be gone", () => !domainNames().includes(name));
        assert.false(fs.existsSync(disk), "its disk is gone");

        // a deleted machine's backups are still listed by its UUID; the newest is restored
        const restoredName = uniqueName("dvrestored");
        made.push(restoredName);
        shutOffMachine = restoredName;
        shutOffPool = pool;
        const id = String(backups[1].Id);
        const viewerRestore = await repoCall(VIEWER.name, repoPath, "Restore", "ssa{sv}", [id, restoredName, {}]);
        assert.false(viewerRestore.ok, "a viewer may not restore");
        const restored = await repoCall(OPERATOR.name, repoPath, "Restore", "ssa{sv}", [id, restoredName, {}]);
        assert.true(restored.ok, restored.ok ? "an operator may restore as a new machine" : restored.message);
        if (!restored.ok) return;
        const [newPath, restoreJob] = restored.body as [string, string];
        const [restoredOk, restoreMessage] = await withTimeout(watch(restoreJob).completed, 300_000, "the restore");
        assert.true(restoredOk, restoreMessage);
        await waitFor("the restored machine", async () => await prop(newPath, "Name") === restoredName);
        const newDisk = volumeFile(`${restoredName}.qcow2`, pool);
        // the disk is backed up as its content (segments), so a restored qcow2 is a new file with that content
        assert.equal(rawContent(newDisk, dir), content, "the restored disk has the very content that was backed up");
        assert.true(holdsPattern(newDisk, "qcow2", 0xab, 8 * MIB, 4 * MIB), "with the pattern written before the backup");
        assert.notEqual(String(await prop(newPath, "UUID")), uuid, "a new UUID");
        const newMacs = (await prop(newPath, "Nics") as Array<Record<string, unknown>>).map(n => String(n.Mac));
        assert.equal(newMacs.length, macs.length, "the same network interfaces");
        for (const mac of newMacs)
            assert.false(macs.includes(mac), `a new MAC address ${mac}`);
        const disks = await prop(newPath, "Disks") as Array<Record<string, unknown>>;
        assert.deepEqual(disks.filter(d => d.Device === "disk").map(d => d.Source), [`${pool}/${restoredName}.qcow2`], "in the pool new disks go to");

        // a restore to a name in use is refused before anything is written
        const volumes = volumeNames(pool);
        const taken = await repoCall(OPERATOR.name, repoPath, "Restore", "ssa{sv}", [id, restoredName, {}]);
        assert.true(!taken.ok && /^new_name: a machine named/.test(taken.message), taken.ok ? "ok" : taken.message);
        const unknown = await repoCall(OPERATOR.name, repoPath, "Restore", "ssa{sv}", ["0123456789abcdef", uniqueName("dvnone"), {}]);
        assert.true(!unknown.ok && unknown.errorName.endsWith(".NotFound"), unknown.ok ? "ok" : unknown.message);
        for (const bad of ["../../etc", "-rf", "a\nb", "x".repeat(100)]) {
            const reply = await repoCall(OPERATOR.name, repoPath, "Restore", "ssa{sv}", [bad, uniqueName("dvnone"), {}]);
            assert.true(!reply.ok && /^snapshot: /.test(reply.message), reply.ok ? "ok" : reply.message);
        }
        // a cancelled restore leaves no machine and no disk
        const half = uniqueName("dvhalf");
        const halfReply = await repoCall(OPERATOR.name, repoPath, "Restore", "ssa{sv}", [id, half, {}]);
        assert.true(halfReply.ok, halfReply.ok ? "started" : halfReply.message);
        if (halfReply.ok) {
            const job = halfReply.body[1] as string;
            const w = watch(job);
            await callAs(OPERATOR.name, { path: job, iface: JOB, method: "Cancel", signature: "a{sv}", body: [{}] });
            const [success, message] = await withTimeout(w.completed, 120_000, "the cancelled restore");
            assert.false(success, message);
            assert.false(domainNames().includes(half), "no machine was defined");
            assert.deepEqual(volumeNames(pool), volumes, "no disk was left");
            assert.false(fs.readdirSync("/var/lib/libvirt/images").some(f => f.startsWith(half)), "no file was left");
        }
    });

    QUnit.test("a running machine is backed up from a disk-only snapshot, keeps running, and the overlay is committed and gone", async assert => {
        const watch = await watchJobs();
        const name = uniqueName("dvbkrun");
        made.push(name);
        const created = await callAs(ADMIN.name, { ...MANAGER, method: "CreateMachine", signature: "sa{sv}", body: [name, {
            source: ["s", "iso"], iso: ["s", tinyGuestIso()], "disk-size": ["t", 64 * MIB], "memory-mib": ["t", 256], network: ["s", "none"],
        }] });
        assert.true(created.ok, created.ok ? "created" : created.message);
        if (!created.ok) return;
        const [machinePath] = created.body as [string];
        const { pool, file: disk } = await firstDisk(machinePath);
        writePattern(disk, "qcow2", 0x5a, 4 * MIB, 2 * MIB);
        const started = await machineCall(ADMIN.name, machinePath, "Start", "a{sv}", [{}]);
        assert.true(started.ok, started.ok ? "started" : started.message);
        await waitFor("running", async () => await prop(machinePath, "State") === "running", 60_000);

        // libvirt's own events tell what happened to the disk: an active commit of the overlay, to its end
        const bus = dbus.systemBus();
        const blockJobs: Array<[string, number, number]> = [];
        await bus.call(new dbus.Message({ destination: "org.freedesktop.DBus", path: "/org/freedesktop/DBus", interface: "org.freedesktop.DBus",
            member: "AddMatch", signature: "s", body: ["type='signal',sender='org.libvirt',interface='org.libvirt.Domain',member='BlockJob'"] }));
        bus.on("message", (m: InstanceType<typeof dbus.Message>) => {
            if (m.member === "BlockJob")
                blockJobs.push(m.body as [string, number, number]);
        });
        const disksBefore = virsh("domblklist", name, "--details");
        try {
            const reply = await machineCall(OPERATOR.name, machinePath, "Backup", "sa{sv}", [repoName, {}]);
            const done = await jobSucceeded(assert, watch, reply, { job: 0, within: 300_000, what: "the backup", taken: "started" });
            if (!done) return;
            const message = done.message;
            assert.true(message.includes("crash-consistent"), `no guest agent in the tiny guest: ${message}`);
            assert.equal(await prop(machinePath, "State"), "running", "the machine kept running");
            await waitFor("libvirt's event of the finished active commit", () => blockJobs.some(([d, type, status]) => d === "vda" && type === 4 && status === 0), 10_000);
            assert.equal(virsh("domblklist", name, "--details"), disksBefore, "the machine writes its own disk again");
            assert.false(virsh("dumpxml", name).includes(OVERLAY_SUFFIX), "nothing of the overlay is left in its definition");
            assert.false(fs.existsSync(`${disk}${OVERLAY_SUFFIX}`), "the overlay is gone");
            assert.false(fs.readdirSync(path.dirname(disk)).some(f => f.endsWith(OVERLAY_SUFFIX)), "no overlay anywhere in the pool");
            assert.equal(virsh("snapshot-list", name, "--name").trim(), "", "no snapshot metadata was left");

            const listed = await repoCall(VIEWER.name, repoPath, "ListBackups", "a{sv}", [{ "machine-uuid": ["s", String(await prop(machinePath, "UUID"))] }]);
            const backups = (listed.ok ? listed.body[0] : []) as Array<Record<string, unknown>>;
            assert.deepEqual(backups.map(b => b.Consistency), ["crash-consistent"]);

            const restoredName = uniqueName("dvrunrestored");
            made.push(restoredName);
            const restored = await repoCall(OPERATOR.name, repoPath, "Restore", "ssa{sv}", [String(backups[0]?.Id), restoredName, {}]);
            assert.true(restored.ok, restored.ok ? "restoring" : restored.message);
            if (!restored.ok) return;
            const [ok, restoreMessage] = await withTimeout(watch(restored.body[1] as string).completed, 300_000, "the restore");
            assert.true(ok, restoreMessage);
            const newDisk = volumeFile(`${restoredName}.qcow2`, pool);
            assert.true(holdsPattern(newDisk, "qcow2", 0x5a, 4 * MIB, 2 * MIB), "the data written before the backup is in the restored disk");
            assert.equal(rawContent(newDisk, dir), rawContent(disk, dir), "the restored disk shows what the running machine's disk shows");
            const newDisks = await prop(restored.body[0] as string, "Disks") as Array<Record<string, unknown>>;
            assert.deepEqual(newDisks.filter(d => d.Device === "cdrom").map(d => d.Source), [""], "its CD-ROM drive is empty");
        } finally {
            bus.disconnect();
        }
    });
    QUnit.test("debvisorctl backup: repo-add from standard input, now --wait, list, restore --wait, repo-remove; a viewer may not back up", assert => {
        if (!shutOffMachine) {
            assert.true(false, "needs the restored machine of the test before");
            return;
        }
        const name = uniqueName("dvclirepo");
        repositoriesMade.push(name);
        const where = path.join(dir, "cli-repo");
        const usage = ctl(["backup", "repo-add", name, where]);
        assert.equal(usage.code, 2, `no password file is a usage error: ${usage.stderr}`);
        const added = ctl(["backup", "repo-add", name, where, "--password-file", "-"], { input: `${password}\n` });
        assert.equal(added.code, 0, added.stderr);
        assert.true(/lost password cannot be recovered/.test(added.stdout), added.stdout);
        assert.equal(fs.readFileSync(path.join(BACKUP_DIR, `${name}.password`), "utf8"), password, "the first line of standard input, without its newline");
        const listed = JSON.parse(ctl(["backup", "repo-list", "--json"]).stdout) as Array<Record<string, unknown>>;
        assert.deepEqual(listed.filter(r => r.Name === name).map(r => [r.Kind, r.Location]), [["local", where]]);

        const viewer = ctl(["backup", "now", shutOffMachine, name, "--no-ask"], { user: VIEWER.name });
        assert.notEqual(viewer.code, 0);
        assert.true(/not authorized/i.test(viewer.stderr), viewer.stderr);
        const now = ctl(["backup", "now", shutOffMachine, name, "--wait"], { user: OPERATOR.name });
        assert.equal(now.code, 0, now.stderr);
        assert.true(/Backed up .*\(new bytes: \d+, reused bytes: \d+\)/.test(now.stdout), now.stdout);
        const backups = JSON.parse(ctl(["backup", "list", name, "--machine", shutOffMachine, "--json"], { user: VIEWER.name }).stdout) as Array<Record<string, unknown>>;
        assert.equal(backups.length, 1);
        assert.equal(backups[0]?.MachineName, shutOffMachine);
        assert.true(ctl(["backup", "list", name]).stdout.includes(String(backups[0]?.Id)), "the table lists it");

        const again = uniqueName("dvclirestored");
        made.push(again);
        const restored = ctl(["backup", "restore", name, String(backups[0]?.Id), again, "--wait"], { user: OPERATOR.name });
        assert.equal(restored.code, 0, restored.stderr);
        assert.true(domainNames().includes(again), "the machine is there");
        assert.equal(rawContent(volumeFile(`${again}.qcow2`, shutOffPool), dir), rawContent(volumeFile(`${shutOffMachine}.qcow2`, shutOffPool), dir), "with the same disk content");

        const removed = ctl(["backup", "repo-remove", name]);
        assert.equal(removed.code, 0, removed.stderr);
        assert.false(ctl(["backup", "repo-list"]).stdout.includes(name), "forgotten");
        assert.true(fs.existsSync(path.join(where, "config")), "its backups stay");
    });
});
