// The format of a disk image read from its own header, and the refusal of
// every image that would make qemu-img open another file. The images are
// made here with qemu-img (and a few patched bytes); qemu-img's own report
// is the reference for the formats and sizes of the ordinary ones.
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import QUnit from "qunit";
import { confinedToolCommand, convertLimits, readableBy } from "../../helpers/debvisord/images/confined-qemu-img.js";
import { fdReader, inspectImage, RefusedImage } from "../../helpers/debvisord/images/image-headers.js";
import { openSource } from "../../helpers/debvisord/images/image-import.js";
import { containsSecret, craftImages, makeSecret, ordinaryImages, vmdkDescriptor } from "../lib/crafted-images.js";

function inspectFile(file: string, declared?: string) {
    const fd = fs.openSync(file, "r");
    try {
        return inspectImage(fdReader(fd, fs.fstatSync(fd).size, fs.readSync), declared);
    } finally {
        fs.closeSync(fd);
    }
}

function refusal(file: string, declared?: string): string {
    try {
        inspectFile(file, declared);
    } catch (e) {
        if (e instanceof RefusedImage)
            return e.message;
        throw e;
    }
    return "accepted";
}

function qemuInfo(file: string): { format: string; "virtual-size": number } {
    return JSON.parse(execFileSync("qemu-img", ["info", "--output=json", file], { encoding: "utf8" }));
}

/* Overwrites bytes of a file in place. */
function patch(file: string, offset: number, bytes: Buffer): void {
    const fd = fs.openSync(file, "r+");
    fs.writeSync(fd, bytes, 0, bytes.length, offset);
    fs.closeSync(fd);
}

QUnit.module("image headers: format and references to other files", hooks => {
    let dir = "";
    hooks.before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "dv-headers-"));
    });
    hooks.after(() => fs.rmSync(dir, { recursive: true, force: true }));

    QUnit.test("ordinary images: the format and virtual size qemu-img reports", assert => {
        const raw = path.join(dir, "disk.raw");
        fs.writeFileSync(raw, Buffer.alloc(3 << 20, 7));
        const files = ordinaryImages(dir, raw);
        for (const format of ["vdi", "vpc", "vhdx"]) {
            const file = path.join(dir, `disk.${format}`);
            execFileSync("qemu-img", ["convert", "-f", "raw", "-O", format, raw, file]);
            files.push(file);
        }
        const fixed = path.join(dir, "fixed.vhdx");
        execFileSync("qemu-img", ["create", "-q", "-f", "vhdx", "-o", "subformat=fixed", fixed, "5M"]);
        files.push(fixed);
        for (const file of files) {
            const info = qemuInfo(file);
            assert.deepEqual(inspectFile(file), { format: info.format, virtualSize: info["virtual-size"] }, path.basename(file));
        }
    });

    QUnit.test("every crafted image is refused, saying why", assert => {
        const secret = makeSecret(dir);
        const crafted = craftImages(dir, secret);
        assert.true(crafted.length >= 10);
        for (const c of crafted) {
            const message = refusal(c.file);
            assert.true(c.reason.test(message), `${c.label}: ${message}`);
        }
    });

    QUnit.test("the crafted images are real: qemu-img left to probe them copies the secret", assert => {
        const secret = makeSecret(dir);
        const sub = fs.mkdtempSync(path.join(dir, "real-"));
        const leaking = craftImages(sub, secret).filter(c => {
            const out = path.join(sub, "out.raw");
            // as debvisord ran it before: probed, as root
            fs.rmSync(out, { force: true });
            const r = spawnSync("qemu-img", ["convert", "-O", "raw", c.file, out], { stdio: "ignore" });
            return r.status === 0 && containsSecret(out, secret);
        }).map(c => path.basename(c.file));
        assert.deepEqual(leaking, ["flat.vmdk", "looks-raw.img", "parent.vmdk", "parent-comment.vmdk", "wrapper.vmdk", "backing.qcow2", "json.qcow2", "datafile.qcow2", "innocent.qcow2"]);
    });

    QUnit.test("differencing VHD, VDI and VHDX, QED, qcow version 1 and encrypted qcow2 are refused", assert => {
        const vpc = path.join(dir, "diff.vpc");
        execFileSync("qemu-img", ["create", "-q", "-f", "vpc", vpc, "1M"]);
        patch(vpc, 60, Buffer.from([0, 0, 0, 4]));
        assert.true(/differencing VHD/.test(refusal(vpc)), refusal(vpc));
        const vdi = path.join(dir, "diff.vdi");
        execFileSync("qemu-img", ["create", "-q", "-f", "vdi", vdi, "1M"]);
        patch(vdi, 0x4c, Buffer.from([4, 0, 0, 0]));
        assert.true(/differencing or undo VDI/.test(refusal(vdi)), refusal(vdi));
        const vhdx = path.join(dir, "diff.vhdx");
        execFileSync("qemu-img", ["create", "-q", "-f", "vhdx", vhdx, "1M"]);
        // the file parameters' "has parent" flag, found through the metadata table
        const image = fs.readFileSync(vhdx);
        const table = image.indexOf("metadata");
        const entry = image.indexOf(Buffer.from("3767a1ca36fa434db3b633f0aa44e76b", "hex"), table);
        assert.true(table > 0 && entry > table, "the metadata table and the file parameters' entry");
        const flags = table + image.readUInt32LE(entry + 16) + 4;
        patch(vhdx, flags, Buffer.from([image[flags] | 2]));
        assert.true(/differencing VHDX/.test(refusal(vhdx)), refusal(vhdx));
        const qed = path.join(dir, "x.qed");
        execFileSync("qemu-img", ["create", "-q", "-f", "qed", qed, "1M"]);
        assert.true(/^is a QED image; supported are qcow2, raw, vmdk, vdi, vpc, vhdx$/.test(refusal(qed)), refusal(qed));
        const qcow = path.join(dir, "x.qcow");
        execFileSync("qemu-img", ["create", "-q", "-f", "qcow", qcow, "1M"]);
        assert.true(/qcow \(version 1\)/.test(refusal(qcow)), refusal(qcow));
        const encrypted = path.join(dir, "enc.qcow2");
        // the header's crypt method set to LUKS (2), as qemu-img writes it; making a real one takes seconds of key stretching
        execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", encrypted, "1M"]);
        patch(encrypted, 32, Buffer.from([0, 0, 0, 2]));
        assert.true(/encrypted qcow2/.test(refusal(encrypted)), refusal(encrypted));
    });

    QUnit.test("a data file named only in a header extension is refused as well", assert => {
        const file = path.join(dir, "ext-only.qcow2");
        execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", "-o", `data_file=${path.join(dir, "ext.data")}`, file, "1M"]);
        // clear the incompatible feature bit: the extension alone remains
        const header = fs.readFileSync(file).subarray(72, 80);
        header.writeBigUInt64BE(header.readBigUInt64BE(0) & ~4n, 0);
        patch(file, 72, header);
        assert.true(/names an external data file/.test(refusal(file)), refusal(file));
    });

    QUnit.test("text that qemu would probe as a VMDK descriptor is refused, whatever its comments and line ends", assert => {
        const crlf = path.join(dir, "crlf.img");
        fs.writeFileSync(crlf, "# made by hand\r\n\r\n   \r\n" + vmdkDescriptor("vmfs", ["RW 8 VMFS \"/dev/sda\""]).replace(/^# Disk DescriptorFile\n/, "").replace(/\n/g, "\r\n"));
        assert.true(/VMDK descriptor \(createType "vmfs"\)/.test(refusal(crlf)), refusal(crlf));
        const notADescriptor = path.join(dir, "notes.raw");
        fs.writeFileSync(notADescriptor, "hello\nversion=1\n");
        assert.deepEqual(inspectFile(notADescriptor).format, "raw");
    });

    QUnit.test("a declared format is checked, and a disk declared raw is never interpreted", assert => {
        const secret = makeSecret(dir);
        const descriptor = path.join(dir, "guest-wrote-this.raw");
        fs.writeFileSync(descriptor, vmdkDescriptor("monolithicFlat", [`RW 8 FLAT "${secret.file}" 0`]));
        assert.deepEqual(inspectFile(descriptor, "raw"), { format: "raw", virtualSize: fs.statSync(descriptor).size });
        const qcow2 = path.join(dir, "declared.qcow2");
        execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", qcow2, "1M"]);
        assert.equal(inspectFile(qcow2, "qcow2").format, "qcow2");
        assert.equal(refusal(descriptor.replace("guest-wrote-this.raw", "declared.qcow2"), "vmdk"), "is declared vmdk but its header says qcow2");
    });

    QUnit.test("openSource: missing files, directories and FIFOs are refused with the argument's name", assert => {
        const fifo = path.join(dir, "fifo");
        execFileSync("mkfifo", [fifo]);
        const cases: Array<[string, string, RegExp]> = [
            [path.join(dir, "missing"), "NotFound", /^options\.image: .*missing does not exist$/],
            [dir, "InvalidArgument", /^options\.image: .* is not a regular file$/],
            [fifo, "InvalidArgument", /^options\.image: .* is not a regular file$/],
        ];
        for (const [file, name, message] of cases) {
            try {
                openSource(file, "options.image").close();
                assert.true(false, `${file} was accepted`);
            } catch (e) {
                const error = e as Error & { errorName?: string };
                assert.equal(error.errorName, name, file);
                assert.true(message.test(error.message), error.message);
            }
        }
    });
});

