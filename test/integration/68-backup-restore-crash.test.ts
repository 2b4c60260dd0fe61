// A restore over the original machine with debvisord killed (SIGKILL) in the
// middle of its swap — the moment the first original disk is renamed aside:
// once the bus starts it again, the machine is either wholly the original
// (both disks and its settings as they were) or wholly the restore, nothing
// is left beside its disks, and the audit log records how it was finished.
import crypto from "node:crypto";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import QUnit from "qunit";
import { busNameOwnerPid } from "../harness/harness.js";
import { closeWatchBus, watchJobs } from "../lib/bus-watch.js";
import { areas, BUS_NAME } from "../lib/daemon.js";
import { randomImage, tempDir, uniqueName } from "../lib/images.js";
import { ADMIN } from "../lib/users.js";
import { waitFor } from "../lib/wait.js";
import {
    addTestRepository, backUpMachine, createMachineFromImage, holdsPattern, machineCall, MIB, prop, removeTestMachineAndRepository, repoCall, virsh, volumeFile, writePattern,
} from "../lib/backups.js";

const AUDIT_LOG = "/var/log/debvisor/audit.jsonl";
const ROUNDS = 3;
const BACKED_UP = 0xa1, CHANGED = 0xc2;
const SETTINGS_MARK = "changed after the backup";

QUnit.module("backup restore: debvisord killed during the swap", hooks => {
    let dir = "";
    const password = `dv-${crypto.randomBytes(12).toString("hex")}`;
    const repoName = uniqueName("dvcrashrepo");
    let repoPath = "";
    const name = uniqueName("dvcrash");
    let machinePath = "";
    let disks: string[] = [];
    let backupId = "";
    let watch: Awaited<ReturnType<typeof watchJobs>>;

    const format = (file: string) => String(JSON.parse(execFileSync("qemu-img", ["info", "-U", "--output=json", file], { encoding: "utf8" })).format);
    const writeAll = (pattern: number) => disks.forEach(d => writePattern(d, format(d), pattern, 4 * MIB, 4 * MIB));
    /* Whether every disk holds `pattern` (qemu-io fails on a mismatch, or on a file that is not there). */
    const holdAll = (pattern: number) => disks.every(d => {
        try {
            return holdsPattern(d, format(d), pattern, 4 * MIB, 4 * MIB);
        } catch {
            return false;
        }
    });
    const settingsChanged = () => virsh("dumpxml", "--inactive", name).includes(SETTINGS_MARK);
    const leftBeside = () => [...new Set(disks.map(d => path.dirname(d)))]
        .flatMap(d => fs.readdirSync(d).filter(f => /\.debvisor-restore(-old)?$/.test(f)));
    /* The state a restore replaces: other bytes on every disk, and other settings. */
    const changeMachine = () => {
        writeAll(CHANGED);
        virsh("desc", name, "--config", "--new-desc", SETTINGS_MARK);
    };

    hooks.before(async () => {
        dir = tempDir("dv-backup-crash-");
        await waitFor("the backups area to be ready", async () => (await areas()).backups?.state === "ready", 30_000, 200);
        watch = await watchJobs();
        repoPath = await addTestRepository(repoName, path.join(dir, "repo"), password);
        machinePath = await createMachineFromImage(name, randomImage(dir, "machine.raw", 32), watch);
        const attached = await machineCall(ADMIN.name, machinePath, "AttachDisk", "ta{sv}", [16 * MIB, {}]);
        if (!attached.ok)
            throw new Error(attached.message);
        const listed = await prop(machinePath, "Disks") as Array<Record<string, unknown>>;
        disks = listed.filter(d => d.Device === "disk").map(d => String(d.Source).split("/")).map(([pool, volume]) => volumeFile(volume, pool));
        writeAll(BACKED_UP);
        backupId = await backUpMachine(machinePath, repoName, watch);
    });
    hooks.after(async () => {
        await removeTestMachineAndRepository(name, repoName);
        fs.rmSync(dir, { recursive: true, force: true });
        closeWatchBus();
    });

    QUnit.test("killed when the first disk is renamed aside: after the restart the machine is the whole restore or the whole original, and the audit log says so", async assert => {
        assert.equal(disks.length, 2, `two disks: ${disks.join(", ")}`);
        assert.true(backupId.length === 8, `the backup ${backupId}`);
        let hit = false;
        for (let round = 0; round < ROUNDS && !hit; round++) {
            changeMachine();
            const pid = busNameOwnerPid(BUS_NAME);
            assert.notEqual(pid, null, "a daemon runs");
            // kill the moment the swap begins: the first original renamed aside
            const watchers = [...new Set(disks.map(d => path.dirname(d)))].map(d => fs.watch(d, (_event, file) => {
                if (!hit && String(file).endsWith(".debvisor-restore-old")) {
                    hit = true;
                    process.kill(pid as number, "SIGKILL");
                }
            }));
            try {
                const reply = await repoCall(ADMIN.name, repoPath, "RestoreOverOriginal", "sa{sv}", [backupId, {}]);
                assert.true(reply.ok, reply.ok ? "restore started" : reply.message);
                if (!reply.ok)
                    return;
                let finished = false;
                void watch(reply.body[0] as string).completed.then(() => { finished = true });
                await waitFor("the swap, or the restore's end", () => hit || finished, 300_000, 5);
            } finally {
                watchers.forEach(w => w.close());
            }
            if (!hit)
                continue; // the restore finished before the kill landed: try again
            await waitFor("the killed daemon to be gone", () => !fs.existsSync(`/proc/${pid}`), 10_000, 20);
            assert.true(leftBeside().length > 0, `killed in the middle of the swap: ${leftBeside().join(", ")} beside the disks`);
        }
        assert.true(hit, `the kill landed in the swap within ${ROUNDS} rounds`);
        if (!hit)
            return;
        // the next call starts debvisord again; its backups area finishes the swap before it is ready
        await waitFor("the backups area to be ready again", async () => (await areas()).backups?.state === "ready", 120_000, 200);
        const restored = holdAll(BACKED_UP) && !settingsChanged();
        const original = holdAll(CHANGED) && settingsChanged();
        assert.true(restored || original, `the machine is wholly one or the other (disks backed-up: ${holdAll(BACKED_UP)}, ` +
            `disks as changed: ${holdAll(CHANGED)}, settings as changed: ${settingsChanged()}; ${virsh("dumpxml", "--inactive", name)})`);
        assert.deepEqual(leftBeside(), [], "nothing is left beside the disks");
        assert.false(fs.existsSync(`/var/lib/debvisor/restore-swaps/${machinePath.split("/").pop()!.replace(/_/g, "-")}.json`), "the journal is gone");
        const records = fs.readFileSync(AUDIT_LOG, "utf8").split("\n").filter(l => l.includes("RestoreOverOriginal.recover") && l.includes(machinePath));
        assert.equal(records.length, 1, records.join("\n"));
        assert.true(/"result":"ok: debvisord stopped/.test(records[0] ?? ""), records[0]);
        // and the machine works as a whole: it starts
        const started = await machineCall(ADMIN.name, machinePath, "Start", "a{sv}", [{}]);
        assert.true(started.ok, started.ok ? "it starts" : started.message);
        await machineCall(ADMIN.name, machinePath, "ForceOff", "a{sv}", [{}]);
    });
});
