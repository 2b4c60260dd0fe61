// Restoring over a machine swaps the restored disks in by rename: a failure
// while defining the machine puts every original file back and removes what
// was restored; success leaves only the restored files. A swap a stopped
// daemon left half done is finished from its journal, forward or back.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import QUnit from "qunit";
import { STAGED_SUFFIX, swapIn, type RestorePlanDisk } from "../../helpers/debvisord/backups/restore-original.js";
import { REPLACED_SUFFIX, rollBack, rollForward, SwapJournals, type SwapJournal } from "../../helpers/debvisord/backups/swap-journal.js";
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
            return { target, from: { target, file: `/backup/${target}`, format: "qcow2", bytes: 10 }, format: "qcow2", bytes: 10, file, replaces: true };
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

QUnit.module("backup restore: finishing a swap a stopped daemon left", hooks => {
    let dir = "";
    let defined: string[] = [];
    const libvirt = { defineDomain: async (xml: string) => { defined.push(xml); return "/domain" }, poolCall: async () => undefined } as unknown as Libvirt;
    const journal = (direction: SwapJournal["direction"]): SwapJournal => ({
        version: 1, machine: "/m", name: "web", uuid: "00000000-0000-0000-0000-000000000001", definition: "<restored/>", previous: "<original/>",
        direction, disks: ["vda", "vdb"].map(t => ({ file: path.join(dir, `${t}.qcow2`), replaces: true })),
    });
    const contents = () => ["vda", "vdb"].map(t => fs.readFileSync(path.join(dir, `${t}.qcow2`), "utf8"));
    /* vda swapped in already (its original aside), vdb's original aside and its restored file not yet moved: the worst moment. */
    const halfSwapped = () => {
        fs.writeFileSync(path.join(dir, "vda.qcow2"), "restored vda");
        fs.writeFileSync(path.join(dir, `vda.qcow2${REPLACED_SUFFIX}`), "original vda");
        fs.writeFileSync(path.join(dir, `vdb.qcow2${REPLACED_SUFFIX}`), "original vdb");
        fs.writeFileSync(path.join(dir, `vdb.qcow2${STAGED_SUFFIX}`), "restored vdb");
    };
    hooks.beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "dv-swap-journal-"));
        defined = [];
    });
    hooks.afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    QUnit.test("forward from half swapped: every disk restored, the restored definition defined, nothing left beside; again changes nothing", async assert => {
        halfSwapped();
        await rollForward(libvirt, journal("forward"));
        assert.deepEqual(contents(), ["restored vda", "restored vdb"]);
        assert.deepEqual(fs.readdirSync(dir).sort(), ["vda.qcow2", "vdb.qcow2"]);
        await rollForward(libvirt, journal("forward"));
        assert.deepEqual(contents(), ["restored vda", "restored vdb"], "a recovery cut off and run again ends the same");
        assert.deepEqual(defined, ["<restored/>", "<restored/>"]);
    });

    QUnit.test("forward before the first rename: the originals go aside first, then away", async assert => {
        for (const t of ["vda", "vdb"]) {
            fs.writeFileSync(path.join(dir, `${t}.qcow2`), `original ${t}`);
            fs.writeFileSync(path.join(dir, `${t}.qcow2${STAGED_SUFFIX}`), `restored ${t}`);
        }
        await rollForward(libvirt, journal("forward"));
        assert.deepEqual(contents(), ["restored vda", "restored vdb"]);
        assert.deepEqual(fs.readdirSync(dir).sort(), ["vda.qcow2", "vdb.qcow2"]);
    });

    QUnit.test("back from half swapped: every original in place, the old definition defined, nothing left beside", async assert => {
        halfSwapped();
        await rollBack(libvirt, journal("back"));
        assert.deepEqual(contents(), ["original vda", "original vdb"]);
        assert.deepEqual(fs.readdirSync(dir).sort(), ["vda.qcow2", "vdb.qcow2"]);
        assert.deepEqual(defined, ["<original/>"]);
    });

    QUnit.test("the journal: written root-only, listed, an unreadable one reported rather than guessed at, removed", assert => {
        const journals = new SwapJournals(path.join(dir, "journals"));
        journals.write(journal("forward"));
        assert.equal(fs.statSync(path.join(dir, "journals", "00000000-0000-0000-0000-000000000001.json")).mode & 0o777, 0o600);
        assert.true(journals.pending("00000000-0000-0000-0000-000000000001"));
        fs.writeFileSync(path.join(dir, "journals", "00000000-0000-0000-0000-000000000002.json"), "{ cut off");
        const listed = journals.list();
        assert.equal(listed.length, 2);
        assert.true(listed.some(j => "unreadable" in j && /00000000-0000-0000-0000-000000000002\.json$/.test(j.unreadable)));
        journals.remove("00000000-0000-0000-0000-000000000001");
        assert.false(journals.pending("00000000-0000-0000-0000-000000000001"));
    });
});
