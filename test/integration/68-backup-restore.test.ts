// Restoring a backup over the machine it was made of, on the installed
// daemon: only admins, only a shut-off machine, bad input refused with
// nothing changed; the plan names what is lost; the restore puts the
// backed-up bytes back (a disk added since is detached, its file kept; the
// UUID and MAC addresses stay); a cancelled one leaves the machine's disks as
// they were; one disk alone, over the machine's or as a new volume (attached
// or not); and the same from debvisorctl.
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import QUnit from "qunit";
import { closeWatchBus, watchJobs } from "../lib/bus-watch.js";
import { cancelJob } from "../lib/job-step.js";
import { areas } from "../lib/daemon.js";
import { randomImage, tempDir, uniqueName } from "../lib/images.js";
import { ADMIN, OPERATOR, VIEWER } from "../lib/users.js";
import { waitFor, withTimeout } from "../lib/wait.js";
import {
    addTestRepository, backUpMachine, createMachineFromImage, ctl, domainNames, firstDisk, holdsPattern, machineCall, MIB, prop, repoCall, repositoryObjects,
    rawContent, REPOSITORY, sha256, virsh, volumeFile, volumeNames, writePattern,
} from "../lib/backups.js";

const STAGED_SUFFIX = ".debvisor-restore";

QUnit.module("backup restore: over the original machine, one disk of it", hooks => {
    let dir = "";
    const password = `dv-${crypto.randomBytes(12).toString("hex")}`;
    const repoName = uniqueName("dvrestrepo");
    let repoPath = "";
    const name = uniqueName("dvover");
    let machinePath = "";
    let disk = "";
    let pool = "default";
    const volumesMade: string[] = [];
    let backupId = "";
    let backedUpHash = "";
    let watch: Awaited<ReturnType<typeof watchJobs>>;
    /* the disk AttachDisk adds after the backup */
    const extraDisk = () => path.join(path.dirname(disk), `${name}-vdb.qcow2`);
    /* A pattern at 8 MiB, 4 MiB long (the machine is shut off): which one is there tells before from after. */
    const writeAt = (pattern: number) => writePattern(disk, "qcow2", pattern, 8 * MIB, 4 * MIB);

    const restoreOver = (user: string, id: string, options: Record<string, [string, unknown]> = {}) =>
        repoCall(user, repoPath, "RestoreOverOriginal", "sa{sv}", [id, options]);
    const stagedFiles = () => fs.readdirSync(path.dirname(disk)).filter(f => f.endsWith(STAGED_SUFFIX) || f.endsWith(`${STAGED_SUFFIX}-old`));

    hooks.before(async () => {
        dir = tempDir("dv-backup-restore-");
        await waitFor("the backups area to be ready", async () => (await areas()).backups?.state === "ready", 30_000, 200);
        watch = await watchJobs();
        repoPath = await addTestRepository(repoName, path.join(dir, "repo"), password);
        machinePath = await createMachineFromImage(name, randomImage(dir, "machine.raw", 128), watch);
        ({ file: disk, pool } = await firstDisk(machinePath));
        writeAt(0xab);
        backedUpHash = rawContent(disk, dir);
        backupId = await backUpMachine(machinePath, repoName, watch);
    });
    hooks.after(async () => {
        if (domainNames().includes(name)) {
            try { virsh("destroy", name) } catch { /* not running */ }
            virsh("undefine", name, "--remove-all-storage");
        }
        if (disk)
            fs.rmSync(extraDisk(), { force: true });
        for (const volume of volumesMade)
            try { virsh("vol-delete", "--pool", pool, volume) } catch { /* gone with the machine */ }
        for (const [p, ifaces] of Object.entries(await repositoryObjects()))
            if (ifaces[REPOSITORY]?.Name === repoName)
                await repoCall(null, p, "Remove", "a{sv}", [{}]);
        fs.rmSync(dir, { recursive: true, force: true });
        closeWatchBus();
    });

    QUnit.test("refused with nothing changed: operators and viewers, unknown and bad ids, bad disk names, a running machine", async assert => {
        assert.true(backupId.length === 8, `the backup ${backupId}`);
        // the content: the file's own bytes change when qemu opens it (the backup's dirty bitmap is marked in use)
        const before = rawContent(disk, dir);
        for (const user of [OPERATOR.name, VIEWER.name]) {
            const reply = await restoreOver(user, backupId);
            assert.true(!reply.ok && reply.errorName.endsWith(".NotAuthorized"), `${user}: ${reply.ok ? "ok" : reply.errorName}`);
        }
        const unknown = await restoreOver(ADMIN.name, "0123456789abcdef");
        assert.true(!unknown.ok && unknown.errorName.endsWith(".NotFound"), unknown.ok ? "ok" : unknown.message);
        for (const bad of ["../../etc", "-rf", "a\nb", "x".repeat(100), ""]) {
            const reply = await restoreOver(ADMIN.name, bad);
            assert.true(!reply.ok && /^snapshot: /.test(reply.message) && reply.errorName.endsWith(".InvalidArgument"), reply.ok ? "ok" : reply.message);
        }
        for (const bad of [["../vda"], ["-vda"], ["vda\nvdb"], []]) {
            const reply = await restoreOver(ADMIN.name, backupId, { disks: ["as", bad] });
            assert.true(!reply.ok && /^options\.disks/.test(reply.message) && reply.errorName.endsWith(".InvalidArgument"), reply.ok ? "ok" : reply.message);
        }
        const notInBackup = await restoreOver(ADMIN.name, backupId, { disks: ["as", ["vdz"]] });
        assert.true(!notInBackup.ok && /^disks: backup [0-9a-f]{8} has no disk vdz \(it has vda\)/.test(notInBackup.message), notInBackup.ok ? "ok" : notInBackup.message);

        const started = await machineCall(ADMIN.name, machinePath, "Start", "a{sv}", [{}]);
        assert.true(started.ok, started.ok ? "started" : started.message);
        await waitFor("running", async () => await prop(machinePath, "State") === "running", 60_000);
        try {
            const running = await restoreOver(ADMIN.name, backupId);
            assert.true(!running.ok && running.errorName.endsWith(".Busy") && /is running: shut it down before restoring a backup over it/.test(running.message),
                running.ok ? "ok" : running.message);
        } finally {
            await machineCall(ADMIN.name, machinePath, "ForceOff", "a{sv}", [{}]);
            await waitFor("shut off", async () => await prop(machinePath, "State") === "shutoff", 60_000);
        }
        assert.equal(rawContent(disk, dir), before, "the disk is as it was");
        assert.deepEqual(stagedFiles(), [], "nothing was written beside it");
    });

    QUnit.test("the plan names what is lost; the restore puts the backed-up bytes back, detaches a disk added since and keeps UUID and MACs", async assert => {
        const uuid = String(await prop(machinePath, "UUID"));
        const macs = (await prop(machinePath, "Nics") as Array<Record<string, unknown>>).map(n => String(n.Mac));
        writeAt(0xcd);
        const attached = await machineCall(ADMIN.name, machinePath, "AttachDisk", "ta{sv}", [16 * MIB, {}]);
        assert.true(attached.ok && attached.body[0] === "vdb", attached.ok ? String(attached.body[0]) : attached.message);
        const changed = sha256(disk);

        const plan = await restoreOver(ADMIN.name, backupId, { "dry-run": ["b", true] });
        assert.true(plan.ok, plan.ok ? "planned" : plan.message);
        if (!plan.ok) return;
        const [noJob, lost] = plan.body as [string, string[]];
        assert.equal(noJob, "/", "a dry run starts no job");
        assert.true(lost.some(l => /^disk vda \(.*\): everything written to it since the backup of /.test(l)), lost.join("\n"));
        assert.true(lost.some(l => /^disk vdb \(.*\): the backup does not have it, so it is detached/.test(l)), lost.join("\n"));
        assert.true(lost.some(l => /settings .* the backed-up definition replaces them/.test(l)), lost.join("\n"));
        assert.equal(sha256(disk), changed, "a dry run changes nothing");

        const reply = await restoreOver(ADMIN.name, backupId);
        assert.true(reply.ok, reply.ok ? "an admin may restore over the machine" : reply.message);
        if (!reply.ok) return;
        const w = watch(reply.body[0] as string);
        const [ok, message] = await withTimeout(w.completed, 300_000, "the restore");
        assert.true(ok, message);
        assert.deepEqual(reply.body[1], lost, "the reply names the same losses");
        assert.equal(rawContent(disk, dir), backedUpHash, "the disk holds the very content that was backed up");
        assert.true(holdsPattern(disk, "qcow2", 0xab, 8 * MIB, 4 * MIB), "the pattern written before the backup is back");
        await waitFor("the machine without vdb", async () =>
            !(await prop(machinePath, "Disks") as Array<Record<string, unknown>>).some(d => d.Target === "vdb"), 30_000);
        assert.true(fs.existsSync(extraDisk()), "the detached disk's file is kept");
        assert.equal(String(await prop(machinePath, "UUID")), uuid, "the same UUID");
        assert.equal(String(await prop(machinePath, "Name")), name, "and name");
        assert.deepEqual((await prop(machinePath, "Nics") as Array<Record<string, unknown>>).map(n => String(n.Mac)), macs, "and MAC addresses");
        assert.deepEqual(stagedFiles(), [], "nothing is left beside the disk");
        const audit = fs.readFileSync("/var/log/debvisor/audit.jsonl", "utf8");
        assert.true(audit.includes("RestoreOverOriginal"), "the restore is in the audit log");
    });

    QUnit.test("a cancelled restore over the machine leaves its disk as it was and nothing beside it", async assert => {
        writeAt(0x11);
        const before = sha256(disk);
        const reply = await restoreOver(ADMIN.name, backupId);
        assert.true(reply.ok, reply.ok ? "started" : reply.message);
        if (!reply.ok) return;
        await cancelJob(assert, watch, ADMIN.name, reply.body[0] as string, "the cancelled restore");
        assert.equal(sha256(disk), before, "the disk is as it was");
        assert.deepEqual(stagedFiles(), [], "no restored file is left beside it");
    });

    QUnit.test("one disk as a new volume: by an operator, attached only by an admin; bad input refused; the bytes are the backup's", async assert => {
        const restoreDisk = (user: string, id: string, target: string, options: Record<string, [string, unknown]> = {}) =>
            repoCall(user, repoPath, "RestoreDisk", "ssa{sv}", [id, target, options]);
        const volumesBefore = volumeNames(pool);
        for (const [id, target, options, pattern] of [
            ["0123456789abcdef", "vda", {}, /^snapshot: .*has no DebVisor backup/],
            [backupId, "vdz", {}, /^disk: backup [0-9a-f]{8} has no disk vdz/],
            [backupId, "../vda", {}, /^disk: /],
            [backupId, "vda", { name: ["s", "../x"] }, /^options\.name: /],
            [backupId, "vda", { name: ["s", "-x"] }, /^options\.name: /],
            [backupId, "vda", { name: ["s", "a\nb"] }, /^options\.name: /],
        ] as Array<[string, string, Record<string, [string, unknown]>, RegExp]>) {
            const reply = await restoreDisk(OPERATOR.name, id, target, options);
            assert.true(!reply.ok && pattern.test(reply.message), reply.ok ? "ok" : reply.message);
        }
        const viewer = await restoreDisk(VIEWER.name, backupId, "vda");
        assert.true(!viewer.ok && viewer.errorName.endsWith(".NotAuthorized"), "a viewer may not");
        const attachByOperator = await restoreDisk(OPERATOR.name, backupId, "vda", { attach: ["b", true] });
        assert.true(!attachByOperator.ok && attachByOperator.errorName.endsWith(".NotAuthorized"), attachByOperator.ok ? "ok" : attachByOperator.message);
        assert.deepEqual(volumeNames(pool), volumesBefore, "nothing was written");

        const loose = uniqueName("dvdisk");
        volumesMade.push(`${loose}.qcow2`);
        const reply = await restoreDisk(OPERATOR.name, backupId, "vda", { name: ["s", loose] });
        assert.true(reply.ok, reply.ok ? "an operator may restore a disk" : reply.message);
        if (!reply.ok) return;
        assert.equal(reply.body[0], `${pool}/${loose}.qcow2`);
        const [ok, message] = await withTimeout(watch(reply.body[1] as string).completed, 300_000, "the disk restore");
        assert.true(ok, message);
        assert.equal(rawContent(volumeFile(`${loose}.qcow2`, pool), dir), backedUpHash, "the backed-up content");
        const again = await restoreDisk(OPERATOR.name, backupId, "vda", { name: ["s", loose] });
        assert.true(!again.ok && /^options\.name: the volume .* exists already/.test(again.message), again.ok ? "ok" : again.message);

        const attached = await restoreDisk(ADMIN.name, backupId, "vda", {});
        const withAttach = await restoreDisk(ADMIN.name, backupId, "vda", { attach: ["b", true], name: ["s", `${name}-back`] });
        assert.true(attached.ok && withAttach.ok, withAttach.ok ? "restored" : withAttach.message);
        if (attached.ok) {
            volumesMade.push(String(attached.body[0]).split("/")[1]);
            await withTimeout(watch(attached.body[1] as string).completed, 300_000, "the restore");
        }
        if (!withAttach.ok) return;
        const [attachedOk, attachedMessage] = await withTimeout(watch(withAttach.body[1] as string).completed, 300_000, "the restore");
        assert.true(attachedOk, attachedMessage);
        assert.true(/attached to .* as vd[b-z]/.test(attachedMessage), attachedMessage);
        await waitFor("the attached disk", async () =>
            (await prop(machinePath, "Disks") as Array<Record<string, unknown>>).some(d => d.Source === `${pool}/${name}-back.qcow2`), 30_000);
        // back to one disk for the tests after this one
        const detached = await machineCall(ADMIN.name, machinePath, "DetachDisk", "sa{sv}",
            [(await prop(machinePath, "Disks") as Array<Record<string, unknown>>).find(d => d.Source === `${pool}/${name}-back.qcow2`)?.Target, { "delete-volume": ["b", true] }]);
        assert.true(detached.ok, detached.ok ? "detached" : detached.message);
    });

    QUnit.test("debvisorctl backup restore --over-original: --dry-run, refused to operators, --disk vda --wait puts back that disk only", async assert => {
        writeAt(0x22);
        const before = sha256(disk);
        const dry = ctl(["backup", "restore", repoName, backupId, "--over-original", "--dry-run"], { user: ADMIN.name });
        assert.equal(dry.code, 0, dry.stderr);
        assert.true(/^Would lose:\n {2}disk vda /.test(dry.stdout), dry.stdout);
        assert.equal(sha256(disk), before, "a dry run changes nothing");
        const operator = ctl(["backup", "restore", repoName, backupId, "--over-original", "--no-ask"], { user: OPERATOR.name });
        assert.notEqual(operator.code, 0);
        assert.true(/not authorized/i.test(operator.stderr), operator.stderr);
        const both = ctl(["backup", "restore", repoName, backupId, uniqueName("dvx"), "--over-original"], { user: ADMIN.name });
        assert.equal(both.code, 2, `a new name with --over-original is a usage error: ${both.stderr}`);

        const definitionBefore = virsh("dumpxml", "--inactive", name).replace(/<disk[\s\S]*?<\/disk>/g, "");
        const one = ctl(["backup", "restore", repoName, backupId, "--over-original", "--disk", "vda", "--wait"], { user: ADMIN.name });
        assert.equal(one.code, 0, one.stderr);
        assert.true(/^Lost:\n {2}disk vda /.test(one.stdout) && !/settings/.test(one.stdout), one.stdout);
        assert.equal(rawContent(disk, dir), backedUpHash, "vda holds the backed-up content again");
        assert.equal(virsh("dumpxml", "--inactive", name).replace(/<disk[\s\S]*?<\/disk>/g, ""), definitionBefore, "the settings stay");
    });
});
