// Changed-block backups on the installed daemon. A shut-off machine's disk
// is changed through qemu's block layer (qemu-io: the code path a guest's
// writes take, so the qcow2's dirty bitmap sees them); its next backup reads
// only the changed segments, and what is restored from it is the source's
// content exactly. When the bitmap is gone, when the tracking the daemon
// keeps does not match the parent snapshot, or when the parent snapshot was
// forgotten, the backup reads the whole disk and is still exact.
import crypto from "node:crypto";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import QUnit from "qunit";
import { closeWatchBus, watchJobs } from "../lib/bus-watch.js";
import { areas, reactivateDaemon } from "../lib/daemon.js";
import { tempDir, uniqueName } from "../lib/images.js";
import { ADMIN, OPERATOR } from "../lib/users.js";
import { waitFor, withTimeout } from "../lib/wait.js";
import {
    addTestRepository, createMachineFromImage, firstDisk, machineCall, MIB, prop, rawContent, removeTestMachineAndRepository, repoCall, restic,
    virsh, volumeFile, writePattern,
} from "../lib/backups.js";

const TRACKING_DIR = "/var/lib/debvisor/backup-tracking";
const STAGING_DIR = "/var/lib/debvisor/backup";
const DISK_MIB = 96;
const DATA_MIB = 48;

