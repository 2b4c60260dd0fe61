// The restic wrapper against the real restic in a temporary directory: a
// repository made and opened through the stored secrets, a backup with
// progress and its new/reused figures, a cancelled backup that records
// nothing, a dump, and the errors for a wrong password and a missing repository.
import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import QUnit from "qunit";
import { parseLocation } from "../../helpers/debvisord/backups/locations.js";
import { RepositoryStore } from "../../helpers/debvisord/backups/repositories.js";
import { parseSnapshots, Restic } from "../../helpers/debvisord/backups/restic.js";
import { moduleUnless } from "../lib/skip.js";

const hasRestic = (() => {
    try {
        execFileSync("restic", ["version"], { stdio: "ignore" });
        return true;
    } catch {
        return false;
    }
})();

/* The repository r1 made in `dir` as AddRepository makes one: its password staged, restic init, then committed and recorded. */
async function newRepository(dir: string) {
    const store = new RepositoryStore(path.join(dir, "etc"));
    const restic = new Restic();
    const repo = path.join(dir, "repo");
    const staged = store.stageSecrets("r1", { password: "correct horse battery" }, parseLocation(repo));
    await restic.must(staged.access, ["init"], "restic init");
    staged.commit();
    store.put({ name: "r1", location: repo, added: 1, addedByUid: 0, created: true });
    return { store, restic, access: store.access(store.get("r1")!) };
}

moduleUnless("backups: restic, for real, in a temporary directory", hasRestic ? null : "restic is not installed", hooks => {
    let dir = "";
    hooks.beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), "dv-restic-")) });
    hooks.afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    QUnit.test("init through staged secrets, back up twice (the second adds almost nothing), dump, and a cancelled backup records nothing", async assert => {
        const { store, restic, access } = await newRepository(dir);
        assert.deepEqual(fs.readdirSync(store.dir).sort(), ["r1.password", "repositories.json"], "the staged password took its own name");
        assert.equal(fs.statSync(path.join(store.dir, "r1.password")).mode & 0o777, 0o600);

        const data = path.join(dir, "disk.raw");
        fs.writeFileSync(data, crypto.randomBytes(24 << 20));
        const progress: number[] = [];
        const first = await restic.backup(access, [data], ["debvisor", "machine-uuid=x"], "node1", new AbortController().signal, f => progress.push(f));
        assert.true(first.bytesNew >= 24 << 20, `new: ${first.bytesNew}`);
        assert.equal(first.bytesProcessed, 24 << 20);
        assert.true(/^[0-9a-f]{8,64}$/.test(first.snapshotId), `restic 0.14 gives the short id, later ones the full: ${first.snapshotId}`);
        fs.utimesSync(data, new Date(), new Date()); // touched: restic reads it again, and finds every chunk known
        const second = await restic.backup(access, [data], ["debvisor"], "node1", new AbortController().signal, () => undefined);
        assert.true(second.bytesNew < 16 * 1024, `the second added ${second.bytesNew} bytes`);

        const target = path.join(dir, "restored.raw");
        let seen = 0;
        await restic.dumpToFile(access, first.snapshotId, data, target, new AbortController().signal, b => { seen = b });
        assert.true(fs.readFileSync(target).equals(fs.readFileSync(data)), "dump gives the very bytes");
        assert.equal(seen, 24 << 20);
        assert.equal(fs.statSync(target).mode & 0o777, 0o600);

        const listed = parseSnapshots(await restic.must(access, ["snapshots", "--json", "--tag", "debvisor,machine-uuid=x"], "snapshots"));
        assert.equal(listed.length, 1, "listed by tag");
        assert.true(listed[0].id.startsWith(first.snapshotId), "the one backed up");

        fs.writeFileSync(data, crypto.randomBytes(64 << 20));
        const abort = new AbortController();
        const cancelled = restic.backup(access, [data], ["debvisor"], "node1", abort.signal, () => undefined);
        setTimeout(() => abort.abort(new Error("cancelled by the test")), 50);
        await assert.rejects(cancelled, /cancelled by the test/);
        const all = parseSnapshots(await restic.must(access, ["snapshots", "--json"], "snapshots"));
        assert.equal(all.length, 2, "no snapshot from the cancelled backup");
        const check = await restic.run(access, ["check"]);
        assert.equal(check.exitCode, 0, `the repository checks clean after the cancel: ${check.stderr}`);
    });

    QUnit.test("a backup names each file it has read and saved as it goes: new and changed ones, not unchanged ones or directories", async assert => {
        const { restic, access } = await newRepository(dir);
        const data = path.join(dir, "data");
        fs.mkdirSync(path.join(data, "sub"), { recursive: true });
        for (const f of ["a", "sub/b"])
            fs.writeFileSync(path.join(data, f), crypto.randomBytes(300_000));
        const backUp = async (options: string[] = []) => {
            const saved: string[] = [];
            const summary = await restic.backup(access, [data], ["debvisor"], "node1", new AbortController().signal, () => undefined,
                undefined, options, file => saved.push(file));
            return { summary, saved: saved.sort() };
        };
        const first = await backUp();
        assert.deepEqual(first.saved, [path.join(data, "a"), path.join(data, "sub/b")], "both files, no directory");
        fs.writeFileSync(path.join(data, "sub/b"), crypto.randomBytes(300_000));
        fs.writeFileSync(path.join(data, "c"), crypto.randomBytes(1000));
        const second = await backUp(["--parent", first.summary.snapshotId]);
        assert.deepEqual(second.saved, [path.join(data, "c"), path.join(data, "sub/b")], "the changed and the new one, not the unchanged one");
        // without the callback, restic is not asked to say every file
        const plain = await restic.backup(access, [data], ["debvisor"], "node1", new AbortController().signal, () => undefined);
        assert.true(/^[0-9a-f]{8,64}$/.test(plain.snapshotId), plain.snapshotId);
    });

    QUnit.test("a wrong password and a missing repository are told apart", async assert => {
        const store = new RepositoryStore(path.join(dir, "etc"));
        const restic = new Restic();
        const repo = path.join(dir, "repo");
        const good = store.stageSecrets("a", { password: "the right password" }, parseLocation(repo));
        await restic.must(good.access, ["init"], "restic init");
        const bad = store.stageSecrets("b", { password: "the wrong password" }, parseLocation(repo));
        await assert.rejects(restic.must(bad.access, ["cat", "config"], "opening"), (e: Error & { errorName?: string }) =>
            e.errorName === "InvalidArgument" && /^password: wrong password/.test(e.message));
        const none = store.stageSecrets("c", { password: "any password" }, parseLocation(path.join(dir, "nothing")));
        await assert.rejects(restic.must(none.access, ["cat", "config"], "opening"), (e: Error) => /there is no restic repository at/.test(e.message));
        bad.discard();
        none.discard();
        assert.deepEqual(fs.readdirSync(store.dir), [".adding-a.password"], "a discarded add leaves no secret");
    });
});
