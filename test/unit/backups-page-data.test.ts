// The Backups tab's reading of job messages and its order of backups.
import QUnit from "qunit";
import { newBytesBySnapshot, newestFirst } from "../../pkg/lib/api/backups-data.js";

const MESSAGE = "Backed up web01 to nas as snapshot 1a2b3c4d (shut off): 160 MiB read, 150 MiB new, 10 MiB reused " +
    "(new bytes: 157286400, reused bytes: 10485760)";

QUnit.module("backups tab: data", () => {
    QUnit.test("a finished backup job's message gives its snapshot's new bytes; other jobs give nothing", assert => {
        const found = newBytesBySnapshot([
            { Operation: "machine-backup", State: "succeeded", Message: MESSAGE },
            { Operation: "machine-backup", State: "running", Message: "" },
            { Operation: "machine-backup", State: "failed", Message: "restic: repository is locked" },
            { Operation: "machine-restore", State: "succeeded", Message: "Restored snapshot 99999999 (new bytes: 1)" },
            { Operation: "machine-backup", State: "succeeded", Message: "snapshot 1234 (new bytes: 5)" },
        ]);
        assert.deepEqual([...found], [["1a2b3c4d", 157286400]]);
    });

    QUnit.test("backups of several repositories: one list, newest first, a stable order for equal times", assert => {
        const a = [{ Time: 1, FullId: "a1" }, { Time: 3, FullId: "a3" }];
        const b = [{ Time: 2, FullId: "b2" }, { Time: 3, FullId: "b3" }];
        assert.deepEqual(newestFirst([a, b]).map(x => x.FullId), ["a3", "b3", "b2", "a1"]);
        assert.deepEqual(newestFirst([b, a]).map(x => x.FullId), ["a3", "b3", "b2", "a1"]);
        assert.deepEqual(newestFirst([]), []);
    });
});
