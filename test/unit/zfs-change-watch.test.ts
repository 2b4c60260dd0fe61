import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import QUnit from "qunit";
import { ZfsChangeWatch } from "../../helpers/debvisord/zfs/change-watch.js";
import { readEverySeconds } from "../../helpers/debvisord/zfs/properties.js";
import { waitFor } from "../lib/wait.js";

const FUSE = { kind: "zfs-fuse" as const, version: "", parsable: false, json: false, lz4: false, volumes: false };

QUnit.module("zfs: the change watch", hooks => {
    let dir = "";
    hooks.beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), "dv-zfs-watch-")) });
    hooks.afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    QUnit.test("a pool cache file replaced by rename, as zpool writes it, asks for one look at the pools; other files ask for none", async assert => {
        const cache = path.join(dir, "zpool.cache");
        let reads = 0;
        const watch = new ZfsChangeWatch(() => reads++, () => assert.true(false, "no event stream on zfs-fuse"), [cache, path.join(dir, "absent", "zpool.cache")]);
        watch.start(FUSE);
        try {
            fs.writeFileSync(path.join(dir, "unrelated"), "x");
            await new Promise(r => setTimeout(r, 300));
            assert.equal(reads, 0, "a file of another name is not a pool change");
            fs.writeFileSync(`${cache}.tmp`, "a");
            fs.renameSync(`${cache}.tmp`, cache);
            fs.writeFileSync(`${cache}.tmp`, "b");
            fs.renameSync(`${cache}.tmp`, cache);
            await waitFor("a read asked for", () => reads > 0, 5000, 20);
            await new Promise(r => setTimeout(r, 300));
            assert.equal(reads, 1, "a burst of writes is one read");
        } finally {
            watch.stop();
        }
        fs.writeFileSync(cache, "c");
        await new Promise(r => setTimeout(r, 300));
        assert.equal(reads, 1, "nothing after stop");
    });

    QUnit.test("read-every-seconds: a whole number from 1 to 3600, else the default", assert => {
        const file = path.join(dir, "zfs.json");
        assert.equal(readEverySeconds(file), 10, "no file");
        for (const [value, want] of [[3600, 3600], [1, 1], [0, 10], [3601, 10], [2.5, 10], ["60", 10]] as const) {
            fs.writeFileSync(file, JSON.stringify({ "read-every-seconds": value }));
            assert.equal(readEverySeconds(file), want, JSON.stringify(value));
        }
    });
});