QUnit.module("backup incremental: only changed blocks read, restored exactly", hooks => {
    let dir = "";
    const password = `dv-${crypto.randomBytes(12).toString("hex")}`;
    const passwordFile = () => path.join(dir, "password");
    const repoName = uniqueName("dvincrepo");
    const repoDir = () => path.join(dir, "repo");
    let repoPath = "";
    const name = uniqueName("dvinc");
    let machinePath = "";
    let disk = "";
    let pool = "default";
    const volumesMade: string[] = [];
    let watch: Awaited<ReturnType<typeof watchJobs>>;

    /* An operator's backup: its snapshot, the bytes read from the disk, whether only changes were read. */
    const backUp = async () => {
        const reply = await machineCall(OPERATOR.name, machinePath, "Backup", "sa{sv}", [repoName, {}]);
        if (!reply.ok)
            throw new Error(reply.message);
        const [ok, message] = await withTimeout(watch(reply.body[0] as string).completed, 300_000, "the backup");
        if (!ok)
            throw new Error(message);
        return {
            message, id: /snapshot ([0-9a-f]{8})/.exec(message)?.[1] ?? "", read: Number(/disk bytes read: (\d+)/.exec(message)?.[1] ?? NaN),
            incremental: /only what changed on vda/.test(message),
        };
    };
    /* The disk restored as a new volume; its content's hash. */
    const restoredContent = async (id: string) => {
        const volume = uniqueName("dvincdisk");
        volumesMade.push(`${volume}.qcow2`);
        const reply = await repoCall(OPERATOR.name, repoPath, "RestoreDisk", "ssa{sv}", [id, "vda", { name: ["s", volume] }]);
        if (!reply.ok)
            throw new Error(reply.message);
        const [ok, message] = await withTimeout(watch(reply.body[1] as string).completed, 300_000, "the disk restore");
        if (!ok)
            throw new Error(message);
        return rawContent(volumeFile(`${volume}.qcow2`, pool), dir);
    };
    const snapshots = () => (JSON.parse(restic(repoDir(), passwordFile(), "snapshots", "--json")) as unknown[]).length;
    /* A few scattered changes, one of them zeros (a discard-like write). */
    const change = (pattern: number) => {
        writePattern(disk, "qcow2", pattern, 3 * MIB + 4096, 100 * 1024);
        writePattern(disk, "qcow2", pattern + 1, 40 * MIB - 50 * 1024, 100 * 1024);
        writePattern(disk, "qcow2", pattern + 2, 70 * MIB, 64 * 1024); // where no data was
        execFileSync("qemu-io", ["-f", "qcow2", "-c", `write -z ${20 * MIB} ${256 * 1024}`, disk], { stdio: "pipe" });
    };

    hooks.before(async () => {
        dir = tempDir("dv-backup-inc-");
        fs.writeFileSync(passwordFile(), password, { mode: 0o600 });
        await waitFor("the backups area to be ready", async () => (await areas()).backups?.state === "ready", 30_000, 200);
        watch = await watchJobs();
        repoPath = await addTestRepository(repoName, repoDir(), password);
        const source = path.join(dir, "machine.raw");
        const fd = fs.openSync(source, "w", 0o644);
        for (let i = 0; i < DATA_MIB; i++)
            fs.writeSync(fd, crypto.randomBytes(MIB));
        fs.closeSync(fd);
        fs.truncateSync(source, DISK_MIB * MIB);
        machinePath = await createMachineFromImage(name, source, watch);
        ({ file: disk, pool } = await firstDisk(machinePath));
    });
    hooks.after(async () => {
        for (const volume of volumesMade)
            try { virsh("vol-delete", "--pool", pool, volume) } catch { /* not made */ }
        await removeTestMachineAndRepository(`${name}-renamed`, "");
        await removeTestMachineAndRepository(name, repoName);
        fs.rmSync(dir, { recursive: true, force: true });
        closeWatchBus();
    });

    /* The segment files the staging directory keeps for the machine and how many 512-byte blocks of data they hold. */
    const stagedSegments = async () => {
        const segments = path.join(STAGING_DIR, String(await prop(machinePath, "UUID")), "disks", "vda");
        const files = fs.readdirSync(segments).flatMap(group => fs.readdirSync(path.join(segments, group)).map(f => path.join(segments, group, f)));
        return { files: files.length, blocks: files.reduce((n, f) => n + fs.statSync(f).blocks, 0) };
    };
    /* DebVisor's bitmaps on the disk and the one the tracking names for the repository. */
    const diskBitmaps = async () => {
        const info = JSON.parse(execFileSync("qemu-img", ["info", "-U", "--output=json", disk], { encoding: "utf8" })) as
            { "format-specific": { data: { bitmaps?: Array<{ name: string }> } } };
        const tracking = JSON.parse(fs.readFileSync(path.join(TRACKING_DIR, `${String(await prop(machinePath, "UUID"))}.json`), "utf8")) as
            Record<string, { disks: Record<string, { bitmap: string | null }> }>;
        return {
            onDisk: (info["format-specific"].data.bitmaps ?? []).map(b => b.name).filter(b => b.startsWith("debvisor-backup-")),
            tracked: Object.values(tracking).map(t => t.disks.vda?.bitmap),
        };
    };

    QUnit.test("the second backup reads only the changed segments; the restored disk is the source's content", async assert => {
        const first = await backUp();
        assert.false(first.incremental, first.message);
        assert.true(first.read >= DATA_MIB * MIB && first.read < (DATA_MIB + 1) * MIB, `the first read the data, not the empty rest: ${first.message}`);
        // every segment written for restic has let go of its data by the time the job ends
        const kept = await stagedSegments();
        assert.equal(kept.files, DATA_MIB * 4, "a placeholder for each 256 KiB segment that held data");
        assert.equal(kept.blocks, 0, "no data kept in the staging directory");
        change(0x21);
        const content = rawContent(disk, dir);
        const second = await backUp();
        assert.true(second.incremental, second.message);
        assert.equal((await stagedSegments()).blocks, 0, "none after the second either");
        // the first backup's bitmap went: only the one the next backup reads from is left
        const bitmaps = await diskBitmaps();
        assert.equal(bitmaps.onDisk.length, 1, `one bitmap on the disk: ${bitmaps.onDisk.join(", ")}`);
        assert.deepEqual(bitmaps.tracked, bitmaps.onDisk, "the one the tracking names");
        // five 256 KiB segments hold the changes (one change straddles two)
        assert.true(second.read > 0 && second.read <= 6 * 256 * 1024, `only the changed segments were read: ${second.read} bytes`);
        assert.equal(await restoredContent(second.id), content, "the disk restored from the second backup is the source's content");

        // restored as a new machine as well
        const restoredName = uniqueName("dvincnew");
        const restored = await repoCall(OPERATOR.name, repoPath, "Restore", "ssa{sv}", [second.id, restoredName, {}]);
        assert.true(restored.ok, restored.ok ? "restoring" : restored.message);
        if (!restored.ok) return;
        try {
            const [ok, message] = await withTimeout(watch(restored.body[1] as string).completed, 300_000, "the restore");
            assert.true(ok, message);
            assert.equal(rawContent(volumeFile(`${restoredName}.qcow2`, pool), dir), content, "the new machine's disk too");
        } finally {
            await removeTestMachineAndRepository(restoredName, "");
        }
        // an unchanged machine: nothing read at all
        const third = await backUp();
        assert.true(third.incremental && third.read === 0, third.message);
        assert.equal(await restoredContent(third.id), content, "and restored from that, the same content");
    });

    QUnit.test("no bitmap, tracking that does not match, a forgotten parent: read in full, restored exactly", async assert => {
        // the bitmap is lost (as when the image was converted or copied)
        for (const b of ((JSON.parse(execFileSync("qemu-img", ["info", "--output=json", disk], { encoding: "utf8" })) as
            { "format-specific": { data: { bitmaps?: Array<{ name: string }> } } })["format-specific"].data.bitmaps ?? []))
            execFileSync("qemu-img", ["bitmap", "--remove", disk, b.name]);
        change(0x41);
        let content = rawContent(disk, dir);
        const noBitmap = await backUp();
        assert.false(noBitmap.incremental, noBitmap.message);
        assert.true(noBitmap.read >= (DATA_MIB - 1) * MIB, `the whole disk's data was read: ${noBitmap.message}`);
        assert.equal(await restoredContent(noBitmap.id), content, "restored exactly");

        // the placeholders kept in the staging directory no longer match the parent snapshot (touched):
        // restic would read them as the disk's data; the backup sees that, forgets that snapshot and reads everything
        const uuid = String(await prop(machinePath, "UUID"));
        const segments = path.join(STAGING_DIR, uuid, "disks", "vda");
        for (const group of fs.readdirSync(segments))
            for (const file of fs.readdirSync(path.join(segments, group)))
                fs.utimesSync(path.join(segments, group, file), 1_000_000, 1_000_000);
        change(0x51);
        let before = snapshots();
        const touchedContent = rawContent(disk, dir);
        const touched = await backUp();
        assert.false(touched.incremental, touched.message);
        assert.equal(snapshots(), before + 1, "one snapshot more: the wrong one was forgotten");
        assert.equal(await restoredContent(touched.id), touchedContent, "restored exactly");

        // no staging directory, and the daemon's tracking says other mtimes than the parent snapshot has:
        // the placeholders made from it do not match either; read in full again
        fs.rmSync(path.join(STAGING_DIR, uuid), { recursive: true, force: true });
        const tracking = path.join(TRACKING_DIR, `${uuid}.json`);
        const kept = JSON.parse(fs.readFileSync(tracking, "utf8")) as Record<string, { disks: Record<string, { mtimes: number[] }> }>;
        for (const repository of Object.values(kept))
            for (const d of Object.values(repository.disks))
                d.mtimes = d.mtimes.map(m => m ? m + 7 : 0);
        fs.writeFileSync(tracking, JSON.stringify(kept));
        change(0x55);
        content = rawContent(disk, dir);
        before = snapshots();
        const lied = await backUp();
        assert.false(lied.incremental, lied.message);
        assert.equal(snapshots(), before + 1, "one snapshot more: the wrong one was forgotten");
        assert.equal(await restoredContent(lied.id), content, "restored exactly");

        // the parent snapshot is forgotten (retention, by hand)
        restic(repoDir(), passwordFile(), "forget", lied.id);
        change(0x61);
        content = rawContent(disk, dir);
        const orphan = await backUp();
        assert.false(orphan.incremental, orphan.message);
        assert.equal(await restoredContent(orphan.id), content, "restored exactly");
        // and from here on, changes only again
        change(0x71);
        content = rawContent(disk, dir);
        const next = await backUp();
        assert.true(next.incremental, next.message);
        assert.equal(await restoredContent(next.id), content, "restored exactly");
    });

    QUnit.test("restored over the original from an incremental backup: the backed-up content comes back", async assert => {
        change(0x81);
        const content = rawContent(disk, dir);
        const last = await backUp();
        assert.true(last.incremental, last.message);
        change(0x91);
        assert.notEqual(rawContent(disk, dir), content, "the disk changed since");
        const reply = await repoCall(ADMIN.name, repoPath, "RestoreOverOriginal", "sa{sv}", [last.id, {}]);
        assert.true(reply.ok, reply.ok ? "restoring" : reply.message);
        if (!reply.ok) return;
        const [ok, message] = await withTimeout(watch(reply.body[0] as string).completed, 300_000, "the restore");
        assert.true(ok, message);
        assert.equal(rawContent(disk, dir), content, "the disk holds the backed-up content again");
        // a restored disk is a new file without the bitmap: the next backup reads it in full
        change(0xa1);
        const after = await backUp();
        assert.false(after.incremental, after.message);
        assert.equal(await restoredContent(after.id), rawContent(disk, dir), "restored exactly");
    });

    QUnit.test("renamed, the tracking stays; deleted (also while debvisord was down), nothing of its backups is left on the node", async assert => {
        const uuid = String(await prop(machinePath, "UUID"));
        const tracking = path.join(TRACKING_DIR, `${uuid}.json`);
        const staging = path.join(STAGING_DIR, uuid);
        const bitmaps = () => ((JSON.parse(execFileSync("qemu-img", ["info", "-U", "--output=json", disk], { encoding: "utf8" })) as
            { "format-specific": { data: { bitmaps?: Array<{ name: string }> } } })["format-specific"].data.bitmaps ?? [])
            .map(b => b.name).filter(b => b.startsWith("debvisor-backup-"));
        const renamed = await machineCall(ADMIN.name, machinePath, "Rename", "sa{sv}", [`${name}-renamed`, {}]);
        assert.true(renamed.ok, renamed.ok ? "renamed" : renamed.message);
        change(0xb1);
        const afterRename = await backUp();
        assert.true(afterRename.incremental, `the renamed machine (same UUID) is still tracked: ${afterRename.message}`);

        // what a machine deleted while debvisord was down left: swept when it starts again
        const gone = crypto.randomUUID();
        fs.writeFileSync(path.join(TRACKING_DIR, `${gone}.json`), "{}", { mode: 0o600 });
        fs.mkdirSync(path.join(STAGING_DIR, gone, "disks", "vda"), { recursive: true });
        await reactivateDaemon();
        await waitFor("the backups area to be ready again", async () => (await areas()).backups?.state === "ready", 60_000, 200);
        await waitFor("the leftovers of the machine deleted meanwhile to be swept",
            () => !fs.existsSync(path.join(TRACKING_DIR, `${gone}.json`)) && !fs.existsSync(path.join(STAGING_DIR, gone)), 30_000, 100);
        assert.true(fs.existsSync(tracking) && fs.existsSync(staging), "a machine that is still there keeps its tracking and staging directory");

        // deleted (its disk kept): the tracking, the staging directory and the bitmaps on the kept disk go
        assert.true(bitmaps().length > 0, "the disk carries the backup's bitmap");
        const deleted = await machineCall(ADMIN.name, machinePath, "Delete", "a{sv}", [{}]);
        assert.true(deleted.ok, deleted.ok ? "deleted" : deleted.message);
        volumesMade.push(path.basename(disk));
        await waitFor("the deleted machine's tracking and staging directory to go",
            () => !fs.existsSync(tracking) && !fs.existsSync(staging), 30_000, 100);
        await waitFor("the backup bitmaps on the kept disk to go", () => bitmaps().length === 0, 30_000, 100);
        assert.true(fs.existsSync(disk), "the disk itself stays");
    });
});
