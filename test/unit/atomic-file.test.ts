// The one way the daemon writes files: never through a link someone else
// planted in a directory they can write (bind's zone directory), never
// chmod or chown by name.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import QUnit from "qunit";
import { ensureDirectory, removeFromDirectory, replaceSymlink, writeFileAtomically, writeTemporaryFile } from "../../helpers/lib/atomic-file.js";

function scratch(hooks: NestedHooks): { base: () => string } {
    let base = "";
    hooks.beforeEach(() => { base = fs.mkdtempSync(path.join(os.tmpdir(), "dv-atomic-")) });
    hooks.afterEach(() => fs.rmSync(base, { recursive: true, force: true }));
    return { base: () => base };
}

QUnit.module("atomic-file: writes that follow no planted link", hooks => {
    const dirs = scratch(hooks);

    QUnit.test("a link planted at the old temporary name and at the file's name: the file they point at is untouched", assert => {
        const dir = path.join(dirs.base(), "zones");
        fs.mkdirSync(dir);
        const victim = path.join(dirs.base(), "victim");
        fs.writeFileSync(victim, "precious\n", { mode: 0o600 });
        const file = path.join(dir, "lab.example.org.zone");
        // the name the writer used to take, and the target's own name
        fs.symlinkSync(victim, `${file}.${process.pid}.tmp`);
        fs.symlinkSync(victim, file);
        writeFileAtomically(file, "$TTL 300\n", 0o644);
        assert.equal(fs.readFileSync(victim, "utf8"), "precious\n", "the linked-to file keeps its content");
        assert.equal(fs.statSync(victim).mode & 0o777, 0o600, "and its mode");
        assert.false(fs.lstatSync(file).isSymbolicLink(), "the link at the file's name is replaced by the file");
        assert.equal(fs.readFileSync(file, "utf8"), "$TTL 300\n");
        assert.equal(fs.statSync(file).mode & 0o777, 0o644, "the mode is set whatever the umask");
        assert.deepEqual(fs.readdirSync(dir).filter(f => f.endsWith(".tmp") && !fs.lstatSync(path.join(dir, f)).isSymbolicLink()), [], "no temporary file left");
    });

    QUnit.test("temporary names are random: two writes never share one", assert => {
        const dir = dirs.base();
        const seen = new Set<string>();
        for (let i = 0; i < 20; i++) {
            const t = writeTemporaryFile(dir, "debvisor.conf.check", "x\n");
            assert.true(path.basename(t).startsWith(".debvisor.conf.check."), "a dot file beside the target");
            seen.add(t);
        }
        assert.equal(seen.size, 20);
        assert.equal(fs.statSync([...seen][0]).mode & 0o777, 0o600);
    });

    QUnit.test("a directory that is a link is refused, not written through", assert => {
        const real = path.join(dirs.base(), "elsewhere");
        fs.mkdirSync(real, { mode: 0o755 });
        const linked = path.join(dirs.base(), "zones");
        fs.symlinkSync(real, linked);
        assert.throws(() => writeFileAtomically(path.join(linked, "a.zone"), "x\n"), /ELOOP|ENOTDIR/);
        assert.deepEqual(fs.readdirSync(real), [], "nothing written where the link points");
        assert.throws(() => ensureDirectory(linked, 0o750), /ELOOP|ENOTDIR/);
        assert.equal(fs.statSync(real).mode & 0o777, 0o755, "the linked-to directory keeps its mode");
        fs.writeFileSync(path.join(real, "keep"), "k");
        assert.throws(() => removeFromDirectory(linked, ["keep"]), /ELOOP|ENOTDIR/);
        assert.true(fs.existsSync(path.join(real, "keep")), "nothing removed through the link");
    });

    QUnit.test("ensureDirectory narrows a directory made too wide, and makes missing parents traversable under umask 077", assert => {
        const dir = path.join(dirs.base(), "var/lib/bind/debvisor");
        const old = process.umask(0o077);
        try {
            ensureDirectory(dir, 0o750);
            assert.equal(fs.statSync(path.join(dirs.base(), "var/lib")).mode & 0o777, 0o755);
            assert.equal(fs.statSync(dir).mode & 0o777, 0o750);
            fs.chmodSync(dir, 0o775);
            ensureDirectory(dir, 0o750);
            assert.equal(fs.statSync(dir).mode & 0o777, 0o750, "0775 corrected");
        } finally {
            process.umask(old);
        }
    });

    QUnit.test("replaceSymlink and removeFromDirectory remove links, never what they point at", assert => {
        const dir = dirs.base();
        const victim = path.join(dir, "victim");
        fs.writeFileSync(victim, "v");
        fs.writeFileSync(path.join(dir, "k.g1.key"), "secret");
        fs.symlinkSync(victim, path.join(dir, "k.key"));
        replaceSymlink(dir, "k.key", "k.g1.key");
        assert.equal(fs.readlinkSync(path.join(dir, "k.key")), "k.g1.key");
        assert.equal(fs.readFileSync(victim, "utf8"), "v");
        fs.symlinkSync(victim, path.join(dir, "z.zone.jnl"));
        removeFromDirectory(dir, ["z.zone", "z.zone.jnl"]);
        assert.false(fs.existsSync(path.join(dir, "z.zone.jnl")));
        assert.equal(fs.readFileSync(victim, "utf8"), "v", "the link went, its target stayed");
        assert.throws(() => removeFromDirectory(dir, ["../victim"]), /not a file name/);
    });
});
