// Temporary files of atomic writes (.FILE.RANDOM.tmp, FILE.PID.tmp of older versions) left by a killed process
// are removed; those of a DebVisor process that still runs, and files that
// only look similar, are kept.
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import QUnit from "qunit";
import { removeStaleTemporaries, STALE_AFTER_MS, writeJsonAtomically } from "../../helpers/lib/atomic-file.js";
import { waitFor } from "../lib/wait.js";

QUnit.module("atomic files: stale temporaries", hooks => {
    let dir = "";
    hooks.beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), "dv-tmp-")) });
    hooks.afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    QUnit.test("only a gone writer's FILE.PID.tmp goes; a running DebVisor process keeps its own", async assert => {
        const own = path.join(dir, "own");
        const shared = path.join(dir, "shared");
        fs.mkdirSync(own);
        fs.mkdirSync(shared);
        const gone = spawnSync("true").pid!;
        // a process whose command line names debvisor, as debvisorctl's or debvisord's does
        const living = spawn("sh", ["-c", "sleep 30", "debvisord"], { stdio: "ignore" });
        await waitFor("the stand-in writer to run", () => fs.existsSync(`/proc/${living.pid}/cmdline`) &&
            fs.readFileSync(`/proc/${living.pid}/cmdline`, "utf8").includes("debvisord"), 5000, 10);
        // an unrelated running process: it cannot be writing our files
        const stranger = spawn("sleep", ["30"], { stdio: "ignore" });
        try {
            const files = {
                stale: path.join(own, `zfs-schedule.json.${gone}.tmp`),
                staleOfStranger: path.join(own, `firewall.json.${stranger.pid}.tmp`),
                live: path.join(own, `zfs-schedule.json.${living.pid}.tmp`),
                notOurPattern: path.join(own, "zfs-schedule.json.tmp"),
                notAPid: path.join(own, "zfs-schedule.json.abc.tmp"),
                sharedOurs: path.join(shared, `fstab.${gone}.tmp`),
                sharedOthers: path.join(shared, `passwd.${gone}.tmp`),
                // the random names of today's writer: stale once older than any write takes
                randomOld: path.join(own, ".zfs-schedule.json.0123456789abcdef.tmp"),
                randomNew: path.join(own, ".firewall.json.fedcba9876543210.tmp"),
                randomShared: path.join(shared, ".fstab.00112233445566ff.tmp"),
            };
            for (const f of Object.values(files)) fs.writeFileSync(f, "{}");
            const old = new Date(Date.now() - STALE_AFTER_MS - 60_000);
            fs.utimesSync(files.randomOld, old, old);
            fs.utimesSync(files.randomShared, old, old);
            const removed = removeStaleTemporaries([own + "/", path.join(shared, "fstab"), path.join(dir, "missing") + "/"]);
            assert.deepEqual(removed.sort(), [files.stale, files.staleOfStranger, files.sharedOurs, files.randomOld, files.randomShared].sort());
            for (const kept of [files.live, files.notOurPattern, files.notAPid, files.sharedOthers, files.randomNew])
                assert.true(fs.existsSync(kept), `${path.basename(kept)} is kept`);
            // the atomic write still works beside the files that were kept
            writeJsonAtomically(path.join(own, "zfs-schedule.json"), { ok: true });
            assert.deepEqual(JSON.parse(fs.readFileSync(path.join(own, "zfs-schedule.json"), "utf8")), { ok: true });
        } finally {
            living.kill();
            stranger.kill();
        }
    });
});
