// Restoring over a machine swaps the restored disks in by rename: a failure
// while defining the machine puts every original file back and removes what
// was restored; success leaves only the restored files.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import QUnit from "qunit";
import { STAGED_SUFFIX, swapIn, type RestorePlanDisk } from "../../helpers/debvisord/backups/restore-original.js";
import type { Libvirt } from "../../helpers/debvisord/machines/libvirt.js";

QUnit.module("backup restore: swapping restored disks in", hooks => {
    let dir = "";
    let plan: RestorePlanDisk[] = [];
    const noLibvirt = {} as Libvirt; // replaced disks only: no volume is adopted
    hooks.beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "dv-swap-"));
        plan = ["vda", "vdb"].map(target => {
            const file = path.join(dir, `${target}.qcow2`);
            fs.writeFileSync(file, `original ${target}`);
            fs.writeFileSync(file + STAGED_SUFFIX, `restored ${target}`);
            return { target, from: `/backup/${target}`, format: "qcow2", bytes: 10, file, replaces: true };
        });
    });
    hooks.afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    QUnit.test("a definition that cannot be defined: the originals are back, nothing else is left", async assert => {
        let undone = 0;
        await assert.rejects(swapIn(noLibvirt, plan, () => Promise.reject(new Error("libvirt said no")), async () => { undone++ }), /libvirt said no/);
        assert.deepEqual(plan.map(p => fs.readFileSync(p.file, "utf8")), ["original vda", "original vdb"]);
        assert.deepEqual(fs.readdirSync(dir).sort(), ["vda.qcow2", "vdb.qcow2"]);
        assert.equal(undone, 0, "the definition was not changed, so there is nothing to undo");
    });

    QUnit.test("a staged file that cannot be moved in: the disks moved before it are put back too", async assert => {
        fs.rmSync(plan[1].file + STAGED_SUFFIX);
        await assert.rejects(swapIn(noLibvirt, plan, async () => undefined, async () => undefined), /ENOENT/);
        assert.deepEqual(plan.map(p => fs.readFileSync(p.file, "utf8")), ["original vda", "original vdb"]);
        assert.deepEqual(fs.readdirSync(dir).sort(), ["vda.qcow2", "vdb.qcow2"]);
    });

    QUnit.test("success: the restored files in place, the originals gone", async assert => {
        await swapIn(noLibvirt, plan, async () => undefined, async () => undefined);
        assert.deepEqual(plan.map(p => fs.readFileSync(p.file, "utf8")), ["restored vda", "restored vdb"]);
        assert.deepEqual(fs.readdirSync(dir).sort(), ["vda.qcow2", "vdb.qcow2"]);
    });
});
