import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import QUnit from "qunit";
import { ensureDir } from "../../helpers/debvisord/host/dirs.js";

QUnit.module("directories the daemon creates", () => {
    QUnit.test("under the daemon's umask 077, new parents stay traversable and the leaf gets its mode", assert => {
        const base = fs.mkdtempSync(path.join(os.tmpdir(), "dv-dirs-"));
        const old = process.umask(0o077);
        try {
            ensureDir(path.join(base, "var/lib/libvirt/images"), 0o711);
            assert.equal(fs.statSync(path.join(base, "var/lib/libvirt")).mode & 0o777, 0o755);
            assert.equal(fs.statSync(path.join(base, "var/lib/libvirt/images")).mode & 0o777, 0o711);
            fs.chmodSync(path.join(base, "var/lib/libvirt/images"), 0o700);
            ensureDir(path.join(base, "var/lib/libvirt/images"), 0o711);
            assert.equal(fs.statSync(path.join(base, "var/lib/libvirt/images")).mode & 0o777, 0o700, "an existing directory is left as it is");
        } finally {
            process.umask(old);
            fs.rmSync(base, { recursive: true });
        }
    });
});
