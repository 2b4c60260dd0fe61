// What the daemon saved earlier: a missing file is "nothing saved yet", any
// other failure names the file and never passes for an empty default.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import QUnit from "qunit";
import { readSavedFile } from "../../helpers/lib/saved-file.js";
import { readListFile } from "../../helpers/debvisord/backups/list-file.js";

QUnit.module("saved-file: reading the daemon's own saved files", hooks => {
    let base = "";
    hooks.beforeEach(() => { base = fs.mkdtempSync(path.join(os.tmpdir(), "dv-saved-")) });
    hooks.afterEach(() => fs.rmSync(base, { recursive: true, force: true }));

    QUnit.test("a file that is there: its text; one that is not: null", assert => {
        const file = path.join(base, "state.json");
        assert.strictEqual(readSavedFile(file), null);
        fs.writeFileSync(file, "{\"a\": 1}\n");
        assert.strictEqual(readSavedFile(file), "{\"a\": 1}\n");
    });

    QUnit.test("a file that cannot be read is an error naming it, not a default", assert => {
        const dir = path.join(base, "repositories.json");
        fs.mkdirSync(dir);
        assert.throws(() => readSavedFile(dir), new RegExp(`cannot read ${dir}: .*EISDIR`));
        // so a list that cannot be read is not taken for an empty one (the next change would overwrite it)
        assert.throws(() => readListFile(dir, "repositories"), /cannot read .*repositories\.json/);
        assert.deepEqual(readListFile(path.join(base, "missing.json"), "repositories"), []);
    });
});