QUnit.module("confined qemu-img: the command line", () => {
    QUnit.test("qemu-img runs as the given user without groups, with no_new_privs and limits", assert => {
        assert.deepEqual(confinedToolCommand({ uid: 107, gid: 116 }, { addressSpace: 1 << 30, cpuSeconds: 30 }, "qemu-img", ["info", "/dev/fd/3"]), [
            "setpriv", "--reuid=107", "--regid=116", "--clear-groups", "--no-new-privs", "--pdeathsig", "SIGTERM", "--",
            "prlimit", "--as=1073741824", "--cpu=30", "--", "qemu-img", "info", "/dev/fd/3",
        ]);
        assert.equal(convertLimits(1 << 20).cpuSeconds, 600, "a floor for small images");
        assert.equal(convertLimits(100 * 2 ** 30).cpuSeconds, 3200, "32 MiB per CPU second for large ones");
    });

    QUnit.test("whether the user may reopen a source follows the owner, group and other bits", assert => {
        const user = { uid: 107, gid: 116 };
        const stat = (uid: number, gid: number, mode: number) => ({ uid, gid, mode: 0o100000 | mode }) as fs.Stats;
        assert.false(readableBy(user, stat(0, 0, 0o600)));
        assert.false(readableBy(user, stat(0, 0, 0o640)));
        assert.true(readableBy(user, stat(0, 0, 0o644)));
        assert.true(readableBy(user, stat(0, 116, 0o640)));
        assert.false(readableBy(user, stat(107, 0, 0o044)), "the owner's bits decide for the owner");
        assert.true(readableBy(user, stat(107, 0, 0o400)));
    });
});
